"""Configuration from the environment, validated once at start.

A service describes its settings with an `Env` reader; every problem is collected and
reported together, so an operator fixes a bad deployment in one go.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse, urlsplit, urlunsplit

from jes_config.env import ConfigError, Env

__all__ = [
    "DEFAULT_MAIL_CONNECTIONS",
    "SERVICES",
    "ConfigError",
    "Env",
    "KafkaSecurity",
    "MailSecurity",
    "PlatformConfig",
    "ServiceConfig",
    "TlsFiles",
    "database_url_with_tls",
    "default_port",
    "is_loopback",
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


KAFKA_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
KAFKA_SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True)
class KafkaSecurity:
    """How every Kafka connection is secured (JES_KAFKA_*): TLS with a CA and an optional
    client certificate, and/or SASL with a mechanism and credentials."""

    protocol: str = "PLAINTEXT"
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    sasl_mechanism: str = ""
    sasl_username: str = ""
    sasl_password: str = field(default="", repr=False)

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments of kafka-python's producer, consumer and admin client."""
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.uses_tls:
            options["ssl_check_hostname"] = True
            for option, value in (
                ("ssl_cafile", self.ca_file),
                ("ssl_certfile", self.cert_file),
                ("ssl_keyfile", self.key_file),
            ):
                if value:
                    options[option] = value
        if self.protocol.startswith("SASL_"):
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self.sasl_password
        return options

    @classmethod
    def from_env(cls, env: Env) -> KafkaSecurity:
        protocol = env.choice("JES_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT", KAFKA_PROTOCOLS)
        security = cls(
            protocol=protocol,
            ca_file=env.file("JES_KAFKA_SSL_CA_FILE"),
            cert_file=env.file("JES_KAFKA_SSL_CERT_FILE"),
            key_file=env.file("JES_KAFKA_SSL_KEY_FILE"),
            sasl_mechanism=env.string("JES_KAFKA_SASL_MECHANISM", ""),
            sasl_username=env.string("JES_KAFKA_SASL_USERNAME", ""),
            sasl_password=env.string("JES_KAFKA_SASL_PASSWORD", ""),
        )
        env.pair(
            "JES_KAFKA_SSL_CERT_FILE",
            security.cert_file,
            "JES_KAFKA_SSL_KEY_FILE",
            security.key_file,
        )
        mechanism = security.sasl_mechanism
        if mechanism and mechanism not in KAFKA_SASL_MECHANISMS:
            env.problems.append(
                f"JES_KAFKA_SASL_MECHANISM must be one of {', '.join(KAFKA_SASL_MECHANISMS)}; "
                f"got {mechanism!r}"
            )
        if protocol.startswith("SASL_"):
            for name, value in (
                ("JES_KAFKA_SASL_MECHANISM", mechanism),
                ("JES_KAFKA_SASL_USERNAME", security.sasl_username),
                ("JES_KAFKA_SASL_PASSWORD", security.sasl_password),
            ):
                if not value:
                    env.problems.append(f"{name} is required with {protocol}")
            if protocol == "SASL_PLAINTEXT" and mechanism == "PLAIN":
                env.problems.append(
                    "JES_KAFKA_SASL_MECHANISM PLAIN sends the password as it is: use it with "
                    "SASL_SSL (or SCRAM over SASL_PLAINTEXT)"
                )
        return security


MAIL_STARTTLS = ("auto", "required", "off")


# SMTP connections notification's sender uses at once (JES_MAIL_CONNECTIONS): one sends
# some 40-50 mails a second, a burst of thousands needs several.
DEFAULT_MAIL_CONNECTIONS = 4


