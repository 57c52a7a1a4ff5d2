"""The local PostgreSQL speaks TLS only, and JES reaches it only that way (issue 9,
finding 5): deploy/local/infra.sh gives it a server certificate from a CA made for the
checkout; a connection without TLS is refused (hostssl), one that verifies the server
against another CA fails, and every connection of every service is encrypted
(pg_stat_ssl) with sslmode=verify-full from JES_DATABASE_SSLMODE/_SSLROOTCERT."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import psycopg
import pytest

from support.distributed import DATABASES, Distributed, pg_url
from support.processes import wait_until


def plain_url(infra: dict[str, str], database: str, **params: str) -> str:
    """A libpq URL (no SQLAlchemy driver part) with the given connection parameters."""
    base = infra["JES_PG_URL_BASE"].replace("postgresql+psycopg://", "postgresql://")
    return f"{base}/{database}?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_the_local_ca_and_server_key_are_kept_private(infra):
    ca = Path(infra["JES_PG_CA_FILE"])
    folder = ca.parent
    assert ca.is_file() and (folder / "server.crt").is_file()
    assert stat.S_IMODE((folder / "server.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "ca.key").stat().st_mode) == 0o600
    subject = subprocess.run(
        ["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", folder / "server.crt"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "IP Address:127.0.0.1" in subject


def test_a_connection_without_tls_is_refused(infra):
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(plain_url(infra, "identity", sslmode="disable"), connect_timeout=10)
    assert "no encryption" in str(refused.value)


def test_a_server_the_ca_did_not_sign_is_refused(infra, tmp_path):
    other_ca = tmp_path / "other-ca.crt"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"),
            *("-nodes", "-days", "1", "-subj", "/CN=someone else"),
            *("-keyout", tmp_path / "k", "-out", other_ca),
        ],
        check=True,
        capture_output=True,
    )
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(
            plain_url(infra, "identity", sslmode="verify-full", sslrootcert=str(other_ca)),
            connect_timeout=10,
        )
    assert "certificate verify failed" in str(refused.value)


def test_verify_full_with_the_local_ca_is_encrypted(infra):
    url = pg_url(infra, "identity").replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, connect_timeout=10) as conn:
        ssl, version = conn.execute(
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone()
    assert ssl is True
    assert version in ("TLSv1.2", "TLSv1.3")


def test_every_service_connects_with_tls(distributed: Distributed, infra):
    """The services running against PostgreSQL (settings from JES_DATABASE_SSL*): each
    service database has connections, and none of them is unencrypted."""
    url = pg_url(infra, "identity").replace("postgresql+psycopg://", "postgresql://")
    databases = sorted(DATABASES.values())

    def connections() -> dict[str, list[bool]]:
        with psycopg.connect(url, connect_timeout=10) as conn:
            rows = conn.execute(
                "SELECT a.datname, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)"
                " WHERE a.datname = ANY(%s) AND a.pid <> pg_backend_pid()",
                (databases,),
            ).fetchall()
        found: dict[str, list[bool]] = {}
        for database, ssl in rows:
            found.setdefault(database, []).append(ssl)
        return found

    wait_until(
        lambda: set(connections()) == set(databases), timeout=60, what="a connection per service"
    )
    found = connections()
    assert all(all(flags) for flags in found.values()), found
