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


def test_generated_service_secret_is_stable(tmp_path: Path):
    first = ServiceConfig.load("identity", {"JES_DATA_DIR": str(tmp_path)})
    second = ServiceConfig.load("notification", {"JES_DATA_DIR": str(tmp_path)})
    assert len(first.platform.service_secret) >= 32
    assert first.platform.service_secret == second.platform.service_secret


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
