"""A progress entry (進行事項) as a court system sends it: source id, posting date, text
and, if it announces one, a hearing."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from jes_zhtw import parse_roc_date

MAX_SOURCE_ID = 64
MAX_ITEM = 2000
MAX_PLACE = 50
MAX_KIND = 50
BAD_PROGRESS = "進度資料有誤"

# "101/08/10 10:00第一法庭言詞辯論": a ROC date and a time, then the courtroom (up to 法庭
# or 庭) and what happens there. Court systems may send the hearing itself instead.
_HEARING_IN_TEXT = re.compile(
    r"(?P<y>\d{2,3})/(?P<m>\d{1,2})/(?P<d>\d{1,2})\s*(?P<hh>\d{1,2}):(?P<mm>\d{2})\s*"
    r"(?P<place>\S*?法?庭)?\s*(?P<kind>.*)"
)


@dataclass(frozen=True)
class HearingInput:
    starts_at: str  # "YYYY-MM-DDTHH:MM", local time
    place: str
    kind: str


@dataclass(frozen=True)
class ProgressInput:
    """An entry as pushed (texts as sent)."""

    source_entry_id: str
    posted_on: str  # 登載日期, ISO date
    item: str  # 登載事項
    hearing: HearingInput | None = None


@dataclass(frozen=True)
class Hearing:
    starts_at: datetime  # naive, Asia/Taipei
    place: str
    kind: str

    def local_text(self) -> str:
        if self.starts_at.year < 1000:  # strftime leaves such a year unpadded
            return self.starts_at.strftime("%Y-%m-%dT%H:%M")
        return self.starts_at.isoformat(timespec="minutes")  # C, unlike strftime here


@dataclass(frozen=True)
class ValidEntry:
    source_entry_id: str
    posted_on: date
    item: str  # stripped
    hearing: Hearing | None


def posted_on_date(text: str) -> date | None:
    """The posting date, only in the ISO form YYYY-MM-DD."""
    try:
        posted_on = date.fromisoformat(text)
    except ValueError:
        return None
    # fromisoformat also takes 20241120 and 2024-W47-3; the event carries the text
    return posted_on if posted_on.isoformat() == text else None


def hearing_in_text(item: str) -> Hearing | None:
    """The hearing an entry's text announces ("101/08/10 10:00第一法庭言詞辯論"), if any."""
    found = _HEARING_IN_TEXT.search(unicodedata.normalize("NFKC", item))
    if found is None:
        return None
    try:
        day = parse_roc_date(f"{found['y']}/{found['m']}/{found['d']}")
        starts_at = datetime(day.year, day.month, day.day, int(found["hh"]), int(found["mm"]))
    except ValueError:
        return None
    place = (found["place"] or "").strip()
    return Hearing(starts_at, place[:MAX_PLACE], found["kind"].strip()[:MAX_KIND])


def entry_problems(
    entry: ProgressInput, today: date, prefix: str = "entry"
) -> tuple[ValidEntry | None, dict[str, str]]:
    """The entry as kept, or every problem per field ("<prefix>.item" ...). A posting
    date after `today` (Asia/Taipei) is refused: court systems post what happened."""
    problems: dict[str, str] = {}
    source_id = entry.source_entry_id.strip()
    if not source_id:
        problems[f"{prefix}.source_entry_id"] = "缺少來源編號"
    elif len(source_id) > MAX_SOURCE_ID or source_id != entry.source_entry_id:
        problems[f"{prefix}.source_entry_id"] = (
            f"來源編號須為 1 至 {MAX_SOURCE_ID} 個字元，前後不可有空白"
        )
    posted_on = posted_on_date(entry.posted_on)
    if posted_on is None:
        problems[f"{prefix}.posted_on"] = "登載日期須為 YYYY-MM-DD"
    elif posted_on > today:
        problems[f"{prefix}.posted_on"] = f"登載日期 {entry.posted_on} 晚於今日，不可登載未來的日期"
    item = entry.item.strip()
    if not item:
        problems[f"{prefix}.item"] = "登載事項不可空白"
    elif len(item) > MAX_ITEM:
        problems[f"{prefix}.item"] = f"登載事項不可超過 {MAX_ITEM} 字"
    hearing = None
    if entry.hearing is not None and entry.hearing.starts_at:
        hearing = _hearing(entry.hearing, f"{prefix}.hearing", problems)
    elif item:
        hearing = hearing_in_text(item)
    if problems or posted_on is None:
        return None, problems
    return ValidEntry(source_id, posted_on, item, hearing), {}


def _hearing(sent: HearingInput, prefix: str, problems: dict[str, str]) -> Hearing | None:
    try:
        starts_at = datetime.strptime(sent.starts_at, "%Y-%m-%dT%H:%M")
    except ValueError:
        problems[f"{prefix}.starts_at"] = "庭期時間須為 YYYY-MM-DDTHH:MM（臺北時間）"
        return None
    if len(sent.place.strip()) > MAX_PLACE:
        problems[f"{prefix}.place"] = f"法庭不可超過 {MAX_PLACE} 字"
    if len(sent.kind.strip()) > MAX_KIND:
        problems[f"{prefix}.kind"] = f"庭期種類不可超過 {MAX_KIND} 字"
    return Hearing(starts_at, sent.place.strip(), sent.kind.strip())
