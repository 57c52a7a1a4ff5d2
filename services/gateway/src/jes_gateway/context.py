"""What every request handler of the gateway reaches: settings, service clients, object store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import current_app

from jes_gateway.config import GatewayConfig
from jes_gateway.facades import Facades
from jes_grpckit.tls import TlsIdentity
from jes_objectstore import ObjectStore


@dataclass(frozen=True)
class Gateway:
    config: GatewayConfig
    services: Facades  # the backends, through their facades
    store: ObjectStore
    tls: TlsIdentity  # the gateway's certificate (its calls to the services)


def gateway() -> Gateway:
    return cast(Gateway, current_app.extensions["jes"])
