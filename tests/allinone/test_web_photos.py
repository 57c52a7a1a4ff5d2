"""The firm's photo pages (seed 000) in one all-in-one platform: query or create a set,
upload many files, page, edit, reorder, delete, stale versions, print, the court's
rejection and approval as the firm sees them."""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass

import pytest
import requests

from support import flows
from support.allinone import DEMO_PASSWORD
from support.images import jpeg, png
from support.processes import wait_until
from support.web import WebClient

STALE = "此案件已在其他視窗或由他人修改，請重新整理後再試"


@pytest.fixture(scope="module")
def firm(platform: flows.Platform) -> WebClient:
    web = WebClient(platform.base_url)
    assert web.login("DEMOFIRM", DEMO_PASSWORD).status_code == 302
    web.get("/photos/")  # the session's CSRF token, as a browser would have it
    return web


# -- reading the pages ---------------------------------------------------------------------


@dataclass
class Row:
    photo_id: str
    sequence: int
    description: str
    html: str


ROW = re.compile(r'<tr id="photo-([0-9a-f-]{36})"[^>]*>(.*?)</tr>', re.S)


def rows(page: str) -> list[Row]:
    found = []
    for photo_id, cells in ROW.findall(page):
        sequence = re.search(r'<td class="seq"[^>]*>(\d+)</td>', cells)
        description = re.search(r'data-label="說明">\s*([^<]*?)\s*<', cells)
        assert sequence and description
        found.append(Row(photo_id, int(sequence.group(1)), description.group(1), cells))
    return found


def version_of(page: str) -> int:
    return int(re.search(r'name="expected_version" value="(\d+)"', page).group(1))  # type: ignore[union-attr]


def notices(page: str) -> str:
    return html.unescape(" ".join(re.findall(r'class="notice[^"]*"[^>]*>(.*?)</p>', page, re.S)))


# -- doing things as the page does ---------------------------------------------------------


def new_case_number() -> str:
    return str(uuid.uuid4().int % 900000 + 1)


def query_form(number: str, **changes: str) -> dict[str, str]:
    form = {"division": "甲", "year": "114", "word": "司執", "number": number, "batch": "1"}
    return {**form, **changes}


def new_set(web: WebClient) -> str:
    reply = web.post(
        "/photos/open", {**query_form(new_case_number()), "action": "create"}, allow_redirects=False
    )
    assert reply.status_code == 303, reply.text
    return reply.headers["Location"].rsplit("/", 1)[1]


def upload(
    web: WebClient, set_id: str, name: str, content: bytes, version: int, **fields: str
) -> requests.Response:
    """One file the way photos.js sends it: multipart XHR with the CSRF header."""
    form = {"placement": "outdoor", "orientation": "", "expected_version": str(version), **fields}
    return web.http.post(
        f"{web.base_url}/photos/sets/{set_id}/upload",
        files={"file": (name, content)},
        data=form,
        headers={"X-CSRF-Token": web.csrf, "Accept": "application/json"},
        timeout=60,
    )


def upload_many(web: WebClient, set_id: str, count: int) -> None:
    version = version_of(web.get(f"/photos/sets/{set_id}").text)
    for n in range(1, count + 1):
        reply = upload(
            web,
            set_id,
            f"p{n}.jpg",
            jpeg(640, 480, color=(n * 18, 90, 200 - n * 9)),
            version,
            description=f"照片{n}",
        )
        assert reply.status_code == 201, reply.text
        version = reply.json()["version"]


def set_page(web: WebClient, set_id: str, page: int = 1) -> str:
    reply = web.get(f"/photos/sets/{set_id}?page={page}")
    assert reply.status_code == 200, reply.text
    return reply.text


def edit_form(row: Row, version: int, **changes: str | list[str]) -> dict[str, object]:
    form: dict[str, object] = {
        "expected_version": str(version),
        "sequence": str(row.sequence),
        "placement": "outdoor",
        "orientation": "landscape",
        "auction_target": "建地",
        "description": row.description,
        "remark": "",
    }
    return {**form, **changes}


# -- 照片上傳維護: query or create ----------------------------------------------------------


