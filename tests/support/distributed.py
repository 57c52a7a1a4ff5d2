"""Distributed mode on the real infrastructure: Kafka, MinIO, PostgreSQL, an SMTP sink
(deploy/local/infra.sh), with every service in its own process."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from sqlalchemy import create_engine, text

from jes_config import SERVICES
from jes_db import Database, run_migrations
from support import flows
from support.processes import PYTHON, ROOT, Process, base_env, free_port, http_ok, wait_until

# each service's database, and the gateway's (the per-client limits its replicas share)
DATABASES = {**{name: name.replace("-", "_") for name in SERVICES}, "gateway": "gateway"}
FIRM = ("ITFIRM", "Firm1234!")
ADMIN = ("ITADMIN", "Integration-Admin-2026!")
CLERK_EMAIL = "clerk.tpd@integration.example"


def infra_settings() -> dict[str, str]:
    """This checkout's infrastructure settings (`infra.sh env`), without starting it."""
    script = ROOT / "deploy" / "local" / "infra.sh"
    out = subprocess.run(
        ["bash", str(script), "env"], check=True, cwd=ROOT, capture_output=True, text=True
    ).stdout
    settings = {}
    for line in out.splitlines():
        line = line.removeprefix("export ").strip()
        if "=" in line:
            key, value = line.split("=", 1)
            settings[key] = value.strip("'\"")
    return settings


def infra_command(*args: str, timeout: float = 900) -> None:
    """`infra.sh <args>` on this checkout's stack, e.g. ("down", "kafka")."""
    script = ROOT / "deploy" / "local" / "infra.sh"
    subprocess.run(["bash", str(script), *args], check=True, cwd=ROOT, timeout=timeout)


def read_infra_env() -> dict[str, str]:
    """Start (or reuse) the local infrastructure and return its settings."""
    infra_command("up")
    return infra_settings()


def pg_url(infra: dict[str, str], database: str) -> str:
    """A service database of the local PostgreSQL, which speaks TLS only: the server's
    certificate is verified against the checkout's local CA (`JES_PG_CA_FILE`)."""
    ca = quote(infra["JES_PG_CA_FILE"], safe="")
    return f"{infra['JES_PG_URL_BASE']}/{database}?sslmode=verify-full&sslrootcert={ca}"


def pg_tls_settings(infra: dict[str, str]) -> dict[str, str]:
    """The same as the services' settings (jes_config adds them to JES_DATABASE_URL)."""
    return {
        "JES_DATABASE_SSLMODE": "verify-full",
        "JES_DATABASE_SSLROOTCERT": infra["JES_PG_CA_FILE"],
    }


def sso_settings(infra: dict[str, str]) -> dict[str, str]:
    """The OpenID providers of this checkout's Keycloak (deploy/local/keycloak.sh)."""
    return {key: value for key, value in infra.items() if key.startswith("JES_SSO_")}


def reset_databases(infra: dict[str, str]) -> None:
    """Each test session starts from empty service databases."""
    for database in DATABASES.values():
        engine = create_engine(pg_url(infra, database), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def new_database(infra: dict[str, str], database: str) -> str:
    """An empty PostgreSQL database of that name (dropped first if it exists, whoever is
    connected to it): a test's own, beside the services'. Returns its URL."""
    admin = create_engine(pg_url(infra, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    finally:
        admin.dispose()
    return pg_url(infra, database)


def migrated(url: str, migrations: Path) -> Iterator[Database]:
    """A service's database at `url`, migrated, for a test that uses its tables directly;
    disposed of afterwards (`yield from` it in a fixture)."""
    run_migrations(url, migrations)
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()


def rows(infra: dict[str, str], database: str, query: str, **params: Any) -> list[Any]:
    """What a service stored: the rows of one query on its PostgreSQL database."""
    engine = create_engine(pg_url(infra, database))
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query), params))
    finally:
        engine.dispose()


