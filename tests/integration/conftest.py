"""Fixtures of the distributed-mode tests (see support/distributed.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.card_desk import CardDesk, card_desk
from support.distributed import (
    ADMIN,
    CLERK_EMAIL,
    FIRM,
    Distributed,
    pg_url,
    read_infra_env,
    reset_databases,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def infra() -> dict[str, str]:
    return read_infra_env()


# the accounts every module may use: (id, password, name, e-mail, role, court)
ACCOUNTS = [
    (*FIRM, "整合測試估價公司", "firm@integration.example", "firm", "TPD"),
    ("ITCLERK", FIRM[1], "整合測試書記官", CLERK_EMAIL, "clerk", "TPD"),
    ("ITKLDCLERK", FIRM[1], "整合測試基隆書記官", "clerk.kld@integration.example", "clerk", "KLD"),
    (*ADMIN, "整合測試系統管理者", "admin@integration.example", "admin", ""),
]


@pytest.fixture(scope="session")
def cards() -> Iterator[CardDesk]:
    """The test GRCA hierarchy's CRL and OCSP responder and the HiPKI stand-in, which
    identity trusts for 憑證註冊 and 憑證登入 (test_certificates)."""
    with card_desk() as desk:
        yield desk


@pytest.fixture(scope="session")
def distributed(
    infra: dict[str, str], tmp_path_factory: pytest.TempPathFactory, cards: CardDesk
) -> Iterator[Distributed]:
    from jes_db import Database, run_migrations
    from jes_identity.app import MIGRATIONS, ensure_account

    reset_databases(infra)
    work = tmp_path_factory.mktemp("distributed")
    stack = Distributed(infra, work, settings=cards.trust_settings(work / "cert-trust"))
    stack.start()
    identity_url = pg_url(infra, "identity")
    run_migrations(identity_url, MIGRATIONS)
    db = Database(identity_url)
    for account_id, password, name, email, role, court in ACCOUNTS:
        ensure_account(
            db,
            account_id=account_id,
            password=password,
            display_name=name,
            email=email,
            roles=[role],
            court_code=court,
        )
    db.dispose()
    yield stack
    stack.stop()


@pytest.fixture(autouse=True, scope="module")
def each_module_a_client_of_its_own(infra: dict[str, str]) -> None:
    """Every module's requests reach the gateway from 127.0.0.1, so to its per-client limits
    (20 logins in 5 minutes, kept in the gateway's database) the whole suite is one client,
    and later modules were refused with 429. Each module starts as a new client would: with
    the gateway's counters empty. The limits themselves are tested in test_shared_limits."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import ProgrammingError

    engine = create_engine(pg_url(infra, "gateway"))
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM rate_limit_hits"))
    except ProgrammingError:  # the gateway has not made its tables yet: nothing to clear
        pass
    finally:
        engine.dispose()
