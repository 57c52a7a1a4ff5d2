"""Completeness checklist (seed 003 item 7(三)13): which views the photos must show.

"標的物現況照片：宜包含標的物室內、前、後、二側之立面及臨路狀況 … 若標的物為公寓大廈之
一樓、頂樓或透天厝時，照片須能判斷一樓、頂樓有無增建部分。" Missing views are warnings
shown before printing, never a block.

A photo shows a view when the firm ticked it (拍攝內容); a photo whose 室內/室外 is 室內
shows the interior as well, so the form and the checklist never contradict each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jes_photo_storage.domain.vocabulary import VIEW_LABELS

ALWAYS_REQUIRED = ("interior", "front", "back", "left_side", "right_side", "road")
# For these the photos must also show whether there are add-ons (增建).
NEEDS_ADDONS = ("ground_floor", "top_floor", "detached")
# The placement that by itself shows a view.
VIEW_OF_PLACEMENT = {"indoor": "interior"}


@dataclass(frozen=True)
class ShownPhoto:
    """What the checklist reads of one photo."""

    sequence: int
    views: tuple[str, ...] = ()
    placement: str = ""

    def shows(self) -> set[str]:
        shown = set(self.views)
        if self.placement in VIEW_OF_PLACEMENT:
            shown.add(VIEW_OF_PLACEMENT[self.placement])
        return shown


@dataclass(frozen=True)
class ChecklistItem:
    view: str
    label: str
    satisfied: bool
    warning: str  # "" when satisfied
    sequences: tuple[int, ...] = ()  # the photos that show the view
    hint: str = ""  # where to mark a photo as showing it, "" when satisfied


def required_views(property_type: str) -> tuple[str, ...]:
    if property_type in NEEDS_ADDONS:
        return (*ALWAYS_REQUIRED, "addons")
    return ALWAYS_REQUIRED


def warning_for(view: str) -> str:
    if view == "addons":
        return "一樓、頂樓或透天厝須有能判斷有無增建的照片"
    return f"尚無標示為「{VIEW_LABELS[view]}」的照片"


def hint_for(view: str) -> str:
    tick = f"在照片列表該照片的「拍攝內容」勾選「{VIEW_LABELS[view]}」（上傳時也可先勾選）"
    if view == "interior":
        return f"將照片的室內/室外設為「室內」，或{tick}"
    return f"請{tick}"


def checklist(property_type: str, photos: Iterable[ShownPhoto]) -> list[ChecklistItem]:
    """One item per required view, with the sequences of the photos that show it."""
    shown_by = [(photo.sequence, photo.shows()) for photo in photos]
    items = []
    for view in required_views(property_type):
        sequences = tuple(sorted(seq for seq, shown in shown_by if view in shown))
        satisfied = bool(sequences)
        items.append(
            ChecklistItem(
                view=view,
                label=VIEW_LABELS[view],
                satisfied=satisfied,
                warning="" if satisfied else warning_for(view),
                sequences=sequences,
                hint="" if satisfied else hint_for(view),
            )
        )
    return items


def printed_warnings(items: Iterable[ChecklistItem]) -> list[str]:
    """What a print keeps of the checklist: each warning with its item, as people read it."""
    return [f"{item.label}：{item.warning}" for item in items if not item.satisfied]
