"""The court's decision as review-workflow carries it: what it must hold, and the
per-photo reasons the firm reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jes_domain import InvalidArgument

INVALID = "審核資料有誤"


@dataclass(frozen=True)
class PhotoRejection:
    photo_id: str
    reason: str  # free text
    reason_code: str  # a standard reason, used when there is no text


def check_decision(decision_id: str, decision_known: bool) -> None:
    problems = {}
    if not decision_id:
        problems["decision_id"] = "必填"
    if not decision_known:
        problems["decision"] = "請選擇通過或不通過"
    if problems:
        raise InvalidArgument(INVALID, fields=problems)


def check_same_set(applied_to: str, photo_set_id: str) -> None:
    """A decision id names one decision on one set; a retry repeats it exactly."""
    if applied_to != photo_set_id:
        raise InvalidArgument(INVALID, fields={"decision_id": "此編號已用於其他案件"})


def rejection_reasons(
    rejections: Iterable[PhotoRejection], photo_ids: Iterable[str], note: str
) -> dict[str, str]:
    """Each rejected photo's reason (several for one photo are joined); a rejection names
    photos of this set and says why, per photo or in the note."""
    known = set(photo_ids)
    reasons: dict[str, str] = {}
    for rejection in rejections:
        if rejection.photo_id not in known:
            raise InvalidArgument(INVALID, fields={"rejections": "退回理由所指的照片不在此案件"})
        reason = rejection.reason.strip() or rejection.reason_code
        earlier = reasons.get(rejection.photo_id)
        reasons[rejection.photo_id] = f"{earlier}；{reason}" if earlier else reason
    if not reasons and not note.strip():
        raise InvalidArgument(INVALID, fields={"rejections": "不通過時請說明理由"})
    return reasons