class Distributed:
    def __init__(
        self,
        infra: dict[str, str],
        work: Path,
        databases: dict[str, str] = DATABASES,
        settings: dict[str, str] | None = None,
        replicas: dict[str, int] | None = None,
    ):
        """`settings`: more of the environment, given to every process (each reads its own).
        `replicas`: more than one process of a service (pods of one deployment on one
        database and consumer group), named "<service>", "<service>-2", ...; the others'
        gRPC ports are their own (the platform calls the first)."""
        self.infra = infra
        self.work = work
        self.addrs = {name: f"127.0.0.1:{free_port()}" for name in SERVICES}
        self.http_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.http_port}"
        common = {
            "JES_DATA_DIR": str(work / "data"),
            "JES_TOKEN_KEY_DIR": str(work / "keys"),
            "JES_EVENT_BUS_URL": infra["JES_EVENT_BUS_URL"],
            "JES_OBJECT_STORE_URL": infra["JES_OBJECT_STORE_URL"],
            "JES_OBJECT_STORE_ACCESS_KEY": infra["JES_OBJECT_STORE_ACCESS_KEY"],
            "JES_OBJECT_STORE_SECRET_KEY": infra["JES_OBJECT_STORE_SECRET_KEY"],
            "JES_MAIL_URL": infra["JES_MAIL_URL"],
            "JES_PUBLIC_URL": self.base_url,
            "JES_HTTP_PORT": str(self.http_port),
            **{f"JES_{n.upper().replace('-', '_')}_ADDR": a for n, a in self.addrs.items()},
            **(settings or {}),
        }
        self.processes: dict[str, Process] = {}
        for name in SERVICES:
            for replica in range(1, (replicas or {}).get(name, 1) + 1):
                grpc_port = self.addrs[name].rsplit(":", 1)[1] if replica == 1 else free_port()
                env = base_env(
                    **common,
                    JES_DATABASE_URL=f"{infra['JES_PG_URL_BASE']}/{databases[name]}",
                    **pg_tls_settings(infra),
                    JES_GRPC_PORT=str(grpc_port),
                    JES_METRICS_PORT=str(free_port()),
                    JES_HEALTH_PORT=str(free_port()),  # plaintext health only, for probes
                    # single sign-on: only identity knows the providers (and the client secret)
                    **(sso_settings(infra) if name == "identity" else {}),
                )
                module = f"jes_{name.replace('-', '_')}"
                process_name = name if replica == 1 else f"{name}-{replica}"
                self.processes[process_name] = Process(
                    process_name, [PYTHON, "-m", module], env, work
                )
        self.processes["gateway"] = Process(
            "gateway",
            [PYTHON, "-m", "jes_platform", "run", "--target=gateway"],
            base_env(
                **common,
                JES_DATABASE_URL=f"{infra['JES_PG_URL_BASE']}/{DATABASES['gateway']}",
                JES_METRICS_PORT=str(free_port()),
            ),
            work,
        )

    def start(self, timeout: float = 240) -> None:
        for process in self.processes.values():
            process.start()
        try:
            wait_until(
                # generous: seven processes import and migrate at once on a shared CI machine
                lambda: http_ok(f"{self.base_url}/readyz"),
                timeout=timeout,
                what="every service ready",
            )
        except TimeoutError:
            logs = "\n".join(f"--- {n}\n{p.log_tail(15)}" for n, p in self.processes.items())
            self.stop()
            pytest.fail(f"distributed JES did not become ready:\n{logs}")

    def restart(self, name: str) -> None:
        process = self.processes[name]
        process.start()

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()

    def mails_to(self, address: str) -> list[dict[str, Any]]:
        reply = requests.get(
            f"{self.infra['JES_SMTP_SINK_API']}/messages", params={"to": address}, timeout=5
        )
        reply.raise_for_status()
        return list(reply.json())

    def object_exists(self, bucket: str, prefix: str) -> bool:
        from minio import Minio

        endpoint = self.infra["JES_OBJECT_STORE_URL"].split("://", 1)[1]
        client = Minio(
            endpoint,
            access_key=self.infra["JES_OBJECT_STORE_ACCESS_KEY"],
            secret_key=self.infra["JES_OBJECT_STORE_SECRET_KEY"],
            secure=False,
        )
        return any(True for _ in client.list_objects(bucket, prefix=prefix, recursive=True))

    def platform(self) -> flows.Platform:
        return flows.Platform(
            self.base_url, self.addrs, self.work / "data" / "pki", self.mails_to, self.object_exists
        )
