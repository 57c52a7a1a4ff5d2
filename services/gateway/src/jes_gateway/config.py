"""Gateway settings (the shared ones come from jes_config.PlatformConfig)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jes_config import Env, PlatformConfig, TlsFiles, local_secret
from jes_gateway.edge import Network, parse_networks

METRICS_PORT = 9107  # after the services' 9101 … 9106 (docs/conventions.md)


@dataclass(frozen=True)
class GatewayConfig:
    platform: PlatformConfig
    http_port: int
    # /metrics on a port of its own (0 = off), never the public HTTP port the Ingress carries
    metrics_port: int
    secret_key: str  # signs the session cookie; its own key, never shared with anything
    tls: TlsFiles  # the gateway's certificate for calling the services (mutual TLS)
    max_upload_mb: int
    # the gateway's own database: the per-client request limits every replica shares
    database_url: str
    # show the local mailbox at /dev/mailbox: development mode (loopback only) with the
    # embedded mailbox, never otherwise (it shows every mailed link to anyone)
    dev_mailbox: bool
    # Proxies (CIDRs) whose X-Forwarded-For and X-Forwarded-Proto are believed; none by default.
    trusted_proxies: tuple[Network, ...] = ()
    # the card holder's local signing component (HiPKI 跨平台網頁元件); the browser, not
    # the gateway, talks to it
    hipki_url: str = "http://localhost:61161"

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
            metrics_port=env.integer("JES_METRICS_PORT", METRICS_PORT, lo=0, hi=65535),
            secret_key=env.string("JES_SECRET_KEY", "")
            or local_secret(platform.data_dir, "session-key"),
            tls=TlsFiles.from_env(env, platform.data_dir, "gateway"),
            max_upload_mb=env.integer("JES_MAX_UPLOAD_MB", 30, lo=1, hi=200),
            database_url=env.url(
                "JES_DATABASE_URL",
                f"sqlite:///{platform.data_dir}/gateway.db",
                ("sqlite", "postgresql", "postgresql+psycopg"),
            ),
            dev_mailbox=platform.dev_mode and platform.mail_url.startswith("mailbox:"),
            trusted_proxies=trusted_proxies,
            hipki_url=env.string("JES_HIPKI_URL", "http://localhost:61161").rstrip("/"),
        )
        env.check()
        return config
