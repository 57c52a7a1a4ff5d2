"""Use cases of case-progress notices, the mail side: due notices become one mail per
case and address (a chunk of mails per transaction; composer.py runs it). Recording the
notices is progress_notices.py; the rules are in domain/case_notices.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy.orm import Session

from jes_db import Database, utcnow
from jes_db.bulk import bulk_insert, one_of, text_array
from jes_notification.domain import case_notices as rules
from jes_notification.domain.case_notices import MailMode, NoticeStatus
from jes_notification.domain.deliveries import DeliveryStatus
from jes_notification.domain.mails import Links
from jes_notification.models import CaseMailSubscription, Delivery, ProgressNotice
from jes_notification.progress_notices import TEMPLATE
from jes_notification.rendering import templates
from jes_zhtw import court_by_code, parse_case_number


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
_SUBSCRIPTIONS = cast(Table, CaseMailSubscription.__table__)
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
    # Core rows (the mail reads them by attribute as it would the ORM's objects)
    subscriptions = {
        subscription.id: subscription
        for subscription in session.execute(
            select(*_SUBSCRIPTIONS.c).where(one_of(session, _SUBSCRIPTIONS.c.id, subscription_ids))
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
    """Each notice's new status and mail (`key`, `new_status`, `mail`); a notice no longer
    pending (another composer took it) raises NoticesTaken. PostgreSQL: one statement
    over arrays (an executemany of a burst's 10,000 marks built each row's parameters in
    Python: half the composer's CPU), each column's values one array in PostgreSQL's
    text form (psycopg's list adapter was a sixth of it); SQLite: an executemany."""
    if session.get_bind().dialect.name == "postgresql":
        changed = session.execute(
            _MARK_ON_POSTGRES,
            {
                "ids": text_array([mark["key"] for mark in marks]),
                "statuses": text_array([mark["new_status"] for mark in marks]),
                "mails": text_array([mark["mail"] for mark in marks]),
            },
        )
    else:
        changed = session.execute(
            update(_NOTICES)
            .where(
                _NOTICES.c.id == bindparam("key"),
                _NOTICES.c.status == NoticeStatus.PENDING.value,
            )
            .values(status=bindparam("new_status"), delivery_id=bindparam("mail")),
            marks,
        )
    if changed.rowcount != len(marks):  # type: ignore[attr-defined]
        raise NoticesTaken("another composer took some of these notices")


_MARK_ON_POSTGRES = text(
    "UPDATE progress_notices AS notice SET status = mark.status, delivery_id = mark.mail"
    " FROM unnest(CAST(:ids AS text[]), CAST(:statuses AS text[]), CAST(:mails AS text[]))"
    " AS mark(id, status, mail)"
    " WHERE notice.id = mark.id AND notice.status = :pending"
).bindparams(pending=NoticeStatus.PENDING.value)


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
    subscription: Any,
    notices: Sequence[Any],
    mode: MailMode,
    links: Links,
    now: datetime,
) -> dict[str, Any]:
    """The mail carrying these notices (rows or ProgressNotice objects) to the
    subscription's address (a row or a CaseMailSubscription), as a deliveries row."""
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
