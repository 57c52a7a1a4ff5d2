import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

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


def test_rotated_key_is_fetched_on_first_sight(tmp_path: Path):
    key_dir = tmp_path / "keys"
    old = KeyStore(key_dir)
    verifier = TokenVerifier(lambda: KeyStore(key_dir, create=False).jwks(), refresh_floor=0)
    verifier.verify(TokenIssuer(old).issue("a"))
    # a new key file appears (rotation): newer mtime makes it current
    time.sleep(1.1)
    for pem in key_dir.glob("*.pem"):
        os.utime(pem, (time.time() - 100 * 86400, time.time() - 100 * 86400))
    rotated = KeyStore(key_dir)
    assert rotated.current.kid != old.current.kid
    assert verifier.verify(TokenIssuer(rotated).issue("b")).subject == "b"


def test_court_scope_and_roles():
    clerk = Claims(subject="c", kind="user", roles=frozenset({"clerk"}), court_code="TPD")
    clerk.require_court("TPD")
    with pytest.raises(PermissionDenied):
        clerk.require_court("KLD")
    with pytest.raises(PermissionDenied):
        clerk.require_role("admin")
    service = Claims(subject="notification", kind="service")
    service.require_court("KLD")
    service.require_role("admin")
