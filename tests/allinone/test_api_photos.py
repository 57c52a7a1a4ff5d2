"""REST API for photo sets (/api/v1, bearer tokens) in one all-in-one platform: every
photo endpoint, its JSON and its refusals (400 with fields, 404 for another firm's set,
409 for a stale version or a locked set)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import requests

from support import flows
from support.allinone import DEMO_PASSWORD
from support.images import jpeg, png

STALE = "此案件已在其他視窗或由他人修改，請重新整理後再試"


@pytest.fixture(scope="module")
def token(platform: flows.Platform) -> str:
    return platform.login("DEMOFIRM", DEMO_PASSWORD)


class Api:
    """The firm's calls, answering (status, JSON)."""

    def __init__(self, platform: flows.Platform, token: str):
        self.platform = platform
        self.token = token

    def __call__(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        reply = self.platform.api(method, "/api/v1" + path, self.token, **kwargs)
        return reply.status_code, reply.json()

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        got, body = self(method, path, **kwargs)
        assert got == status, body
        return body

    def new_set(self, **changes: Any) -> dict[str, Any]:
        case = {"year": 114, "word": "司執", "number": uuid.uuid4().int % 900000 + 1}
        return self.ok(  # type: ignore[no-any-return]
            "POST", "/photo-sets", json={"division": "丙", "case_number": case, **changes}
        )

    def upload(self, set_id: str, content: bytes | None = None, **form: Any) -> dict[str, Any]:
        files = {"file": ("photo.jpg", content or jpeg(800, 600))}
        return self.ok(  # type: ignore[no-any-return]
            "POST", f"/photo-sets/{set_id}/photos", 201, files=files, data=form
        )

    def current(self, set_id: str) -> dict[str, Any]:
        return self.ok("GET", f"/photo-sets/{set_id}")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def api(platform: flows.Platform, token: str) -> Api:
    return Api(platform, token)


# -- sets -----------------------------------------------------------------------------------


def test_open_set_and_get_it_with_checklist_counts_and_urls(api: Api):
    created = api.new_set()
    assert created["status"] == "draft" and created["photo_count"] == 0
    assert created["case_number_text"].startswith("114年度司執字第")
    assert created["firm_name"] == "大安不動產估價師事務所"
    assert created["urls"]["self"] == f"/api/v1/photo-sets/{created['id']}"
    assert created["urls"]["web"] == f"/photos/sets/{created['id']}"
    assert [i["view"] for i in created["checklist"]] == [
        "interior",
        "front",
        "back",
        "left_side",
        "right_side",
        "road",
    ]
    assert all(not i["satisfied"] and i["warning"] for i in created["checklist"])

    missing = {**created["case_number"], "number": created["case_number"]["number"] + 1}
    status, body = api(
        "POST",
        "/photo-sets",
        json={"division": "丙", "case_number": missing, "create": False},
    )
    assert status == 404 and body["error"]


def test_open_set_refuses_bad_input_per_field(api: Api):
    status, body = api(
        "POST",
        "/photo-sets",
        json={"division": "", "case_number": {"year": 114, "word": "", "number": 0}},
    )
    assert status == 400
    assert set(body["fields"]) >= {"division", "case_number.word", "case_number.number"}


def test_list_sets_by_status_and_page(api: Api):
    draft = api.new_set()
    listed = api.ok("GET", "/photo-sets?status=draft&page_size=100")
    assert draft["id"] in [s["id"] for s in listed["photo_sets"]]
    assert all(s["status"] == "draft" for s in listed["photo_sets"])
    assert listed["page"] == 1 and listed["page_count"] >= 1 and listed["total"] >= 1
    rejected = api.ok("GET", "/photo-sets?status=rejected,approved")
    assert draft["id"] not in [s["id"] for s in rejected["photo_sets"]]

    status, body = api("GET", "/photo-sets?status=lost")
    assert status == 400 and "status" in body["fields"]
    status, body = api("GET", "/photo-sets?page=zero&page_size=1000")
    assert status == 400 and set(body["fields"]) == {"page", "page_size"}


def test_get_a_page_of_photos(api: Api):
    photo_set = api.new_set()
    for n in range(1, 4):
        api.upload(photo_set["id"], description=f"照片{n}")
    page = api.ok("GET", f"/photo-sets/{photo_set['id']}?page=2&page_size=2")
    assert page["photo_count"] == 3 and page["page"] == 2 and page["page_count"] == 2
    assert [p["description"] for p in page["photos"]] == ["照片3"]
    whole = api.current(photo_set["id"])
    assert whole["page"] == 0 and len(whole["photos"]) == 3


def test_property_type_drives_the_checklist(api: Api):
    photo_set = api.new_set()
    changed = api.ok(
        "PATCH",
        f"/photo-sets/{photo_set['id']}",
        json={"property_type": "detached", "expected_version": photo_set["version"]},
    )
    assert changed["property_type"] == "detached" and changed["version"] > photo_set["version"]
    assert changed["checklist"][-1]["view"] == "addons"

    status, body = api(
        "PATCH",
        f"/photo-sets/{photo_set['id']}",
        json={"property_type": "detached", "expected_version": photo_set["version"]},
    )
    assert status == 409 and body["error"] == STALE
    status, body = api("PATCH", f"/photo-sets/{photo_set['id']}", json={"property_type": "castle"})
    assert status == 400 and set(body["fields"]) == {"property_type", "expected_version"}


# -- photos ---------------------------------------------------------------------------------


def test_upload_with_all_fields(api: Api):
    photo_set = api.new_set()
    first = api.upload(photo_set["id"], description="正面")
    photo = api.upload(
        photo_set["id"],
        png(600, 900),
        placement="indoor",
        orientation="landscape",
        views=["interior", "addons"],
        auction_target="建物",
        description="客廳",
        remark="無",
        sequence="1",
        expected_version=str(api.current(photo_set["id"])["version"]),
    )
    assert photo["sequence"] == 1 and photo["photo_set_id"] == photo_set["id"]
    assert photo["placement"] == "indoor" and photo["orientation"] == "landscape"  # as told
    assert photo["views"] == ["interior", "addons"]
    assert photo["content_type"] == "image/png" and photo["thumbnail_url"] and photo["image_url"]
    assert requests.get(photo["thumbnail_url"], timeout=30).status_code == 200
    after = api.current(photo_set["id"])
    assert [p["id"] for p in after["photos"]] == [photo["id"], first["id"]]


def test_upload_refusals(api: Api):
    photo_set = api.new_set()
    path = f"/photo-sets/{photo_set['id']}/photos"
    status, body = api("POST", path, files={"file": ("a.jpg", b"not a photo at all")})
    assert status == 400 and body["fields"]["file"]
    status, body = api(
        "POST",
        path,
        files={"file": ("a.jpg", jpeg(400, 300))},
        data={"placement": "garden", "views": "front,roof", "sequence": "two"},
    )
    assert status == 400 and set(body["fields"]) == {"placement", "views", "sequence"}
    status, body = api("POST", path, data={"description": "沒有檔案"})
    assert status == 400 and "file" in body["fields"]
    api.upload(photo_set["id"])
    status, body = api(
        "POST",
        path,
        files={"file": ("a.jpg", jpeg(400, 300))},
        data={"expected_version": str(photo_set["version"])},
    )
    assert status == 409 and body["error"] == STALE


def test_patch_photo_changes_only_what_is_sent(api: Api):
    photo_set = api.new_set()
    photo = api.upload(
        photo_set["id"], placement="outdoor", auction_target="建地", description="正面", remark="晴"
    )
    version = api.current(photo_set["id"])["version"]
    changed = api.ok(
        "PATCH",
        f"/photos/{photo['id']}",
        json={"remark": "雨", "views": ["front", "road"], "expected_version": version},
    )
    assert changed["remark"] == "雨" and changed["views"] == ["front", "road"]
    assert (changed["placement"], changed["auction_target"], changed["description"]) == (
        "outdoor",
        "建地",
        "正面",
    )
    everything = api.ok(
        "PATCH",
        f"/photos/{photo['id']}",
        json={
            "placement": "indoor",
            "orientation": "portrait",
            "auction_target": "建物",
            "description": "客廳",
            "remark": "",
            "views": [],
            "expected_version": api.current(photo_set["id"])["version"],
        },
    )
    assert everything["placement"] == "indoor" and everything["orientation"] == "portrait"
    assert everything["remark"] == "" and everything["views"] == []

    status, body = api(
        "PATCH",
        f"/photos/{photo['id']}",
        json={"description": "舊版", "expected_version": version},
    )
    assert status == 409 and body["error"] == STALE
    status, body = api(
        "PATCH",
        f"/photos/{photo['id']}",
        json={
            "views": "front",
            "placement": "x",
            "description": "",
            "auction_target": "",
            "remark": "",
            "expected_version": version,
        },
    )
    assert status == 400 and set(body["fields"]) == {"views", "placement"}


def test_replace_image_keeps_fields_and_sequence(api: Api):
    photo_set = api.new_set()
    photo = api.upload(photo_set["id"], description="正面")
    version = api.current(photo_set["id"])["version"]
    replaced = api.ok(
        "PUT",
        f"/photos/{photo['id']}/image",
        files={"file": ("new.jpg", jpeg(900, 1200, color=(200, 30, 30)))},
        data={"expected_version": str(version)},
    )
    assert replaced["id"] == photo["id"] and replaced["description"] == "正面"
    assert replaced["sha256"] != photo["sha256"] and replaced["orientation"] == "portrait"

    status, body = api(
        "PUT",
        f"/photos/{photo['id']}/image",
        files={"file": ("x.jpg", b"GIF89a not really")},
        data={"expected_version": str(api.current(photo_set["id"])["version"])},
    )
    assert status == 400 and body["fields"]
    status, body = api(
        "PUT", f"/photos/{photo['id']}/image", files={"file": ("new.jpg", jpeg(300, 200))}
    )
    assert status == 400 and "expected_version" in body["fields"]


def test_delete_and_reorder(api: Api):
    photo_set = api.new_set()
    ids = [api.upload(photo_set["id"], description=f"照片{n}")["id"] for n in range(1, 4)]
    version = api.current(photo_set["id"])["version"]
    reordered = api.ok(
        "POST",
        f"/photo-sets/{photo_set['id']}/order",
        json={"photo_ids": list(reversed(ids)), "expected_version": version},
    )
    assert [p["id"] for p in reordered["photos"]] == list(reversed(ids))
    assert [p["sequence"] for p in reordered["photos"]] == [1, 2, 3]

    status, body = api(
        "POST",
        f"/photo-sets/{photo_set['id']}/order",
        json={"photo_ids": ids[:2], "expected_version": reordered["version"]},
    )
    assert status == 400 and "photo_ids" in body["fields"]
    status, body = api("POST", f"/photo-sets/{photo_set['id']}/order", json={"photo_ids": "all"})
    assert status == 400 and "photo_ids" in body["fields"]

    status, body = api("DELETE", f"/photos/{ids[1]}?expected_version={version}")
    assert status == 409 and body["error"] == STALE
    status, body = api("DELETE", f"/photos/{ids[1]}")
    assert status == 400 and "expected_version" in body["fields"]
    after = api.ok("DELETE", f"/photos/{ids[1]}?expected_version={reordered['version']}")
    assert after["photo_count"] == 2 and [p["id"] for p in after["photos"]] == [ids[2], ids[0]]


def test_print_prints_diff_and_history(api: Api):
    photo_set = api.new_set()
    front = api.upload(photo_set["id"], description="正面", views="front")
    first = api.ok(
        "POST",
        f"/photo-sets/{photo_set['id']}/print",
        json={"expected_version": api.current(photo_set["id"])["version"]},
    )
    assert first["photo_set"]["status"] == "submitted" and first["pages"] >= 1
    pdf = requests.get(first["report_url"], timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    printed = api.current(photo_set["id"])
    assert printed["last_fingerprint"] == first["fingerprint"] and printed["last_printed_at"]

    api.ok(
        "PATCH",
        f"/photos/{front['id']}",
        json={
            "description": "建物正面",
            "expected_version": printed["version"],
        },
    )
    changed = api.current(photo_set["id"])
    assert changed["status"] == "changed_since_print" and changed["changed_since_print"]
    second = api.ok("POST", f"/photo-sets/{photo_set['id']}/print")  # no body: no check
    assert second["fingerprint"] != first["fingerprint"]

    prints = api.ok("GET", f"/photo-sets/{photo_set['id']}/prints")["prints"]
    assert [p["fingerprint"] for p in prints] == [second["fingerprint"], first["fingerprint"]]
    assert prints[0]["report_url"] and prints[0]["photo_count"] == 1 and prints[0]["printed_at"]

    diff = api.ok(
        "GET",
        f"/photo-sets/{photo_set['id']}/diff?from={first['fingerprint']}"
        f"&to={second['fingerprint']}",
    )
    [change] = diff["changes"]
    assert change["photo_id"] == front["id"] and change["change"] == "modified"
    assert "description" in change["fields"] and "建物正面" in change["summary"]
    status, body = api("GET", f"/photo-sets/{photo_set['id']}/diff")
    assert status == 400 and "from" in body["fields"]

    history = api.ok("GET", f"/photo-sets/{photo_set['id']}/history")["entries"]
    updated = [e for e in history if e["action"] == "photo.updated"]
    assert updated and updated[0]["after"]["description"] == "建物正面"
    assert updated[0]["actor_account_id"] == "DEMOFIRM"


def test_print_of_a_stale_version_is_refused(api: Api):
    photo_set = api.new_set()
    api.upload(photo_set["id"])
    status, body = api(
        "POST",
        f"/photo-sets/{photo_set['id']}/print",
        json={"expected_version": photo_set["version"]},
    )
    assert status == 409 and body["error"] == STALE
    status, body = api(
        "POST", f"/photo-sets/{photo_set['id']}/print", json={"expected_version": "x"}
    )
    assert status == 400 and "expected_version" in body["fields"]


# -- who may see what -----------------------------------------------------------------------

SET_PASSWORD_LINK = re.compile(r"/password/set\?token=([A-Za-z0-9_\-]+)")


def another_firm(platform: flows.Platform) -> str:
    """A second firm of the same court: applies, the clerk activates it, it sets its
    password from the mailed link and logs in. Returns its token."""
    email = flows.unique_email("firm2")
    applied = platform.api(
        "POST",
        "/api/v1/firm-applications",
        json={
            "court_code": "TPD",
            "company_name": "第二不動產估價師事務所",
            "contact_person": "陳先生",
            "email": email,
            "phone": "02-2345-6789",
        },
    )
    assert applied.status_code == 201, applied.text
    clerk = platform.login("TPDCLERK", DEMO_PASSWORD)
    decided = platform.api(
        "POST",
        f"/api/v1/firm-applications/{applied.json()['id']}/decision",
        clerk,
        json={"approve": True},
    )
    assert decided.status_code == 200, decided.text
    mails = platform.wait_for_mail(email, count=2)
    link = next(
        SET_PASSWORD_LINK.search(m["body"]) for m in mails if SET_PASSWORD_LINK.search(m["body"])
    )
    password = "Second2026!album"
    assert link is not None
    reply = platform.api(
        "POST", "/api/v1/password/set", json={"token": link.group(1), "new_password": password}
    )
    assert reply.status_code == 200, reply.text
    return platform.login(decided.json()["account_id"], password)


def test_another_firms_set_and_photos_are_not_found(platform: flows.Platform, api: Api):
    photo_set = api.new_set()
    photo = api.upload(photo_set["id"])
    other = Api(platform, another_firm(platform))
    version = api.current(photo_set["id"])["version"]
    set_path = f"/photo-sets/{photo_set['id']}"
    for method, path, kwargs in [
        ("GET", set_path, {}),
        ("GET", f"{set_path}/prints", {}),
        ("GET", f"{set_path}/history", {}),
        ("PATCH", set_path, {"json": {"property_type": "other", "expected_version": version}}),
        ("POST", f"{set_path}/photos", {"files": {"file": ("a.jpg", jpeg(300, 200))}}),
        ("POST", f"{set_path}/print", {}),
        ("DELETE", f"/photos/{photo['id']}?expected_version={version}", {}),
        (
            "PATCH",
            f"/photos/{photo['id']}",
            {"json": {"remark": "x", "expected_version": version}},
        ),
    ]:
        status, body = other(method, path, **kwargs)
        assert status == 404, (method, path, body)
    assert photo_set["id"] not in [s["id"] for s in other.ok("GET", "/photo-sets")["photo_sets"]]
    assert api.current(photo_set["id"])["version"] == version  # nothing changed


def test_no_token_is_401(platform: flows.Platform):
    reply = platform.api("GET", "/api/v1/photo-sets")
    assert reply.status_code == 401 and reply.json()["error"]


def test_every_photo_endpoint_is_in_the_openapi_document(platform: flows.Platform):
    document = platform.api("GET", "/api/v1/openapi.json").json()
    paths = document["paths"]
    for path, method in [
        ("/photo-sets", "get"),
        ("/photo-sets", "post"),
        ("/photo-sets/{set_id}", "get"),
        ("/photo-sets/{set_id}", "patch"),
        ("/photo-sets/{set_id}/photos", "post"),
        ("/photos/{photo_id}", "patch"),
        ("/photos/{photo_id}", "delete"),
        ("/photos/{photo_id}/image", "put"),
        ("/photo-sets/{set_id}/order", "post"),
        ("/photo-sets/{set_id}/print", "post"),
        ("/photo-sets/{set_id}/prints", "get"),
        ("/photo-sets/{set_id}/diff", "get"),
        ("/photo-sets/{set_id}/history", "get"),
    ]:
        assert method in paths.get(path, {}), f"{method.upper()} {path}"
