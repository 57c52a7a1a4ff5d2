"""Signed access tokens: identity issues them, every service verifies them locally.

Tokens are JWTs signed with Ed25519 keys (EdDSA). Each key has a key id (`kid`); the
public keys are published as a JSON Web Key Set, so verifiers need no shared secret
and a key can be rotated by adding a new one before retiring the old.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

__all__ = [
    "GRANT_AUDIENCE",
    "GRANT_LIFETIME",
    "MAIN_ROLES",
    "OUTSIDE_COURT",
    "ROLE_LABELS",
    "AuthError",
    "Claims",
    "DecisionBinding",
    "DecisionGrant",
    "KeyStore",
    "PermissionDenied",
    "TokenIssuer",
    "TokenVerifier",
    "main_role",
    "roles_required",
]

ISSUER = "jes-identity"
AUDIENCE = "jes"
# Decision grants (below) are for a different audience, so that no verifier of access
# tokens ever takes one for a bearer token, and no grant check takes an access token.
GRANT_AUDIENCE = "jes-decision"
# Long enough for a decision to be carried out after any outage (the worker retries).
GRANT_LIFETIME = timedelta(days=30)
# A signing key is used for this long, then a new one is made; old keys stay published
# until the tokens they signed have expired.
KEY_LIFETIME = timedelta(days=90)


class AuthError(Exception):
    """The token is missing, malformed, expired or not signed by a known key."""


class PermissionDenied(Exception):
    """The caller is known but may not do this. Its text is zh-TW: people read it."""


# What each role is called, for the refusals people read.
ROLE_LABELS = {
    "admin": "系統管理者",
    "clerk": "法院書記官",
    "judge": "法官",
    "firm": "鑑估價公司",
    "prosecutor": "檢察官",
    "court-system": "法院系統",
    "litigant": "當事人",
    "progress": "案件進度查詢帳號",
    "professional": "專業人員",
    "member": "憑證註冊會員",
    # the execution division's appraiser work (seed 003)
    "records-chief": "民事執行紀錄科科長",
    "chief-judge": "民事執行處庭長",
    "committee-member": "鑑定人資格審查小組委員",
    "judicial-officer": "司法事務官",
    "appraiser": "鑑定人",
}
OUTSIDE_COURT = "只能查看或處理所屬法院的資料"
# The role that names a person in audit logs: the first of these they hold.
MAIN_ROLES = (
    "admin",
    "clerk",
    "judicial-officer",
    "records-chief",
    "chief-judge",
    "committee-member",
    "judge",
    "prosecutor",
    "firm",
    "appraiser",
    "professional",
    "progress",
)


def main_role(roles: Iterable[str]) -> str:
    """The role that names an account in the audit log ("user" if it has none of them)."""
    held = set(roles)
    return next((role for role in MAIN_ROLES if role in held), "user")


def roles_required(*roles: str) -> str:
    """The zh-TW refusal for a caller without one of `roles`."""
    return f"此功能僅限{'、'.join(ROLE_LABELS.get(r, r) for r in roles)}使用"


@dataclass(frozen=True)
class Claims:
    subject: str  # account id; a module's name or a court code (jes_grpckit.Caller.claims)
    # "user" (every access token); "service" or "court-system" for a module or a court's
    # system acting as itself, known from its certificate (never from a token)
    kind: str
    roles: frozenset[str] = field(default_factory=frozenset)
    court_code: str = ""
    name: str = ""
    expires_at: int = 0
    username: str = ""  # the login name (account id), for audit logs and messages
    # the identity session the access token was issued for ("" for none): a token lives
    # minutes and only an active session gets a new one (identity's RefreshSession)
    session_id: str = ""

    @property
    def display_id(self) -> str:
        """Who the caller is to a person reading a log: login name, else subject."""
        return self.username or self.subject

    @property
    def is_service(self) -> bool:
        return self.kind == "service"

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def require_role(self, *roles: str) -> None:
        """One of `roles`; a service acting as itself has none (what a service may call
        is declared per RPC in the contracts, not granted here)."""
        if not self.has_role(*roles):
            raise PermissionDenied(roles_required(*roles))

    def require_court(self, court_code: str) -> None:
        """Court staff act only within their own court; admins anywhere."""
        if self.has_role("admin"):
            return
        if self.is_service or self.court_code != court_code:
            raise PermissionDenied(OUTSIDE_COURT)


@dataclass(frozen=True)
class DecisionBinding:
    """The one recorded decision a grant is for (token exchange in the spirit of RFC 8693:
    review-workflow exchanges the reviewer's access token for a grant to carry out this
    decision, and only this, as itself, later)."""

    kind: str  # "photo_set_review" or "firm_application"
    target_id: str  # photo set id / application id
    version: str  # the print's fingerprint (photo set); "" for an application
    decision: str  # "approve" or "reject"
    decision_id: str  # review-workflow's id of the decision
    court_code: str  # the court the decision is for

    def as_claim(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "target": self.target_id,
            "version": self.version,
            "decision": self.decision,
            "decision_id": self.decision_id,
            "court": self.court_code,
        }

    @classmethod
    def from_claim(cls, claim: dict[str, Any]) -> DecisionBinding:
        return cls(
            kind=str(claim.get("kind", "")),
            target_id=str(claim.get("target", "")),
            version=str(claim.get("version", "")),
            decision=str(claim.get("decision", "")),
            decision_id=str(claim.get("decision_id", "")),
            court_code=str(claim.get("court", "")),
        )


@dataclass(frozen=True)
class DecisionGrant:
    """A verified grant: who decided (copied by identity from their verified access token)
    and the decision it is bound to; `actor` is the module allowed to carry it out."""

    decider: Claims
    binding: DecisionBinding
    actor: str


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    created_at: datetime

    @property
    def expires_at(self) -> datetime:
        return self.created_at + KEY_LIFETIME

    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(OKPAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "EdDSA"})
        return jwk


def _created_from_kid(path: Path) -> datetime:
    """Key ids look like k20261121163000-1a2b3c4d; other names fall back to the file time."""
    try:
        return datetime.strptime(path.stem[:15], "k%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)


class KeyStore:
    """Signing keys as PEM files in a folder (a Kubernetes Secret in production).

    File name = key id; the newest file signs. A new key is made when none is current.
    """

    def __init__(self, key_dir: Path, *, create: bool = True):
        self.key_dir = key_dir
        self.keys = self._load()
        if create and (not self.keys or self.current.expires_at < datetime.now(UTC)):
            self.keys.append(self._create())

    @property
    def current(self) -> SigningKey:
        if not self.keys:
            raise AuthError(f"no signing key in {self.key_dir}")
        return self.keys[-1]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.keys]}

    def _load(self) -> list[SigningKey]:
        keys = []
        for path in sorted(self.key_dir.glob("*.pem")) if self.key_dir.exists() else []:
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(private, Ed25519PrivateKey):
                raise AuthError(f"{path} is not an Ed25519 private key")
            keys.append(SigningKey(path.stem, private, _created_from_kid(path)))
        # By key id, which starts with the creation time: file times are meaningless on
        # a mounted Kubernetes Secret.
        return sorted(keys, key=lambda k: (k.created_at, k.kid))

    def _create(self) -> SigningKey:
        self.key_dir.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        # sortable by time, unique across key stores
        kid = now.strftime("k%Y%m%d%H%M%S-") + secrets.token_hex(4)
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path = self.key_dir / f"{kid}.pem"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pem)
        tmp.chmod(0o600)
        os.replace(tmp, path)
        return SigningKey(kid, private, now)


class TokenIssuer:
    def __init__(self, keys: KeyStore, *, ttl: timedelta = timedelta(minutes=15)):
        self.keys = keys
        self.ttl = ttl

    def issue(
        self,
        subject: str,
        *,
        roles: Iterable[str] = (),
        court_code: str = "",
        name: str = "",
        username: str = "",
        ttl: timedelta | None = None,
        session_id: str = "",
    ) -> str:
        now = int(time.time())
        key = self.keys.current
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "iat": now,
            "exp": now + int((ttl or self.ttl).total_seconds()),
            "kind": "user",  # identity issues tokens for people only
            "roles": sorted(roles),
            "court": court_code,
            "name": name,
            "preferred_username": username,
        }
        if session_id:
            payload["sid"] = session_id  # OpenID Connect's name for the session id
        return jwt.encode(payload, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})

    def issue_decision_grant(
        self,
        decider: Claims,
        binding: DecisionBinding,
        *,
        actor: str,
        ttl: timedelta = GRANT_LIFETIME,
    ) -> str:
        """A grant for `actor` to carry out the one decision `binding` for `decider` (the
        verified user who decided; never fields of a request)."""
        now = int(time.time())
        key = self.keys.current
        payload = {
            "iss": ISSUER,
            "aud": GRANT_AUDIENCE,
            "sub": decider.subject,
            "iat": now,
            "exp": now + int(ttl.total_seconds()),
            "kind": "decision-grant",
            "roles": sorted(decider.roles),
            "court": decider.court_code,
            "name": decider.name,
            "preferred_username": decider.username,
            "act": {"sub": actor},
            "decision": binding.as_claim(),
        }
        return jwt.encode(payload, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})


# Clock skew allowed on a token's expiry.
LEEWAY_SECONDS = 5
# Verified access tokens remembered per verifier (each lives minutes).
VERIFIED_TOKENS_KEPT = 4096


class TokenVerifier:
    """Verifies tokens against a key set fetched by `fetch_jwks` and cached.

    An unknown key id triggers one refetch (at most every `refresh_floor` seconds), so a
    rotated key is picked up without restarting the verifying service.
    """

    def __init__(self, fetch_jwks: Callable[[], dict[str, Any]], *, refresh_floor: float = 10.0):
        self.fetch_jwks = fetch_jwks
        self.refresh_floor = refresh_floor
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()
        # access tokens verified before -> their claims (an Ed25519 check and the JSON
        # cost ~0.1-0.3 ms of CPU a call; a reader's token is used for minutes)
        self._verified: dict[str, Claims] = {}

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._fetched_at < self.refresh_floor and self._keys:
                return
            jwks = self.fetch_jwks()
            keys: dict[str, Ed25519PublicKey] = {}
            for jwk in jwks.get("keys", []):
                public = OKPAlgorithm.from_jwk(json.dumps(jwk))
                if isinstance(public, Ed25519PublicKey):
                    keys[jwk["kid"]] = public
            self._keys = keys
            self._fetched_at = time.monotonic()

    def verify(self, token: str) -> Claims:
        """An access token (audience "jes"); a decision grant is refused here. A token
        verified before is not verified again (its signature, audience and issuer cannot
        have changed): it is looked up, and only its expiry is checked."""
        claims = self._verified.get(token)
        if claims is not None:
            if claims.expires_at + LEEWAY_SECONDS <= time.time():
                self._verified.pop(token, None)
                raise AuthError("token expired")
            return claims
        claims = self._claims(self._decode(token, AUDIENCE))
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            self._verified.clear()  # rare: more live tokens than kept; verify them again
        self._verified[token] = claims
        return claims

    def verify_decision_grant(self, token: str) -> DecisionGrant:
        """A decision grant (audience "jes-decision"); an access token is refused here."""
        payload = self._decode(token, GRANT_AUDIENCE)
        if payload.get("kind") != "decision-grant" or not isinstance(payload.get("decision"), dict):
            raise AuthError("not a decision grant")
        act = payload.get("act")
        return DecisionGrant(
            decider=self._claims({**payload, "kind": "user"}),
            binding=DecisionBinding.from_claim(payload["decision"]),
            actor=str(act.get("sub", "")) if isinstance(act, dict) else "",
        )

    @staticmethod
    def _claims(payload: dict[str, Any]) -> Claims:
        return Claims(
            subject=payload["sub"],
            kind=payload.get("kind", "user"),
            roles=frozenset(payload.get("roles", [])),
            court_code=payload.get("court", ""),
            name=payload.get("name", ""),
            expires_at=payload["exp"],
            username=payload.get("preferred_username", ""),
            session_id=str(payload.get("sid", "")),
        )

    def _decode(self, token: str, audience: str) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid", "")
        except jwt.PyJWTError as exc:
            raise AuthError("malformed token") from exc
        if kid not in self._keys:
            self._refresh()
        key = self._keys.get(kid)
        if key is None:
            raise AuthError("token signed by an unknown key")
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=audience,
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("token expired") from exc
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {exc}") from exc
        return dict(payload)
