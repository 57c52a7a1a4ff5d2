"""The standard reasons a court gives for rejecting a photo (seed 003 item 7(三)13), and the
checks on a reviewer's reasons."""

from __future__ import annotations

from collections.abc import Sequence

from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_grpckit import InvalidArgument

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


def firm_facing_text(label: str, text: str) -> str:
    """What the firm reads for one photo: the standard label, then the reviewer's words."""
    return f"{label}：{text}" if text else label


def validate_decision(request: pb.DecideSubmissionRequest) -> None:
    """Every problem of the request at once, per field; raises InvalidArgument."""
    problems: dict[str, str] = {}
    if not request.submission_id:
        problems["submission_id"] = "請指定審核案件"
    if len(request.note) > MAX_NOTE:
        problems["note"] = f"整體說明不可超過 {MAX_NOTE} 字"
    if request.approve:
        if request.reasons:
            problems["reasons"] = "審核通過時不需填寫退回理由"
    else:
        problems.update(_reason_problems(request.reasons))
    if problems:
        raise InvalidArgument("審核資料有誤，請修正後再送出", fields=problems)


def _reason_problems(reasons: Sequence[pb.PhotoReason]) -> dict[str, str]:
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
