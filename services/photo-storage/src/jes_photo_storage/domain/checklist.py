"""Completeness checklist (seed 003 item 7(三)13): which views the photos must show.

"標的物現況照片：宜包含標的物室內、前、後、二側之立面及臨路狀況 … 若標的物為公寓大廈之
一樓、頂樓或透天厝時，照片須能判斷一樓、頂樓有無增建部分。" Missing views are warnings
shown before printing, never a block.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jes_photo_storage.domain.vocabulary import VIEW_LABELS

ALWAYS_REQUIRED = ("interior", "front", "back", "left_side", "right_side", "road")
# For these the photos must also show whether there are add-ons (增建).
NEEDS_ADDONS = ("ground_floor", "top_floor", "detached")


@dataclass(frozen=True)
class ChecklistItem:
    view: str
    label: str
    satisfied: bool
    warning: str  # "" when satisfied


def required_views(property_type: str) -> tuple[str, ...]:
    if property_type in NEEDS_ADDONS:
        return (*ALWAYS_REQUIRED, "addons")
    return ALWAYS_REQUIRED


def warning_for(view: str) -> str:
    if view == "addons":
        return "一樓、頂樓或透天厝須有能判斷有無增建的照片"
    return f"尚無標示為「{VIEW_LABELS[view]}」的照片"


def checklist(property_type: str, photo_views: Iterable[Iterable[str]]) -> list[ChecklistItem]:
    """One item per required view; `photo_views` holds each photo's view names."""
    shown = {view for views in photo_views for view in views}
    return [
        ChecklistItem(
            view=view,
            label=VIEW_LABELS[view],
            satisfied=view in shown,
            warning="" if view in shown else warning_for(view),
        )
        for view in required_views(property_type)
    ]
