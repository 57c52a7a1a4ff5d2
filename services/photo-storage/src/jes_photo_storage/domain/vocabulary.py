"""The names photo-storage stores, their contract enums and their zh-TW labels.

Rows keep short English names (indoor, landscape, front, ...) so the database does not
depend on enum numbers; messages use the enums; people see the labels the contract gives
each enum value (jes_protos.enum_label), written nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_photo_storage.domain.status import PhotoSetStatus
from jes_protos import enum_label

STATUSES = {
    PhotoSetStatus.DRAFT: pb.PHOTO_SET_STATUS_DRAFT,
    PhotoSetStatus.SUBMITTED: pb.PHOTO_SET_STATUS_SUBMITTED,
    PhotoSetStatus.CHANGED_SINCE_PRINT: pb.PHOTO_SET_STATUS_CHANGED_SINCE_PRINT,
    PhotoSetStatus.REJECTED: pb.PHOTO_SET_STATUS_REJECTED,
    PhotoSetStatus.APPROVED: pb.PHOTO_SET_STATUS_APPROVED,
}
STATUS_NAMES = {enum: name for name, enum in STATUSES.items()}

PLACEMENTS = {"indoor": pb.PLACEMENT_INDOOR, "outdoor": pb.PLACEMENT_OUTDOOR}
PLACEMENT_NAMES = {enum: name for name, enum in PLACEMENTS.items()}
# No placement is shown as nothing (in the report and in diffs), not as 未指定.
PLACEMENT_LABELS = {
    **{name: enum_label(pb.Placement, enum) for name, enum in PLACEMENTS.items()},
    "": "",
}

ORIENTATIONS = {"landscape": pb.ORIENTATION_LANDSCAPE, "portrait": pb.ORIENTATION_PORTRAIT}
ORIENTATION_NAMES = {enum: name for name, enum in ORIENTATIONS.items()}
ORIENTATION_LABELS = {
    **{name: enum_label(pb.Orientation, enum) for name, enum in ORIENTATIONS.items()},
    "": "",
}

PROPERTY_TYPES = {
    "ground_floor": pb.PROPERTY_TYPE_GROUND_FLOOR,
    "top_floor": pb.PROPERTY_TYPE_TOP_FLOOR,
    "detached": pb.PROPERTY_TYPE_DETACHED,
    "other": pb.PROPERTY_TYPE_OTHER,
}
PROPERTY_TYPE_NAMES = {enum: name for name, enum in PROPERTY_TYPES.items()}
PROPERTY_TYPE_LABELS = {
    name: enum_label(pb.PropertyType, enum)
    for name, enum in {**PROPERTY_TYPES, "": pb.PROPERTY_TYPE_UNSPECIFIED}.items()
}

# Seed 003 item 7(三)13, in the order the rule lists them.
VIEWS = {
    "interior": pb.VIEW_INTERIOR,
    "front": pb.VIEW_FRONT,
    "back": pb.VIEW_BACK,
    "left_side": pb.VIEW_LEFT_SIDE,
    "right_side": pb.VIEW_RIGHT_SIDE,
    "road": pb.VIEW_ROAD,
    "addons": pb.VIEW_ADDONS,
}
VIEW_NAMES = {enum: name for name, enum in VIEWS.items()}
VIEW_LABELS = {name: enum_label(pb.View, enum) for name, enum in VIEWS.items()}

# Field names of a photo as DiffPrints and the audit log name them, with their labels.
PHOTO_FIELD_LABELS = {
    "sequence": "序號",
    "placement": "室內/室外",
    "orientation": "橫向/直立",
    "auction_target": "拍賣標的",
    "description": "說明",
    "remark": "備註",
    "views": "拍攝內容",
}


def views_to_text(views: list[str]) -> str:
    """Stored form: known names, once each, in the rule's order."""
    return ",".join(name for name in VIEWS if name in views)


def views_from_text(text: str) -> list[str]:
    return [name for name in text.split(",") if name]


def view_names(views: Iterable[pb.View.ValueType]) -> list[str]:
    """The stored names of the contract's view numbers; unknown numbers are dropped."""
    return [VIEW_NAMES[v] for v in views if v in VIEW_NAMES]


def view_labels(views: list[str]) -> str:
    return "、".join(VIEW_LABELS[name] for name in views) or "未標示"


# What photo-storage's audit log records, for people (the gateway shows these as given).
AUDIT_ACTION_LABELS = {
    "photo_set.updated": "修改案件資料",
    "photo_set.printed": "列印送審",
    "photo_set.reordered": "調整照片順序",
    "photo_set.approved": "審核通過（案件鎖定）",
    "photo_set.rejected": "審核不通過",
    "photo.uploaded": "新增照片",
    "photo.updated": "修改照片資料",
    "photo.image_replaced": "更換照片",
    "photo.deleted": "刪除照片",
}
