"""Changing a set: edit, replace, delete, reorder, set fields; versions, locks, objects,
and what a change after a print does to the status."""

from __future__ import annotations

import json

import grpc
import pytest

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_grpckit import field_violations
from support.images import jpeg, png
from support.uploads import replace_requests

STALE = "此案件已在其他視窗或由他人修改，請重新整理後再試"
LOCKED = "已通過法院審核的案件無法再修改"


def update(service, photo: pb.Photo, version: int, client=None, **fields) -> pb.Photo:
    request = pb.UpdatePhotoRequest(photo_id=photo.id, expected_version=version, **fields)
    return (client or service.client()).call("UpdatePhoto", request)


def replace(service, photo_id: str, version: int, content: bytes, client=None) -> pb.Photo:
    image = pb.ImageReplacement(photo_id=photo_id, expected_version=version, filename="new.jpg")
    return (client or service.client()).call("ReplacePhotoImage", replace_requests(image, content))


def delete(service, photo_id: str, version: int, client=None) -> pb.PhotoSet:
    request = pb.DeletePhotoRequest(photo_id=photo_id, expected_version=version)
    return (client or service.client()).call("DeletePhoto", request)


def reorder(service, photo_set_id: str, version: int, photo_ids: list[str]) -> pb.PhotoSet:
    request = pb.ReorderPhotosRequest(
        photo_set_id=photo_set_id, expected_version=version, photo_ids=photo_ids
    )
    return service.client().call("ReorderPhotos", request)


def set_property_type(service, photo_set_id: str, version: int, property_type) -> pb.PhotoSet:
    request = pb.UpdatePhotoSetRequest(
        photo_set_id=photo_set_id, expected_version=version, property_type=property_type
    )
    return service.client().call("UpdatePhotoSet", request)


def history(service, photo_set_id: str, client=None) -> list:
    request = pb.GetPhotoSetHistoryRequest(photo_set_id=photo_set_id)
    return list((client or service.client()).call("GetPhotoSetHistory", request).entries)


def set_with_photos(service, count: int) -> tuple[pb.PhotoSet, list[pb.Photo]]:
    opened = service.open_set()
    photos = [service.upload(opened.id, jpeg(64, 48, color=(i * 50, 20, 20))) for i in range(count)]
    return service.get(opened.id), photos


def order_of(service, photo_set_id: str) -> list[tuple[str, int]]:
    return [(p.id, p.sequence) for p in service.get(photo_set_id).photos]


# -- UpdatePhoto ----------------------------------------------------------------------------


def test_update_sets_every_field_and_bumps_the_version(service):
    photo_set, [photo] = set_with_photos(service, 1)
    updated = update(
        service,
        photo,
        photo_set.version,
        placement=pb.PLACEMENT_OUTDOOR,
        orientation=pb.ORIENTATION_PORTRAIT,
        auction_target=" 建地 ",
        description="正面",
        remark="清晨拍攝",
        views=[pb.VIEW_FRONT, pb.VIEW_ROAD],
    )
    assert updated.placement == pb.PLACEMENT_OUTDOOR
    assert updated.orientation == pb.ORIENTATION_PORTRAIT
    assert (updated.auction_target, updated.description, updated.remark) == (
        "建地",
        "正面",
        "清晨拍攝",
    )
    assert list(updated.views) == [pb.VIEW_FRONT, pb.VIEW_ROAD]
    got = service.get(photo_set.id)
    assert got.version == photo_set.version + 1
    assert got.status == pb.PHOTO_SET_STATUS_DRAFT
    # a draft's edits are not audit-logged: nothing has been submitted yet
    assert history(service, photo_set.id) == []


def test_update_keeps_orientation_and_sequence_when_not_given(service):
    photo_set, [photo] = set_with_photos(service, 1)
    updated = update(service, photo, photo_set.version, description="x")
    assert updated.orientation == pb.ORIENTATION_LANDSCAPE
    assert updated.sequence == 1