@dataclass(frozen=True)
class MailSecurity:
    """How the SMTP connection is secured: `tls` is "implicit" (smtps://), "starttls"
    (smtp:// upgraded; refused if the server cannot) or "none"; credentials are sent only
    over TLS."""

    tls: str = "none"
    username: str = ""
    password: str = field(default="", repr=False)
    ca_file: str = ""

    @classmethod
    def from_env(cls, env: Env, mail_url: str) -> MailSecurity:
        parsed = urlparse(mail_url)
        starttls = env.choice("JES_MAIL_STARTTLS", "auto", MAIL_STARTTLS)
        if parsed.scheme == "smtps":
            if starttls == "required":
                env.problems.append(
                    "JES_MAIL_STARTTLS does not apply to smtps:// (TLS from the first byte)"
                )
            tls = "implicit"
        elif parsed.scheme == "smtp":
            # A relay on this host (or the test sink) may speak plain SMTP; any other
            # server must upgrade the connection.
            local = (parsed.hostname or "") in ("127.0.0.1", "::1", "localhost")
            off = starttls == "off" or (starttls == "auto" and local)
            tls = "none" if off else "starttls"
        else:
            tls = "none"
        security = cls(
            tls=tls,
            username=env.string("JES_MAIL_USERNAME", ""),
            password=env.string("JES_MAIL_PASSWORD", ""),
            ca_file=env.file("JES_MAIL_CA_FILE"),
        )
        env.pair("JES_MAIL_USERNAME", security.username, "JES_MAIL_PASSWORD", security.password)
        if security.username and parsed.scheme == "smtp" and tls == "none":
            env.problems.append(
                "JES_MAIL_USERNAME: credentials are never sent without TLS "
                "(use smtps:// or JES_MAIL_STARTTLS=required)"
            )
        return security


@dataclass(frozen=True)
class PlatformConfig:
    """Settings every service shares. Defaults are the all-in-one embedded ones."""

    data_dir: Path
    event_bus_url: str
    object_store_url: str
    object_store_access_key: str
    object_store_secret_key: str
    mail_url: str
    mail: MailSecurity  # TLS and credentials of JES_MAIL_URL
    mail_from: str
    public_url: str
    url_signing_key: str  # signs the folder store's object URLs; "" with MinIO/S3
    log_level: str
    bind_host: str
    addrs: dict[str, str]
    kafka: KafkaSecurity  # TLS/SASL of JES_EVENT_BUS_URL's Kafka
    # Development mode (`jes run --dev`, JES_DEV_MODE=1): demo accounts and the
    # unauthenticated /dev/mailbox; only ever on a loopback address.
    dev_mode: bool = False
    # SMTP connections notification's sender uses at once (a crash re-sends at most one
    # mail per connection)
    mail_connections: int = DEFAULT_MAIL_CONNECTIONS

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
        mail_url = env.url(
            "JES_MAIL_URL", f"mailbox://{data_dir}/mailbox", ("smtp", "smtps", "mailbox")
        )
        # Kubernetes sets 0.0.0.0; locally every server stays on loopback.
        bind_host = env.string("JES_BIND_HOST", "127.0.0.1")
        dev_mode = _dev_mode(env, bind_host)
        return cls(
            data_dir=data_dir,
            event_bus_url=env.url(
                "JES_EVENT_BUS_URL", f"embedded://{data_dir}/bus.db", ("embedded", "kafka")
            ),
            object_store_url=object_store_url,
            object_store_access_key=env.string("JES_OBJECT_STORE_ACCESS_KEY", ""),
            object_store_secret_key=env.string("JES_OBJECT_STORE_SECRET_KEY", ""),
            mail_url=mail_url,
            mail=MailSecurity.from_env(env, mail_url),
            mail_from=env.string("JES_MAIL_FROM", "no-reply@jes.example"),
            public_url=env.string("JES_PUBLIC_URL", f"http://127.0.0.1:{http_port}").rstrip("/"),
            url_signing_key=_url_signing_key(env, data_dir, object_store_url),
            log_level=env.choice("JES_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            bind_host=bind_host,
            addrs=addrs,
            kafka=KafkaSecurity.from_env(env),
            dev_mode=dev_mode,
            mail_connections=env.integer(
                "JES_MAIL_CONNECTIONS", DEFAULT_MAIL_CONNECTIONS, lo=1, hi=32
            ),
        )


PG_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# JES_DATABASE_<X> -> libpq's connection parameter, added to the URL's query
PG_TLS_SETTINGS = {
    "SSLMODE": "sslmode",
    "SSLROOTCERT": "sslrootcert",
    "SSLCERT": "sslcert",
    "SSLKEY": "sslkey",
}


def database_url_with_tls(url: str, environ: Mapping[str, str] | None = None) -> str:
    """`url` with JES_DATABASE_SSL* from the environment (for code that reads
    JES_DATABASE_URL itself, like the charts' migration Job); ConfigError on problems."""
    env = Env(environ)
    url = _database_url(env, url)
    env.check()
    return url


def _database_url(env: Env, url: str) -> str:
    """PostgreSQL's TLS settings (JES_DATABASE_SSLMODE, _SSLROOTCERT, _SSLCERT, _SSLKEY)
    as libpq parameters in the URL's query; a parameter is set in one place only."""
    if not url.startswith("postgresql"):
        return url
    settings = {
        "sslmode": env.string("JES_DATABASE_SSLMODE", ""),
        # "system": the system's trusted CAs (libpq 16+), e.g. a managed database's CA
        "sslrootcert": env.string("JES_DATABASE_SSLROOTCERT", "")
        if env.environ.get("JES_DATABASE_SSLROOTCERT", "").strip() == "system"
        else env.file("JES_DATABASE_SSLROOTCERT"),
        "sslcert": env.file("JES_DATABASE_SSLCERT"),
        "sslkey": env.file("JES_DATABASE_SSLKEY"),
    }
    if settings["sslmode"] and settings["sslmode"] not in PG_SSLMODES:
        env.problems.append(
            f"JES_DATABASE_SSLMODE must be one of {', '.join(PG_SSLMODES)}; "
            f"got {settings['sslmode']!r}"
        )
    env.pair("JES_DATABASE_SSLCERT", settings["sslcert"], "JES_DATABASE_SSLKEY", settings["sslkey"])
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    in_url = {key: value for key, value in query}
    for name, parameter in PG_TLS_SETTINGS.items():
        if settings[parameter] and parameter in in_url:
            env.problems.append(
                f"{parameter} is set both in JES_DATABASE_URL and JES_DATABASE_{name}"
            )
    mode = settings["sslmode"] or in_url.get("sslmode", "")
    if mode.startswith("verify-") and not (settings["sslrootcert"] or in_url.get("sslrootcert")):
        env.problems.append(
            f"JES_DATABASE_SSLROOTCERT (the CA that signed the server's certificate) is "
            f"required with sslmode {mode}"
        )
    query += [(parameter, value) for parameter, value in settings.items() if value]
    return urlunsplit(parts._replace(query=urlencode(query)))


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach a server bound to `host`."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it resolves to whatever the network says


def _dev_mode(env: Env, bind_host: str) -> bool:
    """Development mode is asked for, never a default, and refused where others reach the
    servers: its demo accounts have a published password and its mailbox page shows every
    mailed link (password resets included) to anyone."""
    dev_mode = env.flag("JES_DEV_MODE")
    if dev_mode and not is_loopback(bind_host):
        env.problems.append(
            f"JES_DEV_MODE (development mode: demo accounts, /dev/mailbox) is refused with "
            f"JES_BIND_HOST={bind_host}: it runs only on a loopback address (127.0.0.1, ::1)"
        )
    return dev_mode


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


PASSWORD_POLICIES = ("asvs-l2", "seed")  # identity's (jes_identity.domain.passwords)


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
    # identity's password policy (JES_PASSWORD_POLICY): "asvs-l2" or the seed's "seed"
    password_policy: str = "asvs-l2"  # noqa: S105 (a policy name)

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
            database_url=_database_url(
                env,
                env.url(
                    "JES_DATABASE_URL", db_default, ("sqlite", "postgresql", "postgresql+psycopg")
                ),
            ),
            grpc_port=grpc_port,
            metrics_port=env.integer("JES_METRICS_PORT", metrics_default, lo=0, hi=65535),
            tls=TlsFiles.from_env(env, platform.data_dir, name),
            health_port=env.integer(
                "JES_HEALTH_PORT", health_port_default(grpc_port), lo=0, hi=65535
            ),
            password_policy=env.choice("JES_PASSWORD_POLICY", "asvs-l2", PASSWORD_POLICIES),
        )
        env.check()
        return config