def test_query_finds_nothing_then_new_creates_the_set_and_query_finds_it(firm: WebClient):
    number = new_case_number()
    missing = firm.post("/photos/open", {**query_form(number), "action": "query"})
    assert missing.status_code == 200
    assert f"查無「甲股 114年度司執字第{number}號 批次 1」" in notices(missing.text)
    assert 'name="action" value="create"' in missing.text  # 新增 is offered

    created = firm.post(
        "/photos/open", {**query_form(number), "action": "create"}, allow_redirects=False
    )
    assert created.status_code == 303
    set_url = created.headers["Location"]
    page = firm.get(set_url).text
    assert f"114年度司執字第{number}號" in page and "草稿" in page
    assert "點擊或拖曳圖片至此" in page and "注意事項" in page
    assert "列印後請勿再做刪除、編輯等動作" in page

    found = firm.post(
        "/photos/open", {**query_form(number), "action": "query"}, allow_redirects=False
    )
    assert found.status_code == 303 and found.headers["Location"] == set_url
    listing = firm.get("/photos/").text
    assert f"114年度司執字第{number}號" in listing and "status-draft" in listing


def test_invalid_query_shows_a_zh_tw_message_per_field(firm: WebClient):
    not_numbers = firm.post(
        "/photos/open", {**query_form("abc", year="一一四"), "action": "create"}
    )
    assert not_numbers.status_code == 400
    assert not_numbers.text.count("請輸入數字") == 2
    refused = firm.post(
        "/photos/open", {**query_form("0", division="", word="", batch="100"), "action": "create"}
    )
    assert refused.status_code == 400
    errors = re.findall(r'class="field-error">([^<]+)<', refused.text)
    assert "請輸入股別" in errors and "請輸入字別" in errors
    assert any("號數須為" in e for e in errors) and any("批次須為" in e for e in errors)
    assert 'value="100"' in refused.text  # what was typed stays in the form


# -- upload ---------------------------------------------------------------------------------


def test_many_files_upload_one_by_one_and_a_wrong_one_does_not_stop_the_others(firm: WebClient):
    set_id = new_set(firm)
    version = version_of(set_page(firm, set_id))
    first = upload(firm, set_id, "front.jpg", jpeg(1600, 1200), version, description="正面")
    assert first.status_code == 201, first.text
    assert first.json()["version"] > version and first.json()["photo"]["sequence"] == 1

    text = upload(firm, set_id, "notes.jpg", "這不是照片".encode(), first.json()["version"])
    assert text.status_code == 400
    message = text.json()["fields"]["file"]
    assert re.search(r"[\u4e00-\u9fff]", message), message  # zh-TW, e.g. 無法讀取照片…

    # The refused file changed nothing, so the version from the first upload still holds.
    second = upload(firm, set_id, "inside.png", png(900, 1200), first.json()["version"])
    assert second.status_code == 201, second.text
    assert second.json()["photo"]["sequence"] == 2
    assert second.json()["photo"]["orientation"] == "portrait"

    page = set_page(firm, set_id)
    assert [r.sequence for r in rows(page)] == [1, 2]
    assert "總筆數: 2" in page and "第 1/1 頁" in page


def test_upload_needs_the_csrf_header_and_a_current_version(firm: WebClient):
    set_id = new_set(firm)
    version = version_of(set_page(firm, set_id))
    forged = firm.http.post(
        f"{firm.base_url}/photos/sets/{set_id}/upload",
        files={"file": ("a.jpg", jpeg(400, 300))},
        data={"expected_version": str(version)},
        headers={"Accept": "application/json"},
        timeout=30,
    )
    assert forged.status_code == 403
    assert upload(firm, set_id, "a.jpg", jpeg(400, 300), version).status_code == 201
    # A second tab still showing the first version:
    stale = upload(firm, set_id, "b.jpg", jpeg(400, 300), version)
    assert stale.status_code == 409 and stale.json()["error"] == STALE
    assert len(rows(set_page(firm, set_id))) == 1


def test_twelve_photos_page_by_ten(firm: WebClient):
    set_id = new_set(firm)
    upload_many(firm, set_id, 12)
    first = set_page(firm, set_id)
    assert "總筆數: 12" in first and "第 1/2 頁" in first
    assert [r.sequence for r in rows(first)] == list(range(1, 11))
    second = set_page(firm, set_id, page=2)
    assert "第 2/2 頁" in second
    assert [(r.sequence, r.description) for r in rows(second)] == [(11, "照片11"), (12, "照片12")]


# -- edit, reorder, delete ------------------------------------------------------------------


