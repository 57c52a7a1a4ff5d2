"""Use cases of case-progress notices, the recording side: a new entry becomes a notice
per follower (in the consumer's transaction); corrections, withdrawals, dropped
follows. Due notices become mails in notice_composing.py; the rules are in
domain/case_notices.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeAlias, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from jes.case_sync.v1 import case_events_pb2, cases_pb2
from jes_db import new_id, utcnow
from jes_db.bulk import bulk_insert, one_of
from jes_domain import InvalidArgument
from jes_notification.domain import case_notices as rules
from jes_notification.domain.case_notices import MailMode, NoticeStatus
from jes_notification.models import CaseMailSubscription, ProgressNotice
from jes_protos import enum_label
from jes_zhtw import format_hearing

TEMPLATE = "case_progress"


def _posted_on(case_id: str, entry: cases_pb2.ProgressEntry) -> date:
    try:
        return date.fromisoformat(entry.posted_on)
    except ValueError:
        raise InvalidArgument(
            f"案件 {case_id} 的進行事項登載日期格式錯誤：{entry.posted_on!r}",
            fields={"entry.posted_on": "登載日期應為 ISO 日期，例如 2024-11-20"},
        ) from None


@dataclass(frozen=True)
class Recipient:
    """One follower to tell: the address, and case-sync's follow ("" in older events)."""

    email: str
    follow_id: str = ""


def recipients_of(
    followers: Iterable[case_events_pb2.Follower], emails: Iterable[str] = ()
) -> list[Recipient]:
    """The event's followers, one per address (older events name only the addresses)."""
    found: dict[str, Recipient] = {}
    for follower in followers:
        email = follower.email.strip().lower()
        if email:
            found.setdefault(email, Recipient(email, follower.follow_id))
    for email in (e.strip().lower() for e in emails):
        if email:
            found.setdefault(email, Recipient(email))
    return [found[email] for email in sorted(found)]


# case-sync's event of new entries: one per entry (before December 2026), or one per
# case and call
AddedEvent: TypeAlias = case_events_pb2.ProgressEntryAdded | case_events_pb2.ProgressEntriesAdded


def entries_of(event: AddedEvent) -> list[cases_pb2.ProgressEntry]:
    if isinstance(event, case_events_pb2.ProgressEntriesAdded):
        return [added.entry for added in event.entries]
    return [event.entry]


def _recipients_of_event(event: AddedEvent) -> list[Recipient]:
    if isinstance(event, case_events_pb2.ProgressEntriesAdded):
        return recipients_of(event.followers)
    return recipients_of(event.followers, event.follower_emails)


def record_progress(session: Session, event: AddedEvent, now: datetime | None = None) -> int:
    """One notice per follower and new entry, unless that follower already has one for
    it (a replayed event, or the entry re-sent). Returns how many notices wait to be
    mailed."""
    return record_progress_of_many(session, [event], now)


def record_progress_of_many(
    session: Session,
    events: Sequence[AddedEvent],
    now: datetime | None = None,
    arrived_at: Sequence[datetime | None] | None = None,
) -> int:
    """`record_progress` for several events (a consumer's poll) in a few statements: one
    to find the notices that exist, one for the subscriptions, one to add the missing
    subscriptions and one for the notices, whatever the number of events. A bad event
    refuses them all (the consumer then records them one by one). `arrived_at`: each
    event's commit time in case-sync (its envelope's), where its batching window starts."""
    now = now or utcnow()
    arrivals = dict(zip(map(id, events), arrived_at, strict=True)) if arrived_at else {}
    wanted: dict[str, tuple[AddedEvent, cases_pb2.ProgressEntry, Recipient, date]] = {}
    for event in events:
        case = event.case
        rules.dotted_case_number(event.case_id, case.year, case.word, case.number)
        recipients = _recipients_of_event(event)
        for entry in entries_of(event):
            posted_on = _posted_on(event.case_id, entry)
            for recipient in recipients:
                notice_id = rules.notice_id(event.case_id, entry.source_entry_id, recipient.email)
                wanted.setdefault(notice_id, (event, entry, recipient, posted_on))
    if not wanted:
        return 0
    existing = set(
        session.scalars(
            select(ProgressNotice.id).where(one_of(session, ProgressNotice.id, list(wanted)))
        )
    )
    to_add = {key: value for key, value in wanted.items() if key not in existing}
    if not to_add:
        return 0
    subscriptions = _subscriptions_of(
        session, [(event, recipient) for event, _, recipient, _ in to_add.values()]
    )
    rows = []
    waiting = 0
    for notice_id, (event, entry, recipient, posted_on) in to_add.items():
        subscription = subscriptions[(event.case_id, recipient.email)]
        mode = MailMode(subscription.mode)
        status = rules.status_on_arrival(mode)
        rows.append(
            {
                "id": notice_id,
                "subscription_id": subscription.id,
                "event_id": _event_key(event.case_id, entry),
                "court_code": event.case.court_code,
                "source_entry_id": entry.source_entry_id,
                "posted_on": posted_on,
                "item": entry.item,
                "hearing": _hearing(entry),
                "status": status.value,
                "due_at": rules.due_at(mode, now, arrivals.get(id(event))),
                "created_at": now,
                "delivery_id": None,
            }
        )
        waiting += status is NoticeStatus.PENDING
    # Core rows (COPY on PostgreSQL), not the ORM's bulk insert: a poll's notices are
    # thousands of rows, and the ORM's per-row bookkeeping was a tenth of the consumer's CPU.
    bulk_insert(session, _NOTICES, rows)
    return waiting


