"""Builds the identity service from its configuration."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from prometheus_client import Gauge
from sqlalchemy import select

from jes.identity.v1 import certificates_pb2_grpc as cpb_grpc
from jes.identity.v1 import identity_pb2_grpc as pb_grpc
from jes_auth import KeyStore, TokenIssuer, TokenVerifier
from jes_config import ServiceConfig
from jes_config.sign_in import load_sign_in_providers
from jes_db import Database, run_migrations
from jes_domain import DomainError
from jes_identity.certificate_trust import load_trust
from jes_identity.domain.passwords import PasswordPolicy
from jes_identity.domain.sessions import idle_timeout_from
from jes_identity.grpc_api import SERVICE_NAME, IdentityServicer, current_trace_id
from jes_identity.grpc_certificates import SERVICE_NAME as CERTIFICATE_SERVICE_NAME
from jes_identity.grpc_certificates import CertificateServicer
from jes_identity.models import Account, event_tables, metadata
from jes_identity.oidc import HttpProviderClient
from jes_identity.passwords import hash_password
from jes_identity.revocation import RevocationChecker
from jes_identity.usecases import Infrastructure
from jes_identity.usecases.bootstrap import AdminLink, create_admin
from jes_identity.usecases.certificates import CertificateLogins
from jes_servicekit import ServiceKit

NAME = "identity"
log = logging.getLogger(__name__)

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
    # the OpenID providers people sign in with (none unless configured)
    sign_in_clients = {
        provider.name: HttpProviderClient(provider) for provider in load_sign_in_providers()
    }
    session_idle = idle_timeout_from(os.environ.get("JES_SESSION_IDLE_SECONDS", ""))
    servicer = IdentityServicer(
        kit.db, kit.outbox, keys, session_idle=session_idle, sign_in_clients=sign_in_clients
    )
    kit.grpc.add(pb_grpc.add_IdentityServiceServicer_to_server, servicer, SERVICE_NAME)
    _add_certificate_logins(kit, servicer.policy, keys)
    return kit


class _CrlRefresh:
    """The background CRL refresh as a runtime component (started and stopped with the
    service)."""

    def __init__(self, checker: RevocationChecker, interval: timedelta):
        self.checker = checker
        self.interval = interval

    def start(self) -> None:
        self.checker.start(self.interval)

    def stop(self) -> None:
        self.checker.stop()


def _add_certificate_logins(kit: ServiceKit, policy: PasswordPolicy, keys: KeyStore) -> None:
    """Certificate registration and login. JES_CERT_TRUST_DIR: the pinned roots and the
    issuing CAs (without it every certificate is refused as of an unknown issuer);
    JES_CERT_CRL_REFRESH_SECONDS: how often the cached CRLs are fetched again."""
    folder = os.environ.get("JES_CERT_TRUST_DIR", "")
    trust = load_trust(Path(folder) if folder else None)
    if not trust.roots or not trust.issuers:
        log.warning(
            "certificate login is off: no roots/*.pem and issuers/*.pem in JES_CERT_TRUST_DIR=%r",
            folder,
        )
    checker = RevocationChecker()
    refresh = timedelta(seconds=int(os.environ.get("JES_CERT_CRL_REFRESH_SECONDS", "3600")))
    kit.add_component(_CrlRefresh(checker, refresh))
    infra = Infrastructure(kit.db, kit.outbox, trace_id=current_trace_id)
    logins = CertificateLogins(infra, TokenIssuer(keys), policy, lambda: trust, checker)
    kit.grpc.add(
        cpb_grpc.add_CertificateServiceServicer_to_server,
        CertificateServicer(logins),
        CERTIFICATE_SERVICE_NAME,
    )


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


def create_admin_link(
    config: ServiceConfig, account_id: str, email: str, name: str = ""
) -> tuple[AdminLink, str]:
    """`jes create-admin`: the first administrator (or a new link for an existing one),
    written straight into identity's database; returns it and its set-password URL (the
    gateway's page that notification's mails link to). A refused input raises ValueError
    with the zh-TW problems."""
    run_migrations(config.database_url, MIGRATIONS)
    db = Database(config.database_url)
    try:
        admin = create_admin(db, account_id, email, name)
    except DomainError as exc:
        fields = "".join(f"\n  {field}: {problem}" for field, problem in exc.fields.items())
        raise ValueError(f"{exc}{fields}") from exc
    finally:
        db.dispose()
    url = f"{config.platform.public_url}/password/set?token={quote(admin.token, safe='')}"
    return admin, url