def test_edit_a_photo_and_move_photos_up_and_down(firm: WebClient):
    set_id = new_set(firm)
    upload_many(firm, set_id, 3)
    page = set_page(firm, set_id)
    one, two, three = rows(page)

    edit_url = f"/photos/sets/{set_id}/photos/{two.photo_id}/edit"
    form_page = firm.get(edit_url).text
    assert "照片上傳作業(修改)" in form_page and "照片2" in form_page
    saved = firm.post(
        edit_url,
        edit_form(
            two,
            version_of(form_page),
            placement="indoor",
            orientation="portrait",
            auction_target="建物",
            description="客廳",
            remark="採光良好",
            views=["interior", "front"],
        ),
    )
    assert saved.status_code == 200 and "已儲存序號 2 的照片" in notices(saved.text)
    edited = next(r for r in rows(saved.text) if r.photo_id == two.photo_id)
    assert edited.description == "客廳"
    assert "室內" in edited.html and "直立" in edited.html and "採光良好" in edited.html
    assert "拍攝內容：室內、正面" in edited.html

    moved = firm.post(
        f"/photos/sets/{set_id}/move",
        {"photo_id": three.photo_id, "direction": "up", "expected_version": version_of(saved.text)},
    )
    assert "已將序號 3 的照片移至序號 2" in notices(moved.text)
    assert [r.photo_id for r in rows(moved.text)] == [one.photo_id, three.photo_id, two.photo_id]

    # 序號 typed in the edit form moves the photo too; the others shift.
    to_first = firm.post(
        edit_url,
        edit_form(edited, version_of(moved.text), sequence="1", description="客廳"),
    )
    assert [r.photo_id for r in rows(to_first.text)] == [
        two.photo_id,
        one.photo_id,
        three.photo_id,
    ]
    assert [r.sequence for r in rows(to_first.text)] == [1, 2, 3]


def test_delete_a_photo_renumbers_the_rest(firm: WebClient):
    set_id = new_set(firm)
    upload_many(firm, set_id, 3)
    page = set_page(firm, set_id)
    _, two, three = rows(page)
    assert "確定要刪除序號 2 的照片嗎？" in page  # asked in the browser first
    deleted = firm.post(
        f"/photos/sets/{set_id}/photos/{two.photo_id}/delete",
        {"expected_version": version_of(page), "sequence": "2"},
    )
    assert "已刪除序號 2 的照片" in notices(deleted.text)
    after = rows(deleted.text)
    assert [r.sequence for r in after] == [1, 2] and after[1].photo_id == three.photo_id
    assert "總筆數: 2" in deleted.text


def test_a_stale_version_is_refused_and_loses_nothing(firm: WebClient):
    set_id = new_set(firm)
    upload_many(firm, set_id, 2)
    page = set_page(firm, set_id)
    old_version = version_of(page)
    one, two = rows(page)
    # Another tab changes the set meanwhile.
    other_tab = firm.post(
        f"/photos/sets/{set_id}/move",
        {"photo_id": two.photo_id, "direction": "up", "expected_version": old_version},
    )
    assert other_tab.status_code == 200

    typed = "這段說明是我剛打的字"
    refused = firm.post(
        f"/photos/sets/{set_id}/photos/{one.photo_id}/edit",
        edit_form(one, old_version, description=typed),
    )
    assert refused.status_code == 409
    assert STALE in refused.text and typed in refused.text  # the typing is still there
    deleted = firm.post(
        f"/photos/sets/{set_id}/photos/{one.photo_id}/delete",
        {"expected_version": old_version, "sequence": "1"},
    )
    assert STALE in notices(deleted.text)
    still = rows(set_page(firm, set_id))
    assert [r.photo_id for r in still] == [two.photo_id, one.photo_id]
    assert [r.description for r in still] == ["照片2", "照片1"]


# -- print, change after print, rejection, approval ----------------------------------------


def print_set(web: WebClient, set_id: str) -> str:
    page = set_page(web, set_id)
    printed = web.post(f"/photos/sets/{set_id}/print", {"expected_version": version_of(page)})
    assert printed.status_code == 200
    assert "已列印並送交法院審核" in notices(printed.text)
    return printed.text


