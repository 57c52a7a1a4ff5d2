"""Issue 13 "What users hit", in a browser at phone and desktop width: the checklist
agrees with the form, case numbers as people paste them, the clerk's re-review, and no
dead ends. Screenshots go to test-results/screenshots/ (usability-*)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from support import flows
from support.accessibility import Accessibility
from support.court_login import log_in_at_court
from support.images import labelled_jpeg

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


log_in = partial(log_in_at_court, court="TPD")  # this file's court users


def new_case_number() -> int:
    return int(uuid.uuid4().int % 900000) + 1


def open_new_set(page: Page, platform: flows.Platform, number: int, division: str = "甲") -> None:
    page.goto(platform.base_url + "/photos/")
    page.get_by_label("股別").fill(division)
    page.get_by_label("年度").fill("114")
    page.get_by_label("字別").fill("司執")
    page.get_by_label("號", exact=True).fill(str(number))
    page.get_by_role("button", name="新增").click()
    expect(page.get_by_text("已新增此案件，請上傳照片。")).to_be_visible()


def jpeg_file(name: str, seed: int) -> dict[str, object]:
    return {"name": name, "mimeType": "image/jpeg", "buffer": labelled_jpeg(name, seed=seed)}


def checklist_item(page: Page, label: str) -> Locator:
    return page.locator("#checklist ul.checklist li").filter(has_text=re.compile(f"^\\W*{label}："))


def test_the_checklist_agrees_with_the_form(
    platform: flows.Platform,
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
    accessibility: Accessibility,
) -> None:
    """Finding 1: two photos uploaded as 室內 leave no 室內 warning; views are ticked where
    photos are uploaded and listed; each item names its photos or says where to tick."""
    for width, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        firm = new_page(viewport)
        firm.on("dialog", lambda dialog: dialog.accept())
        log_in(firm, platform, "DEMOFIRM", accessibility=accessibility)
        open_new_set(firm, platform, new_case_number())
        interior = checklist_item(firm, "室內")
        expect(interior).to_have_class("warn")

        defaults = firm.locator("#upload-defaults")
        defaults.get_by_label("室內/室外").select_option(label="室內")
        firm.locator("#file-input").set_input_files(
            [jpeg_file("room-1.jpg", 1), jpeg_file("room-2.jpg", 2)]
        )
        expect(firm.locator("#upload-results li.ok")).to_have_count(2)
        expect(firm.locator("#photo-list table.photos tbody tr")).to_have_count(2)
        expect(interior).to_have_class("ok")
        expect(interior).to_contain_text("序號 1、序號 2")
        expect(firm.locator("#checklist")).not_to_contain_text("尚無標示為「室內」的照片")

        # the views a batch shows are ticked where it is uploaded
        defaults.get_by_label("室內/室外").select_option(label="室外")
        defaults.get_by_label("正面").check()
        defaults.get_by_label("臨路狀況").check()
        firm.locator("#file-input").set_input_files([jpeg_file("front.jpg", 3)])
        expect(firm.locator("#upload-results li.ok")).to_have_count(3)
        expect(checklist_item(firm, "正面")).to_have_class("ok")
        expect(checklist_item(firm, "臨路狀況")).to_contain_text("序號 3")

        # a warning says where to tick, and the photo list has the boxes
        back = checklist_item(firm, "背面")
        expect(back).to_have_class("warn")
        expect(back).to_contain_text("在照片列表該照片的「拍攝內容」勾選「背面」")
        screenshot_of(firm, f"usability-1-checklist-{width}")
        back.get_by_role("link", name="到照片列表").click()
        first_row = firm.locator("#photo-list table.photos tbody tr").first
        first_row.get_by_label("背面").check()
        first_row.get_by_role("button", name="儲存拍攝內容").click()
        expect(firm.get_by_text("已儲存序號 1 的拍攝內容。")).to_be_visible()
        expect(checklist_item(firm, "背面")).to_have_class("ok")
        expect(checklist_item(firm, "背面")).to_contain_text("序號 1")
        expect(
            firm.locator("#photo-list table.photos tbody tr").first.get_by_label("背面")
        ).to_be_checked()
        screenshot_of(firm, f"usability-1-list-views-{width}")


def assert_under(page: Page, box: str, text: str) -> None:
    """The message shows right under its own box: below it and within its width."""
    field = page.locator(f"input[name={box}]").first
    error = page.locator(f"#e-{box}")
    expect(error).to_be_visible()
    expect(error).to_contain_text(text)
    f, e = field.bounding_box(), error.bounding_box()
    assert f and e
    assert e["y"] >= f["y"] + f["height"] - 1, (box, f, e)
    assert f["x"] - 1 <= e["x"] <= f["x"] + f["width"], (box, f, e)


def test_case_numbers_as_people_paste_them(
    platform: flows.Platform,
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
    accessibility: Accessibility,
) -> None:
    """Finding 2: a pasted number is split into its boxes; 司執字 is 司執; every problem
    under its own box; a second 股別 of the same case is shown and must be confirmed."""
    for width, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        number = new_case_number()
        formal = f"114年度司執字第{number}號"
        firm = new_page(viewport)
        log_in(firm, platform, "DEMOFIRM", accessibility=accessibility)
        firm.goto(platform.base_url + "/photos/")
        firm.get_by_label("股別").fill("甲")
        firm.get_by_label("年度").fill("1140")
        firm.get_by_label("字別").fill("ABC")
        firm.get_by_label("號", exact=True).fill("12x")
        firm.locator("input[name=batch]").fill("1000000000000")
        firm.get_by_role("button", name="新增").click()
        assert_under(firm, "year", "1140")
        assert_under(firm, "word", "ABC")
        assert_under(firm, "number", "12x")
        assert_under(firm, "batch", "批次須為 1 至 99")
        expect(firm.locator("main")).not_to_contain_text("案號格式錯誤")
        screenshot_of(firm, f"usability-2-case-number-errors-{width}")

        # a whole case number pasted into the first box; 司執字 left in 字別 does no harm
        firm.get_by_label("年度").fill(f"１１４年度司執字第{number}號")
        firm.get_by_label("字別").fill("司執字")
        firm.get_by_label("號", exact=True).fill("")
        firm.locator("input[name=batch]").fill("1")
        firm.get_by_role("button", name="新增").click()
        expect(firm.get_by_role("heading", name=formal)).to_be_visible()
        expect(firm.locator("main")).not_to_contain_text("司執字字")

        # the same case under another 股別: shown, and made only when confirmed
        firm.goto(platform.base_url + "/photos/")
        firm.get_by_label("股別").fill("乙")
        firm.get_by_label("字別").fill(f"114 司執 {number}")
        firm.get_by_role("button", name="新增").click()
        warning = firm.locator("#other-division")
        expect(warning).to_contain_text("貴公司已有此案號在其他股別的照片")
        expect(warning.get_by_role("link", name=re.compile(f"甲股 {formal}"))).to_be_visible()
        screenshot_of(firm, f"usability-2-other-division-{width}")
        warning.get_by_role("button", name="確定在乙股另建").click()
        expect(firm.get_by_role("heading", name=formal)).to_be_visible()
        expect(firm.locator("#set-header")).to_contain_text("乙")

        # the public lookup: sent empty, it says what to fill in; a pasted number is read
        visitor = new_page(viewport)
        visitor.goto(platform.base_url + "/public")
        visitor.get_by_role("button", name="查詢").click()
        expect(visitor.locator(".field-error").filter(has_text="請選擇法院")).to_be_visible()
        assert_under(visitor, "year", "請輸入年度")
        assert_under(visitor, "word", "請輸入字別")
        assert_under(visitor, "number", "請輸入號")
        screenshot_of(visitor, f"usability-2-public-empty-{width}")
        visitor.get_by_label("法院").select_option("TPD")
        visitor.get_by_label("年度").fill(f"114.司執.{number}")
        visitor.get_by_role("button", name="查詢").click()
        expect(
            visitor.get_by_text(f"查無 臺灣臺北地方法院 {formal} 經審核通過的照片")
        ).to_be_visible()
        expect(visitor.get_by_label("字別")).to_have_value("司執")


def test_the_clerks_re_review_and_no_dead_ends(
    platform: flows.Platform,
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
    accessibility: Accessibility,
    tmp_path: Path,
) -> None:
    """Findings 3 and 4: the queue's search, the print made while the checklist warned,
    rejecting asks first, a too-large replacement is refused beside its field, and the
    re-review shows the replaced photo before and after with the earlier reason."""
    number = new_case_number()
    formal = f"114年度司執字第{number}號"
    firm = new_page(PHONE)
    firm.on("dialog", lambda dialog: dialog.accept())
    log_in(firm, platform, "DEMOFIRM", accessibility=accessibility)
    open_new_set(firm, platform, number)
    firm.locator("#file-input").set_input_files([jpeg_file("1 FRONT", 31), jpeg_file("2 SIDE", 32)])
    expect(firm.locator("#upload-results li.ok")).to_have_count(2)
    firm.get_by_role("button", name="列印").click()
    expect(firm.get_by_role("link", name="開啟照片報告（PDF）")).to_be_visible(timeout=60_000)

    # -- the clerk finds it by searching the queue, oldest first ---------------------------
    clerk = new_page(DESKTOP)
    dialogs: list[str] = []
    log_in(clerk, platform, "TPDCLERK", accessibility=accessibility)
    clerk.goto(platform.base_url + "/court/reviews")
    clerk.get_by_label("案號").fill(f"114.司執.{number}")
    clerk.get_by_label("排序").select_option(label="等候最久在前")
    clerk.get_by_role("button", name="查詢", exact=True).click()
    # the query's own page, not the unfiltered one it replaces, is the one counted
    clerk.wait_for_url(lambda url: "case_number=" in url)
    rows = clerk.locator("table.list tbody tr")
    deadline = 60
    while rows.count() != 1 and deadline:  # review-workflow learns of the print by an event
        clerk.wait_for_timeout(1000)
        clerk.reload()
        deadline -= 1
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(formal)
    expect(rows.first.locator("td[data-label=等候]")).to_contain_text("分")
    screenshot_of(clerk, "usability-3-queue-search-desktop")
    rows.first.get_by_role("link", name="審核").click()
    expect(clerk.locator("#printed-with-warnings")).to_contain_text(
        "室內：尚無標示為「室內」的照片"
    )
    second = clerk.locator("ol.photo-grid li.photo").nth(1)
    second.get_by_label("不通過理由").select_option(label="光線不足")
    second.get_by_label("序號 2 補充說明").fill("側面過暗，請補拍")

    # rejecting asks first, as approving does: dismissed, nothing is sent
    def dismiss(dialog: object) -> None:
        dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    clerk.once("dialog", dismiss)
    clerk.get_by_role("button", name="不通過").click()
    expect(clerk.get_by_role("button", name="不通過")).to_be_visible()
    assert dialogs and dialogs[0].startswith("確定審核不通過？")
    clerk.once("dialog", lambda dialog: dialog.accept())
    clerk.get_by_role("button", name="不通過").click()
    expect(clerk.get_by_role("status")).to_contain_text(f"{formal} 批次 1 已審核不通過")

    # -- the firm replaces photo 2: a 33 MB file is refused beside its field --------------
    firm.reload()
    firm.locator("#photo-list table.photos tbody tr").nth(1).get_by_role("link", name="修").click()
    expect(firm.get_by_role("heading", name="照片上傳作業(修改)")).to_be_visible()
    huge = tmp_path / "huge.jpg"  # a path: 33 MB through the driver as a buffer is too slow
    huge.write_bytes(b"\xff" * (33 * 1024 * 1024))
    firm.get_by_label("新照片").set_input_files(huge)
    expect(firm.locator("#e-file")).to_have_text("檔案超過 30 MB 上限，請選擇較小的照片檔")
    firm.get_by_role("button", name="更換照片").click()
    expect(firm.get_by_role("heading", name="照片上傳作業(修改)")).to_be_visible()
    expect(firm.locator("#e-file")).to_have_text("檔案超過 30 MB 上限，請選擇較小的照片檔")
    screenshot_of(firm, "usability-4-replace-too-large-phone")
    firm.get_by_label("新照片").set_input_files(jpeg_file("2 SIDE NEW", 33))
    expect(firm.locator("#e-file")).to_have_text("")
    firm.get_by_role("button", name="更換照片").click()
    expect(firm.get_by_text("已更換序號 2 的照片。")).to_be_visible()
    firm.get_by_role("button", name="列印").click()
    expect(firm.get_by_role("link", name="開啟照片報告（PDF）")).to_be_visible(timeout=60_000)

    # -- the clerk's re-review: before and after, the earlier reason beside the photo -----
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        reviewer = clerk if width == "desktop" else new_page(viewport)
        if width == "phone":
            log_in(reviewer, platform, "TPDCLERK", accessibility=accessibility)
        reviewer.goto(platform.base_url + f"/court/reviews?case_number={number}")
        requeued = reviewer.locator("table.list tbody tr").filter(has_text="重新送審")
        deadline = 60
        while requeued.count() != 1 and deadline:
            reviewer.wait_for_timeout(1000)
            reviewer.reload()
            deadline -= 1
        requeued.get_by_role("link", name="審核").click()
        card = reviewer.locator("ol.photo-grid li.photo").nth(1)
        expect(card.locator(".before-after img")).to_have_count(2)
        expect(card.get_by_role("img", name="序號 2 更換前的照片")).to_be_visible()
        expect(card).to_contain_text("更換後（本次）")
        expect(card).to_contain_text("前次退回理由：光線不足：側面過暗，請補拍")
        expect(reviewer.locator("ol.photo-grid li.photo").first).not_to_contain_text("前次退回理由")
        screenshot_of(reviewer, f"usability-3-re-review-{width}")
