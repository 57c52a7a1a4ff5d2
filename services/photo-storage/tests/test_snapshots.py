"""Unit tests of the pure parts: snapshot diffs, the checklist and the print fingerprint."""

from __future__ import annotations

from typing import Any

import pytest

from jes_photo_storage.domain.checklist import ShownPhoto, checklist, required_views
from jes_photo_storage.domain.printing import fingerprint
from jes_photo_storage.domain.snapshots import diff
from jes_photo_storage.models import Photo, PhotoSet


def snap(photo_id: str, sequence: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": photo_id,
        "sequence": sequence,
        "placement": "",
        "orientation": "landscape",
        "auction_target": "",
        "description": "",
        "remark": "",
        "views": [],
        "sha256": f"sha-{photo_id}",
        "thumbnail_key": f"{photo_id}/thumbnail.jpg",
        **fields,
    }


def numbered(ids: str) -> list[dict[str, Any]]:
    return [snap(photo_id, n) for n, photo_id in enumerate(ids, start=1)]


def kinds(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(c.photo_id, c.change) for c in diff(before, after)}


def test_no_change_no_diff():
    assert diff(numbered("abc"), numbered("abc")) == []


def test_inserting_at_the_front_moves_nobody_else():
    assert kinds(numbered("abc"), numbered("xabc")) == {("x", "added")}


def test_deleting_moves_nobody_else():
    assert kinds(numbered("abcd"), numbered("acd")) == {("b", "removed")}


def test_dragging_one_photo_moves_just_that_one():
    assert kinds(numbered("abcde"), numbered("eabcd")) == {("e", "moved")}


def test_swapping_two_moves_one_of_them():
    # either order is a single move; the diff names the fewest photos it can
    assert len(kinds(numbered("ab"), numbered("ba"))) == 1


def test_modified_fields_are_named_and_summarised_in_zh_tw():
    before = [snap("a", 1, placement="indoor", views=["front"], remark="舊")]
    after = [snap("a", 1, placement="outdoor", views=["front", "road"], remark="新")]
    [change] = diff(before, after)
    assert change.change == "modified"
    assert change.fields == ["placement", "remark", "views"]
    assert change.summary == (
        "室內/室外：「室內」→「室外」；備註：「舊」→「新」；拍攝內容：「正面」→「正面、臨路狀況」"
    )


def test_replaced_image_shows_the_new_thumbnail():
    after = [snap("a", 1, sha256="other", thumbnail_key="a/new/thumbnail.jpg")]
    [change] = diff([snap("a", 1)], after)
    assert (change.change, change.thumbnail_key) == ("image_replaced", "a/new/thumbnail.jpg")


@pytest.mark.parametrize(
    ("property_type", "addons"),
    [
        ("ground_floor", True),
        ("top_floor", True),
        ("detached", True),
        ("other", False),
        ("", False),
    ],
)
def test_required_views(property_type, addons):
    views = required_views(property_type)
    assert views[:6] == ("interior", "front", "back", "left_side", "right_side", "road")
    assert ("addons" in views) == addons


def test_checklist_counts_views_across_photos():
    photos = [ShownPhoto(1, ("front", "back")), ShownPhoto(2, ("interior",)), ShownPhoto(3)]
    items = checklist("detached", photos)
    missing = [item.label for item in items if not item.satisfied]
    assert missing == ["左側面", "右側面", "臨路狀況", "有無增建"]
    assert all(item.warning == "" for item in items if item.satisfied)


def test_photos_placed_indoors_show_the_interior():
    """Issue 13: two photos uploaded as 室內 leave no 室內 warning."""
    items = {
        i.view: i
        for i in checklist("other", [ShownPhoto(1, (), "indoor"), ShownPhoto(2, (), "indoor")])
    }
    assert items["interior"].satisfied and items["interior"].warning == ""
    assert items["interior"].sequences == (1, 2)
    assert not checklist("other", [ShownPhoto(1, (), "outdoor")])[0].satisfied


def test_each_item_names_the_photos_that_satisfy_it_or_where_to_tick():
    items = {
        i.view: i
        for i in checklist("other", [ShownPhoto(3, ("front",)), ShownPhoto(5, ("front", "road"))])
    }
    assert items["front"].sequences == (3, 5) and items["front"].hint == ""
    assert items["road"].sequences == (5,)
    assert items["back"].sequences == ()
    assert "拍攝內容" in items["back"].hint and "背面" in items["back"].hint
    assert "室內/室外" in items["interior"].hint  # the placement field clears it too


# -- fingerprint ----------------------------------------------------------------------------


def make_set() -> tuple[PhotoSet, list[Photo]]:
    photo_set = PhotoSet(
        id="set-1",
        court_code="TPD",
        division="甲",
        case_year=112,
        case_word="司執",
        case_number=7,
        batch=1,
        firm_name="大華估價",
        version=3,
    )
    photos = [
        Photo(
            id=f"p{n}",
            sequence=n,
            sha256=f"hash-{n}",
            placement="indoor",
            orientation="landscape",
            auction_target="建地",
            description="說明",
            remark="備註",
        )
        for n in (1, 2)
    ]
    return photo_set, photos


@pytest.mark.parametrize(
    "change",
    [
        ("set", "division", "乙"),
        ("set", "batch", 2),
        ("set", "firm_name", "別家"),
        ("set", "version", 4),
        ("photo", "sha256", "other"),
        ("photo", "placement", "outdoor"),
        ("photo", "orientation", "portrait"),
        ("photo", "auction_target", "建物"),
        ("photo", "description", "新"),
        ("photo", "remark", "新"),
        ("photo", "sequence", 9),
    ],
)
def test_fingerprint_covers_every_printed_field(change):
    photo_set, photos = make_set()
    original = fingerprint(photo_set, photos)
    target, name, value = change
    setattr(photo_set if target == "set" else photos[0], name, value)
    assert fingerprint(photo_set, photos) != original


def test_fingerprint_covers_the_order():
    photo_set, photos = make_set()
    assert fingerprint(photo_set, photos) != fingerprint(photo_set, list(reversed(photos)))


def test_fingerprint_is_stable():
    assert fingerprint(*make_set()) == fingerprint(*make_set())
