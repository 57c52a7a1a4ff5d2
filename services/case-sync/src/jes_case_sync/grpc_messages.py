"""Contract messages to the domain's values and back (the gRPC module's mapping)."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from jes.case_sync.v1 import case_queries_pb2 as qpb
from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import cases_pb2
from jes_auth import Claims, main_role
from jes_case_sync.case_store import case_message, key_of
from jes_case_sync.domain.cases import CaseKey, category_label
from jes_case_sync.domain.changes import ChangeInput, ChangeKind, DetailsInput, Outcome
from jes_case_sync.domain.entries import HearingInput, ProgressInput
from jes_case_sync.domain.followers import ACTIVE, role_value
from jes_case_sync.domain.statuses import Status, cut_off_for
from jes_case_sync.models import Follower, ProgressEntry
from jes_case_sync.usecases.case_page import CaseView
from jes_case_sync.usecases.entry_rows import hearing_message
from jes_db.audit import Actor
from jes_zhtw import court_by_code

OUTCOMES = {
    Outcome.APPLIED: pb.CHANGE_OUTCOME_APPLIED,
    Outcome.UNCHANGED: pb.CHANGE_OUTCOME_UNCHANGED,
    Outcome.STALE: pb.CHANGE_OUTCOME_STALE,
}


def case_key(message: cases_pb2.CaseKey) -> CaseKey:
    return CaseKey(
        court_code=message.court_code,
        category=category_label(message.category),
        year=message.year,
        word=message.word,
        number=message.number,
    )


def progress_input(message: cases_pb2.ProgressEntry) -> ProgressInput:
    hearing = None
    if message.HasField("hearing"):
        hearing = HearingInput(
            message.hearing.starts_at, message.hearing.place, message.hearing.kind
        )
    return ProgressInput(
        source_entry_id=message.source_entry_id,
        posted_on=message.posted_on,
        item=message.item,
        hearing=hearing,
    )


def details_input(message: cases_pb2.CaseDetails) -> DetailsInput:
    return DetailsInput(tuple(message.prosecutor_ids), message.division, message.cause)


def change_input(message: pb.CaseChange) -> ChangeInput:
    kind_name = message.WhichOneof("change")
    kind = ChangeKind(kind_name) if kind_name else None
    changed_at = (
        message.changed_at.ToDatetime(tzinfo=UTC) if message.HasField("changed_at") else None
    )
    key = case_key(message.case)
    if kind in (ChangeKind.POST, ChangeKind.CORRECT):
        entry = message.post if kind is ChangeKind.POST else message.correct
        return ChangeInput(key, kind, entry=progress_input(entry), changed_at=changed_at)
    if kind is ChangeKind.WITHDRAW:
        return ChangeInput(
            key,
            kind,
            withdrawn_source_id=message.withdraw.source_entry_id,
            reason=message.withdraw.reason,
            changed_at=changed_at,
        )
    if kind is ChangeKind.STATUS:
        return ChangeInput(
            key,
            kind,
            status=message.status.status,
            effective_on=message.status.effective_on,
            changed_at=changed_at,
        )
    if kind is ChangeKind.DETAILS:
        return ChangeInput(key, kind, details=details_input(message.details), changed_at=changed_at)
    return ChangeInput(key, None)


def actor_of(claims: Claims) -> Actor:
    """Who the audit log names: a court system, or the person."""
    if claims.kind == "court-system":
        return Actor(f"court-system:{claims.court_code}", "court-system")
    return Actor(claims.display_id, main_role(claims.roles))


def timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def follow_message(
    follow: Follower, case_key_message: cases_pb2.CaseKey, opened: bool = False
) -> cases_pb2.Follow:
    message = cases_pb2.Follow(
        follow_id=follow.id,
        case_id=follow.case_id,
        case=case_key_message,
        email=follow.email,
        role=role_value(follow.role),
        status=(
            cases_pb2.FOLLOW_STATUS_ACTIVE
            if follow.status == ACTIVE
            else cases_pb2.FOLLOW_STATUS_REVOKED
        ),
        account_username=follow.account_username,
        account_opened=opened,
        approved_by=follow.approved_by,
    )
    if follow.approved_at is not None:
        message.approved_at.FromDatetime(follow.approved_at)
    return message


def entry_view(row: ProgressEntry, previous_visit_at: datetime | None = None) -> qpb.CaseEntry:
    message = qpb.CaseEntry(
        entry_id=row.id,
        source_entry_id=row.source_entry_id,
        posted_on=row.posted_on.isoformat(),
        item=row.item,
        is_new=previous_visit_at is not None and row.ingested_at > previous_visit_at,
        corrected=row.corrected_at is not None,
    )
    if row.hearing_at:
        message.hearing.CopyFrom(hearing_message(row))
    message.ingested_at.FromDatetime(row.ingested_at)
    return message


def case_summary(view: CaseView, with_latest: bool = True) -> qpb.CaseSummary:
    case = view.case
    key = key_of(case)
    number = key.case_number
    status = Status(case.status)
    summary = qpb.CaseSummary(
        case_id=case.id,
        case=case_message(case),
        dotted_number=number.dotted(),
        formal_number=number.formal(),
        court_name=court_by_code(case.court_code).name,
        status=status.value_in_contract,
        new_entries=view.new_entries,
        follow_id=view.follow_id,
        division=case.division,
    )
    cut_off = cut_off_for(status, case.status_effective_on)
    if cut_off is not None:
        summary.cut_off.CopyFrom(
            qpb.CutOff(
                clock_started_on=cut_off.clock_started_on.isoformat(),
                cut_off_on=cut_off.cut_off_on.isoformat(),
                warn_on=cut_off.warn_on.isoformat(),
            )
        )
    if view.next_hearing is not None:
        summary.next_hearing.CopyFrom(hearing_message(view.next_hearing))
    if with_latest:
        summary.latest_entries.extend(entry_view(row, view.last_visit_at) for row in view.latest)
    summary.last_changed_at.FromDatetime(case.last_changed_at)
    return summary
