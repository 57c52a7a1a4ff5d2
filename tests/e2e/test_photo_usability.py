"""Issue 13 "What users hit", in a browser at phone and desktop width: the checklist
agrees with the form, case numbers as people paste them, the clerk's re-review, and no
dead ends. Screenshots go to test-results/screenshots/ (usability-*)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from support import flows
from support.allinone import DEMO_PASSWORD
from support.images import labelled_jpeg

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def log_in(page: Page, platform: flows.Platform, account_id: str, court: str = "TPD") -> None:
    page.goto(platform.base_url + "/login")
    page.get_by_label("所屬法院").select_option(court)
    page.get_by_label("帳號").fill(account_id)
    page.get_by_label("密碼").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登入").click()
    expect(page.get_by_role("button", name="登出")).to_be_visible()


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
) -> None:
    """Finding 1: two photos uploaded as 室內 leave no 室內 warning; views are ticked where
    photos are uploaded and listed; each item names its photos or says where to tick."""
    for width, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        firm = new_page(viewport)
        firm.on("dialog", lambda dialog: dialog.accept())
        log_in(firm, platform, "DEMOFIRM")
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
) -> None:
    """Finding 2: a pasted number is split into its boxes; 司執字 is 司執; every problem
    under its own box; a second 股別 of the same case is shown and must be confirmed."""
    for width, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        number = new_case_number()
        formal = f"114年度司執字第{number}號"
        firm = new_page(viewport)
        log_in(firm, platform, "DEMOFIRM")
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
