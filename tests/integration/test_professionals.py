"""Journey 6 in distributed mode (issue 10): a lawyer's application, the printable PDF
form from report-render in its own process, the administrator's decision, the
activation mail through Kafka and notification, the password set by the link, the
login; and a refusal with its reason. What the user sees (support/professional_journeys),
and what identity stored: the application, the account, the audit log."""

from __future__ import annotations

from pathlib import Path

from support.distributed import ADMIN, Distributed, rows
from support.professional_journeys import (
    lawyer_registers_is_approved_activates_and_logs_in,
    refusal_is_mailed_with_its_reason_and_creates_no_account,
)


def audited(distributed: Distributed, subject_id: str) -> list[tuple[str, str]]:
    found = rows(
        distributed.infra,
        "identity",
        "SELECT action, actor_account_id FROM audit_log WHERE subject_id = :id ORDER BY at",
        id=subject_id,
    )
    return [tuple(r) for r in found]


def test_a_lawyer_applies_is_approved_activates_and_logs_in(
    distributed: Distributed, tmp_path: Path
) -> None:
    application_id = lawyer_registers_is_approved_activates_and_logs_in(
        distributed.platform(), ADMIN, tmp_path
    )
    [application] = rows(
        distributed.infra,
        "identity",
        "SELECT status, decided_by, account_ref, live_national_id FROM professional_applications"
        " WHERE id = :id",
        id=application_id,
    )
    assert (application.status, application.decided_by) == ("activated", ADMIN[0])
    assert application.live_national_id == "A223456781"  # a second application is refused
    [account] = rows(
        distributed.infra,
        "identity",
        "SELECT account_id, roles, status, password_hash FROM accounts WHERE id = :id",
        id=application.account_ref,
    )
    assert (account.account_id, account.roles, account.status) == (
        "LAWCHEN01",
        "professional",
        "active",
    )
    assert account.password_hash.startswith("$argon2")
    steps = audited(distributed, application_id)
    assert ("professional_application.approved", ADMIN[0]) in steps
    assert "professional_application.activated" in [action for action, _ in steps]


def test_a_refusal_is_mailed_and_stores_no_account(distributed: Distributed) -> None:
    application_id = refusal_is_mailed_with_its_reason_and_creates_no_account(
        distributed.platform(), ADMIN
    )
    [application] = rows(
        distributed.infra,
        "identity",
        "SELECT status, reason, account_ref, live_national_id FROM professional_applications"
        " WHERE id = :id",
        id=application_id,
    )
    assert tuple(application) == ("refused", "證書影本不清楚", None, None)
    assert (
        rows(distributed.infra, "identity", "SELECT 1 FROM accounts WHERE account_id = 'AGENTLIN'")
        == []
    )
    assert ("professional_application.refused", ADMIN[0]) in audited(distributed, application_id)
