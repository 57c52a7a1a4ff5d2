"""Use cases of case-progress notices: a new entry becomes a notice per follower (in the
consumer's transaction), and due notices become one mail per case and address (one
transaction per mail). The rules are in domain/case_notices.py."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from jes.case_sync.v1 import case_sync_pb2
from jes_db import Database, new_id, utcnow
from jes_domain import InvalidArgument
from jes_notification.domain import case_notices as rules
from jes_notification.domain.case_notices import MailMode, NoticeStatus
from jes_notification.domain.mails import Links
from jes_notification.models import CaseMailSubscription, Delivery, ProgressNotice
from jes_notification.rendering import templates
from jes_zhtw import court_by_code, parse_case_number

TEMPLATE = "case_progress"


def _posted_on(event: case_sync_pb2.ProgressEntryAdded) -> date:
    try:
        return date.fromisoformat(event.entry.posted_on)
    except ValueError:
        raise InvalidArgument(
            f"案件 {event.case_id} 的進行事項登載日期格式錯誤：{event.entry.posted_on!r}",
            fields={"entry.posted_on": "登載日期應為 ISO 日期，例如 2024-11-20"},
        ) from None


def subscription_of(
    session: Session, event: case_sync_pb2.ProgressEntryAdded, recipient: str, case_number: str
) -> CaseMailSubscription:
    """The address's settings for the case, made (mailed at once) the first time."""
    subscription = session.scalar(
        select(CaseMailSubscription).where(
            CaseMailSubscription.case_id == event.case_id,
            CaseMailSubscription.recipient == recipient,
        )
    )
    if subscription is None:
        subscription = CaseMailSubscription(
            id=new_id(),
            case_id=event.case_id,
            recipient=recipient,
            token=rules.new_settings_token(),
            mode=MailMode.IMMEDIATE.value,
            court_code=event.case.court_code,
            category=event.case.category,
            case_number=case_number,
        )
        session.add(subscription)
        session.flush()  # a second consumer racing on the same pair fails here, and retries
    return subscription


def record_progress(
    session: Session, event: case_sync_pb2.ProgressEntryAdded, now: datetime | None = None
) -> int:
    """One notice per follower of the entry, unless that follower already has one for it
    (a replayed event, or the entry re-sent). Returns how many notices wait to be mailed."""
    now = now or utcnow()
    case = event.case
    case_number = rules.dotted_case_number(event.case_id, case.year, case.word, case.number)
    posted_on = _posted_on(event)
    waiting = 0
    for recipient in sorted({email.strip().lower() for email in event.follower_emails}):
        if not recipient:
            continue
        notice_id = rules.notice_id(event.case_id, event.entry.source_entry_id, recipient)
        if session.get(ProgressNotice, notice_id) is not None:
            continue
        subscription = subscription_of(session, event, recipient, case_number)
        mode = MailMode(subscription.mode)
        status = rules.status_on_arrival(mode)
        session.add(
            ProgressNotice(
                id=notice_id,
                subscription_id=subscription.id,
                event_id=_event_key(event),
                court_code=case.court_code,
                source_entry_id=event.entry.source_entry_id,
                posted_on=posted_on,
                item=event.entry.item,
                status=status.value,
                due_at=rules.due_at(mode, now),
                created_at=now,
            )
        )
        waiting += status is NoticeStatus.PENDING
    return waiting


def _event_key(event: case_sync_pb2.ProgressEntryAdded) -> str:
    return f"{event.case_id}:{event.entry.source_entry_id}"[:64]


def next_due(db: Database) -> datetime | None:
    """When the next waiting notice falls due (None: none waits)."""
    with db.transaction() as session:
        return session.scalar(
            select(func.min(ProgressNotice.due_at)).where(
                ProgressNotice.status == NoticeStatus.PENDING.value
            )
        )


def compose_due(db: Database, links: Links, now: datetime | None = None) -> int:
    """Every case and address with a notice due gets one mail with all its waiting
    notices (one transaction per mail). Returns the number of mails queued."""
    now = now or utcnow()
    with db.transaction() as session:
        due = session.execute(
            select(ProgressNotice.subscription_id)
            .where(
                ProgressNotice.status == NoticeStatus.PENDING.value,
                ProgressNotice.due_at <= now,
            )
            .group_by(ProgressNotice.subscription_id)
            .limit(500)
        ).scalars()
        subscription_ids = list(due)
    return sum(_compose_one(db, links, subscription, now) for subscription in subscription_ids)


def _compose_one(db: Database, links: Links, subscription_id: str, now: datetime) -> int:
    with db.transaction() as session:
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
        raise RuntimeError("another composer took these notices; this mail is not queued")


def _delivery(
    subscription: CaseMailSubscription,
    notices: list[ProgressNotice],
    mode: MailMode,
    links: Links,
) -> Delivery:
    digest = mode is MailMode.DAILY_DIGEST
    entries = rules.in_posting_order((n.posted_on, n.created_at, n.item) for n in notices)
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
    delivery_id = rules.batch_delivery_id(n.id for n in notices)
    return Delivery(
        id=delivery_id,
        event_id=notices[0].event_id,
        template=TEMPLATE,
        recipient=subscription.recipient,
        subject=rules.progress_mail_subject(subscription.case_number, len(notices), digest=digest),
        body=body,
        list_unsubscribe=links.one_click_unsubscribe(subscription.token),
    )
