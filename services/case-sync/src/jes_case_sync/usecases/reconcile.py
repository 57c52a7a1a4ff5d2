"""A whole court's data again (reconciliation), while queries go on: each case's snapshot
is compared with what case-sync holds and only the differences are applied, each case in
its own short transaction (the ingest's rules and events). So a re-sent court changes
nothing and mails nobody; an entry the court system never pushed is announced once.

An entry case-sync holds but the snapshot lacks is withdrawn, unless it arrived after
the snapshot was read (`as_of`): a live push may overtake a long reconciliation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes_case_sync.case_store import find_case
from jes_case_sync.domain.cases import CaseKey
from jes_case_sync.domain.changes import ChangeKind, DetailsInput, ValidChange
from jes_case_sync.domain.entries import ValidEntry
from jes_case_sync.domain.statuses import Status
from jes_case_sync.models import CaseProsecutor, ProgressEntry
from jes_case_sync.usecases.common import Infrastructure
from jes_case_sync.usecases.entry_rows import same_entry
from jes_case_sync.usecases.ingest import ChangeResult, Ingest
from jes_db.audit import Actor

MISSING_FROM_COURT = "法院對帳資料已無此筆"


@dataclass(frozen=True)
class CaseSnapshot:
    key: CaseKey
    status: Status | None  # None: not sent
    effective_on: date | None
    details: DetailsInput | None  # None: not sent
    entries: tuple[ValidEntry, ...]


class Reconcile:
    def __init__(self, infra: Infrastructure, ingest: Ingest):
        self.infra = infra
        self.ingest = ingest

    def case(
        self, court_code: str, snapshot: CaseSnapshot, as_of: datetime, run_id: str, actor: Actor
    ) -> list[ChangeResult]:
        """One case, in one transaction: the changes that make it match the snapshot."""
        with self.infra.db.transaction() as session:
            changes = self._differences(session, snapshot, as_of)
            if not changes:
                return []
            work = self.ingest.load(session, changes, from_reconciliation=True)
            for change in changes:
                work.results.append(self.ingest.apply_one(work, change))
            self.ingest.finish(session, court_code, work, actor, f"reconcile:{run_id}")
            return work.results

    def _differences(
        self, session: Session, snapshot: CaseSnapshot, as_of: datetime
    ) -> list[ValidChange]:
        key = snapshot.key
        case = find_case(session, key)
        held: dict[str, ProgressEntry] = {}
        prosecutors: set[str] = set()
        if case is not None:
            rows = session.scalars(
                select(ProgressEntry).where(ProgressEntry.case_id == case.id)
            ).all()
            held = {row.source_entry_id: row for row in rows}
            prosecutors = set(
                session.scalars(
                    select(CaseProsecutor.prosecutor_id).where(CaseProsecutor.case_id == case.id)
                ).all()
            )
        changes: list[ValidChange] = []
        sent = set()
        for entry in snapshot.entries:
            sent.add(entry.source_entry_id)
            row = held.get(entry.source_entry_id)
            if row is None:
                changes.append(ValidChange(key, ChangeKind.POST, entry=entry))
            elif row.withdrawn_at is None and not same_entry(row, entry):
                changes.append(ValidChange(key, ChangeKind.CORRECT, entry=entry))
        for source_id, row in sorted(held.items()):
            if source_id in sent or row.withdrawn_at is not None:
                continue
            if row.ingested_at <= as_of:
                changes.append(
                    ValidChange(
                        key,
                        ChangeKind.WITHDRAW,
                        withdrawn_source_id=source_id,
                        reason=MISSING_FROM_COURT,
                    )
                )
        if snapshot.status is not None and (
            case is None
            or case.status != snapshot.status.value
            or case.status_effective_on != snapshot.effective_on
        ):
            changes.append(
                ValidChange(
                    key,
                    ChangeKind.STATUS,
                    status=snapshot.status,
                    effective_on=snapshot.effective_on,
                )
            )
        details = snapshot.details
        if details is not None and (
            case is None
            or prosecutors != set(details.prosecutor_ids)
            or (case.division, case.cause) != (details.division, details.cause)
        ):
            changes.append(ValidChange(key, ChangeKind.DETAILS, details=details))
        return changes
