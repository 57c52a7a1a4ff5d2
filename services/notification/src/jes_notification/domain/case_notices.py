"""Case-progress notices: which follower hears of which entry, when, and in which mail.

A new progress entry becomes one *notice* per active follower, keyed by (case, the court
system's entry id, address), so the same entry is never mailed twice to one person, even
when case-sync's event is delivered again or the entry is re-sent in a reconciliation.
Notices wait a short batching window (or until the daily digest); then all the waiting
notices of one case and address go out in ONE mail.

A notice's states:

pending ──window or digest time reached──▶ composed (into one delivery, deliveries.py)
   └──the address unsubscribed from the case──▶ dropped (never mailed)
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from jes_domain import InvalidArgument
from jes_zhtw import TAIPEI, CaseNumber, format_roc_date_short, to_taipei

# Entries a court system pushes together arrive within a second or two; one mail for them
# all, still well inside the promise of a mail within seconds.
BATCH_WINDOW = timedelta(seconds=2)
# The daily digest goes out at 18:00 Taipei time: after the courts' working day.
DIGEST_TIME = time(18, 0)
# A batch is bounded so one mail stays readable; the rest go in the next mail.
MAX_ENTRIES_PER_MAIL = 200


class MailMode(StrEnum):
    """How one address hears of one case's new entries (the contract's CaseMailMode)."""

    IMMEDIATE = "immediate"
    DAILY_DIGEST = "daily_digest"
    UNSUBSCRIBED = "unsubscribed"


class NoticeStatus(StrEnum):
    PENDING = "pending"
    COMPOSED = "composed"
    DROPPED = "dropped"


def notice_id(case_id: str, source_entry_id: str, recipient: str) -> str:
    """One notice per case, entry and address: a replayed or re-sent entry adds none."""
    key = f"jes:notice:{case_id}:{source_entry_id}:{recipient.strip().lower()}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, key))


def batch_delivery_id(notice_ids: Iterable[str]) -> str:
    """The delivery (and Message-ID) of the mail carrying these notices: the same notices
    always make the same delivery, so two composers racing cannot send two mails."""
    key = "jes:batch:" + ",".join(sorted(notice_ids))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, key))


def new_settings_token() -> str:
    """The key of one address's settings for one case (unsubscribe, digest): random,
    unguessable, in the mail's links only."""
    return secrets.token_urlsafe(32)


def next_digest_time(now: datetime) -> datetime:
    """The next daily digest after `now`: 18:00 Taipei today, or tomorrow when past."""
    local = to_taipei(now)
    today = datetime.combine(local.date(), DIGEST_TIME, tzinfo=TAIPEI)
    return today if today > local else today + timedelta(days=1)


def due_at(mode: MailMode, now: datetime, arrived_at: datetime | None = None) -> datetime:
    """When a notice recorded now is mailed (for a dropped one, never: now).

    The batching window runs from `arrived_at`, when the entry reached JES (case-sync's
    commit), not from when this service heard of it: the time an event spends on its way
    here is part of the window, not added to it. A notice that comes later than the
    window is due at once; a stamp ahead of this clock counts as now."""
    if mode is MailMode.DAILY_DIGEST:
        return next_digest_time(now)
    if mode is MailMode.IMMEDIATE:
        arrived = now if arrived_at is None else min(arrived_at, now)
        return max(now, arrived + BATCH_WINDOW)
    return now


def status_on_arrival(mode: MailMode) -> NoticeStatus:
    return NoticeStatus.DROPPED if mode is MailMode.UNSUBSCRIBED else NoticeStatus.PENDING


def chosen_mode(value: str) -> MailMode:
    """A mode asked for (SetCaseMailMode); none is refused with the reason."""
    try:
        return MailMode(value)
    except ValueError:
        raise InvalidArgument(
            "請選擇通知方式：有新進度即通知、每日摘要或不再通知",
            fields={"mode": "請選擇通知方式"},
        ) from None


def settings_token_problem(token: str) -> str | None:
    if not token or len(token) > 100:
        return "連結不完整或已失效，請使用通知信中的連結"
    return None