_NOTICES = cast(Table, ProgressNotice.__table__)


@dataclass(frozen=True)
class _Settings:
    """What recording a notice needs of a (case, address)'s subscription."""

    id: str
    mode: str


_SUBSCRIPTIONS = cast(Table, CaseMailSubscription.__table__)
_SETTINGS_OF = select(
    _SUBSCRIPTIONS.c.id,
    _SUBSCRIPTIONS.c.mode,
    _SUBSCRIPTIONS.c.case_id,
    _SUBSCRIPTIONS.c.recipient,
    _SUBSCRIPTIONS.c.follow_id,
)


def _subscriptions_of(
    session: Session, pairs: Iterable[tuple[AddedEvent, Recipient]]
) -> dict[tuple[str, str], _Settings]:
    """Each (case, address)'s settings, made (mailed at once) the first time; one query
    for those that exist and one insert for the new ones (Core rows: a burst makes a
    thousand, and the ORM's objects were a tenth of the consumer's CPU)."""
    by_key: dict[tuple[str, str], tuple[AddedEvent, Recipient]] = {}
    for event, recipient in pairs:
        key = (event.case_id, recipient.email)
        # a follow id wins over none (older events name only the address)
        if key not in by_key or (recipient.follow_id and not by_key[key][1].follow_id):
            by_key[key] = (event, recipient)
    found: dict[tuple[str, str], _Settings] = {}
    refollowed: dict[str, str] = {}  # subscription id -> the new follow's id
    for row in session.execute(
        _SETTINGS_OF.where(
            one_of(session, _SUBSCRIPTIONS.c.case_id, sorted({case for case, _ in by_key})),
            one_of(session, _SUBSCRIPTIONS.c.recipient, sorted({email for _, email in by_key})),
        )
    ):
        key = (row.case_id, row.recipient)
        if key not in by_key:
            continue  # another of the cases' addresses (the query is a superset)
        found[key] = _Settings(row.id, row.mode)
        follow_id = by_key[key][1].follow_id
        if follow_id and row.follow_id != follow_id:
            refollowed[row.id] = follow_id  # a new follow of the same address
    made = []
    now = utcnow()
    for key, (event, recipient) in by_key.items():
        if key in found:
            continue
        case = event.case
        settings = _Settings(new_id(), MailMode.IMMEDIATE.value)
        made.append(
            {
                "id": settings.id,
                "case_id": event.case_id,
                "recipient": recipient.email,
                "follow_id": recipient.follow_id,
                "token": rules.new_settings_token(),
                "mode": settings.mode,
                "court_code": case.court_code,
                "category": enum_label(cases_pb2.CaseCategory, case.category),
                "case_number": rules.dotted_case_number(
                    event.case_id, case.year, case.word, case.number
                ),
                "created_at": now,
                "changed_at": now,
            }
        )
        found[key] = settings
    # a second consumer racing on the same pair fails here (the unique (case, address)),
    # and its poll is retried
    bulk_insert(session, _SUBSCRIPTIONS, made)
    for subscription_id, follow_id in refollowed.items():
        session.execute(
            update(_SUBSCRIPTIONS)
            .where(_SUBSCRIPTIONS.c.id == subscription_id)
            .values(follow_id=follow_id)
        )
    return found


def _event_key(case_id: str, entry: cases_pb2.ProgressEntry) -> str:
    return f"{case_id}:{entry.source_entry_id}"[:64]


def _hearing(entry: cases_pb2.ProgressEntry) -> str:
    hearing = entry.hearing
    return format_hearing(hearing.starts_at, hearing.place, hearing.kind)[:200]


