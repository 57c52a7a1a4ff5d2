"""Talking to an OpenID provider (OpenID Connect Core, authorisation code flow with PKCE,
RFC 7636): discovery, the authorisation URL, the code exchange and the ID token's
signature against the provider's published keys (JWKS, fetched through PyJWT's
PyJWKClient, which caches them and refetches on an unknown key id). What the verified
claims must say is domain/sign_in.py's."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

import jwt
import requests

from jes_config.sign_in import SignInProviderConfig
from jes_domain import FailedPrecondition, Unauthenticated, Unavailable
from jes_identity.domain.sign_in import SIGN_IN_FAILED

HTTP_TIMEOUT_SECONDS = 10
DISCOVERY_TTL_SECONDS = 3600
# asymmetric signatures only: never "none", never a MAC keyed with the client secret
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
PROVIDER_DOWN = "單一登入服務暫時無法使用，請稍後再試"


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) per RFC 7636 4.1-4.2."""
    verifier = secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class ProviderClient(Protocol):
    """What the sign-in use cases need of a provider (a fake in the service tests)."""

    config: SignInProviderConfig

    def authorization_url(
        self, *, state: str, nonce: str, code_challenge: str, redirect_uri: str
    ) -> str: ...

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> str:
        """The ID token the token endpoint returns for `code`."""
        ...

    def verified_claims(self, id_token: str) -> dict[str, Any]:
        """The claims of an ID token whose signature a key of the provider's verifies."""
        ...


@dataclass
class HttpProviderClient:
    """A provider reached over HTTP(S), its metadata from discovery."""

    config: SignInProviderConfig
    http: requests.Session = field(default_factory=requests.Session)
    _metadata: dict[str, Any] = field(default_factory=dict)
    _metadata_at: float = 0.0
    _keys: jwt.PyJWKClient | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata and time.monotonic() - self._metadata_at < DISCOVERY_TTL_SECONDS:
                return self._metadata
            url = f"{self.config.issuer}/.well-known/openid-configuration"
            try:
                response = self.http.get(url, timeout=HTTP_TIMEOUT_SECONDS)
                response.raise_for_status()
                metadata = response.json()
            except (requests.RequestException, ValueError) as exc:
                raise Unavailable(PROVIDER_DOWN) from exc
            # OpenID Connect Discovery 4.3: the issuer must be exactly the configured one
            if metadata.get("issuer") != self.config.issuer:
                raise FailedPrecondition(PROVIDER_DOWN, fields={"issuer": "身分提供者的簽發者不符"})
            self._metadata, self._metadata_at = metadata, time.monotonic()
            self._keys = jwt.PyJWKClient(
                metadata["jwks_uri"], cache_keys=True, timeout=HTTP_TIMEOUT_SECONDS
            )
            return metadata

    def authorization_url(
        self, *, state: str, nonce: str, code_challenge: str, redirect_uri: str
    ) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "redirect_uri": redirect_uri,
                "scope": "openid",
                "state": state,
                "nonce": nonce,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.metadata()['authorization_endpoint']}?{query}"

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> str:
        endpoint = self.metadata()["token_endpoint"]
        try:
            response = self.http.post(
                endpoint,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": code_verifier,
                },
                auth=(self.config.client_id, self.config.client_secret),
                timeout=HTTP_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            raise Unavailable(PROVIDER_DOWN) from exc
        if response.status_code >= 500:
            raise Unavailable(PROVIDER_DOWN)
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not isinstance(body.get("id_token"), str):
            # e.g. invalid_grant: a used, expired or stolen code, or a wrong verifier
            raise Unauthenticated(SIGN_IN_FAILED, fields={"code": "授權碼無效或已使用過"})
        return str(body["id_token"])

    def verified_claims(self, id_token: str) -> dict[str, Any]:
        self.metadata()
        assert self._keys is not None
        try:
            key = self._keys.get_signing_key_from_jwt(id_token)
            # the claims themselves are checked by domain/sign_in.py (with zh-TW reasons)
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key.key,
                algorithms=list(SIGNING_ALGORITHMS),
                options={"verify_aud": False, "verify_iss": False, "verify_exp": False},
            )
        except jwt.PyJWKClientConnectionError as exc:
            raise Unavailable(PROVIDER_DOWN) from exc
        except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
            raise Unauthenticated(SIGN_IN_FAILED, fields={"id_token": "ID token 簽章無效"}) from exc
        return claims
