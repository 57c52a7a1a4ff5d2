"""What every request handler of the gateway reaches: settings, service clients, object store."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from jes_gateway.backends import Backends
from jes_gateway.config import GatewayConfig
from jes_objectstore import ObjectStore


@dataclass(frozen=True)
class Gateway:
    config: GatewayConfig
    services: Backends
    store: ObjectStore


def gateway() -> Gateway:
    return current_app.extensions["jes"]  # type: ignore[no-any-return]