def _notices_of_entry(session: Session, case_id: str, source_entry_id: str) -> list[ProgressNotice]:
    """Each follower's notice of the entry itself (not the later ones about its
    corrections or withdrawal)."""
    rows = session.execute(
        select(ProgressNotice, CaseMailSubscription.recipient)
        .join(CaseMailSubscription, CaseMailSubscription.id == ProgressNotice.subscription_id)
        .where(
            CaseMailSubscription.case_id == case_id,
            ProgressNotice.source_entry_id == source_entry_id,
        )
    ).all()
    return [
        notice
        for notice, recipient in rows
        if notice.id == rules.notice_id(case_id, source_entry_id, recipient)
    ]


def _follow_up(
    session: Session,
    original: ProgressNotice,
    key: str,
    posted_on: date,
    item: str,
    hearing: str,
    now: datetime,
) -> int:
    """A further notice about an entry the follower was already mailed (a correction or
    a withdrawal), keyed so the same change is told once."""
    subscription = session.get(CaseMailSubscription, original.subscription_id)
    assert subscription is not None
    notice_id = rules.notice_id(subscription.case_id, key, subscription.recipient)
    if session.get(ProgressNotice, notice_id) is not None:
        return 0
    mode = MailMode(subscription.mode)
    status = rules.status_on_arrival(mode)
    session.add(
        ProgressNotice(
            id=notice_id,
            subscription_id=subscription.id,
            event_id=original.event_id,
            court_code=original.court_code,
            source_entry_id=original.source_entry_id,
            posted_on=posted_on,
            item=item,
            hearing=hearing,
            status=status.value,
            due_at=rules.due_at(mode, now),
            created_at=now,
        )
    )
    return int(status is NoticeStatus.PENDING)


def record_correction(
    session: Session, event: case_events_pb2.ProgressEntryCorrected, now: datetime | None = None
) -> int:
    """A notice not yet mailed is mailed as corrected; one already mailed is followed by
    a correction notice (once per correction)."""
    now = now or utcnow()
    posted_on = _posted_on(event.case_id, event.entry)
    hearing = _hearing(event.entry)
    source_entry_id = event.entry.source_entry_id or event.previous.source_entry_id
    waiting = 0
    key = f"{source_entry_id}#corrected:{event.corrected_at.ToSeconds()}"
    for notice in _notices_of_entry(session, event.case_id, source_entry_id):
        if notice.status == NoticeStatus.PENDING:
            notice.posted_on, notice.item, notice.hearing = posted_on, event.entry.item, hearing
        elif notice.status == NoticeStatus.COMPOSED:
            item = rules.corrected_item(event.entry.item)
            waiting += _follow_up(session, notice, key, posted_on, item, hearing, now)
    return waiting


def record_withdrawal(
    session: Session, event: case_events_pb2.ProgressEntryWithdrawn, now: datetime | None = None
) -> int:
    """A notice not yet mailed is never mailed; one already mailed is followed by a
    withdrawal notice."""
    now = now or utcnow()
    waiting = 0
    source_entry_id = event.entry.source_entry_id
    for notice in _notices_of_entry(session, event.case_id, source_entry_id):
        if notice.status == NoticeStatus.PENDING:
            notice.status = NoticeStatus.DROPPED.value
        elif notice.status == NoticeStatus.COMPOSED:
            item = rules.withdrawn_item(event.entry.item, event.reason)
            key = f"{source_entry_id}#withdrawn"
            waiting += _follow_up(session, notice, key, notice.posted_on, item, "", now)
    return waiting


def unsubscribed_emails(session: Session, case_id: str) -> set[str]:
    """The addresses that stopped the case's mails: they get none about it."""
    return set(
        session.scalars(
            select(CaseMailSubscription.recipient).where(
                CaseMailSubscription.case_id == case_id,
                CaseMailSubscription.mode == MailMode.UNSUBSCRIBED.value,
            )
        )
    )


def drop_waiting(session: Session, case_id: str, follow_ids: Iterable[str] | None = None) -> None:
    """The case's notices not yet mailed are never mailed (the case is cut off, or the
    follow ended): all of them, or those of these follows."""
    subscriptions = select(CaseMailSubscription.id).where(CaseMailSubscription.case_id == case_id)
    if follow_ids is not None:
        subscriptions = subscriptions.where(CaseMailSubscription.follow_id.in_(list(follow_ids)))
    session.execute(
        update(ProgressNotice)
        .where(
            ProgressNotice.subscription_id.in_(subscriptions),
            ProgressNotice.status == NoticeStatus.PENDING.value,
        )
        .values(status=NoticeStatus.DROPPED.value)
        .execution_options(synchronize_session=False)
    )
