"""Issue 3's photo journey in a browser: a firm on a phone uploads, prints; the court's
clerk at a desk rejects one photo; the firm replaces it and prints again; the clerk sees
what changed and approves; anyone finds the photos (without EXIF) on the public page."""

from __future__ import annotations

import io
import re
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

from PIL import Image
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from support import flows
from support.accessibility import Accessibility
from support.court_login import log_in_at_court
from support.images import gif, labelled_jpeg, labelled_png

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PRINT_TIMEOUT = 60_000  # ms: rendering the PDF report


def test_upload_print_reject_fix_reprint_approve_public(
    platform: flows.Platform,
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
    accessibility: Accessibility,
    tmp_path: Path,
) -> None:
    year, word, number = 114, "司執", int(uuid.uuid4().int % 900000) + 1
    formal = f"{year}年度{word}字第{number}號"
    front = labelled_jpeg("1 FRONT", seed=1, gps=True)
    assert 0x8825 in Image.open(io.BytesIO(front)).getexif(), "the fixture carries GPS"
    files = [
        {"name": "front.jpg", "mimeType": "image/jpeg", "buffer": front},
        {"name": "side.jpg", "mimeType": "image/jpeg", "buffer": labelled_jpeg("2 SIDE", seed=2)},
        {
            "name": "road.png",
            "mimeType": "image/png",
            "buffer": labelled_png("3 ROAD", 1000, 750, seed=3),
        },
    ]

    firm = new_page(PHONE)
    firm.on("dialog", lambda dialog: dialog.accept())
    clerk = new_page(DESKTOP)
    clerk.on("dialog", lambda dialog: dialog.accept())

    # -- 1. the firm creates the set and uploads three photos at once, then a fake one --
    log_in(firm, platform, "DEMOFIRM", accessibility=accessibility)
    menu(firm, "照片上傳維護").click()
    expect(firm.get_by_role("heading", name="照片上傳維護")).to_be_visible()
    firm.get_by_label("股別").fill("甲")
    firm.get_by_label("年度").fill(str(year))
    firm.get_by_label("字別").fill(word)
    firm.get_by_label("號", exact=True).fill(str(number))
    firm.get_by_role("button", name="新增").click()
    expect(firm.get_by_role("heading", name=formal)).to_be_visible()
    expect(firm.get_by_text("已新增此案件，請上傳照片。")).to_be_visible()
    expect(firm.get_by_role("button", name="列印")).to_be_disabled()

    defaults = firm.locator("#upload-defaults")
    defaults.get_by_label("拍賣標的").fill("建物")
    defaults.get_by_label("說明").fill("建物外觀")
    expect(firm.get_by_text("點擊或拖曳圖片至此")).to_be_visible()
    firm.locator("#file-input").set_input_files(files)
    results = firm.locator("#upload-results li")
    expect(results).to_have_count(3)
    for sequence, row in enumerate(results.all(), start=1):
        expect(row).to_have_class(re.compile(r"\bok\b"))
        expect(row.locator(".state")).to_have_text(f"✓ 已上傳，序號 {sequence}")
    photo_rows = firm.locator("#photo-list table.photos tbody tr")
    expect(photo_rows).to_have_count(3)  # the list is refreshed without reloading
    expect(firm.locator("#photo-list .pager")).to_contain_text("總筆數: 3")
    expect(firm.get_by_role("img", name="序號 2 的照片")).to_be_visible()

    # a text file named photo.jpg, and a GIF named plan.jpg: judged by content, not name
    firm.locator("#file-input").set_input_files(
        [
            {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture\n" * 20},
            {"name": "plan.jpg", "mimeType": "image/jpeg", "buffer": gif()},
        ]
    )
    expect(results).to_have_count(5)
    for row, name, refusal in [
        (results.nth(3), "photo.jpg", "無法讀取照片，檔案可能已損毀或不是照片"),
        (results.nth(4), "plan.jpg", "只接受 JPEG、PNG 或 HEIC 格式的照片"),
    ]:
        expect(row).to_have_class(re.compile(r"\berror\b"))
        expect(row.locator(".name")).to_have_text(name)
        expect(row.locator(".state")).to_have_text(refusal)
    expect(firm.locator("#upload-results li.ok")).to_have_count(3)
    expect(photo_rows).to_have_count(3)
    expect(firm.locator("#photo-list .pager")).to_contain_text("總筆數: 3")
    screenshot_of(firm, "photo-1-firm-uploaded")

    # -- 2. the firm prints: the report is a PDF with the case number and the captions --
    first_pages = print_set(firm)
    screenshot_of(firm, "photo-2-firm-printed")
    report_url = firm.get_by_role("link", name="開啟照片報告（PDF）").get_attribute("href")
    assert report_url
    text, pages = read_pdf(firm, report_url, tmp_path / "first.pdf")
    assert formal in text
    assert "建物外觀" in text and "拍賣標的" in text
    assert pages == first_pages and f"共{pages}頁" in text  # the footer: 第 n 頁 / 共 m 頁
    assert_report_reads_as_written(tmp_path / "first.pdf", formal)
    expect(firm.locator("table.prints tbody tr")).to_have_count(1)

    # -- 3. the clerk finds it in 審核案件 and rejects photo 2 --------------------------
    log_in(clerk, platform, "TPDCLERK", accessibility=accessibility)
    menu(clerk, "審核案件").click()
    expect(clerk.get_by_role("heading", name="審核案件")).to_be_visible()
    queued = clerk.get_by_role("row").filter(has_text=formal)
    reload_until_visible(clerk, queued)  # review-workflow learns of the print by an event
    queued.get_by_role("link", name="審核").click()
    expect(clerk.get_by_role("heading", name=formal)).to_be_visible()
    expect(clerk.locator("ol.photo-grid li.photo")).to_have_count(3)
    expect(clerk.get_by_role("link", name="開啟本次列印報告（PDF）")).to_be_visible()
    second = reviewed_photo(clerk, 2)
    second.get_by_label("不通過理由").select_option(label="光線不足")
    second.get_by_label("序號 2 補充說明").fill("側面過暗，請補拍")
    clerk.get_by_label("整體說明").fill("請補拍清楚的側面照片")
    screenshot_of(clerk, "photo-3-clerk-rejecting")
    assert_images_shown(clerk.locator("ol.photo-grid img"), 3)
    clerk.get_by_role("button", name="不通過").click()
    expect(clerk.get_by_role("status")).to_contain_text(f"{formal} 批次 1 已審核不通過")
    expect(clerk.get_by_role("row").filter(has_text=formal)).to_have_count(0)
    screenshot_of(clerk, "photo-3-clerk-rejected")

    # -- 4. the firm sees the reason, replaces photo 2 and prints again -----------------
    menu(firm, "維護未通過審核照片").click()
    expect(firm.get_by_role("heading", name="維護未通過審核照片")).to_be_visible()
    rejected_row = firm.get_by_role("row").filter(has_text=formal)
    expect(rejected_row).to_contain_text("請補拍清楚的側面照片")
    expect(rejected_row).to_contain_text("未通過")
    screenshot_of(firm, "photo-4-firm-rejected-list")
    rejected_row.get_by_role("link", name="修").click()
    expect(firm.get_by_role("heading", name=re.compile(formal))).to_be_visible()
    expect(firm.get_by_text("法院審核未通過。")).to_be_visible()
    expect(firm.locator("#rejected-summary")).to_contain_text("序號 2：光線不足：側面過暗，請補拍")
    flagged = photo_rows.filter(has_text="未通過原因")
    expect(flagged).to_have_count(1)
    expect(flagged.locator("td.seq")).to_have_text("2")
    expect(flagged).to_contain_text("光線不足：側面過暗，請補拍")
    screenshot_of(firm, "photo-4-firm-rejected-set")
    assert_images_shown(photo_rows.locator("img"), 3)

    flagged.get_by_role("link", name="修").click()
    expect(firm.get_by_role("heading", name="照片上傳作業(修改)")).to_be_visible()
    expect(firm.get_by_text("未通過原因：")).to_be_visible()
    firm.get_by_label("新照片").set_input_files(
        {
            "name": "side-bright.jpg",
            "mimeType": "image/jpeg",
            "buffer": labelled_jpeg("2 SIDE (NEW)", seed=22),
        }
    )
    screenshot_of(firm, "photo-4-firm-replacing")
    firm.get_by_role("button", name="更換照片").click()
    expect(firm.get_by_text("已更換序號 2 的照片。")).to_be_visible()
    expect(firm.locator("#print")).to_contain_text("上次列印後的修改")
    expect(firm.locator("#print ul.changes")).to_contain_text("更換")
    menu(firm, "維護未通過審核照片").click()
    expect(firm.get_by_role("row").filter(has_text=formal)).to_contain_text("已修改，尚未重新列印")
    firm.get_by_role("row").filter(has_text=formal).get_by_role("link", name="修").click()
    second_pages = print_set(firm)
    expect(firm.locator("table.prints tbody tr")).to_have_count(2)  # every print is kept
    reprint_url = firm.get_by_role("link", name="開啟照片報告（PDF）").get_attribute("href")
    assert reprint_url and reprint_url != report_url
    text, pages = read_pdf(firm, reprint_url, tmp_path / "second.pdf")
    assert formal in text and pages == second_pages and f"共{pages}頁" in text
    assert_report_reads_as_written(tmp_path / "second.pdf", formal)
    menu(firm, "維護未通過審核照片").click()
    expect(firm.get_by_role("row").filter(has_text=formal)).to_have_count(0)

    # -- 5. the clerk sees what changed since the rejected print and approves ----------
    menu(clerk, "審核案件").click()
    requeued = clerk.get_by_role("row").filter(has_text=formal)
    reload_until_visible(clerk, requeued)
    expect(requeued).to_contain_text("重新送審")
    requeued.get_by_role("link", name="審核").click()
    changes = clerk.locator("section").filter(
        has=clerk.get_by_role("heading", name="與前次未通過版本的差異")
    )
    expect(changes.locator("ul.changes li")).to_have_count(1)
    expect(changes.locator("ul.changes li")).to_contain_text("更換照片")
    expect(changes.locator("ul.changes li")).to_contain_text("序號 2")
    screenshot_of(clerk, "photo-5-clerk-what-changed")
    clerk.get_by_role("button", name="通過", exact=True).click()
    expect(clerk.get_by_role("status")).to_contain_text(f"{formal} 批次 1 已審核通過")
    clerk.get_by_role("link", name="已通過").click()
    done = clerk.get_by_role("row").filter(has_text=formal)
    expect(done).to_contain_text("已通過")
    done.get_by_role("link", name="檢視").click()
    expect(clerk.get_by_role("button", name="通過", exact=True)).to_have_count(0)
    screenshot_of(clerk, "photo-5-clerk-approved")

    # -- 6. the firm's set is locked --------------------------------------------------
    menu(firm, "照片上傳維護").click()
    firm.get_by_role("row").filter(has_text=formal).get_by_role("link", name=formal).click()
    expect(firm.get_by_text("已通過法院審核，無法再修改。")).to_be_visible()
    expect(firm.locator("#dropzone")).to_have_count(0)
    expect(firm.locator("#file-input")).to_have_count(0)
    expect(firm.get_by_role("button", name="列印")).to_have_count(0)
    expect(photo_rows).to_have_count(3)
    expect(photo_rows.get_by_role("link", name="修")).to_have_count(0)
    screenshot_of(firm, "photo-6-firm-locked")

    # -- 7. anyone finds the photos by court and case number; no EXIF on them ----------
    visitor = new_page(PHONE)
    visitor.goto(platform.base_url + "/public")
    expect(visitor.get_by_role("heading", name="照片公開查詢")).to_be_visible()
    visitor.get_by_label("法院").select_option("TPD")
    visitor.get_by_label("年度").fill(str(year))
    visitor.get_by_label("字別").fill(word)
    visitor.get_by_label("號", exact=True).fill(str(number))
    visitor.get_by_role("button", name="查詢").click()
    expect(visitor.get_by_role("heading", name=re.compile("共 1 批照片"))).to_be_visible()
    public_photos = visitor.locator("ol.photo-grid.public li.photo")
    expect(public_photos).to_have_count(3)
    first_image = visitor.get_by_role("img", name=re.compile(r"^序號 1 "))
    expect(first_image).to_be_visible()
    expect(first_image).to_have_js_property("complete", True)
    assert first_image.evaluate("img => img.naturalWidth") > 0, "the image loads"
    src = first_image.get_attribute("src")
    assert src
    reply = visitor.request.get(urljoin(visitor.url, src))
    assert reply.ok, src
    public_copy = Image.open(io.BytesIO(reply.body()))
    assert public_copy.format == "JPEG"
    assert not public_copy.getexif(), "public copies carry no EXIF (no GPS)"
    screenshot_of(visitor, "photo-7-public")
    assert_images_shown(public_photos.locator("img"), 3)


def menu(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="主選單").get_by_role("link", name=name)


def log_in(
    page: Page,
    platform: flows.Platform,
    account_id: str,
    accessibility: Accessibility | None = None,
) -> None:
    log_in_at_court(page, platform, account_id, "TPD", accessibility)
    expect(page.get_by_text(f"（{account_id}）")).to_be_visible()


def print_set(page: Page) -> int:
    """Presses 列印 (its confirmation is accepted) and returns the report's page count."""
    page.get_by_role("button", name="列印").click()
    expect(page.get_by_role("link", name="開啟照片報告（PDF）")).to_be_visible(
        timeout=PRINT_TIMEOUT
    )
    done = page.get_by_text(re.compile(r"已列印並送交法院審核（共 \d+ 頁）"))
    expect(done).to_be_visible()
    expect(page.get_by_text("已列印送交法院審核，等待法院審核中。")).to_be_visible()
    match = re.search(r"共 (\d+) 頁", done.inner_text())
    assert match
    return int(match.group(1))


def pdf_pages(path: Path) -> list[str]:
    """Each page's text as pdftotext reads it, without spaces and line breaks (layout,
    not content) and nothing else folded: what a search in the PDF finds."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return [re.sub(r"\s+", "", page) for page in text.split("\f")[:-1]]


def assert_report_reads_as_written(path: Path, formal: str) -> None:
    """The court's header, the case, 第 n 頁 / 共 m 頁 and who printed on every page, and
    each photo's caption, exactly as written."""
    pages = pdf_pages(path)
    for number, text in enumerate(pages, start=1):
        assert "臺灣臺北地方法院民事執行處" in text, text
        assert f"案號{formal}股別甲批次第1批" in text, text
        assert f"第{number}頁/共{len(pages)}頁" in text, text
        assert "列印帳號DEMOFIRM" in text, text
    everything = "".join(pages)
    for sequence in (1, 2, 3):
        assert re.search(f"序號{sequence}室內/室外(室內|室外|—)方向(橫向|直立)", everything)
    assert everything.count("拍賣標的建物說明建物外觀") == 3, everything


def read_pdf(page: Page, url: str, path: Path) -> tuple[str, int]:
    """Downloads the report as the firm's browser would; returns its text (no spaces:
    pdftotext splits lines; nothing else folded) and its page count."""
    reply = page.request.get(urljoin(page.url, url))
    assert reply.ok, url
    path.write_bytes(reply.body())
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    text = re.sub(r"\s+", "", text)
    return text, len(PdfReader(path).pages)


def assert_images_shown(images: Locator, count: int) -> None:
    """Every image loaded and decoded (after screenshot_of loaded the lazy ones)."""
    expect(images).to_have_count(count)
    widths = images.evaluate_all("images => images.map((i) => i.complete && i.naturalWidth)")
    assert all(widths) and len(widths) == count, widths


def reviewed_photo(page: Page, sequence: int) -> Locator:
    return page.locator("ol.photo-grid li.photo").filter(
        has=page.get_by_text(f"序號 {sequence}", exact=True)
    )


def reload_until_visible(page: Page, locator: Locator, timeout: float = 60) -> None:
    """For what arrives by an event: reloads the page until `locator` shows."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            expect(locator).to_be_visible(timeout=2_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()
