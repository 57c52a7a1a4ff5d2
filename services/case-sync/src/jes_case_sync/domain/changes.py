"""One change a court system sends about a case, and the rules of a stream of them.

A change is checked whole before anything is written: every problem per field at once
(InvalidArgument), a case outside the service's coverage (FailedPrecondition). A stream
(IngestProgress) is one batch with an id the court system never reuses, its messages
numbered 1, 2, 3 ...; it is applied all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from jes_case_sync.domain.cases import CaseKey, case_key_problems, require_covered
from jes_case_sync.domain.entries import BAD_PROGRESS, ProgressInput, ValidEntry, entry_problems
from jes_case_sync.domain.statuses import Status
from jes_domain import DomainError, InvalidArgument, ResourceExhausted

MAX_STREAM_CHANGES = 10_000
MAX_BATCH_ID = 64
MAX_REASON = 200
MAX_PROSECUTORS = 20
MAX_PROSECUTOR_ID = 40
MAX_DIVISION = 20
MAX_CAUSE = 100


class Outcome(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"  # a re-send: what it says is what case-sync holds
    STALE = "stale"  # older than what case-sync holds (by the court's changed_at)


def is_stale(sent_at: datetime | None, held_at: datetime | None) -> bool:
    """A change the court system made before the one case-sync holds."""
    return sent_at is not None and held_at is not None and sent_at < held_at


class ChangeKind(StrEnum):
    POST = "post"
    CORRECT = "correct"
    WITHDRAW = "withdraw"
    STATUS = "status"
    DETAILS = "details"


@dataclass(frozen=True)
class DetailsInput:
    prosecutor_ids: tuple[str, ...]
    division: str
    cause: str


@dataclass(frozen=True)
class ChangeInput:
    """A change as sent: the case, one of the parts by `kind`, the court's time of it."""

    key: CaseKey
    kind: ChangeKind | None  # None: the message named no change
    entry: ProgressInput | None = None  # post, correct
    withdrawn_source_id: str = ""
    reason: str = ""
    status: int = 0  # the contract's CaseStatus
    effective_on: str = ""
    details: DetailsInput | None = None
    changed_at: datetime | None = None


@dataclass(frozen=True)
class ValidChange:
    key: CaseKey
    kind: ChangeKind
    entry: ValidEntry | None = None
    withdrawn_source_id: str = ""
    reason: str = ""
    status: Status | None = None
    effective_on: date | None = None
    details: DetailsInput | None = None
    changed_at: datetime | None = None


def change_problems(
    change: ChangeInput, today: date, entry_prefix: str = ""
) -> tuple[ValidChange | None, dict[str, str]]:
    """The change as applied, or every problem per field (paths of the CaseChange message:
    case.*, post.*, correct.*, withdraw.*, status.*, details.*; PushProgress names its
    entry `entry_prefix` "entry")."""
    problems = case_key_problems(change.key)
    kind = change.kind
    if kind is None:
        problems["change"] = "須指定一項變更：post、correct、withdraw、status 或 details"
        return None, problems
    valid = ValidChange(key=change.key, kind=kind, changed_at=change.changed_at)
    if kind in (ChangeKind.POST, ChangeKind.CORRECT):
        entry, entry_errors = entry_problems(
            change.entry or ProgressInput("", "", ""), today, prefix=entry_prefix or kind.value
        )
        problems |= entry_errors
        valid = ValidChange(change.key, kind, entry=entry, changed_at=change.changed_at)
    elif kind is ChangeKind.WITHDRAW:
        source_id = change.withdrawn_source_id.strip()
        if not source_id:
            problems["withdraw.source_entry_id"] = "缺少來源編號"
        if len(change.reason.strip()) > MAX_REASON:
            problems["withdraw.reason"] = f"撤銷原因不可超過 {MAX_REASON} 字"
        valid = ValidChange(
            change.key,
            kind,
            withdrawn_source_id=source_id,
            reason=change.reason.strip(),
            changed_at=change.changed_at,
        )
    elif kind is ChangeKind.STATUS:
        status = Status.from_contract(change.status)
        if status is None:
            problems["status.status"] = (
                "案件狀態須為審理中、已送上訴、已送抗告、已送執行、已歸檔或已結案"
            )
        effective_on = _iso_date(change.effective_on)
        if effective_on is None:
            problems["status.effective_on"] = "生效日期須為 YYYY-MM-DD"
        elif effective_on > today:
            problems["status.effective_on"] = "生效日期晚於今日，不可登載未來的日期"
        valid = ValidChange(
            change.key,
            kind,
            status=status,
            effective_on=effective_on,
            changed_at=change.changed_at,
        )
    else:
        details = change.details or DetailsInput((), "", "")
        problems |= details_problems(details)
        valid = ValidChange(
            change.key,
            kind,
            details=DetailsInput(
                tuple(sorted({p.strip() for p in details.prosecutor_ids})),
                details.division.strip(),
                details.cause.strip(),
            ),
            changed_at=change.changed_at,
        )
    if problems:
        return None, problems
    return valid, {}


