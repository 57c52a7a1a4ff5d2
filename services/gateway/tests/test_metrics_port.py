"""The gateway's /metrics is not on the public HTTP port (the one the Service/Ingress
carries to the public): it has its own internal port, like the services' metrics ports."""

from __future__ import annotations

from pathlib import Path

import requests

from jes_gateway.config import GatewayConfig
from jes_platform.registry import module, resolve
from jes_platform.runtime import GatewayServer, Plan
from support.ports import reserve_port


def test_the_public_port_serves_no_metrics(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_have_their_own_port(tmp_path: Path):
    config = GatewayConfig.load(
        {"JES_DATA_DIR": str(tmp_path), "JES_METRICS_PORT": "9999", "JES_HTTP_PORT": "8088"}
    )
    assert (config.http_port, config.metrics_port) == (8088, 9999)
    assert GatewayConfig.load({"JES_DATA_DIR": str(tmp_path)}).metrics_port == 9107


def test_the_gateway_server_serves_metrics_on_the_metrics_port_only(tmp_path: Path):
    http_port, metrics_port = reserve_port(), reserve_port()
    config = GatewayConfig.load(
        {
            "JES_DATA_DIR": str(tmp_path),
            "JES_HTTP_PORT": str(http_port),
            "JES_METRICS_PORT": str(metrics_port),
        }
    )
    server = GatewayServer(module("gateway"), config)
    server.start()
    try:
        public = requests.get(f"http://127.0.0.1:{http_port}/metrics", timeout=5)
        internal = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5)
    finally:
        server.stop()
    assert public.status_code == 404
    assert internal.status_code == 200 and "jes_http_requests_total" in internal.text


def test_all_in_one_keeps_the_gateways_metrics_port(tmp_path: Path):
    """One process, one /metrics: the gateway's port, set with JES_METRICS_PORT."""
    environ = {"JES_DATA_DIR": str(tmp_path), "JES_METRICS_PORT": "9555"}
    plan = Plan.load(resolve("all"), environ)
    assert plan.configs["gateway"].metrics_port == 9555
    assert plan.configs["identity"].metrics_port == 9101
