"""A case's private feeds: the iCalendar feed of its hearings (RFC 5545, written by the
icalendar library: folding, escaping, the Asia/Taipei VTIMEZONE) and what the Atom
template (templates/feeds/case.atom.xml) shows. Both come from case-sync's CasePage
(ResolveFeed); a withdrawn entry or hearing simply is not in the next answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from jes.case_sync.v1 import case_queries_pb2 as q
from jes_gateway.presentation.cases import NOTICES, CasePageView, EntryView

TAIPEI = ZoneInfo("Asia/Taipei")
FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,100}")
HEARINGS_NOTE = NOTICES[1]  # 庭期以傳票或通知書為準


def is_feed_token(token: str) -> bool:
    """A feed address's secret can be no other shape (anything else: not found, unasked)."""
    return FEED_TOKEN.fullmatch(token) is not None


@dataclass(frozen=True)
class AtomEntry:
    id: str
    title: str
    updated: str  # RFC 3339
    content: str


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _arrived(entry: q.CaseEntry) -> datetime:
    if entry.HasField("ingested_at"):
        return entry.ingested_at.ToDatetime(tzinfo=UTC)
    return datetime.fromisoformat(entry.posted_on).replace(tzinfo=TAIPEI)


def atom_entries(page: q.CasePage, view: CasePageView) -> list[AtomEntry]:
    entries = []
    for raw, shown in zip(page.entries, view.entries, strict=True):
        entries.append(
            AtomEntry(
                id=f"urn:jes:case-entry:{raw.entry_id}",
                title=f"{shown.posted_on} {shown.item}",
                updated=_rfc3339(_arrived(raw)),
                content=_entry_text(shown),
            )
        )
    return entries


def atom_updated(page: q.CasePage) -> str:
    moments = [_arrived(e) for e in page.entries]
    if page.HasField("data_as_of"):
        moments.append(page.data_as_of.ToDatetime(tzinfo=UTC))
    return _rfc3339(max(moments) if moments else datetime.now(UTC))


def _entry_text(entry: EntryView) -> str:
    lines = [f"登載日期：{entry.posted_on}", f"登載事項：{entry.item}"]
    if entry.hearing:
        lines.append(f"庭期：{entry.hearing}")
    return "\n".join(lines)


def hearings_calendar(page: q.CasePage, view: CasePageView) -> bytes:
    """One VEVENT per entry that sets a hearing (its UID stays the entry's, so a corrected
    hearing moves in the reader's calendar instead of doubling)."""
    case = view.case
    calendar = Calendar()
    calendar.add("prodid", "-//Judicial Yuan//JES case progress//ZH-TW")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{case.case_number} 庭期")
    calendar.add("x-wr-timezone", "Asia/Taipei")
    for raw, shown in zip(page.entries, view.entries, strict=True):
        hearing = raw.hearing
        if not hearing.starts_at:
            continue
        try:
            starts = datetime.fromisoformat(hearing.starts_at).replace(tzinfo=TAIPEI)
        except ValueError:
            continue  # not a time a calendar can hold; the page still shows its text
        event = Event()
        event.add("uid", f"{raw.entry_id}@jes")
        event.add("dtstamp", _arrived(raw))
        event.add("dtstart", starts)
        event.add("summary", f"{hearing.kind or '開庭'}：{case.court_name} {case.case_number}")
        event.add("location", " ".join(p for p in (case.court_name, hearing.place) if p))
        event.add("description", f"{_entry_text(shown)}\n{HEARINGS_NOTE}")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
