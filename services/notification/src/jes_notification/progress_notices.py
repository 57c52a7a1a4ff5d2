"""Use cases of case-progress notices: a new entry becomes a notice per follower (in the
consumer's transaction), and due notices become one mail per case and address (a chunk
of mails per transaction). The rules are in domain/case_notices.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from jes.case_sync.v1 import case_events_pb2, cases_pb2
from jes_db import Database, new_id, utcnow
from jes_db.bulk import bulk_insert, one_of
from jes_domain import InvalidArgument
from jes_notification.domain import case_notices as rules
from jes_notification.domain.case_notices import MailMode, NoticeStatus
from jes_notification.domain.deliveries import DeliveryStatus
from jes_notification.domain.mails import Links
from jes_notification.models import CaseMailSubscription, Delivery, ProgressNotice
from jes_notification.rendering import templates
from jes_protos import enum_label
from jes_zhtw import court_by_code, format_hearing, parse_case_number

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


def record_progress(
    session: Session, event: case_events_pb2.ProgressEntryAdded, now: datetime | None = None
) -> int:
    """One notice per follower of the entry, unless that follower already has one for it
    (a replayed event, or the entry re-sent). Returns how many notices wait to be mailed."""
    return record_progress_of_many(session, [event], now)


def record_progress_of_many(
    session: Session,
    events: Sequence[case_events_pb2.ProgressEntryAdded],
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
    wanted: dict[str, tuple[case_events_pb2.ProgressEntryAdded, Recipient, date]] = {}
    for event in events:
        case = event.case
        rules.dotted_case_number(event.case_id, case.year, case.word, case.number)
        posted_on = _posted_on(event.case_id, event.entry)
        for recipient in recipients_of(event.followers, event.follower_emails):
            notice_id = rules.notice_id(event.case_id, event.entry.source_entry_id, recipient.email)
            wanted.setdefault(notice_id, (event, recipient, posted_on))
    if not wanted:
        return 0
    existing = set(session.scalars(select(ProgressNotice.id).where(ProgressNotice.id.in_(wanted))))
    to_add = {key: value for key, value in wanted.items() if key not in existing}
    if not to_add:
        return 0
    subscriptions = _subscriptions_of(
        session, [(event, recipient) for event, recipient, _ in to_add.values()]
    )
    rows = []
    waiting = 0
    for notice_id, (event, recipient, posted_on) in to_add.items():
        subscription = subscriptions[(event.case_id, recipient.email)]
        mode = MailMode(subscription.mode)
        status = rules.status_on_arrival(mode)
        rows.append(
            {
                "id": notice_id,
                "subscription_id": subscription.id,
                "event_id": _event_key(event),
                "court_code": event.case.court_code,
                "source_entry_id": event.entry.source_entry_id,
                "posted_on": posted_on,
                "item": event.entry.item,
                "hearing": _hearing(event.entry),
                "status": status.value,
                "due_at": rules.due_at(mode, now, arrivals.get(id(event))),
                "created_at": now,
                "delivery_id": None,
            }
        )
        waiting += status is NoticeStatus.PENDING
    session.execute(insert(ProgressNotice), rows)
    return waiting


def _subscriptions_of(
    session: Session, pairs: Iterable[tuple[case_events_pb2.ProgressEntryAdded, Recipient]]
) -> dict[tuple[str, str], CaseMailSubscription]:
    """Each (case, address)'s settings, made (mailed at once) the first time; one query
    for those that exist and one flush for the new ones."""
    by_key: dict[tuple[str, str], tuple[case_events_pb2.ProgressEntryAdded, Recipient]] = {}
    for event, recipient in pairs:
        key = (event.case_id, recipient.email)
        # a follow id wins over none (older events name only the address)
        if key not in by_key or (recipient.follow_id and not by_key[key][1].follow_id):
            by_key[key] = (event, recipient)
    found = {
        (subscription.case_id, subscription.recipient): subscription
        for subscription in session.scalars(
            select(CaseMailSubscription).where(
                CaseMailSubscription.case_id.in_({case_id for case_id, _ in by_key}),
                CaseMailSubscription.recipient.in_({email for _, email in by_key}),
            )
        )
    }
    made = False
    for key, (event, recipient) in by_key.items():
        subscription = found.get(key)
        if subscription is None:
            case = event.case
            subscription = CaseMailSubscription(
                id=new_id(),
                case_id=event.case_id,
                recipient=recipient.email,
                follow_id=recipient.follow_id,
                token=rules.new_settings_token(),
                mode=MailMode.IMMEDIATE.value,
                court_code=case.court_code,
                category=enum_label(cases_pb2.CaseCategory, case.category),
                case_number=rules.dotted_case_number(
                    event.case_id, case.year, case.word, case.number
                ),
            )
            session.add(subscription)
            found[key] = subscription
            made = True
        elif recipient.follow_id and subscription.follow_id != recipient.follow_id:
            subscription.follow_id = recipient.follow_id  # a new follow of the same address
    if made:
        session.flush()  # a second consumer racing on the same pair fails here, and retries
    return found


def _event_key(event: case_events_pb2.ProgressEntryAdded) -> str:
    return f"{event.case_id}:{event.entry.source_entry_id}"[:64]


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


def next_due(db: Database) -> datetime | None:
    """When the next waiting notice falls due (None: none waits)."""
    with db.transaction() as session:
        return session.scalar(
            select(func.min(ProgressNotice.due_at)).where(
                ProgressNotice.status == NoticeStatus.PENDING.value
            )
        )


# Mails composed per transaction: one each queued every mail of a backlog behind the
# others for the database's write lock, and cost five statements a mail. A chunk is read,
# written and marked in a few statements (`_compose_many`); a lost race (another composer
# took some of its notices) rolls the chunk back to its savepoint and composes it mail by
# mail, each in a savepoint of its own.
COMPOSE_CHUNK = 100
# Subscriptions read per round of the composer (its next round reads the rest).
COMPOSE_AT_MOST = 1000


class NoticesTaken(RuntimeError):
    """Another composer took these notices first (a replica racing this one)."""


def compose_due(
    db: Database,
    links: Links,
    now: datetime | None = None,
    on_composed: Callable[[], None] | None = None,
) -> int:
    """Every case and address with a notice due gets one mail with all its waiting
    notices (a chunk of mails per transaction; `on_composed` is called after each chunk
    that queued mail commits, so the sender starts on it while the next is composed).
    Returns the number of mails queued."""
    now = now or utcnow()
    with db.transaction() as session:
        due = session.execute(
            select(ProgressNotice.subscription_id)
            .where(
                ProgressNotice.status == NoticeStatus.PENDING.value,
                ProgressNotice.due_at <= now,
            )
            .group_by(ProgressNotice.subscription_id)
            .limit(COMPOSE_AT_MOST)
        ).scalars()
        subscription_ids = list(due)
    composed = 0
    for start in range(0, len(subscription_ids), COMPOSE_CHUNK):
        chunk = subscription_ids[start : start + COMPOSE_CHUNK]
        with db.transaction() as session:
            queued = _compose_chunk(session, links, chunk, now)
        composed += queued
        if queued and on_composed is not None:
            on_composed()
    return composed


def _compose_chunk(session: Session, links: Links, chunk: list[str], now: datetime) -> int:
    try:
        with session.begin_nested():
            return _compose_many(session, links, chunk)
    except NoticesTaken:
        pass  # some were taken: the rest mail by mail
    queued = 0
    for subscription_id in chunk:
        try:
            with session.begin_nested():
                queued += _compose_in(session, links, subscription_id, now)
        except NoticesTaken:
            continue  # the other composer queues this mail
    return queued


_DELIVERIES = cast(Table, Delivery.__table__)
_NOTICES = cast(Table, ProgressNotice.__table__)
_NOTICE_COLUMNS = (
    ProgressNotice.id,
    ProgressNotice.subscription_id,
    ProgressNotice.event_id,
    ProgressNotice.posted_on,
    ProgressNotice.created_at,
    ProgressNotice.item,
    ProgressNotice.hearing,
)


def _compose_many(session: Session, links: Links, subscription_ids: list[str]) -> int:
    """`_compose_in` for many subscriptions in four statements: their settings, their
    waiting notices (locked: a second composer skips them), the mails (one insert) and
    the notices' marks (one executemany, counted: a notice another composer took raises
    NoticesTaken, and the caller rolls the chunk back)."""
    subscriptions = {
        subscription.id: subscription
        for subscription in session.scalars(
            select(CaseMailSubscription).where(
                one_of(session, CaseMailSubscription.id, subscription_ids)
            )
        )
    }
    notices: dict[str, list[Any]] = {}
    for row in session.execute(
        select(*_NOTICE_COLUMNS)
        .where(
            one_of(session, ProgressNotice.subscription_id, subscription_ids),
            ProgressNotice.status == NoticeStatus.PENDING.value,
        )
        .order_by(ProgressNotice.subscription_id, ProgressNotice.created_at)
        .with_for_update(skip_locked=True)
    ):
        waiting = notices.setdefault(row.subscription_id, [])
        if len(waiting) < rules.MAX_ENTRIES_PER_MAIL:
            waiting.append(row)
    deliveries: list[dict[str, Any]] = []
    marks: list[dict[str, Any]] = []
    composed_at = utcnow()
    for subscription_id, rows in notices.items():
        subscription = subscriptions[subscription_id]
        mode = MailMode(subscription.mode)
        if mode is MailMode.UNSUBSCRIBED:
            status, delivery_id = NoticeStatus.DROPPED, None
        else:
            delivery = _delivery_row(subscription, rows, mode, links, composed_at)
            deliveries.append(delivery)
            status, delivery_id = NoticeStatus.COMPOSED, delivery["id"]
        marks += [{"key": row.id, "new_status": status.value, "mail": delivery_id} for row in rows]
    if not marks:
        return 0
    bulk_insert(session, _DELIVERIES, deliveries)
    _mark_many(session, marks)
    return len(deliveries)


def _mark_many(session: Session, marks: list[dict[str, Any]]) -> None:
    """Each notice's new status and mail (`key`, `new_status`, `mail`), one executemany;
    a notice no longer pending (another composer took it) raises NoticesTaken."""
    changed = session.execute(
        update(_NOTICES)
        .where(_NOTICES.c.id == bindparam("key"), _NOTICES.c.status == NoticeStatus.PENDING.value)
        .values(status=bindparam("new_status"), delivery_id=bindparam("mail")),
        marks,
    )
    if changed.rowcount != len(marks):  # type: ignore[attr-defined]
        raise NoticesTaken("another composer took some of these notices")


def _compose_one(db: Database, links: Links, subscription_id: str, now: datetime) -> int:
    with db.transaction() as session:
        return _compose_in(session, links, subscription_id, now)


def _compose_in(session: Session, links: Links, subscription_id: str, now: datetime) -> int:
    subscription = session.get(CaseMailSubscription, subscription_id)
    assert subscription is not None
    notices = list(
        session.scalars(
            select(ProgressNotice)
            .where(
                ProgressNotice.subscription_id == subscription_id,
                ProgressNotice.status == NoticeStatus.PENDING.value,
            )
            .order_by(ProgressNotice.created_at)
            .limit(rules.MAX_ENTRIES_PER_MAIL)
        )
    )
    if not notices:
        return 0  # another composer took them
    mode = MailMode(subscription.mode)
    if mode is MailMode.UNSUBSCRIBED:
        _mark(session, notices, NoticeStatus.DROPPED, None)
        return 0
    delivery = _delivery(subscription, notices, mode, links)
    session.add(delivery)
    _mark(session, notices, NoticeStatus.COMPOSED, delivery.id)
    return 1


def _mark(
    session: Session, notices: list[ProgressNotice], status: NoticeStatus, delivery_id: str | None
) -> None:
    ids = [notice.id for notice in notices]
    changed = session.execute(
        update(ProgressNotice)
        .where(ProgressNotice.id.in_(ids), ProgressNotice.status == NoticeStatus.PENDING.value)
        .values(status=status.value, delivery_id=delivery_id)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != len(ids):  # type: ignore[attr-defined]
        raise NoticesTaken("another composer took these notices; this mail is not queued")


def _delivery(
    subscription: CaseMailSubscription,
    notices: list[ProgressNotice],
    mode: MailMode,
    links: Links,
) -> Delivery:
    return Delivery(**_delivery_row(subscription, notices, mode, links, utcnow()))


def _delivery_row(
    subscription: CaseMailSubscription,
    notices: Sequence[Any],
    mode: MailMode,
    links: Links,
    now: datetime,
) -> dict[str, Any]:
    """The mail carrying these notices (rows or ProgressNotice objects), as a deliveries
    row."""
    digest = mode is MailMode.DAILY_DIGEST
    lines = ((n.posted_on, n.created_at, n.item, n.hearing) for n in notices)
    entries = rules.in_posting_order(lines)
    body = templates.get_template(f"{TEMPLATE}.txt").render(
        digest=digest,
        entries=entries,
        court_name=court_by_code(subscription.court_code).name,
        category=subscription.category,
        case_number=subscription.case_number,
        case_number_formal=parse_case_number(subscription.case_number).formal(),
        case_url=links.case_page(subscription.case_id),
        settings_url=links.case_mail_settings(subscription.token),
    )
    return {
        "id": rules.batch_delivery_id(n.id for n in notices),
        "event_id": notices[0].event_id,
        "template": TEMPLATE,
        "recipient": subscription.recipient,
        "subject": rules.progress_mail_subject(
            subscription.case_number, len(notices), digest=digest
        ),
        "body": body,
        "link_id": "",
        "status": DeliveryStatus.QUEUED.value,
        "attempts": 0,
        "last_error": "",
        "created_at": now,
        "next_attempt_at": now,
        "sent_at": None,
        "list_unsubscribe": links.one_click_unsubscribe(subscription.token),
    }


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
