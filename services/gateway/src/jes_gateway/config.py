"""Gateway settings (the shared ones come from jes_config.PlatformConfig)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jes_config import Env, PlatformConfig, TlsFiles, local_secret
from jes_gateway.edge import Network, parse_networks


@dataclass(frozen=True)
class GatewayConfig:
    platform: PlatformConfig
    http_port: int
    secret_key: str  # signs the session cookie; its own key, never shared with anything
    tls: TlsFiles  # the gateway's certificate for calling the services (mutual TLS)
    max_upload_mb: int
    dev_mailbox: bool  # show the local mailbox at /dev/mailbox (all-in-one only)
    # Proxies (CIDRs) whose X-Forwarded-For and X-Forwarded-Proto are believed; none by default.
    trusted_proxies: tuple[Network, ...] = ()

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> GatewayConfig:
        env = Env(environ)
        platform = PlatformConfig.from_env(env)
        raw_proxies = env.string("JES_TRUSTED_PROXIES", "")
        try:
            trusted_proxies = parse_networks(raw_proxies)
        except ValueError:
            env.problems.append(
                f"JES_TRUSTED_PROXIES must be CIDRs separated by commas, got {raw_proxies!r}"
            )
            trusted_proxies = ()
        config = cls(
            platform=platform,
            http_port=env.integer("JES_HTTP_PORT", 8080, lo=0, hi=65535),
            secret_key=env.string("JES_SECRET_KEY", "")
            or local_secret(platform.data_dir, "session-key"),
            tls=TlsFiles.from_env(env, platform.data_dir, "gateway"),
            max_upload_mb=env.integer("JES_MAX_UPLOAD_MB", 30, lo=1, hi=200),
            dev_mailbox=platform.mail_url.startswith("mailbox:"),
            trusted_proxies=trusted_proxies,
        )
        env.check()
        return config