def test_print_gives_the_pdf_and_a_change_after_print_is_flagged(firm: WebClient):
    set_id = new_set(firm)
    upload_many(firm, set_id, 2)
    before = set_page(firm, set_id)
    assert "列印即送交法院審核" in before  # in the print button's confirmation
    assert "尚無標示為" in before  # checklist warnings, shown before printing

    printed = print_set(firm, set_id)
    report_url = html.unescape(
        re.search(r'href="([^"]+)"[^>]*>開啟照片報告（PDF）', printed).group(1)  # type: ignore[union-attr]
    )
    pdf = requests.get(report_url, timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "status-submitted" in printed and "已列印送審" in printed
    assert "開啟 PDF" in printed  # the list of prints
    # Any change now needs the firm's confirmation first ...
    assert "此案件已列印送出，修改後須重新列印，法院才能接收" in printed

    one = rows(printed)[0]
    edited = firm.post(
        f"/photos/sets/{set_id}/photos/{one.photo_id}/edit",
        edit_form(one, version_of(printed), description="列印後修改"),
    )
    # ... and afterwards the set says the court cannot receive it until printed again.
    assert "列印後已修改(法院無法接收)" in edited.text
    assert "此案件於列印後已修改，法院無法接收，請重新列印" in edited.text
    assert "上次列印後的修改" in edited.text


def clerk_decides(platform: flows.Platform, set_id: str, decision: dict[str, object]) -> None:
    """The court's clerk decides on the set's pending submission (court REST API)."""
    clerk = platform.login("TPDCLERK", DEMO_PASSWORD)
    found: dict[str, str] = {}

    def pending() -> bool:
        reply = platform.api("GET", "/api/v1/submissions?state=pending", clerk)
        for submission in reply.json()["submissions"]:
            if submission["photo_set_id"] == set_id:
                found.update(submission)
        return bool(found)

    wait_until(pending, timeout=30, what=f"the submission of {set_id}")
    reply = platform.api(
        "POST", f"/api/v1/submissions/{found['id']}/decision", clerk, json=decision
    )
    assert reply.status_code == 200, reply.text


def test_rejected_set_is_in_the_queue_with_reasons_until_printed_again(
    platform: flows.Platform, firm: WebClient
):
    set_id = new_set(firm)
    upload_many(firm, set_id, 2)
    printed = print_set(firm, set_id)
    dark = rows(printed)[1]
    clerk_decides(
        platform,
        set_id,
        {
            "approve": False,
            "note": "請補拍清楚的室內照片",
            "reasons": [{"photo_id": dark.photo_id, "reason_code": "other", "text": "客廳過暗"}],
        },
    )
    queue = firm.get("/photos/rejected").text
    assert "請補拍清楚的室內照片" in queue and f"/photos/sets/{set_id}" in queue

    page = set_page(firm, set_id)
    assert "未通過審核" in page and "法院審核意見：請補拍清楚的室內照片" in page
    row = next(r for r in rows(page) if r.photo_id == dark.photo_id)
    assert "未通過原因" in row.html and "客廳過暗" in row.html
    assert "此案件已列印送出" not in page  # a rejected set is meant to be fixed

    print_set(firm, set_id)  # printing again resubmits
    assert f"/photos/sets/{set_id}" not in firm.get("/photos/rejected").text


def test_approved_set_is_read_only(platform: flows.Platform, firm: WebClient):
    set_id = new_set(firm)
    upload_many(firm, set_id, 1)
    print_set(firm, set_id)
    clerk_decides(platform, set_id, {"approve": True})

    page = set_page(firm, set_id)
    assert "已通過法院審核，無法再修改" in page and "status-approved" in page
    assert "點擊或拖曳圖片至此" not in page and 'name="expected_version"' not in page
    one = rows(page)[0]
    edit = firm.get(f"/photos/sets/{set_id}/photos/{one.photo_id}/edit")
    assert "此案件已通過法院審核，無法再修改" in notices(edit.text)
    refused = upload(firm, set_id, "late.jpg", jpeg(400, 300), version_of_set(page))
    assert refused.status_code == 409


def version_of_set(page: str) -> int:
    """The version in the header (an approved set's page has no forms to read it from)."""
    return int(re.search(r"第 (\d+) 版", page).group(1))  # type: ignore[union-attr]


def test_firm_nav_links_to_both_photo_pages(platform: flows.Platform):
    web = WebClient(platform.base_url)
    web.login("DEMOFIRM", DEMO_PASSWORD)
    page = web.get("/photos/rejected")
    assert page.status_code == 200 and "維護未通過審核照片" in page.text
    assert 'href="/photos/rejected"' in web.get("/photos/").text
