"""kill -9 review-workflow between the steps of a court decision, on real Kafka and
PostgreSQL with every service in its own process: the decision completes by itself after
the restart, with no clerk action, exactly once (one audit entry, one ReviewDecided, one
mail to the firm, one application at photo-storage).

The steps: review-workflow records the decision ("deciding"), photo-storage applies it,
review-workflow records the outcome. Each test makes one moment between them observable
(photo-storage down; the submission's row locked in PostgreSQL while photo-storage
answers) and kills review-workflow there with SIGKILL."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from jes.events.v1.envelope_pb2 import Envelope
from support.distributed import FIRM, Distributed
from support.images import jpeg
from support.processes import wait_until

FIRM_EMAIL = "firm@integration.example"
CLERK = ("ITCLERK", FIRM[1])


@pytest.fixture
def databases(infra: dict[str, str]) -> Iterator[dict[str, Engine]]:
    engines = {
        name: create_engine(f"{infra['JES_PG_URL_BASE']}/{name}")
        for name in ("review_workflow", "photo_storage")
    }
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture(autouse=True)
def restarted_after(distributed: Distributed) -> Iterator[None]:
    """Whatever a test killed runs again afterwards, even when the test failed."""
    yield
    for process in distributed.processes.values():
        if not process.alive():
            process.start()


def ok(reply: Any, status: int = 200) -> Any:
    assert reply.status_code == status, reply.text
    return reply.json()


def printed_submission(distributed: Distributed) -> tuple[dict[str, Any], str, str]:
    """A set the firm printed, as the clerk's pending submission; and its formal case
    number and the clerk's token."""
    platform = distributed.platform()
    firm = platform.login(*FIRM)
    case = {"year": 113, "word": "司執", "number": int(uuid.uuid4().int % 900000) + 1}
    photo_set = ok(
        platform.api(
            "POST",
            "/api/v1/photo-sets",
            firm,
            json={"division": "甲", "case_number": case, "batch": 1, "create": True},
        )
    )
    ok(
        platform.api(
            "POST",
            f"/api/v1/photo-sets/{photo_set['id']}/photos",
            firm,
            files={"file": ("front.jpg", jpeg(800, 600))},
            data={"placement": "outdoor", "description": "建物正面"},
        ),
        201,
    )
    current = ok(platform.api("GET", f"/api/v1/photo-sets/{photo_set['id']}", firm))
    ok(
        platform.api(
            "POST",
            f"/api/v1/photo-sets/{photo_set['id']}/print",
            firm,
            json={"expected_version": current["version"]},
        )
    )
    clerk = platform.login(*CLERK)
    found: list[dict[str, Any]] = []

    def listed() -> bool:
        reply = ok(platform.api("GET", "/api/v1/submissions?state=pending", clerk))
        found[:] = [s for s in reply["submissions"] if s["photo_set_id"] == photo_set["id"]]
        return bool(found)

    wait_until(listed, timeout=60, what="the print in the court's queue")
    formal = f"{case['year']}年度{case['word']}字第{case['number']}號"
    return found[0], formal, clerk


def state_of(databases: dict[str, Engine], submission_id: str) -> str:
    with databases["review_workflow"].connect() as conn:
        return str(
            conn.execute(
                text("SELECT state FROM submissions WHERE id = :id"), {"id": submission_id}
            ).scalar_one()
        )


def approve(distributed: Distributed, clerk: str, submission_id: str) -> Any:
    return distributed.platform().api(
        "POST", f"/api/v1/submissions/{submission_id}/decision", clerk, json={"approve": True}
    )


def approval_mails(distributed: Distributed, formal: str) -> list[dict[str, Any]]:
    return [
        m
        for m in distributed.mails_to(FIRM_EMAIL)
        if formal in m["subject"] and "已通過審核" in m["subject"]
    ]


def assert_completed_exactly_once(
    distributed: Distributed, databases: dict[str, Engine], submission: dict[str, Any], formal: str
) -> None:
    """Approved by itself after the restart; everything that says so, once."""
    submission_id = submission["id"]
    wait_until(
        lambda: state_of(databases, submission_id) == "approved",
        timeout=90,
        what="the decision completed after the restart",
    )
    wait_until(
        lambda: len(approval_mails(distributed, formal)) >= 1,
        timeout=60,
        what="the approval mail to the firm",
    )
    time.sleep(3)  # anything done twice would show now
    with databases["review_workflow"].connect() as conn:
        entries = conn.execute(
            text("SELECT action, actor_account_id FROM audit_log WHERE subject_id = :id"),
            {"id": submission_id},
        ).all()
        announced = [
            Envelope.FromString(bytes(value)).type
            for (value,) in conn.execute(
                text("SELECT value FROM outbox WHERE key = :id"), {"id": submission_id}
            )
        ]
    assert [tuple(e) for e in entries] == [("submission.approved", "ITCLERK")]
    assert announced.count("jes.review_workflow.v1.ReviewDecided") == 1
    with databases["photo_storage"].connect() as conn:
        applied = conn.execute(
            text("SELECT count(*) FROM applied_decisions WHERE photo_set_id = :id"),
            {"id": submission["photo_set_id"]},
        ).scalar_one()
        set_status = conn.execute(
            text("SELECT status FROM photo_sets WHERE id = :id"),
            {"id": submission["photo_set_id"]},
        ).scalar_one()
        approvals = conn.execute(
            text(
                "SELECT count(*) FROM audit_log WHERE subject_id = :id"
                " AND action = 'photo_set.approved'"
            ),
            {"id": submission["photo_set_id"]},
        ).scalar_one()
    assert (applied, set_status, approvals) == (1, "approved", 1)
    assert len(approval_mails(distributed, formal)) == 1, "the firm was told twice"


