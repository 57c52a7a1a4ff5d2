"""What a reviewer's decision must contain: the standard reasons a court gives for
rejecting a photo (seed 003 item 7(三)13), the checks on a decision, and the decision on a
firm's account application."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from jes_domain import FailedPrecondition, InvalidArgument

OTHER = "other"

# Order is the order a reviewer sees them in; "other" last.
REJECTION_REASONS: dict[str, str] = {
    "blurry": "照片模糊不清",
    "dark": "光線不足",
    "wrong_property": "非拍賣標的物",
    "missing_view": "未拍攝應拍攝之部位（內部、正面、背面、兩側或臨路）",
    "addons_unclear": "未能顯示有無增建",
    "personal_data": "含有個人資料或隱私內容",
    "duplicate": "照片重複",
    "caption_mismatch": "說明與照片內容不符",
    OTHER: "其他",
}

MAX_REASON_TEXT = 200
MAX_NOTE = 500

APPLICATION_NOT_FOUND = "查無此帳號申請"


class FirmDecisionState(StrEnum):
    """A decision on a firm's application: recorded, then carried out by identity."""

    DECIDING = "deciding"
    APPLIED = "applied"
    NOT_APPLIED = "not_applied"  # identity refused it for good


APPLICATION_ALREADY_DECIDED = "此申請已有不同的決定，不能再變更"


@dataclass(frozen=True)
class PhotoReason:
    """A reviewer's reason for rejecting one photo, as asked."""

    photo_id: str
    sequence: int
    reason_code: str
    text: str = ""


def firm_facing_text(label: str, text: str) -> str:
    """What the firm reads for one photo: the standard label, then the reviewer's words."""
    return f"{label}：{text}" if text else label


def validate_decision(
    submission_id: str, approve: bool, note: str, reasons: Sequence[PhotoReason]
) -> None:
    """Every problem of the decision at once, per field; raises InvalidArgument."""
    problems: dict[str, str] = {}
    if not submission_id:
        problems["submission_id"] = "請指定審核案件"
    if len(note) > MAX_NOTE:
        problems["note"] = f"整體說明不可超過 {MAX_NOTE} 字"
    if approve:
        if reasons:
            problems["reasons"] = "審核通過時不需填寫退回理由"
    else:
        problems.update(_reason_problems(reasons))
    if problems:
        raise InvalidArgument("審核資料有誤，請修正後再送出", fields=problems)


def _reason_problems(reasons: Sequence[PhotoReason]) -> dict[str, str]:
    if not reasons:
        return {"reasons": "退回時請至少為一張照片選擇理由"}
    problems: dict[str, str] = {}
    seen_photos: set[str] = set()
    for index, reason in enumerate(reasons):
        field = f"reasons[{index}]"
        if not reason.photo_id:
            problems[f"{field}.photo_id"] = "請指定照片"
        elif reason.photo_id in seen_photos:
            problems[f"{field}.photo_id"] = "同一張照片只能選一個理由，其他說明請寫在補充文字"
        seen_photos.add(reason.photo_id)
        if reason.sequence < 1:
            problems[f"{field}.sequence"] = "請指定照片序號"
        if reason.reason_code not in REJECTION_REASONS:
            problems[f"{field}.reason_code"] = "請選擇退回理由"
        elif reason.reason_code == OTHER and not reason.text.strip():
            problems[f"{field}.text"] = "選擇「其他」時請填寫理由"
        if len(reason.text) > MAX_REASON_TEXT:
            problems[f"{field}.text"] = f"補充文字不可超過 {MAX_REASON_TEXT} 字"
    return problems


def decided_reasons(reasons: Sequence[PhotoReason]) -> list[dict[str, Any]]:
    """The reasons as recorded: with the standard label as shown, the text trimmed."""
    return [
        {
            "photo_id": r.photo_id,
            "sequence": r.sequence,
            "reason_code": r.reason_code,
            "label": REJECTION_REASONS[r.reason_code],
            "text": r.text.strip(),
        }
        for r in reasons
    ]


def firm_application_reason(application_id: str, approve: bool, reason: str) -> str:
    """The reason to record for a decision on a firm's application ("" when approved);
    raises InvalidArgument with every problem."""
    reason = "" if approve else reason.strip()
    problems = {}
    if not application_id:
        problems["application_id"] = "請指定帳號申請"
    if not approve and not reason:
        problems["reason"] = "不予開通時請填寫理由"
    elif len(reason) > MAX_NOTE:
        problems["reason"] = f"理由不可超過 {MAX_NOTE} 字"
    if problems:
        raise InvalidArgument("資料有誤，請修正後再送出", fields=problems)
    return reason


def require_same_firm_decision(
    earlier_approved: bool, earlier_reason: str, approve: bool, reason: str
) -> None:
    """A repeated identical decision is answered with the recorded one; any other is
    refused."""
    if (earlier_approved, earlier_reason) != (approve, reason):
        raise FailedPrecondition(APPLICATION_ALREADY_DECIDED)
