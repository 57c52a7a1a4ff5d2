"""The audit log for people: zh-TW labels, only the fields that changed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jes.audit.v1 import audit_pb2
from jes_gateway.presentation.vocabulary import (
    APPLICATION_STATUS_LABELS,
    APPLICATION_STATUSES,
    ORIENTATION_LABELS,
    PLACEMENT_LABELS,
    PROPERTY_TYPE_LABELS,
    STATUS_LABELS,
    STATUSES,
    VIEW_LABELS,
)

SUBJECT_LABELS = {
    "submission": "審核案件",
    "firm_application": "帳號申請",
    "photo_set": "照片案件",
    "photo": "照片",
    "account": "帳號",
}
ROLE_LABELS = {
    "clerk": "書記官",
    "admin": "系統管理者",
    "firm": "鑑估價公司",
    "professional": "專業人員",
    "service": "系統",
}
# Field names inside the audit log's before/after snapshots, for people.
FIELD_LABELS = {
    "status": "狀態",
    "state": "狀態",
    "reason": "理由",
    "reasons": "照片退回理由",
    "rejections": "照片退回理由",
    "note": "整體說明",
    "account_id": "帳號",
    "company_name": "公司名稱",
    "email": "電子郵件",
    "phone": "電話",
    "display_name": "名稱",
    "contact_person": "聯絡人",
    "decided_by": "決定者",
    "decided_at": "決定時間",
    "case_number": "案號",
    "batch": "批次",
    "sequence": "序號",
    "placement": "室內/室外",
    "orientation": "橫向/直立",
    "auction_target": "拍賣標的",
    "description": "說明",
    "remark": "備註",
    "views": "拍攝內容",
    "property_type": "標的類型",
    "pages": "報告頁數",
    "photo_count": "照片張數",
    "width": "寬（像素）",
    "height": "高（像素）",
}
# Identifiers and hashes: true, but noise to a reviewer reading the history.
HIDDEN_FIELDS = frozenset(
    {
        "id",
        "photo_id",
        "photo_ids",
        "photo_set_id",
        "sha256",
        "thumbnail_key",
        "fingerprint",
        "report_id",
        "decision_id",
        "version",
        "link",
        # who and when are the entry's own actor and time
        "decided_by",
        "decided_at",
        "reviewer_account_id",
    }
)
# Values inside the snapshots, by the field they are in: the contracts' labels, and
# review-workflow's submission states (which are no enum of a contract).
SUBMISSION_STATE_LABELS = {
    "pending": "待審核",
    "deciding": "決定處理中",
    "approved": "已通過",
    "rejected": "未通過",
    "withdrawn": "已撤回",
    "not_applied": "決定未能執行",
}
VALUE_LABELS: dict[str, dict[str, str]] = {
    "status": {
        **{name: STATUS_LABELS[value] for name, value in STATUSES.items()},
        **{name: APPLICATION_STATUS_LABELS[value] for name, value in APPLICATION_STATUSES.items()},
    },
    "state": SUBMISSION_STATE_LABELS,
    "placement": PLACEMENT_LABELS,
    "orientation": ORIENTATION_LABELS,
    "property_type": PROPERTY_TYPE_LABELS,
    "views": VIEW_LABELS,
}


@dataclass
class ChangedField:
    label: str
    before: str
    after: str


@dataclass
class ReadableEntry:
    entry: audit_pb2.AuditEntry
    action: str
    subject: str
    actor: str
    role: str
    changes: list[ChangedField]


def readable_value(value: Any, labels: dict[str, str] | None = None) -> str:
    """A snapshot value for people; `labels` names the values of its field."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return (labels or {}).get(value, value)
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return "；".join(readable_item(item) for item in value)  # e.g. reasons per photo
    if isinstance(value, list):
        return "、".join(readable_value(v, labels) for v in value)
    return json.dumps(value, ensure_ascii=False)


def readable_item(item: dict[str, Any]) -> str:
    """One photo's rejection reason: 序號 2 照片模糊不清：門牌看不清楚."""
    words = [f"序號 {item['sequence']}"] if item.get("sequence") else []
    words += [str(item[k]) for k in ("label", "reason", "text") if item.get(k)]
    return " ".join(words) or json.dumps(item, ensure_ascii=False)


def snapshot(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {"": raw}
    return value if isinstance(value, dict) else {"": value}


def readable_entry(entry: audit_pb2.AuditEntry) -> ReadableEntry:
    """An audit entry for people: labels in zh-TW, only the fields that changed."""
    before, after = snapshot(entry.before_json), snapshot(entry.after_json)
    changes = []
    for key in dict.fromkeys([*before, *after]):
        labels = VALUE_LABELS.get(key)
        old = readable_value(before.get(key), labels)
        new = readable_value(after.get(key), labels)
        if key not in HIDDEN_FIELDS and old != new:  # "" and missing both read "—": no change
            changes.append(ChangedField(FIELD_LABELS.get(key, key), old, new))
    role = ROLE_LABELS.get(entry.actor_role, entry.actor_role)
    # A case number or company name says more than the subject's id.
    subject_name = next(
        (
            str(snap[key])
            for key in ("case_number", "company_name", "account_id")
            for snap in (after, before)
            if snap.get(key)
        ),
        entry.subject_id,
    )
    return ReadableEntry(
        entry=entry,
        action=entry.action_label or entry.action,  # labelled by the service that records it
        subject=f"{SUBJECT_LABELS.get(entry.subject_type, entry.subject_type)} {subject_name}",
        actor=entry.actor_account_id,
        role=role,
        changes=changes,
    )
