"""TLS and authentication settings of the connections to Kafka, SMTP and PostgreSQL
(issue 9, finding 5): validated at start, every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from jes_config import ConfigError, ServiceConfig, database_url_with_tls

PG = "postgresql+psycopg://jes:pw@db.example:5432/identity"


def load(tmp_path: Path, **env: str) -> ServiceConfig:
    return ServiceConfig.load("notification", {"JES_DATA_DIR": str(tmp_path), **env})


def problems(tmp_path: Path, **env: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, **env)
    return "\n".join(caught.value.problems)


@pytest.fixture
def ca(tmp_path: Path) -> str:
    path = tmp_path / "ca.crt"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return str(path)


# -- PostgreSQL --------------------------------------------------------------------------


def test_database_tls_settings_go_into_the_url(tmp_path: Path, ca: str):
    config = load(
        tmp_path,
        JES_DATABASE_URL=PG,
        JES_DATABASE_SSLMODE="verify-full",
        JES_DATABASE_SSLROOTCERT=ca,
    )
    assert config.database_url == f"{PG}?sslmode=verify-full&sslrootcert={ca.replace('/', '%2F')}"


def test_database_url_keeps_its_own_query_and_client_certificate(tmp_path: Path, ca: str):
    config = load(
        tmp_path,
        JES_DATABASE_URL=f"{PG}?connect_timeout=5",
        JES_DATABASE_SSLMODE="verify-ca",
        JES_DATABASE_SSLROOTCERT=ca,
        JES_DATABASE_SSLCERT=ca,
        JES_DATABASE_SSLKEY=ca,
    )
    assert config.database_url.startswith(f"{PG}?connect_timeout=5&sslmode=verify-ca&")
    assert "sslcert=" in config.database_url and "sslkey=" in config.database_url


def test_database_tls_problems(tmp_path: Path, ca: str):
    found = problems(
        tmp_path,
        JES_DATABASE_URL=f"{PG}?sslmode=disable",
        JES_DATABASE_SSLMODE="sometimes",
        JES_DATABASE_SSLROOTCERT=str(tmp_path / "missing.crt"),
        JES_DATABASE_SSLCERT=ca,
    )
    assert "JES_DATABASE_SSLMODE must be one of" in found
    assert "JES_DATABASE_SSLROOTCERT" in found and "missing.crt" in found
    assert "JES_DATABASE_SSLCERT and JES_DATABASE_SSLKEY go together" in found
    assert "sslmode is set both in JES_DATABASE_URL and JES_DATABASE_SSLMODE" in found


def test_the_systems_cas_may_verify_the_database(tmp_path: Path):
    config = load(
        tmp_path,
        JES_DATABASE_URL=PG,
        JES_DATABASE_SSLMODE="verify-full",
        JES_DATABASE_SSLROOTCERT="system",
    )
    assert config.database_url == f"{PG}?sslmode=verify-full&sslrootcert=system"


def test_verifying_the_server_needs_a_ca(tmp_path: Path):
    found = problems(tmp_path, JES_DATABASE_URL=PG, JES_DATABASE_SSLMODE="verify-full")
    assert "JES_DATABASE_SSLROOTCERT" in found


def test_the_migration_job_gets_the_same_url(ca: str):
    environ = {"JES_DATABASE_SSLMODE": "verify-full", "JES_DATABASE_SSLROOTCERT": ca}
    assert database_url_with_tls(PG, environ).startswith(f"{PG}?sslmode=verify-full&sslrootcert=")
    with pytest.raises(ConfigError):
        database_url_with_tls(PG, {"JES_DATABASE_SSLMODE": "verify-full"})


def test_sqlite_ignores_database_tls(tmp_path: Path):
    config = load(tmp_path, JES_DATABASE_SSLMODE="verify-full")
    assert config.database_url == f"sqlite:///{tmp_path}/notification.db"


# -- Kafka -------------------------------------------------------------------------------


def test_kafka_defaults_to_plaintext_without_options(tmp_path: Path):
    config = load(tmp_path, JES_EVENT_BUS_URL="kafka://k:9092")
    assert config.platform.kafka.client_options() == {"security_protocol": "PLAINTEXT"}


def test_kafka_sasl_ssl_with_scram(tmp_path: Path, ca: str):
    config = load(
        tmp_path,
        JES_EVENT_BUS_URL="kafka://k:9093",
        JES_KAFKA_SECURITY_PROTOCOL="SASL_SSL",
        JES_KAFKA_SSL_CA_FILE=ca,
        JES_KAFKA_SASL_MECHANISM="SCRAM-SHA-512",
        JES_KAFKA_SASL_USERNAME="notification",
        JES_KAFKA_SASL_PASSWORD="s3cret",
    )
    assert config.platform.kafka.client_options() == {
        "security_protocol": "SASL_SSL",
        "ssl_check_hostname": True,
        "ssl_cafile": ca,
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "notification",
        "sasl_plain_password": "s3cret",
    }
    assert "s3cret" not in repr(config.platform.kafka)


def test_kafka_ssl_with_a_client_certificate(tmp_path: Path, ca: str):
    config = load(
        tmp_path,
        JES_EVENT_BUS_URL="kafka://k:9093",
        JES_KAFKA_SECURITY_PROTOCOL="SSL",
        JES_KAFKA_SSL_CA_FILE=ca,
        JES_KAFKA_SSL_CERT_FILE=ca,
        JES_KAFKA_SSL_KEY_FILE=ca,
    )
    options = config.platform.kafka.client_options()
    assert options["ssl_certfile"] == options["ssl_keyfile"] == ca
    assert "sasl_mechanism" not in options


def test_kafka_problems(tmp_path: Path):
    found = problems(
        tmp_path,
        JES_KAFKA_SECURITY_PROTOCOL="TLS",
        JES_KAFKA_SASL_MECHANISM="GSSAPI",
    )
    assert "JES_KAFKA_SECURITY_PROTOCOL must be one of" in found
    assert "JES_KAFKA_SASL_MECHANISM must be one of" in found
    sasl = problems(tmp_path, JES_KAFKA_SECURITY_PROTOCOL="SASL_SSL")
    assert "JES_KAFKA_SASL_MECHANISM" in sasl and "JES_KAFKA_SASL_USERNAME" in sasl
    # a PLAIN password never goes over a connection without TLS
    clear = problems(
        tmp_path,
        JES_KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        JES_KAFKA_SASL_MECHANISM="PLAIN",
        JES_KAFKA_SASL_USERNAME="u",
        JES_KAFKA_SASL_PASSWORD="p",
    )
    assert "PLAIN" in clear and "SASL_SSL" in clear
    keyless = problems(
        tmp_path, JES_KAFKA_SECURITY_PROTOCOL="SSL", JES_KAFKA_SSL_CERT_FILE="/etc/hostname"
    )
    assert "JES_KAFKA_SSL_CERT_FILE and JES_KAFKA_SSL_KEY_FILE go together" in keyless


# -- SMTP --------------------------------------------------------------------------------


def test_smtp_to_another_host_requires_starttls_by_default(tmp_path: Path):
    mail = load(tmp_path, JES_MAIL_URL="smtp://mail.court.example:587").platform.mail
    assert (mail.tls, mail.username) == ("starttls", "")
    local = load(tmp_path, JES_MAIL_URL="smtp://127.0.0.1:1025").platform.mail
    assert local.tls == "none"  # a local relay or test sink on loopback


def test_smtps_is_implicit_tls_with_authentication(tmp_path: Path, ca: str):
    mail = load(
        tmp_path,
        JES_MAIL_URL="smtps://mail.court.example:465",
        JES_MAIL_USERNAME="jes",
        JES_MAIL_PASSWORD="s3cret",
        JES_MAIL_CA_FILE=ca,
    ).platform.mail
    assert (mail.tls, mail.username, mail.password, mail.ca_file) == (
        "implicit",
        "jes",
        "s3cret",
        ca,
    )
    assert "s3cret" not in repr(mail)


def test_smtp_problems(tmp_path: Path):
    found = problems(
        tmp_path,
        JES_MAIL_URL="smtp://mail.court.example:25",
        JES_MAIL_STARTTLS="off",
        JES_MAIL_USERNAME="jes",
        JES_MAIL_CA_FILE=str(tmp_path / "nope.crt"),
    )
    assert "credentials are never sent without TLS" in found
    assert "JES_MAIL_PASSWORD" in found
    assert "JES_MAIL_CA_FILE" in found
    assert "JES_MAIL_STARTTLS must be one of" in problems(tmp_path, JES_MAIL_STARTTLS="maybe")
    assert "smtps://" in problems(
        tmp_path, JES_MAIL_URL="smtps://m.example:465", JES_MAIL_STARTTLS="required"
    )
