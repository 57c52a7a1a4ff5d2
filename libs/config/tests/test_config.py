from pathlib import Path

import pytest

from jes_config import ConfigError, ServiceConfig


def test_defaults_are_embedded(tmp_path: Path):
    config = ServiceConfig.load("identity", {"JES_DATA_DIR": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path}/identity.db"
    assert config.platform.event_bus_url == f"embedded://{tmp_path}/bus.db"
    assert config.platform.object_store_url == f"file://{tmp_path}/objects"
    assert config.platform.addrs["case-sync"] == "127.0.0.1:50055"
    assert config.grpc_port == 50051


def test_there_is_no_shared_service_secret(tmp_path: Path):
    """Each module is known by its own certificate: no secret shared by every service."""
    config = ServiceConfig.load(
        "identity", {"JES_DATA_DIR": str(tmp_path), "JES_SERVICE_SECRET": "x" * 40}
    )
    assert not hasattr(config.platform, "service_secret")
    assert not (tmp_path / "service-secret").exists()


def test_each_service_has_its_own_certificate_files(tmp_path: Path):
    identity = ServiceConfig.load("identity", {"JES_DATA_DIR": str(tmp_path)})
    notification = ServiceConfig.load("notification", {"JES_DATA_DIR": str(tmp_path)})
    assert identity.tls.cert == tmp_path / "pki" / "identity" / "tls.crt"
    assert identity.tls.local
    assert notification.tls.key == tmp_path / "pki" / "notification" / "tls.key"
    assert identity.health_port == 51051  # plaintext health for probes: gRPC port + 1000


def test_certificate_files_from_the_environment_are_set_together(tmp_path: Path):
    cert = tmp_path / "tls.crt"
    cert.write_text("x")
    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load(
            "identity", {"JES_DATA_DIR": str(tmp_path), "JES_TLS_CERT_FILE": str(cert)}
        )
    assert [p for p in caught.value.problems if "JES_TLS_KEY_FILE" in p]


def test_every_problem_is_reported_at_once(tmp_path: Path):
    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load(
            "identity",
            {
                "JES_DATA_DIR": str(tmp_path),
                "JES_EVENT_BUS_URL": "rabbit://x",
                "JES_GRPC_PORT": "abc",
                "JES_LOG_LEVEL": "LOUD",
            },
        )
    problems = "\n".join(caught.value.problems)
    assert "JES_EVENT_BUS_URL" in problems
    assert "JES_GRPC_PORT" in problems
    assert "JES_LOG_LEVEL" in problems
    assert len(caught.value.problems) == 3


def test_generated_url_signing_key_is_its_own_and_private(tmp_path: Path):
    """The folder store's URLs are signed with their own key."""
    first = ServiceConfig.load("photo-storage", {"JES_DATA_DIR": str(tmp_path)})
    second = ServiceConfig.load("report-render", {"JES_DATA_DIR": str(tmp_path)})
    key_file = tmp_path / "url-signing-key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first.platform.url_signing_key == key_file.read_text().strip()
    assert len(first.platform.url_signing_key) >= 32
    assert first.platform.url_signing_key == second.platform.url_signing_key


def test_url_signing_key_from_the_environment(tmp_path: Path):
    key = "u" * 40
    config = ServiceConfig.load(
        "photo-storage", {"JES_DATA_DIR": str(tmp_path), "JES_URL_SIGNING_KEY": key}
    )
    assert config.platform.url_signing_key == key
    assert not (tmp_path / "url-signing-key").exists()


@pytest.mark.parametrize("key", ["short", "s" * 31])
def test_a_weak_url_signing_key_is_a_configuration_problem(tmp_path: Path, key: str):
    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load(
            "photo-storage", {"JES_DATA_DIR": str(tmp_path), "JES_URL_SIGNING_KEY": key}
        )
    assert [p for p in caught.value.problems if "JES_URL_SIGNING_KEY" in p]


def test_development_mode_is_off_unless_asked_for(tmp_path: Path):
    config = ServiceConfig.load("identity", {"JES_DATA_DIR": str(tmp_path)})
    assert config.platform.dev_mode is False
    asked = ServiceConfig.load("identity", {"JES_DATA_DIR": str(tmp_path), "JES_DEV_MODE": "1"})
    assert asked.platform.dev_mode is True


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_development_mode_on_a_loopback_address(tmp_path: Path, host: str):
    environ = {"JES_DATA_DIR": str(tmp_path), "JES_DEV_MODE": "1", "JES_BIND_HOST": host}
    assert ServiceConfig.load("identity", environ).platform.dev_mode is True


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "jes.example"])
def test_development_mode_is_refused_on_an_address_others_reach(tmp_path: Path, host: str):
    """Demo accounts with a published password and an unauthenticated mailbox of every
    mailed link must never face a network."""
    environ = {"JES_DATA_DIR": str(tmp_path), "JES_DEV_MODE": "1", "JES_BIND_HOST": host}
    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load("identity", environ)
    [problem] = caught.value.problems
    assert "JES_DEV_MODE" in problem and f"JES_BIND_HOST={host}" in problem
    assert "loopback" in problem


def test_development_mode_setting_must_be_a_yes_or_no(tmp_path: Path):
    with pytest.raises(ConfigError) as caught:
        ServiceConfig.load("identity", {"JES_DATA_DIR": str(tmp_path), "JES_DEV_MODE": "maybe"})
    assert "JES_DEV_MODE" in caught.value.problems[0]


def test_mail_connections_default_to_several_and_are_a_setting(tmp_path: Path):
    default = ServiceConfig.load("notification", {"JES_DATA_DIR": str(tmp_path)})
    assert default.platform.mail_connections == 4
    set_to = ServiceConfig.load(
        "notification", {"JES_DATA_DIR": str(tmp_path), "JES_MAIL_CONNECTIONS": "2"}
    )
    assert set_to.platform.mail_connections == 2
    with pytest.raises(ConfigError, match="JES_MAIL_CONNECTIONS"):
        ServiceConfig.load(
            "notification", {"JES_DATA_DIR": str(tmp_path), "JES_MAIL_CONNECTIONS": "0"}
        )
