"""Appending to a court's hash-chained rotation log, reading it back and checking it,
inside the caller's transaction."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes_auth import Claims
from jes_db import Database
from jes_domain import InvalidArgument
from jes_events import Outbox
from jes_grpckit import request_id_var
from jes_review_workflow.appraisal.common import day_of
from jes_review_workflow.appraisal.messages import CATEGORY, log_entry
from jes_review_workflow.domain.appraisal import access
from jes_review_workflow.domain.appraisal.rotation import Category, LogKind, fairness
from jes_review_workflow.domain.appraisal.rotation_log import (
    GENESIS,
    ChainCheck,
    Linked,
    canonical,
    entry_hash,
    verify,
)
from jes_review_workflow.models import Appraiser, RotationLogRow


def append(
    session: Session,
    outbox: Outbox,
    court_code: str,
    kind: LogKind,
    appraiser_id: str,
    day: date,
    content: dict[str, Any],
) -> RotationLogRow:
    """One entry after the court's last. The court's roster rows are locked first, so
    appends of one court (any category, assignments and replacements alike) take turns
    on PostgreSQL; the unique sequence per court is the backstop."""
    session.execute(
        select(Appraiser.id).where(Appraiser.court_code == court_code).with_for_update()
    ).all()
    last = session.scalars(
        select(RotationLogRow)
        .where(RotationLogRow.court_code == court_code)
        .order_by(RotationLogRow.sequence.desc())
        .limit(1)
    ).first()
    sequence = last.sequence + 1 if last else 1
    prev_hash = last.hash if last else GENESIS
    content = {
        **content,
        "sequence": sequence,
        "court_code": court_code,
        "kind": kind.value,
        "appraiser_id": appraiser_id,
        "day": day.isoformat(),
    }
    row = RotationLogRow(
        court_code=court_code,
        sequence=sequence,
        kind=kind.value,
        appraiser_id=appraiser_id,
        day=day,
        content=canonical(content),
        prev_hash=prev_hash,
        hash=entry_hash(prev_hash, content),
    )
    session.add(row)
    session.flush()
    outbox.add(
        session,
        pb.RotationLogged(entry=log_entry(row), court_code=court_code),
        subject=row.id,
        trace_id=request_id_var.get(),
    )
    return row


def entries(session: Session, court_code: str) -> list[RotationLogRow]:
    return list(
        session.scalars(
            select(RotationLogRow)
            .where(RotationLogRow.court_code == court_code)
            .order_by(RotationLogRow.sequence)
        )
    )


def check(rows: list[RotationLogRow]) -> ChainCheck:
    return verify([Linked(r.sequence, r.prev_hash, r.hash, json.loads(r.content)) for r in rows])


class RotationLog:
    """Reading the log: every entry with the chain's check, and the fairness report."""

    def __init__(self, db: Database):
        self.db = db

    def list(self, claims: Claims, court_code: str) -> pb.ListRotationLogResponse:
        court_code = access.court_of(claims, court_code)
        with self.db.transaction() as session:
            rows = entries(session, court_code)
            checked = check(rows)
            return pb.ListRotationLogResponse(
                entries=[log_entry(r) for r in rows],
                chain_intact=checked.ok,
                checked=checked.checked,
                broken_at=checked.broken_at or 0,
            )

    def fairness(self, claims: Claims, court_code: str, start: str, end: str) -> pb.FairnessReport:
        court_code = access.court_of(claims, court_code)
        first, last = day_of(start, "start"), day_of(end, "end")
        if last < first:
            raise InvalidArgument("結束日不可早於開始日", fields={"end": "結束日不可早於開始日"})
        with self.db.transaction() as session:
            rows = entries(session, court_code)
            roster = {
                a.id: a
                for a in session.scalars(
                    select(Appraiser).where(Appraiser.court_code == court_code)
                )
            }
            counted = fairness(
                (
                    {"kind": r.kind, "appraiser_id": r.appraiser_id, "day": r.day.isoformat()}
                    for r in rows
                ),
                first,
                last,
            )
            return pb.FairnessReport(
                court_code=court_code,
                start=first.isoformat(),
                end=last.isoformat(),
                rows=[
                    pb.FairnessRow(
                        appraiser_id=c.appraiser_id,
                        name=roster[c.appraiser_id].name if c.appraiser_id in roster else "",
                        category=CATEGORY[Category(roster[c.appraiser_id].category)]
                        if c.appraiser_id in roster
                        else pb.APPRAISER_CATEGORY_UNSPECIFIED,
                        assigned=c.assigned,
                        skipped=c.skipped,
                        exceptions=c.exceptions,
                        replaced=c.replaced,
                    )
                    for c in counted
                ],
                chain_intact=check(rows).ok,
            )
