import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jes_auth import AuthError, Claims, KeyStore, PermissionDenied, TokenIssuer, TokenVerifier


@pytest.fixture
def keys(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "keys")


def test_issued_token_verifies_with_the_published_key_set(keys: KeyStore):
    token = TokenIssuer(keys).issue("acct-1", roles=["clerk"], court_code="TPD", name="王小明")
    claims = TokenVerifier(keys.jwks).verify(token)
    assert claims.subject == "acct-1"
    assert claims.roles == {"clerk"}
    assert claims.court_code == "TPD" and claims.name == "王小明"
    assert claims.kind == "user"
    assert claims.display_id == "acct-1"  # no login name in this token


def test_login_name_travels_in_the_token_for_audit_logs(keys: KeyStore):
    token = TokenIssuer(keys).issue("3f0c-uuid", roles=["firm"], username="TPDF0001")
    claims = TokenVerifier(keys.jwks).verify(token)
    assert (claims.subject, claims.username, claims.display_id) == (
        "3f0c-uuid",
        "TPDF0001",
        "TPDF0001",
    )


def test_keys_persist_and_are_reused(tmp_path: Path):
    first = KeyStore(tmp_path / "keys")
    second = KeyStore(tmp_path / "keys")
    assert first.current.kid == second.current.kid
    assert (tmp_path / "keys" / f"{first.current.kid}.pem").stat().st_mode & 0o777 == 0o600


def test_expired_token_is_refused(keys: KeyStore):
    token = TokenIssuer(keys).issue("acct-1", ttl=timedelta(seconds=-60))
    with pytest.raises(AuthError, match="expired"):
        TokenVerifier(keys.jwks).verify(token)


def test_token_from_another_key_set_is_refused(keys: KeyStore, tmp_path: Path):
    stranger = KeyStore(tmp_path / "other")
    token = TokenIssuer(stranger).issue("acct-1")
    with pytest.raises(AuthError, match="unknown key"):
        TokenVerifier(keys.jwks, refresh_floor=0).verify(token)


def test_tampered_token_is_refused(keys: KeyStore):
    token = TokenIssuer(keys).issue("acct-1", roles=["firm"])
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload[:-2]}AA.{signature}"
    with pytest.raises(AuthError):
        TokenVerifier(keys.jwks).verify(forged)


def write_key(key_dir: Path, kid: str) -> None:
    key_dir.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (key_dir / f"{kid}.pem").write_bytes(pem)


def test_an_expired_key_is_replaced_and_the_new_one_fetched_on_first_sight(tmp_path: Path):
    key_dir = tmp_path / "keys"
    write_key(key_dir, "k20200101000000-old")
    old = KeyStore(key_dir, create=False)
    verifier = TokenVerifier(lambda: KeyStore(key_dir, create=False).jwks(), refresh_floor=0)
    assert verifier.verify(TokenIssuer(old).issue("a")).subject == "a"
    rotated = KeyStore(key_dir)  # the old key is past its lifetime: a new one is made
    assert rotated.current.kid != "k20200101000000-old"
    assert verifier.verify(TokenIssuer(rotated).issue("b")).subject == "b"
    assert {k["kid"] for k in rotated.jwks()["keys"]} >= {"k20200101000000-old"}


def test_the_newest_key_id_signs_whatever_the_file_times(tmp_path: Path):
    key_dir = tmp_path / "keys"
    write_key(key_dir, "k20990101000000-newer")
    write_key(key_dir, "k20980101000000-older")
    # a mounted Secret gives files arbitrary times: make the older key look newest
    os.utime(key_dir / "k20980101000000-older.pem", (time.time() + 1000, time.time() + 1000))
    assert KeyStore(key_dir).current.kid == "k20990101000000-newer"


def test_court_scope_and_roles():
    clerk = Claims(subject="c", kind="user", roles=frozenset({"clerk"}), court_code="TPD")
    clerk.require_court("TPD")
    with pytest.raises(PermissionDenied):
        clerk.require_court("KLD")
    with pytest.raises(PermissionDenied):
        clerk.require_role("admin")
    # Issue 9: a service passed every role and court check. What a module may call is
    # declared per RPC in the contracts; as a role holder it has none.
    service = Claims(subject="notification", kind="service")
    with pytest.raises(PermissionDenied):
        service.require_court("KLD")
    with pytest.raises(PermissionDenied):
        service.require_role("admin")


def test_identity_issues_tokens_for_people_only(tmp_path):
    keys = KeyStore(tmp_path)
    token = TokenIssuer(keys).issue("review-workflow")
    assert TokenVerifier(keys.jwks).verify(token).kind == "user"


