"""What a print showed, and what changed between two versions of a set.

A print keeps a snapshot of its photos (JSON, one dict per photo) so the court can see
what the firm changed between the rejected print and the reprint, even after the photos
themselves changed again.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from jes_photo_storage.domain.records import EDITABLE_FIELDS, PhotoRecord
from jes_photo_storage.domain.vocabulary import (
    ORIENTATION_LABELS,
    PHOTO_FIELD_LABELS,
    PLACEMENT_LABELS,
    view_labels,
    views_from_text,
)


def photo_snapshot(photo: PhotoRecord) -> dict[str, Any]:
    return {
        "id": photo.id,
        "sequence": photo.sequence,
        "placement": photo.placement,
        "orientation": photo.orientation,
        "auction_target": photo.auction_target,
        "description": photo.description,
        "remark": photo.remark,
        "views": views_from_text(photo.views),
        "sha256": photo.sha256,
        "thumbnail_key": photo.thumbnail_key,
    }


def shown(field_name: str, value: Any) -> str:
    """A field's value as people read it."""
    if field_name == "placement":
        return PLACEMENT_LABELS.get(value, value)
    if field_name == "orientation":
        return ORIENTATION_LABELS.get(value, value)
    if field_name == "views":
        return view_labels(value)
    return str(value)


@dataclass
class Change:
    photo_id: str
    change: str  # added, removed, modified, image_replaced, moved
    sequence_before: int = 0
    sequence_after: int = 0
    fields: list[str] = field(default_factory=list)
    summary: str = ""
    thumbnail_key: str = ""  # after the change; before it for a removed photo
    thumbnail_key_before: str = ""  # image_replaced: the image before, kept since printed


def _moved(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> set[str]:
    """Photos whose place among the photos kept changed.

    The photos kept in their relative order form the longest increasing subsequence of
    their new ranks; only the others moved. So inserting a photo at the front does not
    "move" every photo behind it, and dragging one photo moves just that one.
    """
    after_rank = {p["id"]: rank for rank, p in enumerate(after)}
    kept = [p["id"] for p in before if p["id"] in after_rank]
    ranks = [after_rank[photo_id] for photo_id in kept]
    # Patience sorting with back links: O(n log n).
    tails: list[int] = []  # tails[k]: index (into ranks) ending the best run of length k+1
    tail_ranks: list[int] = []  # ranks[tails[k]], kept sorted for bisect
    links: list[int] = [-1] * len(ranks)
    for i, rank in enumerate(ranks):
        k = bisect.bisect_left(tail_ranks, rank)
        if k > 0:
            links[i] = tails[k - 1]
        if k == len(tails):
            tails.append(i)
            tail_ranks.append(rank)
        else:
            tails[k] = i
            tail_ranks[k] = rank
    in_order: set[str] = set()
    i = tails[-1] if tails else -1
    while i != -1:
        in_order.add(kept[i])
        i = links[i]
    return set(kept) - in_order


def diff(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[Change]:
    """Changes from one snapshot to another, in the order of the photos after."""
    before_by_id = {p["id"]: p for p in before}
    after_by_id = {p["id"]: p for p in after}
    moved = _moved(before, after)
    changes: list[Change] = []
    for new in after:
        old = before_by_id.get(new["id"])
        if old is None:
            changes.append(
                Change(
                    new["id"],
                    "added",
                    sequence_after=new["sequence"],
                    summary=f"新增照片（序號 {new['sequence']}）",
                    thumbnail_key=new["thumbnail_key"],
                )
            )
            continue
        common = {
            "photo_id": new["id"],
            "sequence_before": old["sequence"],
            "sequence_after": new["sequence"],
            "thumbnail_key": new["thumbnail_key"],
        }
        if old["sha256"] != new["sha256"]:
            changes.append(
                Change(
                    change="image_replaced",
                    summary=f"更換照片影像（序號 {new['sequence']}）",
                    thumbnail_key_before=old["thumbnail_key"],
                    **common,
                )
            )
        edited = [name for name in EDITABLE_FIELDS if old.get(name) != new.get(name)]
        if edited:
            summary = "；".join(
                f"{PHOTO_FIELD_LABELS[name]}：「{shown(name, old.get(name))}」→"
                f"「{shown(name, new.get(name))}」"
                for name in edited
            )
            changes.append(Change(change="modified", fields=edited, summary=summary, **common))
        if new["id"] in moved:
            changes.append(
                Change(
                    change="moved",
                    fields=["sequence"],
                    summary=f"序號：{old['sequence']}→{new['sequence']}",
                    **common,
                )
            )
    for old in before:
        if old["id"] not in after_by_id:
            changes.append(
                Change(
                    old["id"],
                    "removed",
                    sequence_before=old["sequence"],
                    summary=f"刪除照片（原序號 {old['sequence']}）",
                    thumbnail_key=old["thumbnail_key"],
                )
            )
    return changes
