"""Journey 9 (帳號綁定) in distributed mode: the code to the firm goes through Kafka,
notification and the SMTP sink; identity keeps the binding in PostgreSQL and the audit
log keeps both sides after the unbinding. What the user sees is in
support/binding_journeys; here also what identity stored."""

from __future__ import annotations

import pytest

from support.binding_journeys import (
    bind_on_the_page_with_the_other_password_and_unbind,
    bind_through_the_api_with_the_mailed_code,
)
from support.distributed import FIRM, Distributed, pg_url, rows

PROGRESS = ("ITPROGRESS", "Progress-Query-2026!", "整合測試查詢人")
CLERK = ("ITCLERK", FIRM[1])


@pytest.fixture(scope="module", autouse=True)
def progress_account(distributed: Distributed) -> None:
    from jes_db import Database
    from jes_identity.app import ensure_account

    db = Database(pg_url(distributed.infra, "identity"))
    ensure_account(
        db,
        account_id=PROGRESS[0],
        password=PROGRESS[1],
        display_name=PROGRESS[2],
        email="progress@integration.example",
        roles=["progress"],
    )
    db.dispose()


def binding_steps(distributed: Distributed, account_id: str) -> list[tuple[str, str]]:
    """The binding entries in `account_id`'s history (each side gets its own)."""
    found = rows(
        distributed.infra,
        "identity",
        "SELECT action, after_json FROM audit_log"
        " WHERE subject_id = :a AND action LIKE 'account.%bound' ORDER BY at",
        a=account_id,
    )
    return [(r.action, r.after_json) for r in found]


def assert_bound_then_unbound(distributed: Distributed, firm_id: str, proof: str) -> None:
    for side in (firm_id, PROGRESS[0]):
        steps = binding_steps(distributed, side)[-2:]
        assert [action for action, _ in steps] == ["account.bound", "account.unbound"]
        assert firm_id in steps[0][1] and PROGRESS[0] in steps[0][1] and proof in steps[0][1]
    assert rows(distributed.infra, "identity", "SELECT 1 FROM account_bindings") == []


def test_bind_on_the_page_with_the_other_password_and_unbind(distributed: Distributed):
    firm_id = bind_on_the_page_with_the_other_password_and_unbind(
        distributed.platform(), CLERK, PROGRESS
    )
    assert_bound_then_unbound(distributed, firm_id, "password")


def test_bind_through_the_api_with_the_mailed_code(distributed: Distributed):
    firm_id = bind_through_the_api_with_the_mailed_code(distributed.platform(), CLERK, PROGRESS[:2])
    assert_bound_then_unbound(distributed, firm_id, "email_code")
