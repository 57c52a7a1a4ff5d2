"""The installation's password policy (JES_PASSWORD_POLICY, issue 10 journey 5): by
default ASVS 4.0.3 level 2, served by identity and enforced on every password it sets;
the seed portal's rule when a court chooses it; anything else stops the start."""

from __future__ import annotations

import grpc
import pytest

from jes.identity.v1 import identity_pb2 as pb
from jes_config import ConfigError, ServiceConfig
from jes_grpckit import field_violations
from jes_identity.domain.passwords import COMMON, PassphrasePolicy, policy_named

ASVS = PassphrasePolicy()


@pytest.fixture
def password_policy() -> str:
    return "asvs-l2"  # what an installation gets without the setting


def test_an_installation_gets_asvs_level_2_unless_it_says_otherwise():
    assert ServiceConfig.load("identity", {}).password_policy == "asvs-l2"
    assert ServiceConfig.load("identity", {"JES_PASSWORD_POLICY": "seed"}).password_policy == "seed"
    with pytest.raises(ConfigError, match="JES_PASSWORD_POLICY must be one of asvs-l2, seed"):
        ServiceConfig.load("identity", {"JES_PASSWORD_POLICY": "weak"})


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",  # a passphrase with spaces
        "司法院整合服務入口網真好用",  # Chinese, 13 characters
        "tr0ub4dor&3-horse",
        "x" * 3 + "Qz7!vR9#mK2p" + "長" * 113,  # 128 characters
    ],
)
def test_long_passphrases_of_any_characters_are_accepted(password):
    assert ASVS.problems(password) == []


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Short1!", "密碼長度須為 12 至 128 個字元"),
        ("長" * 129, "密碼長度須為 12 至 128 個字元"),
        ("password1234", COMMON),  # on the breached-password list
        ("qwertyuiop123", COMMON),
        ("aaaaaaaaaaaaaaaa", COMMON),  # long but trivially guessed
        ("Password1234", COMMON),
        ("tab\\there\\x00zero-fill", None),  # escaped text: fine
        ("tab\there and more", "密碼不可包含控制字元"),
    ],
)
def test_short_common_and_guessable_passwords_are_refused(password, problem):
    assert ASVS.problem(password) == problem


def test_the_seed_rule_when_a_court_chooses_it():
    seed = policy_named("seed")
    assert (seed.min_length, seed.max_length, seed.symbols) == (8, 12, "@!?.()~")
    assert seed.problem("Firm1234!") is None
    assert seed.problem("correct horse battery staple") is not None
    assert policy_named("asvs-l2") == ASVS


def test_identity_serves_the_default_policy(service):
    policy = service.client(token=None).stub.GetPasswordPolicy(pb.GetPasswordPolicyRequest())
    assert (policy.kind, policy.min_length, policy.max_length, policy.symbols) == (
        "asvs-l2",
        12,
        128,
        "",
    )
    assert list(policy.rules) == ASVS.rules()
    assert policy.summary == ASVS.summary()


def test_a_password_change_follows_the_default_policy(service):
    service.add_account("DEMOFIRM", roles=["firm"])
    me = service.client(service.login("DEMOFIRM").access_token)
    for weak in ("Short12!", "password1234"):
        with pytest.raises(grpc.RpcError) as refused:
            me.call(
                "ChangePassword",
                pb.ChangePasswordRequest(current_password="Firm1234!", new_password=weak),
            )
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert set(field_violations(refused.value)) == {"new_password"}
    me.call(
        "ChangePassword",
        pb.ChangePasswordRequest(
            current_password="Firm1234!", new_password="correct horse battery staple"
        ),
    )
    assert service.login("DEMOFIRM", "correct horse battery staple").access_token