def test_saving_an_unchanged_form_changes_nothing(service):
    photo_set, [photo] = set_with_photos(service, 1)
    service.print_set(photo_set.id)
    printed = service.get(photo_set.id)
    update(
        service,
        photo,
        printed.version,
        placement=photo.placement,
        auction_target=photo.auction_target,
        description=photo.description,
        remark=photo.remark,
    )
    after = service.get(photo_set.id)
    assert after.version == printed.version
    assert after.status == pb.PHOTO_SET_STATUS_SUBMITTED
    assert service.events(pb.PhotoSetChangedAfterPrint) == []


@pytest.mark.parametrize(
    ("move_from", "move_to", "expected"),
    [(4, 2, [0, 3, 1, 2]), (1, 4, [1, 2, 3, 0]), (2, 3, [0, 2, 1, 3])],
)
def test_moving_a_photo_shifts_the_others(service, move_from, move_to, expected):
    photo_set, photos = set_with_photos(service, 4)
    update(service, photos[move_from - 1], photo_set.version, sequence=move_to)
    assert order_of(service, photo_set.id) == [
        (photos[i].id, sequence) for sequence, i in enumerate(expected, start=1)
    ]


def test_update_refuses_a_sequence_past_the_end_and_long_texts(service):
    photo_set, [photo] = set_with_photos(service, 1)
    with pytest.raises(grpc.RpcError) as caught:
        update(service, photo, photo_set.version, sequence=2)
    assert field_violations(caught.value) == {"sequence": "序號須為 1 至 1"}
    with pytest.raises(grpc.RpcError) as caught:
        update(service, photo, photo_set.version, description="長" * 301)
    assert field_violations(caught.value) == {"description": "說明最多 300 個字"}
    assert service.get(photo_set.id).version == photo_set.version


def test_two_tabs_the_second_save_is_aborted(service):
    photo_set, [photo] = set_with_photos(service, 1)
    seen_by_both_tabs = service.get(photo_set.id).version
    update(service, photo, seen_by_both_tabs, description="第一個分頁")
    with pytest.raises(grpc.RpcError) as caught:
        update(service, photo, seen_by_both_tabs, description="第二個分頁")
    assert caught.value.code() == grpc.StatusCode.ABORTED
    assert caught.value.details() == STALE
    assert service.get(photo_set.id).photos[0].description == "第一個分頁"


@pytest.mark.parametrize("method", ["update", "replace", "delete", "reorder", "set"])
def test_every_change_checks_the_version(service, method):
    photo_set, [photo] = set_with_photos(service, 1)
    stale = photo_set.version - 1
    keys = service.object_keys()
    with pytest.raises(grpc.RpcError) as caught:
        if method == "update":
            update(service, photo, stale, description="x")
        elif method == "replace":
            replace(service, photo.id, stale, png(50, 50))
        elif method == "delete":
            delete(service, photo.id, stale)
        elif method == "reorder":
            reorder(service, photo_set.id, stale, [photo.id])
        else:
            set_property_type(service, photo_set.id, stale, pb.PROPERTY_TYPE_DETACHED)
    assert caught.value.code() == grpc.StatusCode.ABORTED
    assert caught.value.details() == STALE
    assert service.get(photo_set.id).version == photo_set.version
    assert service.object_keys() == keys