def details_problems(details: DetailsInput, prefix: str = "details") -> dict[str, str]:
    problems = {}
    ids = [p.strip() for p in details.prosecutor_ids]
    if len(ids) > MAX_PROSECUTORS:
        problems[f"{prefix}.prosecutor_ids"] = f"檢察官至多 {MAX_PROSECUTORS} 位"
    elif any(not p or len(p) > MAX_PROSECUTOR_ID for p in ids):
        problems[f"{prefix}.prosecutor_ids"] = f"檢察官識別碼須為 1 至 {MAX_PROSECUTOR_ID} 個字元"
    if len(details.division.strip()) > MAX_DIVISION:
        problems[f"{prefix}.division"] = f"股別不可超過 {MAX_DIVISION} 字"
    if len(details.cause.strip()) > MAX_CAUSE:
        problems[f"{prefix}.cause"] = f"案由不可超過 {MAX_CAUSE} 字"
    return problems


def validate_change(change: ChangeInput, today: date, entry_prefix: str = "") -> ValidChange:
    """One change (ApplyCaseChange, PushProgress): InvalidArgument with every problem,
    then FailedPrecondition for a juvenile case."""
    valid, problems = change_problems(change, today, entry_prefix)
    if valid is None:
        raise InvalidArgument(BAD_PROGRESS, fields=problems)
    require_covered(change.key)
    return valid


def _iso_date(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if day.isoformat() == text else None


class StreamOrder:
    """The framing of one IngestProgress stream: one batch id, messages 1, 2, 3 ...,
    at most MAX_STREAM_CHANGES. Each message is checked as it arrives, so a bad stream
    is refused before the rest is read."""

    def __init__(self, limit: int = MAX_STREAM_CHANGES):
        self.limit = limit
        self.batch_id = ""
        self.received = 0

    def accept(self, batch_id: str, sequence: int) -> None:
        if self.received >= self.limit:
            raise ResourceExhausted(
                f"一次串流至多 {self.limit} 筆，請分批傳送",
                fields={"sequence": f"第 {self.received + 1} 筆超過上限 {self.limit} 筆"},
            )
        expected = self.received + 1
        if self.received == 0:
            batch_id = batch_id.strip()
            if not batch_id or len(batch_id) > MAX_BATCH_ID:
                raise InvalidArgument(
                    "串流資料有誤",
                    fields={"batch_id": f"須有批次編號（1 至 {MAX_BATCH_ID} 個字元）"},
                )
            self.batch_id = batch_id
        elif batch_id.strip() != self.batch_id:
            raise InvalidArgument(
                "串流資料有誤",
                fields={"batch_id": f"同一串流的批次編號須相同（{self.batch_id}）"},
            )
        if sequence != expected:
            raise InvalidArgument(
                "串流順序錯誤：重送或次序顛倒，本批未匯入任何資料",
                fields={"sequence": f"應為第 {expected} 筆，收到第 {sequence} 筆"},
            )
        self.received = expected


def in_stream(sequence: int, problems: dict[str, str]) -> dict[str, str]:
    """Field paths of a change inside a stream: changes[<sequence>].<field>."""
    return {f"changes[{sequence}].{name}": text for name, text in problems.items()}


class StreamBatch:
    """The changes of one ingest stream (IngestProgress one per message,
    IngestProgressChunks many per message: the same rules), each checked as it arrives:
    its framing (StreamOrder), then the change itself (every problem, named
    changes[<sequence>].<field>), then the coverage. The first bad one refuses the whole
    batch before anything is written."""

    def __init__(self, today: date, limit: int = MAX_STREAM_CHANGES):
        self.today = today
        self.order = StreamOrder(limit)
        self.changes: list[ValidChange] = []

    @property
    def batch_id(self) -> str:
        return self.order.batch_id

    def add(self, batch_id: str, sequence: int, change: ChangeInput) -> None:
        self.order.accept(batch_id, sequence)
        valid, problems = change_problems(change, self.today)
        if valid is None:
            raise InvalidArgument(
                f"{BAD_PROGRESS}（第 {sequence} 筆），本批未匯入任何資料",
                fields=in_stream(sequence, problems),
            )
        try:
            require_covered(change.key)
        except DomainError as refused:
            refused.fields = in_stream(sequence, refused.fields)
            raise
        self.changes.append(valid)
