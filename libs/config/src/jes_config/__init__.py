"""Configuration from the environment, validated once at start.

A service describes its settings with an `Env` reader; every problem is collected and
reported together, so an operator fixes a bad deployment in one go.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

__all__ = [
    "SERVICES",
    "ConfigError",
    "Env",
    "PlatformConfig",
    "ServiceConfig",
    "TlsFiles",
    "default_port",
    "local_secret",
]

# name -> (gRPC port, metrics port); see docs/conventions.md
SERVICES: dict[str, tuple[int, int]] = {
    "identity": (50051, 9101),
    "photo-storage": (50052, 9102),
    "report-render": (50053, 9103),
    "review-workflow": (50054, 9104),
    "case-sync": (50055, 9105),
    "notification": (50056, 9106),
}


def default_port(service: str) -> int:
    return SERVICES[service][0]


class ConfigError(Exception):
    """One or more settings are missing or malformed."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n  " + "\n  ".join(problems))


class Env:
    """Reads typed settings from an environment mapping, collecting every error."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        self.environ = os.environ if environ is None else environ
        self.problems: list[str] = []

    def string(self, name: str, default: str | None = None) -> str:
        value = self.environ.get(name, "").strip()
        if value:
            return value
        if default is None:
            self.problems.append(f"{name} is required")
            return ""
        return default

    def integer(
        self, name: str, default: int, *, lo: int | None = None, hi: int | None = None
    ) -> int:
        raw = self.environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(f"{name} must be a whole number, got {raw!r}")
            return default
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.problems.append(f"{name} must be between {lo} and {hi}, got {value}")
        return value

    def url(self, name: str, default: str | None, schemes: tuple[str, ...]) -> str:
        value = self.string(name, default)
        if value and urlparse(value).scheme not in schemes:
            allowed = ", ".join(f"{s}://" for s in schemes)
            self.problems.append(f"{name} must start with one of {allowed}; got {value!r}")
        return value

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.string(name, default)
        if value not in choices:
            self.problems.append(f"{name} must be one of {', '.join(choices)}; got {value!r}")
        return value

    def check(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)


@dataclass(frozen=True)
class PlatformConfig:
    """Settings every service shares. Defaults are the all-in-one embedded ones."""

    data_dir: Path
    event_bus_url: str
    object_store_url: str
    object_store_access_key: str
    object_store_secret_key: str
    mail_url: str
    mail_from: str
    public_url: str
    url_signing_key: str  # signs the folder store's object URLs; "" with MinIO/S3
    log_level: str
    bind_host: str
    addrs: dict[str, str]

    @classmethod
    def from_env(cls, env: Env) -> PlatformConfig:
        data_dir = Path(env.string("JES_DATA_DIR", "var")).resolve()
        http_port = env.integer("JES_HTTP_PORT", 8080, lo=1, hi=65535)
        addrs = {
            name: env.string(f"JES_{name.upper().replace('-', '_')}_ADDR", f"127.0.0.1:{grpc}")
            for name, (grpc, _metrics) in SERVICES.items()
        }
        object_store_url = env.url(
            "JES_OBJECT_STORE_URL", f"file://{data_dir}/objects", ("file", "http", "https")
        )
        return cls(
            data_dir=data_dir,
            event_bus_url=env.url(
                "JES_EVENT_BUS_URL", f"embedded://{data_dir}/bus.db", ("embedded", "kafka")
            ),
            object_store_url=object_store_url,
            object_store_access_key=env.string("JES_OBJECT_STORE_ACCESS_KEY", ""),
            object_store_secret_key=env.string("JES_OBJECT_STORE_SECRET_KEY", ""),
            mail_url=env.url("JES_MAIL_URL", f"mailbox://{data_dir}/mailbox", ("smtp", "mailbox")),
            mail_from=env.string("JES_MAIL_FROM", "no-reply@jes.example"),
            public_url=env.string("JES_PUBLIC_URL", f"http://127.0.0.1:{http_port}").rstrip("/"),
            url_signing_key=_url_signing_key(env, data_dir, object_store_url),
            log_level=env.choice("JES_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            # Kubernetes sets 0.0.0.0; locally every server stays on loopback.
            bind_host=env.string("JES_BIND_HOST", "127.0.0.1"),
            addrs=addrs,
        )


def _url_signing_key(env: Env, data_dir: Path, object_store_url: str) -> str:
    """The folder store's URLs (served by the gateway at /objects/...) are signed with a key
    of their own: JES_URL_SIGNING_KEY, or one generated into the data folder. MinIO/S3 sign
    their URLs themselves."""
    key = env.string("JES_URL_SIGNING_KEY", "")
    if key:
        if len(key) < 32:
            env.problems.append("JES_URL_SIGNING_KEY must be at least 32 characters")
        return key
    if urlparse(object_store_url).scheme != "file":
        return ""
    return local_secret(data_dir, "url-signing-key")


def local_secret(data_dir: Path, name: str) -> str:
    """All-in-one and local runs share generated secrets kept in the data folder (0600)."""
    path = data_dir / name
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=f".{name}-")  # mode 0600 from the start
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
            try:  # the first process to link it wins; the others read the winner's
                os.link(tmp, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


@dataclass(frozen=True)
class TlsFiles:
    """The gRPC identity of one module: its certificate and key, and the CA it trusts.

    Set by JES_TLS_CERT_FILE, JES_TLS_KEY_FILE and JES_TLS_CA_FILE (the charts point them
    at a cert-manager or existing Secret). Unset, they are `<data>/pki/<module>/tls.crt`,
    `tls.key` and `ca.crt`, issued on first use by a CA in `<data>/pki/ca` (`local`).
    """

    cert: Path
    key: Path
    ca: Path
    local: bool  # generated under the data folder when missing

    @classmethod
    def from_env(cls, env: Env, data_dir: Path, name: str) -> TlsFiles:
        names = ("JES_TLS_CERT_FILE", "JES_TLS_KEY_FILE", "JES_TLS_CA_FILE")
        given = [env.string(n, "") for n in names]
        if not any(given):
            folder = data_dir / "pki" / name
            return cls(folder / "tls.crt", folder / "tls.key", folder / "ca.crt", local=True)
        if not all(given):
            env.problems.append(f"{', '.join(names)} are set together or not at all")
        for setting, value in zip(names, given, strict=True):
            if value and not Path(value).is_file():
                env.problems.append(f"{setting}: no such file {value!r}")
        cert, key, ca = (Path(v) for v in given)
        return cls(cert, key, ca, local=False)


def health_port_default(grpc_port: int) -> int:
    """The plaintext port that serves only the gRPC health check, for Kubernetes probes
    (they cannot present a client certificate): the gRPC port + 1000."""
    return grpc_port + 1000 if grpc_port else 0


@dataclass(frozen=True)
class ServiceConfig:
    """What one gRPC service needs besides the platform settings."""

    name: str
    platform: PlatformConfig
    database_url: str
    grpc_port: int
    metrics_port: int
    tls: TlsFiles
    health_port: int = 0  # plaintext gRPC health only (probes); 0 = none

    @classmethod
    def load(cls, name: str, environ: Mapping[str, str] | None = None) -> ServiceConfig:
        env = Env(environ)
        platform = PlatformConfig.from_env(env)
        _grpc, metrics_default = SERVICES[name]
        # The port this service is known at by the others, unless JES_GRPC_PORT says else.
        grpc_default = int(platform.addrs[name].rsplit(":", 1)[-1] or _grpc)
        db_default = f"sqlite:///{platform.data_dir}/{name}.db"
        grpc_port = env.integer("JES_GRPC_PORT", grpc_default, lo=0, hi=65535)
        config = cls(
            name=name,
            platform=platform,
            database_url=env.url(
                "JES_DATABASE_URL", db_default, ("sqlite", "postgresql", "postgresql+psycopg")
            ),
            grpc_port=grpc_port,
            metrics_port=env.integer("JES_METRICS_PORT", metrics_default, lo=0, hi=65535),
            tls=TlsFiles.from_env(env, platform.data_dir, name),
            health_port=env.integer(
                "JES_HEALTH_PORT", health_port_default(grpc_port), lo=0, hi=65535
            ),
        )
        env.check()
        return config