def test_killed_after_recording_the_decision_before_photo_storage_applied_it(
    distributed: Distributed, databases: dict[str, Engine]
):
    submission, formal, clerk = printed_submission(distributed)
    photo_storage = distributed.processes["photo-storage"]
    review = distributed.processes["review-workflow"]

    photo_storage.kill()  # away: the decision cannot be applied now
    reply = approve(distributed, clerk, submission["id"])
    # The clerk sees the decision taken at once, being carried out.
    taken = ok(reply)
    assert (taken["state"], taken["decided_by"]) == ("deciding", "ITCLERK")
    assert state_of(databases, submission["id"]) == "deciding"

    review.kill()  # recorded, not applied
    photo_storage.start()
    review.start()
    assert_completed_exactly_once(distributed, databases, submission, formal)


def test_killed_after_photo_storage_applied_before_the_outcome_was_recorded(
    distributed: Distributed, databases: dict[str, Engine]
):
    submission, formal, clerk = printed_submission(distributed)
    review = distributed.processes["review-workflow"]

    replies: list[Any] = []
    clerk_waiting = threading.Thread(
        target=lambda: replies.append(approve(distributed, clerk, submission["id"])), daemon=True
    )
    with databases["review_workflow"].connect() as lock:
        # Recording an outcome writes its audit entry; recording the decision does not. With
        # the audit log locked here, review-workflow records the decision, photo-storage
        # applies it, and review-workflow waits to record that: the moment to kill it.
        lock.execute(text("LOCK TABLE audit_log IN SHARE MODE"))
        clerk_waiting.start()

        def applied_and_waiting() -> bool:
            with databases["photo_storage"].connect() as conn:
                applied = conn.execute(
                    text("SELECT count(*) FROM applied_decisions WHERE photo_set_id = :id"),
                    {"id": submission["photo_set_id"]},
                ).scalar_one()
            return applied == 1 and lock_waiters(databases) >= 1

        wait_until(
            applied_and_waiting,
            timeout=60,
            every=0.05,
            what="photo-storage applied it and review-workflow waits to record it",
        )
        assert state_of(databases, submission["id"]) == "deciding"
        review.kill()  # applied at photo-storage, the outcome not recorded
        lock.rollback()
    clerk_waiting.join(30)
    assert replies and replies[0].status_code >= 500  # the clerk's request died with it
    assert state_of(databases, submission["id"]) == "deciding"

    review.start()
    assert_completed_exactly_once(distributed, databases, submission, formal)


def test_firm_application_killed_after_identity_activated_before_the_outcome_was_recorded(
    distributed: Distributed, databases: dict[str, Engine], infra: dict[str, str]
):
    """The same crash window for a firm application: identity created the account and
    mailed the link; review-workflow died before recording it. After the restart the
    decision is recorded by itself: one audit entry, one account, one activation mail."""
    platform = distributed.platform()
    email = f"crash-{uuid.uuid4().hex[:10]}@example.com"
    application = ok(
        platform.api(
            "POST",
            "/api/v1/firm-applications",
            json={
                "court_code": "TPD",
                "company_name": "崩潰測試估價師事務所",
                "contact_person": "陳先生",
                "email": email,
                "phone": "02-2700-5678",
            },
        ),
        201,
    )
    clerk = platform.login(*CLERK)
    review = distributed.processes["review-workflow"]
    identity_db = create_engine(f"{infra['JES_PG_URL_BASE']}/identity")

    def status_at_identity() -> str:
        with identity_db.connect() as conn:
            return str(
                conn.execute(
                    text("SELECT status FROM firm_applications WHERE id = :id"),
                    {"id": application["id"]},
                ).scalar_one()
            )

    replies: list[Any] = []
    clerk_waiting = threading.Thread(
        target=lambda: replies.append(
            platform.api(
                "POST",
                f"/api/v1/firm-applications/{application['id']}/decision",
                clerk,
                json={"approve": True},
            )
        ),
        daemon=True,
    )
    try:
        with databases["review_workflow"].connect() as lock:
            lock.execute(text("LOCK TABLE audit_log IN SHARE MODE"))
            clerk_waiting.start()
            wait_until(
                lambda: status_at_identity() == "activated" and lock_waiters(databases) >= 1,
                timeout=60,
                every=0.05,
                what="identity activated it and review-workflow waits to record it",
            )
            review.kill()
            lock.rollback()
        clerk_waiting.join(30)
        assert replies and replies[0].status_code >= 500

        review.start()

        def decision_state() -> str:
            with databases["review_workflow"].connect() as conn:
                return str(
                    conn.execute(
                        text(
                            "SELECT state FROM firm_application_decisions"
                            " WHERE application_id = :id"
                        ),
                        {"id": application["id"]},
                    ).scalar_one()
                )

        wait_until(lambda: decision_state() == "applied", timeout=90, what="the decision recorded")
        platform.wait_for_mail(email, count=2)  # the acknowledgement, then the activation
        time.sleep(3)
        with databases["review_workflow"].connect() as conn:
            entries = conn.execute(
                text("SELECT action, actor_account_id FROM audit_log WHERE subject_id = :id"),
                {"id": application["id"]},
            ).all()
        assert [tuple(e) for e in entries] == [("firm_application.activated", "ITCLERK")]
        with identity_db.connect() as conn:
            accounts = conn.execute(
                text("SELECT count(*) FROM accounts WHERE email = :email"), {"email": email}
            ).scalar_one()
        assert accounts == 1
        assert len(distributed.mails_to(email)) == 2, "the applicant was mailed twice"
    finally:
        identity_db.dispose()


def lock_waiters(databases: dict[str, Engine]) -> int:
    """Sessions of review-workflow waiting for a lock (here: the test's)."""
    with databases["review_workflow"].connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = 'review_workflow'"
                    " AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )
