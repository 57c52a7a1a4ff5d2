import json

import pytest
from sqlalchemy import MetaData

from jes_db import Database
from jes_db.audit import Actor, AuditLog


@pytest.fixture
def audit_db(tmp_path):
    metadata = MetaData()
    log = AuditLog(metadata)
    db = Database(f"sqlite:///{tmp_path / 'audit.db'}")
    metadata.create_all(db.engine)
    return log, db


def test_records_who_what_before_and_after(audit_db):
    log, db = audit_db
    with db.transaction() as session:
        log.record(
            session,
            Actor("DEMOFIRM", "firm"),
            "photo.updated",
            subject_type="photo",
            subject_id="p1",
            court_code="TPD",
            before={"description": "舊"},
            after={"description": "新"},
        )
        log.record(
            session,
            Actor.service("review-workflow"),
            "set.approved",
            subject_type="photo_set",
            subject_id="s1",
            court_code="TPD",
        )
    with db.transaction() as session:
        entries = log.entries(session, subject_ids=["p1"])
        assert log.count(session, court_code="TPD") == 2
        assert log.count(session, court_code="KLD") == 0
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor_account_id, entry.actor_role, entry.action) == (
        "DEMOFIRM",
        "firm",
        "photo.updated",
    )
    assert json.loads(entry.before_json) == {"description": "舊"}
    assert json.loads(entry.after_json) == {"description": "新"}
    assert entry.at.tzinfo is not None


def test_rolled_back_change_leaves_no_entry(audit_db):
    log, db = audit_db
    with pytest.raises(RuntimeError):
        with db.transaction() as session:
            log.record(
                session, Actor("X", "firm"), "photo.deleted", subject_type="photo", subject_id="p2"
            )
            raise RuntimeError("the change failed")
    with db.transaction() as session:
        assert log.entries(session) == []
