"""Single sign-on rules: what an ID token must say, and who it makes of a person.

Judges come from the courts' provider (its directory, the courts' AD): name, directory
account and court from the claims. Prosecutors come from the ministry's single window:
name, the prosecutor role and the prosecutor's identifier. An account is found by the
provider's issuer and stable subject only, never by an e-mail address or a username.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from jes_domain import FailedPrecondition, InvalidArgument, Unauthenticated
from jes_zhtw import COURT_CODES

JUDGE = "judge"
PROSECUTOR = "prosecutor"
SIGN_IN_ROLES = (JUDGE, PROSECUTOR)
# a started sign-in is good for this long (the person types their password meanwhile)
FLOW_LIFETIME = timedelta(minutes=10)
# clocks of the provider and identity may differ this much
CLOCK_SKEW_SECONDS = 60
# the provider's role claim a prosecutor's ID token must carry
PROSECUTOR_ROLE_CLAIM = "roles"
NAME_MAX = 100
DIRECTORY_ACCOUNT_MAX = 100
PROSECUTOR_ID_MAX = 40

SIGN_IN_FAILED = "單一登入失敗，請重新登入"
FLOW_UNKNOWN = "登入流程已失效或已使用過，請重新登入"
STATE_MISMATCH = "登入流程不符（可能不是您本人發起的登入），請重新登入"
UNKNOWN_PROVIDER = "沒有這個單一登入服務"


@dataclass(frozen=True)
class ProviderSettings:
    """One configured OpenID provider, as far as the rules need it."""

    name: str
    issuer: str
    client_id: str
    role: str  # judge or prosecutor


@dataclass(frozen=True)
class ExternalPerson:
    """Who the ID token says signed in, checked against the rules for its provider."""

    issuer: str
    subject: str
    display_name: str
    directory_account: str
    court_code: str
    prosecutor_id: str
    role: str


def state_hash(state: str) -> str:
    """What is stored of a state: a leaked table does not let anyone finish a sign-in."""
    return hashlib.sha256(state.encode()).hexdigest()


def check_state(returned: str, kept: str) -> None:
    """The state the provider sent back must be the one this browser's session started
    with (a login CSRF or a swapped callback otherwise)."""
    if not returned or not kept or returned != kept:
        raise Unauthenticated(STATE_MISMATCH)


def check_id_token_claims(
    claims: Mapping[str, Any], provider: ProviderSettings, nonce: str, now: float
) -> None:
    """OpenID Connect Core 3.1.3.7 for a verified token: issuer, audience, authorized
    party, expiry, issue time, and the nonce of this very sign-in (no replay)."""
    if claims.get("iss") != provider.issuer:
        raise Unauthenticated(SIGN_IN_FAILED, fields={"iss": "ID token 的簽發者不符"})
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    if provider.client_id not in audiences:
        raise Unauthenticated(SIGN_IN_FAILED, fields={"aud": "ID token 不是發給本系統的"})
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise Unauthenticated(SIGN_IN_FAILED, fields={"azp": "ID token 的授權對象不符"})
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires + CLOCK_SKEW_SECONDS < now:
        raise Unauthenticated(SIGN_IN_FAILED, fields={"exp": "ID token 已過期"})
    issued = claims.get("iat")
    if not isinstance(issued, int | float) or issued - CLOCK_SKEW_SECONDS > now:
        raise Unauthenticated(SIGN_IN_FAILED, fields={"iat": "ID token 的簽發時間不合理"})
    if not nonce or claims.get("nonce") != nonce:
        raise Unauthenticated(SIGN_IN_FAILED, fields={"nonce": "ID token 不屬於這次登入"})


def _text_claim(claims: Mapping[str, Any], name: str, limit: int) -> str:
    value = claims.get(name)
    if not isinstance(value, str):
        return ""
    value = value.strip()
    return value if len(value) <= limit else ""


def person_from_claims(claims: Mapping[str, Any], provider: ProviderSettings) -> ExternalPerson:
    """The person a checked ID token names, by the rules of the provider's role; refuses
    (FailedPrecondition, zh-TW) a token that lacks what the account needs."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise InvalidArgument(SIGN_IN_FAILED, fields={"sub": "ID token 沒有使用者識別碼"})
    name = _text_claim(claims, "name", NAME_MAX)
    directory_account = _text_claim(claims, "preferred_username", DIRECTORY_ACCOUNT_MAX)
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = "身分提供者沒有提供姓名"
    if not directory_account:
        problems["preferred_username"] = "身分提供者沒有提供帳號"
    court_code = ""
    prosecutor_id = ""
    if provider.role == JUDGE:
        court_code = _text_claim(claims, "court", 10).upper()
        if not court_code:
            problems["court"] = "目錄中沒有您的所屬法院，請洽法院資訊室"
        elif court_code not in COURT_CODES:
            problems["court"] = f"目錄中的所屬法院代碼「{court_code}」不在本系統的法院清單"
    elif provider.role == PROSECUTOR:
        roles = claims.get(PROSECUTOR_ROLE_CLAIM)
        if not isinstance(roles, list) or PROSECUTOR not in roles:
            problems["roles"] = "單一登入窗口未將您登錄為檢察官"
        prosecutor_id = _text_claim(claims, "prosecutor_id", PROSECUTOR_ID_MAX)
        if not prosecutor_id:
            problems["prosecutor_id"] = "單一登入窗口沒有提供您的檢察官代號"
    if problems:
        raise FailedPrecondition("無法以單一登入建立或使用帳號", fields=problems)
    return ExternalPerson(
        issuer=provider.issuer,
        subject=subject,
        display_name=name,
        directory_account=directory_account,
        court_code=court_code,
        prosecutor_id=prosecutor_id,
        role=provider.role,
    )