def dotted_case_number(case_id: str, year: int, word: str, number: int) -> str:
    """The case number as the old system showed it (100.訴.992032); one that no service
    accepts is refused with the reason, naming the case."""
    try:
        return CaseNumber(year, word, number).dotted()
    except ValueError as error:
        raise InvalidArgument(
            f"案件 {case_id} 的案號不符合案號規則，無法通知：{error}",
            fields={"case": str(error)},
        ) from None


@dataclass(frozen=True)
class EntryLine:
    """One entry as a mail lists it: the posting date in ROC form, the item, and the
    hearing it sets ("" = none)."""

    posted_on: str
    item: str
    hearing: str = ""


def in_posting_order(entries: Iterable[tuple[date, datetime, str, str]]) -> list[EntryLine]:
    """A mail lists its entries oldest first, as they happened (posting date, then
    arrival), so a reader follows the case's story down the mail."""
    return [
        EntryLine(format_roc_date_short(posted), item, hearing)
        for posted, _arrived, item, hearing in sorted(entries)
    ]


def corrected_item(item: str) -> str:
    return f"（更正）{item}"


def withdrawn_item(item: str, reason: str) -> str:
    because = f"，原因：{reason}" if reason else ""
    return f"（撤回）先前通知的「{item}」已撤回{because}"


def progress_mail_subject(case_number: str, count: int, *, digest: bool) -> str:
    if digest:
        return f"【司法院】案件進度每日摘要：{case_number}（{count} 筆）"
    if count == 1:
        return f"【司法院】案件進度更新：{case_number}"
    return f"【司法院】案件進度更新：{case_number}（{count} 筆）"


class EntryDeliveryStatus(StrEnum):
    """What a court system is told became of an entry's mail to one follower."""

    PENDING = "pending"  # waiting for its batch or the daily digest
    QUEUED = "queued"  # in a mail not yet accepted by the mail server
    SENT = "sent"
    FAILED = "failed"
    NOT_SENT = "not_sent"  # the follower had unsubscribed from the case


def entry_delivery_status(notice_status: str, delivery_status: str) -> EntryDeliveryStatus:
    if notice_status == NoticeStatus.DROPPED:
        return EntryDeliveryStatus.NOT_SENT
    if notice_status == NoticeStatus.PENDING or not delivery_status:
        return EntryDeliveryStatus.PENDING
    if delivery_status == "sent":
        return EntryDeliveryStatus.SENT
    if delivery_status == "queued":
        return EntryDeliveryStatus.QUEUED
    return EntryDeliveryStatus.FAILED  # failed for good, or voided


def entry_id_problem(source_entry_id: str) -> str | None:
    if not source_entry_id.strip():
        return "請提供法院系統的進行事項編號（source_entry_id）"
    if len(source_entry_id) > 100:
        return "進行事項編號過長（至多 100 字元）"
    return None


CASE_CATEGORIES = ("民事", "家事", "刑事", "行政")
MAILS_PER_FOLLOWER = 20
MAX_MAILS_PER_FOLLOWER = 100


def requested_case_number(category: str, year: int, word: str, number: int) -> str:
    """A court system's case key, as a query names it, checked: the dotted number the
    case's mail settings hold, or InvalidArgument naming each field that is wrong."""
    fields: dict[str, str] = {}
    if category not in CASE_CATEGORIES:
        fields["case.category"] = "請指定案類：民事、家事、刑事或行政"
    dotted = ""
    try:
        dotted = CaseNumber(year, word.strip(), number).dotted()
    except ValueError as error:
        problem = str(error)
        field = "case.word"
        if "年度" in problem:
            field = "case.year"
        elif "號數" in problem:
            field = "case.number"
        fields[field] = problem
    if fields:
        raise InvalidArgument("案件欄位有誤：" + "；".join(fields.values()), fields=fields)
    return dotted


def mails_per_follower(requested: int) -> int:
    if requested < 0 or requested > MAX_MAILS_PER_FOLLOWER:
        problem = (
            f"每位查詢人的信件數應為 1 至 {MAX_MAILS_PER_FOLLOWER}（0 為 {MAILS_PER_FOLLOWER}）"
        )
        raise InvalidArgument(problem, fields={"mails_per_follower": problem})
    return requested or MAILS_PER_FOLLOWER
