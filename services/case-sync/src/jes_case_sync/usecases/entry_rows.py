"""Progress entries as rows and as contract messages."""

from __future__ import annotations

from jes.case_sync.v1 import cases_pb2
from jes_case_sync.domain.entries import ValidEntry
from jes_case_sync.models import ProgressEntry


def entry_message(row: ProgressEntry) -> cases_pb2.ProgressEntry:
    message = cases_pb2.ProgressEntry(
        source_entry_id=row.source_entry_id, posted_on=row.posted_on.isoformat(), item=row.item
    )
    if row.hearing_at:
        message.hearing.CopyFrom(hearing_message(row))
    return message


def valid_entry_message(entry: ValidEntry) -> cases_pb2.ProgressEntry:
    """The message of an entry as it is being stored (no row object: bulk inserts)."""
    hearing = entry.hearing
    return cases_pb2.ProgressEntry(
        source_entry_id=entry.source_entry_id,
        posted_on=entry.posted_on.isoformat(),
        item=entry.item,
        hearing=(
            cases_pb2.Hearing(
                starts_at=hearing.local_text(), place=hearing.place, kind=hearing.kind
            )
            if hearing is not None
            else None
        ),
    )


def entry_values(entry: ValidEntry) -> dict[str, object]:
    """The columns of an entry's date, text and hearing."""
    hearing = entry.hearing
    return {
        "posted_on": entry.posted_on,
        "item": entry.item,
        "hearing_at": hearing.local_text() if hearing else "",
        "hearing_place": hearing.place if hearing else "",
        "hearing_kind": hearing.kind if hearing else "",
    }


def hearing_message(row: ProgressEntry) -> cases_pb2.Hearing:
    if not row.hearing_at:
        return cases_pb2.Hearing()
    return cases_pb2.Hearing(
        starts_at=row.hearing_at, place=row.hearing_place, kind=row.hearing_kind
    )


def write_entry(row: ProgressEntry, entry: ValidEntry) -> None:
    """Date, text and hearing of a valid entry onto its row."""
    row.posted_on = entry.posted_on
    row.item = entry.item
    hearing = entry.hearing
    row.hearing_at = hearing.local_text() if hearing else ""
    row.hearing_place = hearing.place if hearing else ""
    row.hearing_kind = hearing.kind if hearing else ""


def same_entry(row: ProgressEntry, entry: ValidEntry) -> bool:
    hearing = entry.hearing
    return (
        row.posted_on == entry.posted_on
        and row.item == entry.item
        and row.hearing_at == (hearing.local_text() if hearing else "")
        and row.hearing_place == (hearing.place if hearing else "")
        and row.hearing_kind == (hearing.kind if hearing else "")
    )
