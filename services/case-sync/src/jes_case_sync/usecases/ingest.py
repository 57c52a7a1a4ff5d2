"""Court systems' changes applied to cases: new entries, corrections, withdrawals, status
changes and details. One call is one transaction (the changes, one audit record, their
events); a change that changes nothing (a re-send, a stale one) adds no event, so nothing
is ever mailed twice."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from google.protobuf.message import Message
from sqlalchemy import Table, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jes.case_sync.v1 import case_events_pb2 as events
from jes.case_sync.v1 import cases_pb2
from jes_case_sync.case_store import (
    CaseLike,
    FollowerRef,
    active_followers,
    case_message,
    case_refs_of,
    case_rows,
    follower_messages,
    is_cut_off,
)
from jes_case_sync.domain.cases import CaseKey
from jes_case_sync.domain.changes import ChangeKind, Outcome, ValidChange, is_stale
from jes_case_sync.domain.statuses import Status, cut_off_for
from jes_case_sync.models import (
    Case,
    CaseProsecutor,
    CourtSync,
    IngestBatch,
    ProgressEntry,
    audit_log,
)
from jes_case_sync.usecases.common import Infrastructure
from jes_case_sync.usecases.entry_rows import (
    entry_message,
    entry_values,
    same_entry,
    valid_entry_message,
    write_entry,
)
from jes_db import new_id, new_ids
from jes_db.audit import Actor
from jes_db.bulk import bulk_insert, one_of, rows_of
from jes_domain import AlreadyExists, FailedPrecondition, NotFound
from jes_protos import timestamp_of

ENTRIES = cast(Table, ProgressEntry.__table__)
BATCH_REPLAYED = "此批次已匯入，重送的串流未再匯入任何資料"
ENTRY_NOT_FOUND = "查無此進行事項"
ATTEMPTS = 3
# New entries of one case per ProgressEntriesAdded: with entries of up to 2,000
# characters an event stays far below Kafka's 1 MB message limit.
ENTRIES_PER_EVENT = 50


@dataclass(frozen=True)
class ChangeResult:
    case_id: str
    kind: ChangeKind
    outcome: Outcome


@dataclass
class IngestCounts:
    received: int = 0
    created: int = 0
    corrected: int = 0
    withdrawn: int = 0
    status_changed: int = 0
    details_changed: int = 0
    unchanged: int = 0

    def add(self, result: ChangeResult) -> None:
        self.received += 1
        if result.outcome is not Outcome.APPLIED:
            self.unchanged += 1
            return
        name = {
            ChangeKind.POST: "created",
            ChangeKind.CORRECT: "corrected",
            ChangeKind.WITHDRAW: "withdrawn",
            ChangeKind.STATUS: "status_changed",
            ChangeKind.DETAILS: "details_changed",
        }[result.kind]
        setattr(self, name, getattr(self, name) + 1)


def counts_of(results: Sequence[ChangeResult]) -> IngestCounts:
    counts = IngestCounts()
    for result in results:
        counts.add(result)
    return counts


@dataclass
class _Work:
    """What one transaction has loaded and is changing."""

    session: Session
    today: date
    now: datetime
    # plain rows, or the ORM object where a status or details change writes to the case
    cases: dict[CaseKey, CaseLike]
    entries: dict[tuple[str, str], ProgressEntry]
    followers: dict[str, list[FollowerRef]]
    from_reconciliation: bool = False
    arrivals: int = 0
    results: list[ChangeResult] = field(default_factory=list)
    # added to the outbox together at the end: one statement, and no flush per change
    outgoing: list[tuple[Message, str]] = field(default_factory=list)
    # each case's ProgressEntriesAdded that its next new entry joins (until another kind
    # of event of the case, which the entries after it must follow)
    open_added: dict[str, events.ProgressEntriesAdded] = field(default_factory=dict)
    # new entries, inserted together at the end (bulk_insert), by (case id, source id)
    new_entries: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)  # cases changed (last_changed_at)
    # the new entries' ids, drawn for the batch at once (a uuid4 each cost 8% of the CPU)
    entry_ids: Iterator[str] = field(default_factory=lambda: iter(()))

    def arrival(self) -> datetime:
        """Strictly increasing within the transaction: entries of one day keep the order
        they arrived in (the page's tie-break)."""
        self.arrivals += 1
        return self.now + timedelta(microseconds=self.arrivals)

    # each case's messages, built once per transaction (a stream has many entries per case)
    _follower_messages: dict[str, list[events.Follower]] = field(default_factory=dict)
    _case_messages: dict[str, cases_pb2.CaseKey] = field(default_factory=dict)

    def followers_of(self, case: CaseLike) -> list[events.Follower]:
        if is_cut_off(case, self.today):
            return []  # a cut-off case sends no more notices
        messages = self._follower_messages.get(case.id)
        if messages is None:
            messages = follower_messages(self.followers.get(case.id, []))
            self._follower_messages[case.id] = messages
        return messages

    def case_message(self, case: CaseLike) -> cases_pb2.CaseKey:
        message = self._case_messages.get(case.id)
        if message is None:
            message = self._case_messages[case.id] = case_message(case)
        return message

    def emit(self, event: Message, case_id: str) -> None:
        """An event of the case after the entries added so far (which then close)."""
        self.open_added.pop(case_id, None)
        self.outgoing.append((event, case_id))

    def added_entry(self, case: CaseLike, added: events.AddedEntry) -> None:
        """A new entry, in the case's open ProgressEntriesAdded or a new one."""
        event = self.open_added.get(case.id)
        if event is None or len(event.entries) >= ENTRIES_PER_EVENT:
            event = events.ProgressEntriesAdded(
                case_id=case.id,
                case=self.case_message(case),
                followers=self.followers_of(case),
                from_reconciliation=self.from_reconciliation,
            )
            self.open_added[case.id] = event
            self.outgoing.append((event, case.id))
        event.entries.append(added)


def by_case(outgoing: Sequence[tuple[Message, str]]) -> list[tuple[Message, str]]:
    """The events with each case's together, in the order they were made. A court
    system's bulk push interleaves its cases (as the day's entries came); published one
    after the other, a case's new entries reach notification in one poll and go out in
    one mail, where spread over the whole batch they fell into several polls and
    mails. Only the order between cases changes, which no consumer relies on (the
    events of different cases go to different partitions)."""
    cases: dict[str, list[tuple[Message, str]]] = {}
    for event, case_id in outgoing:
        cases.setdefault(case_id, []).append((event, case_id))
    return [pair for events_of_case in cases.values() for pair in events_of_case]


class Ingest:
    def __init__(self, infra: Infrastructure):
        self.infra = infra

    def apply(
        self,
        court_code: str,
        changes: Sequence[ValidChange],
        *,
        actor: Actor,
        batch_id: str = "",
    ) -> list[ChangeResult]:
        """Apply every change, in order, all or nothing. A batch id already received from
        this court is a replay: AlreadyExists, nothing applied."""
        for attempt in range(ATTEMPTS):
            try:
                with self.infra.db.transaction() as session:
                    if batch_id:
                        self._record_batch(session, court_code, batch_id, len(changes))
                    work = self.load(session, changes)
                    for change in changes:
                        work.results.append(self.apply_one(work, change))
                    self.finish(session, court_code, work, actor, batch_id)
                    return work.results
            except IntegrityError:
                # Another request created one of these cases (or sent this batch) at the
                # same moment; the next attempt sees its rows.
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _record_batch(self, session: Session, court_code: str, batch_id: str, size: int) -> None:
        if session.get(IngestBatch, (court_code, batch_id)) is not None:
            raise AlreadyExists(BATCH_REPLAYED, fields={"batch_id": f"批次 {batch_id} 已匯入"})
        session.add(IngestBatch(court_code=court_code, batch_id=batch_id, changes=size))
        session.flush()

    def load(
        self, session: Session, changes: Sequence[ValidChange], from_reconciliation: bool = False
    ) -> _Work:
        """The cases (created on first mention), the entries and the followers the
        changes touch, in a few queries."""
        cases: dict[CaseKey, CaseLike] = dict(
            case_refs_of(session, [change.key for change in changes])
        )
        written = {
            cases[change.key].id
            for change in changes
            if change.kind in (ChangeKind.STATUS, ChangeKind.DETAILS)
        }
        if written:
            held = case_rows(session, written)
            cases |= {key: held[ref.id] for key, ref in cases.items() if ref.id in held}
        case_ids = [case.id for case in cases.values()]
        named = {
            (
                cases[change.key].id,
                change.entry.source_entry_id if change.entry else change.withdrawn_source_id,
            )
            for change in changes
            if change.kind in (ChangeKind.POST, ChangeKind.CORRECT, ChangeKind.WITHDRAW)
        }
        entries: dict[tuple[str, str], ProgressEntry] = {}
        if named:
            # by (case, source id) pairs: one probe of the unique index each
            rows = session.scalars(
                select(ProgressEntry).where(
                    rows_of(
                        session,
                        (ProgressEntry.case_id, ProgressEntry.source_entry_id),
                        sorted(named),
                    )
                )
            ).all()
            entries |= {(row.case_id, row.source_entry_id): row for row in rows}
        return _Work(
            session=session,
            today=self.infra.today(),
            now=self.infra.now(),
            cases=cases,
            entries=entries,
            followers=active_followers(session, case_ids),
            from_reconciliation=from_reconciliation,
            entry_ids=iter(new_ids(sum(change.kind is ChangeKind.POST for change in changes))),
        )

    def apply_one(self, work: _Work, change: ValidChange) -> ChangeResult:
        case = work.cases[change.key]
        if change.kind in (ChangeKind.STATUS, ChangeKind.DETAILS):
            assert isinstance(case, Case)  # loaded as its ORM object (load)
            outcome = (self._status if change.kind is ChangeKind.STATUS else self._details)(
                work, case, change
            )
        else:
            outcome = {
                ChangeKind.POST: self._post,
                ChangeKind.CORRECT: self._correct,
                ChangeKind.WITHDRAW: self._withdraw,
            }[change.kind](work, case, change)
        if outcome is Outcome.APPLIED:
            work.touched.add(case.id)
        return ChangeResult(case.id, change.kind, outcome)

    def finish(
        self, session: Session, court_code: str, work: _Work, actor: Actor, batch_id: str
    ) -> None:
        """The events, 資料更新至 for the court, and one audit record of what the call
        changed."""
        self.insert_new_entries(work)
        if work.touched:
            session.execute(
                update(Case)
                .where(one_of(session, Case.id, sorted(work.touched)))
                .values(last_changed_at=work.now)
                .execution_options(synchronize_session=False)
            )
        self.infra.publish_many(session, by_case(work.outgoing))
        sync = session.get(CourtSync, court_code)
        if sync is None:
            session.add(CourtSync(court_code=court_code, last_received_at=work.now))
        else:
            sync.last_received_at = work.now
        counts = counts_of(work.results)
        if len(work.results) == 1 and not batch_id:
            subject_type, subject_id = "case", work.results[0].case_id
        else:
            subject_type, subject_id = "ingest_batch", batch_id or "reconciliation"
        audit_log.record(
            session,
            actor,
            f"ingest_{work.results[0].kind}" if len(work.results) == 1 else "ingest_batch",
            subject_type=subject_type,
            subject_id=subject_id,
            court_code=court_code,
            after=vars(counts),
        )

    @staticmethod
    def insert_new_entries(work: _Work) -> None:
        """The new entries, in one statement (no ORM objects: a stream brings thousands)."""
        if work.new_entries:
            bulk_insert(work.session, ENTRIES, list(work.new_entries.values()))
            work.new_entries.clear()

    # -- each kind of change ---------------------------------------------------------------

    def _post(self, work: _Work, case: CaseLike, change: ValidChange) -> Outcome:
        entry = change.entry
        assert entry is not None
        key = (case.id, entry.source_entry_id)
        if key in work.entries or key in work.new_entries:
            return Outcome.UNCHANGED  # a court system re-sent it
        entry_id, ingested_at = next(work.entry_ids, None) or new_id(), work.arrival()
        work.new_entries[key] = {
            "id": entry_id,
            "case_id": case.id,
            "source_entry_id": entry.source_entry_id,
            "ingested_at": ingested_at,
            "changed_at": change.changed_at,
            "corrected_at": None,
            "withdrawn_at": None,
            "withdraw_reason": "",
            **entry_values(entry),
        }
        work.added_entry(
            case,
            events.AddedEntry(
                entry=valid_entry_message(entry),
                entry_id=entry_id,
                ingested_at=timestamp_of(ingested_at),
            ),
        )
        return Outcome.APPLIED

    def _held_entry(self, work: _Work, case: CaseLike, source_id: str, kind: str) -> ProgressEntry:
        if (case.id, source_id) in work.new_entries:
            # posted earlier in this batch: write the new ones, then work on the row
            self.insert_new_entries(work)
            row = work.session.scalar(
                select(ProgressEntry).where(
                    ProgressEntry.case_id == case.id, ProgressEntry.source_entry_id == source_id
                )
            )
            assert row is not None
            work.entries[(case.id, source_id)] = row
        row = work.entries.get((case.id, source_id))
        if row is None:
            raise NotFound(
                ENTRY_NOT_FOUND,
                fields={f"{kind}.source_entry_id": f"此案件沒有來源編號 {source_id} 的進行事項"},
            )
        return row

    def _correct(self, work: _Work, case: CaseLike, change: ValidChange) -> Outcome:
        entry = change.entry
        assert entry is not None
        row = self._held_entry(work, case, entry.source_entry_id, "correct")
        if row.withdrawn_at is not None:
            raise FailedPrecondition(
                "已撤銷的進行事項不可更正",
                fields={"correct.source_entry_id": f"來源編號 {entry.source_entry_id} 已撤銷"},
            )
        if is_stale(change.changed_at, row.changed_at):
            return Outcome.STALE
        if same_entry(row, entry):
            return Outcome.UNCHANGED
        previous = entry_message(row)
        write_entry(row, entry)
        row.corrected_at = work.now
        row.changed_at = change.changed_at or row.changed_at
        event = events.ProgressEntryCorrected(
            case_id=case.id,
            case=work.case_message(case),
            entry_id=row.id,
            entry=entry_message(row),
            previous=previous,
            followers=work.followers_of(case),
        )
        event.corrected_at.FromDatetime(work.now)
        work.emit(event, case.id)
        return Outcome.APPLIED

    def _withdraw(self, work: _Work, case: CaseLike, change: ValidChange) -> Outcome:
        row = self._held_entry(work, case, change.withdrawn_source_id, "withdraw")
        if is_stale(change.changed_at, row.changed_at):
            return Outcome.STALE
        if row.withdrawn_at is not None:
            return Outcome.UNCHANGED
        row.withdrawn_at = work.now
        row.withdraw_reason = change.reason
        row.changed_at = change.changed_at or row.changed_at
        event = events.ProgressEntryWithdrawn(
            case_id=case.id,
            case=work.case_message(case),
            entry_id=row.id,
            entry=entry_message(row),
            reason=change.reason,
            followers=work.followers_of(case),
        )
        event.withdrawn_at.FromDatetime(work.now)
        work.emit(event, case.id)
        return Outcome.APPLIED

    def _status(self, work: _Work, case: Case, change: ValidChange) -> Outcome:
        status = change.status
        assert status is not None
        if is_stale(change.changed_at, case.status_changed_at):
            return Outcome.STALE
        if case.status == status.value and case.status_effective_on == change.effective_on:
            return Outcome.UNCHANGED
        previous = Status(case.status)
        previous_cut_off_on = case.cut_off_on
        cut_off = cut_off_for(status, change.effective_on)
        case.status = status.value
        case.status_effective_on = change.effective_on
        case.status_changed_at = change.changed_at or case.status_changed_at
        case.cut_off_on = cut_off.cut_off_on if cut_off else None
        case.warn_on = cut_off.warn_on if cut_off else None
        event = events.CaseStatusChanged(
            case_id=case.id,
            case=work.case_message(case),
            status=status.value_in_contract,
            previous_status=previous.value_in_contract,
            effective_on=change.effective_on.isoformat() if change.effective_on else "",
            cut_off_on=cut_off.cut_off_on.isoformat() if cut_off else "",
            warn_on=cut_off.warn_on.isoformat() if cut_off else "",
            followers=work.followers_of(case),
            previous_cut_off_on=previous_cut_off_on.isoformat() if previous_cut_off_on else "",
        )
        event.changed_at.FromDatetime(work.now)
        work.emit(event, case.id)
        return Outcome.APPLIED

    def _details(self, work: _Work, case: Case, change: ValidChange) -> Outcome:
        details = change.details
        assert details is not None
        if is_stale(change.changed_at, case.details_changed_at):
            return Outcome.STALE
        held = set(
            work.session.scalars(
                select(CaseProsecutor.prosecutor_id).where(CaseProsecutor.case_id == case.id)
            ).all()
        )
        wanted = set(details.prosecutor_ids)
        if held == wanted and (case.division, case.cause) == (details.division, details.cause):
            return Outcome.UNCHANGED
        for gone in held - wanted:
            work.session.delete(work.session.get(CaseProsecutor, (case.id, gone)))
        for new in sorted(wanted - held):
            work.session.add(CaseProsecutor(case_id=case.id, prosecutor_id=new))
        case.division, case.cause = details.division, details.cause
        case.details_changed_at = change.changed_at or case.details_changed_at
        return Outcome.APPLIED