def test_another_firms_photo_is_not_found(service):
    photo_set, [photo] = set_with_photos(service, 1)
    other = service.client(service.firm_token("firm-2"))
    for change in (
        lambda: update(service, photo, photo_set.version, client=other, description="x"),
        lambda: replace(service, photo.id, photo_set.version, png(), client=other),
        lambda: delete(service, photo.id, photo_set.version, client=other),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            change()
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        assert caught.value.details() == "找不到這張照片"
    assert service.get(photo_set.id).version == photo_set.version


def test_clerks_do_not_change_photos(service):
    photo_set, [photo] = set_with_photos(service, 1)
    with pytest.raises(grpc.RpcError) as caught:
        update(service, photo, photo_set.version, client=service.clerk(), description="x")
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


# -- ReplacePhotoImage ----------------------------------------------------------------------


def test_replace_keeps_fields_and_sequence_and_swaps_the_objects(service):
    opened = service.open_set()
    service.upload(opened.id)
    photo = service.upload(opened.id, description="背面", views=[pb.VIEW_BACK])
    old_keys = {photo.original_key, photo.thumbnail_key, photo.report_key, photo.public_key}
    new_content = jpeg(600, 900, color=(200, 10, 10))
    replaced = replace(service, photo.id, service.get(opened.id).version, new_content)
    assert (replaced.sequence, replaced.description) == (2, "背面")
    assert list(replaced.views) == [pb.VIEW_BACK]
    assert replaced.orientation == pb.ORIENTATION_PORTRAIT  # follows the new image
    assert (replaced.width, replaced.height) == (600, 900)
    assert replaced.sha256 != photo.sha256
    assert service.get_object(replaced.original_key) == new_content
    new_keys = {
        replaced.original_key,
        replaced.thumbnail_key,
        replaced.report_key,
        replaced.public_key,
    }
    assert new_keys.isdisjoint(old_keys)
    assert new_keys <= service.object_keys()
    assert not old_keys & service.object_keys()  # never printed: nothing keeps them


def test_replace_with_a_bad_image_changes_nothing(service):
    photo_set, [photo] = set_with_photos(service, 1)
    keys = service.object_keys()
    with pytest.raises(grpc.RpcError) as caught:
        replace(service, photo.id, photo_set.version, b"not a photo")
    assert "file" in field_violations(caught.value)
    assert service.object_keys() == keys
    assert service.get(photo_set.id).photos[0].sha256 == photo.sha256


def test_failed_commit_of_a_replacement_keeps_the_old_image_and_leaves_no_new_object(
    service, fail_commit
):
    photo_set, [photo] = set_with_photos(service, 1)
    keys = service.object_keys()
    fail_commit(2)
    with pytest.raises(grpc.RpcError) as caught:
        replace(service, photo.id, photo_set.version, png(80, 80))
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert service.object_keys() == keys  # old objects intact, new ones removed
    got = service.get(photo_set.id)
    assert got.photos[0].sha256 == photo.sha256
    assert got.version == photo_set.version


# -- DeletePhoto ----------------------------------------------------------------------------


def test_delete_closes_the_gap_and_removes_the_objects_after_the_commit(service):
    photo_set, photos = set_with_photos(service, 3)
    after = delete(service, photos[1].id, photo_set.version)
    assert [(p.id, p.sequence) for p in after.photos] == [(photos[0].id, 1), (photos[2].id, 2)]
    assert after.version == photo_set.version + 1
    assert not any(
        key.startswith(f"{photo_set.id}/{photos[1].id}/") for key in service.object_keys()
    )
    assert len(service.photos(photo_set.id)) == 2


def test_failed_commit_of_a_delete_keeps_the_photo_and_its_objects(service, fail_commit):
    photo_set, [photo] = set_with_photos(service, 1)
    keys = service.object_keys()
    fail_commit(1)
    with pytest.raises(grpc.RpcError):
        delete(service, photo.id, photo_set.version)
    assert service.object_keys() == keys
    assert [p.id for p in service.get(photo_set.id).photos] == [photo.id]


def test_a_printed_thumbnail_outlives_its_photo_for_the_diff(service):
    photo_set, [photo] = set_with_photos(service, 1)
    printed = service.print_set(photo_set.id)
    delete(service, photo.id, printed.photo_set.version)
    assert service.object_keys() == {photo.thumbnail_key}
    [change] = (
        service.client()
        .call(
            "DiffPrints",
            pb.DiffPrintsRequest(photo_set_id=photo_set.id, from_fingerprint=printed.fingerprint),
        )
        .changes
    )
    assert change.change == "removed"
    assert photo.thumbnail_key in change.thumbnail_url


# -- ReorderPhotos --------------------------------------------------------------------------


def test_reorder_numbers_the_photos_1_to_n(service):
    photo_set, photos = set_with_photos(service, 3)
    wanted = [photos[2].id, photos[0].id, photos[1].id]
    after = reorder(service, photo_set.id, photo_set.version, wanted)
    assert [(p.id, p.sequence) for p in after.photos] == list(zip(wanted, [1, 2, 3], strict=True))
    assert after.version == photo_set.version + 1


@pytest.mark.parametrize("ids", ["missing", "twice", "foreign"])
def test_reorder_must_name_every_photo_once(service, ids):
    photo_set, photos = set_with_photos(service, 2)
    photo_ids = {
        "missing": [photos[0].id],
        "twice": [photos[0].id, photos[0].id],
        "foreign": [photos[0].id, "someone-else"],
    }[ids]
    with pytest.raises(grpc.RpcError) as caught:
        reorder(service, photo_set.id, photo_set.version, photo_ids)
    assert field_violations(caught.value) == {"photo_ids": "請列出此案件的每張照片各一次"}
    assert service.get(photo_set.id).version == photo_set.version


def test_reorder_to_the_same_order_changes_nothing(service):
    photo_set, photos = set_with_photos(service, 2)
    after = reorder(service, photo_set.id, photo_set.version, [p.id for p in photos])
    assert after.version == photo_set.version


# -- UpdatePhotoSet -------------------------------------------------------------------------


def test_update_set_property_type(service):
    opened = service.open_set()
    updated = set_property_type(service, opened.id, 1, pb.PROPERTY_TYPE_TOP_FLOOR)
    assert updated.property_type == pb.PROPERTY_TYPE_TOP_FLOOR
    assert updated.version == 2
    with pytest.raises(grpc.RpcError) as caught:
        set_property_type(service, opened.id, 2, 42)
    assert field_violations(caught.value) == {"property_type": "請選擇標的類型"}


# -- an approved set is locked --------------------------------------------------------------


@pytest.mark.parametrize(
    "method", ["upload", "update", "replace", "delete", "reorder", "set", "print"]
)
def test_an_approved_set_refuses_every_change(service, fakes, method):
    photo_set, [photo] = set_with_photos(service, 1)
    printed = service.print_set(photo_set.id)
    approved = service.decide(photo_set.id, printed.fingerprint, approve=True)
    version = approved.version
    keys = service.object_keys()
    renders = len(fakes.render.requests)
    with pytest.raises(grpc.RpcError) as caught:
        if method == "upload":
            service.upload(photo_set.id)
        elif method == "update":
            update(service, photo, version, description="x")
        elif method == "replace":
            replace(service, photo.id, version, png())
        elif method == "delete":
            delete(service, photo.id, version)
        elif method == "reorder":
            reorder(service, photo_set.id, version, [photo.id])
        elif method == "set":
            set_property_type(service, photo_set.id, version, pb.PROPERTY_TYPE_DETACHED)
        else:
            service.print_set(photo_set.id)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == LOCKED
    assert service.object_keys() == keys
    assert len(fakes.render.requests) == renders
    got = service.get(photo_set.id)
    assert (got.status, got.version) == (pb.PHOTO_SET_STATUS_APPROVED, version)


# -- changes after a print ------------------------------------------------------------------


def test_a_change_after_print_voids_it_once_per_print(service):
    photo_set, [photo] = set_with_photos(service, 1)
    first = service.print_set(photo_set.id)
    version = first.photo_set.version
    update(service, photo, version, description="改一")
    update(service, photo, version + 1, description="改二")
    got = service.get(photo_set.id)
    assert got.status == pb.PHOTO_SET_STATUS_CHANGED_SINCE_PRINT
    assert got.changed_since_print is True
    assert got.last_fingerprint == first.fingerprint
    [(envelope, event)] = service.events(pb.PhotoSetChangedAfterPrint)
    assert envelope.subject == photo_set.id
    assert event.fingerprint == first.fingerprint
    assert event.photo_set.status == pb.PHOTO_SET_STATUS_CHANGED_SINCE_PRINT

    second = service.print_set(photo_set.id)
    assert second.photo_set.changed_since_print is False
    delete(service, photo.id, second.photo_set.version)
    events = [e for _, e in service.events(pb.PhotoSetChangedAfterPrint)]
    assert [e.fingerprint for e in events] == [first.fingerprint, second.fingerprint]


def test_changes_after_the_first_print_are_audited_with_before_and_after(service):
    photo_set, photos = set_with_photos(service, 2)
    printed = service.print_set(photo_set.id)
    version = printed.photo_set.version
    update(service, photos[0], version, description="新說明", placement=pb.PLACEMENT_INDOOR)
    new_photo = service.upload(photo_set.id, jpeg(64, 48, color=(0, 0, 250)))
    replace(service, photos[1].id, version + 2, png(60, 40))
    reorder(service, photo_set.id, version + 3, [new_photo.id, photos[1].id, photos[0].id])
    set_property_type(service, photo_set.id, version + 4, pb.PROPERTY_TYPE_DETACHED)
    delete(service, new_photo.id, version + 5)

    entries = history(service, photo_set.id)
    assert [e.action for e in entries] == [
        "photo_set.printed",
        "photo.updated",
        "photo.uploaded",
        "photo.image_replaced",
        "photo_set.reordered",
        "photo_set.updated",
        "photo.deleted",
    ]
    assert {(e.actor_account_id, e.actor_role, e.court_code) for e in entries} == {
        ("firm-1", "firm", "TPD")
    }
    assert all(e.subject_id == photo_set.id for e in entries)
    updated = entries[1]
    assert json.loads(updated.before_json) == {
        "photo_id": photos[0].id,
        "sequence": 1,
        "description": "",
        "placement": "",
    }
    assert json.loads(updated.after_json) == {
        "photo_id": photos[0].id,
        "sequence": 1,
        "description": "新說明",
        "placement": "indoor",
    }
    uploaded = entries[2]
    assert uploaded.before_json == ""
    assert json.loads(uploaded.after_json)["photo_id"] == new_photo.id
    replaced = entries[3]
    assert json.loads(replaced.before_json)["sha256"] == photos[1].sha256
    assert json.loads(replaced.after_json)["sha256"] != photos[1].sha256
    assert json.loads(entries[4].after_json) == {
        "order": [new_photo.id, photos[1].id, photos[0].id]
    }
    assert json.loads(entries[5].before_json) == {"property_type": ""}
    assert json.loads(entries[5].after_json) == {"property_type": "detached"}
    deleted = entries[6]
    assert json.loads(deleted.before_json)["photo_id"] == new_photo.id
    assert deleted.after_json == ""


def test_history_is_for_the_firm_and_its_court(service):
    photo_set, _ = set_with_photos(service, 1)
    service.print_set(photo_set.id)
    assert [e.action for e in history(service, photo_set.id, service.clerk("TPD"))] == [
        "photo_set.printed"
    ]
    with pytest.raises(grpc.RpcError) as caught:
        history(service, photo_set.id, service.clerk("KLD"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


# -- GetPhoto -------------------------------------------------------------------------------


def test_get_photo_for_its_readers_only(service):
    photo_set, [first, second] = set_with_photos(service, 2)
    again = service.upload(photo_set.id, jpeg(64, 48, color=(0, 20, 20)))  # = the first
    got = service.client().call("GetPhoto", pb.GetPhotoRequest(photo_id=first.id))
    assert (got.photo_set_id, got.sequence, got.sha256) == (photo_set.id, 1, first.sha256)
    assert got.duplicate and got.thumbnail_url
    assert not service.client().call("GetPhoto", pb.GetPhotoRequest(photo_id=second.id)).duplicate
    assert again.sha256 == first.sha256
    clerk = service.clerk().call("GetPhoto", pb.GetPhotoRequest(photo_id=second.id))
    assert clerk.id == second.id
    other = service.client(service.firm_token("firm-2"))
    for photo_id in (first.id, "no-such-photo"):
        with pytest.raises(grpc.RpcError) as caught:
            other.call("GetPhoto", pb.GetPhotoRequest(photo_id=photo_id))
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
