"""The OpenID providers people sign in with (single sign-on), from the environment.

    JES_SSO_PROVIDERS=courts,moj           the providers, by name (none: no single sign-on)
    JES_SSO_<NAME>_ISSUER=https://...       the provider's issuer (discovery at
                                            <issuer>/.well-known/openid-configuration)
    JES_SSO_<NAME>_CLIENT_ID / _CLIENT_SECRET   this portal's confidential client there
    JES_SSO_<NAME>_ROLE=judge|prosecutor    the role its accounts get
    JES_SSO_<NAME>_LABEL=...                the login button's text (zh-TW; a default per role)

Only identity reads them: the secret never reaches the gateway.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from jes_config import ConfigError, Env, is_loopback

ROLES = ("judge", "prosecutor")
DEFAULT_LABELS = {"judge": "法官單一登入", "prosecutor": "檢察官（法務部單一登入窗口）"}
NAME = re.compile(r"^[a-z][a-z0-9]{0,19}$")
# An account that signs in at a provider: its directory owns the name (read again on every
# visit) and the password (there is none here). Identity refuses changes with these words;
# the gateway's pages say them where the field or the page would be.
NAME_FROM_DIRECTORY = "名稱由所屬機關的單一登入目錄提供，無法在此修改"
PASSWORD_AT_PROVIDER = "此帳號以所屬機關的單一登入使用，密碼由機關管理，無法在此變更"  # noqa: S105


@dataclass(frozen=True)
class SignInProviderConfig:
    name: str
    issuer: str
    client_id: str
    client_secret: str
    role: str
    label: str


def sign_in_providers(env: Env) -> tuple[SignInProviderConfig, ...]:
    """The configured providers; problems go to `env.problems` (reported together)."""
    raw = env.string("JES_SSO_PROVIDERS", "")
    names = [name.strip() for name in raw.split(",") if name.strip()]
    providers = []
    for name in names:
        if not NAME.match(name):
            env.problems.append(
                f"JES_SSO_PROVIDERS: {name!r} is not a provider name (a-z, 0-9, at most 20)"
            )
            continue
        prefix = f"JES_SSO_{name.upper()}_"
        issuer = env.string(prefix + "ISSUER").rstrip("/")
        parts = urlsplit(issuer)
        plain_http_ok = parts.scheme == "http" and is_loopback(parts.hostname or "")
        if issuer and not (parts.scheme == "https" or plain_http_ok):
            env.problems.append(f"{prefix}ISSUER must be an https:// URL (http only on loopback)")
        role = env.string(prefix + "ROLE", "")
        if role not in ROLES:
            env.problems.append(f"{prefix}ROLE must be one of {', '.join(ROLES)}; got {role!r}")
        providers.append(
            SignInProviderConfig(
                name=name,
                issuer=issuer,
                client_id=env.string(prefix + "CLIENT_ID"),
                client_secret=env.string(prefix + "CLIENT_SECRET"),
                role=role,
                label=env.string(prefix + "LABEL", DEFAULT_LABELS.get(role, name)),
            )
        )
    if len(set(names)) != len(names):
        env.problems.append("JES_SSO_PROVIDERS names a provider twice")
    return tuple(providers)


def load_sign_in_providers(
    environ: Mapping[str, str] | None = None,
) -> tuple[SignInProviderConfig, ...]:
    env = Env(environ)
    providers = sign_in_providers(env)
    if env.problems:
        raise ConfigError(env.problems)
    return providers
