"""The password policy and Argon2id hashing."""

from __future__ import annotations

import pytest

from jes_identity.domain.passwords import PasswordPolicy
from jes_identity.passwords import hash_password, verify_password

LENGTH = "密碼長度須為 8 至 64 個字元"
CHARACTERS = "密碼只能包含英文大小寫字母、數字及 @!?.()~"
CASES = "密碼須同時包含大寫及小寫英文字母"
DIGIT = "密碼須包含數字"


@pytest.mark.parametrize(
    "password",
    ["Abcdef12", "Firm1234!", "Aa1@!?.()~", "A" + "a" * 62 + "1"],
    ids=["plain", "symbol", "every-symbol", "64-chars"],
)
def test_good_passwords(password: str):
    assert PasswordPolicy().problems(password) == []


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Abcde12", [LENGTH]),
        ("A" + "a" * 63 + "1", [LENGTH]),
        ("abcdefg1", [CASES]),
        ("ABCDEFG1", [CASES]),
        ("Abcdefgh", [DIGIT]),
        ("Abcdef12#", [CHARACTERS]),
        ("Abcd ef12", [CHARACTERS]),
        ("Abcdef12密", [CHARACTERS]),
        ("", [LENGTH, CASES, DIGIT]),
        ("abc", [LENGTH, CASES, DIGIT]),
    ],
)
def test_bad_passwords_name_every_problem(password: str, expected: list[str]):
    assert PasswordPolicy().problems(password) == expected


def test_a_court_can_tighten_the_policy():
    policy = PasswordPolicy(min_length=12, max_length=12, symbols="!")
    assert policy.problems("Abcdefghij12") == []
    assert policy.problems("Abcdefghi12") == ["密碼長度須為 12 至 12 個字元"]
    assert policy.problems("Abcdefghi1@x") == ["密碼只能包含英文大小寫字母、數字及 !"]


def test_hash_is_argon2id_with_production_parameters():
    assert hash_password("Firm1234!").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


@pytest.mark.usefixtures("fast_hashing")
def test_hash_is_salted():
    assert hash_password("Firm1234!") != hash_password("Firm1234!")


@pytest.mark.usefixtures("fast_hashing")
def test_verify_password():
    stored = hash_password("Firm1234!")
    assert verify_password(stored, "Firm1234!")
    assert not verify_password(stored, "firm1234!")
    assert not verify_password(stored, "")


@pytest.mark.usefixtures("fast_hashing")
@pytest.mark.parametrize("stored", [None, "", "not-a-hash", "$argon2id$v=19$broken"])
def test_verify_without_a_usable_hash_is_false(stored: str | None):
    assert not verify_password(stored, "not-a-real-password")


def test_the_policy_is_served_to_forms_without_a_token(service) -> None:
    """The seed portal's rule (JES_PASSWORD_POLICY=seed: this module's `service`); the
    default, ASVS level 2: test_password_policy."""
    from jes.identity.v1 import identity_pb2 as pb

    policy = service.client(token=None).stub.GetPasswordPolicy(pb.GetPasswordPolicyRequest())
    assert (policy.min_length, policy.max_length, policy.symbols) == (8, 12, "@!?.()~")
    assert policy.kind == "seed"
    assert list(policy.rules) == [
        "長度 8 至 12 個字元",
        "須同時包含英文大寫及小寫字母",
        "須包含數字",
        "只能使用英文字母、數字及符號 @!?.()~",
    ]
    assert "8 至 12" in policy.summary