# -- refusals people read (issue 13 finding 4: no English where a user can see it) ---------

LATIN = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize(
    "roles",
    [("clerk", "admin"), ("admin",), ("court-system",), ("clerk", "judge", "admin"), ("firm",)],
)
def test_a_missing_role_is_refused_in_zh_tw(roles):
    firm = Claims(subject="u1", kind="user", roles=frozenset({"litigant"}))
    with pytest.raises(PermissionDenied) as refused:
        firm.require_role(*roles)
    assert not LATIN.search(str(refused.value)), str(refused.value)
    assert "僅限" in str(refused.value)


def test_another_courts_data_is_refused_in_zh_tw():
    kld_clerk = Claims(
        subject="KLDCLERK", kind="user", roles=frozenset({"clerk"}), court_code="KLD"
    )
    with pytest.raises(PermissionDenied) as refused:
        kld_clerk.require_court("TPD")
    assert str(refused.value) == "只能查看或處理所屬法院的資料"


def _binding(**changes: str):
    from dataclasses import replace

    from jes_auth import DecisionBinding

    binding = DecisionBinding(
        kind="photo_set_review",
        target_id="set-1",
        version="fp-1",
        decision="approve",
        decision_id="dec-1",
        court_code="TPD",
    )
    return replace(binding, **changes)


def test_a_decision_grant_carries_the_decider_and_its_one_decision(keys: KeyStore):
    clerk = Claims("uuid-1", "user", frozenset({"clerk"}), "TPD", "王書記官", 0, "TPDCLERK")
    grant = TokenIssuer(keys).issue_decision_grant(clerk, _binding(), actor="review-workflow")
    verified = TokenVerifier(keys.jwks).verify_decision_grant(grant)
    assert verified.binding == _binding()
    assert verified.actor == "review-workflow"
    assert verified.decider.display_id == "TPDCLERK" and verified.decider.kind == "user"
    assert verified.decider.roles == {"clerk"} and verified.decider.court_code == "TPD"
    assert verified.decider.expires_at - time.time() > 29 * 24 * 3600


def test_a_grant_is_never_an_access_token_nor_an_access_token_a_grant(keys: KeyStore):
    clerk = Claims("uuid-1", "user", frozenset({"clerk"}), "TPD", username="TPDCLERK")
    grant = TokenIssuer(keys).issue_decision_grant(clerk, _binding(), actor="review-workflow")
    with pytest.raises(AuthError):
        TokenVerifier(keys.jwks).verify(grant)
    token = TokenIssuer(keys).issue("uuid-1", roles=["clerk"], court_code="TPD")
    with pytest.raises(AuthError):
        TokenVerifier(keys.jwks).verify_decision_grant(token)


def test_a_grant_signed_by_another_key_set_is_refused(keys: KeyStore, tmp_path: Path):
    clerk = Claims("uuid-1", "user", frozenset({"clerk"}), "TPD")
    other = KeyStore(tmp_path / "other")
    grant = TokenIssuer(other).issue_decision_grant(clerk, _binding(), actor="review-workflow")
    with pytest.raises(AuthError):
        TokenVerifier(keys.jwks).verify_decision_grant(grant)


def test_a_token_verified_before_is_looked_up_not_verified_again(
    keys: KeyStore, monkeypatch: pytest.MonkeyPatch
):
    token = TokenIssuer(keys).issue("acct-1", roles=["progress"], ttl=timedelta(minutes=5))
    verifier = TokenVerifier(keys.jwks)
    decoded: list[str] = []
    decode = verifier._decode

    def counted(token: str, audience: str):  # type: ignore[no-untyped-def]
        decoded.append(token)
        return decode(token, audience)

    monkeypatch.setattr(verifier, "_decode", counted)
    first = verifier.verify(token)
    assert all(verifier.verify(token) == first for _ in range(5))
    assert decoded == [token]  # one signature check for six calls
    with pytest.raises(AuthError):  # a changed token is not the one remembered
        verifier.verify(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_a_remembered_token_is_refused_once_it_expires(
    keys: KeyStore, monkeypatch: pytest.MonkeyPatch
):
    token = TokenIssuer(keys).issue("acct-1", ttl=timedelta(minutes=5))
    verifier = TokenVerifier(keys.jwks)
    claims = verifier.verify(token)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: claims.expires_at + 6)
    with pytest.raises(AuthError, match="expired"):
        verifier.verify(token)
    monkeypatch.setattr(time, "time", lambda: now)
    assert verifier.verify(token) == claims  # the clock back: verified afresh
