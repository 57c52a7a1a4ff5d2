"""Builds the identity service from its configuration."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prometheus_client import Gauge
from sqlalchemy import select

from jes.identity.v1 import identity_pb2_grpc as pb_grpc
from jes_auth import KeyStore, TokenVerifier
from jes_config import ServiceConfig
from jes_db import Database
from jes_identity.grpc_api import SERVICE_NAME, IdentityServicer
from jes_identity.models import Account, event_tables, metadata
from jes_identity.passwords import hash_password
from jes_servicekit import ServiceKit

NAME = "identity"

KEY_EXPIRY = Gauge(
    "jes_token_signing_key_expiry_timestamp_seconds",
    "When each published token signing key reaches the end of its lifetime",
    ["kid"],
)
MIGRATIONS = Path(__file__).parent / "migrations"


def build(config: ServiceConfig, **kit_options: Any) -> ServiceKit:
    """`kit_options`: passed to ServiceKit (e.g. `metrics=False`, a shared `bus`)."""
    key_dir = Path(os.environ.get("JES_TOKEN_KEY_DIR") or config.platform.data_dir / "keys")
    keys = KeyStore(key_dir)
    for key in keys.keys:
        KEY_EXPIRY.labels(key.kid).set(key.expires_at.timestamp())
    kit = ServiceKit(
        config,
        metadata=metadata,
        event_tables=event_tables,
        migrations=MIGRATIONS,
        verifier=TokenVerifier(keys.jwks),  # identity trusts its own keys directly
        **kit_options,
    )
    servicer = IdentityServicer(kit.db, kit.outbox, keys)
    kit.grpc.add(pb_grpc.add_IdentityServiceServicer_to_server, servicer, SERVICE_NAME)
    return kit


def ensure_account(
    db: Database,
    *,
    account_id: str,
    password: str,
    display_name: str,
    email: str,
    roles: list[str],
    court_code: str = "",
    phone: str = "",
    contact_person: str = "",
) -> None:
    """Create an account with its password set, if it does not exist (demo data and
    tests)."""
    with db.transaction() as session:
        if session.scalar(select(Account).where(Account.account_id == account_id)):
            return
        session.add(
            Account(
                account_id=account_id,
                password_hash=hash_password(password),
                display_name=display_name,
                email=email,
                roles=" ".join(roles),
                court_code=court_code,
                phone=phone,
                contact_person=contact_person,
            )
        )
