"""The photo report PDF itself, read back with poppler (pdftotext, pdffonts, pdfimages,
pdftoppm) and pypdf: page count, A4, header, captions, page numbers, fingerprint, a
text layer that reads as written (no radicals for ideographs), embedded CJK fonts, the
photos in their places, and long captions that never run into the next photo."""

from __future__ import annotations

import io
import re
import subprocess
import threading
import time
import unicodedata
from pathlib import Path

import pytest
from PIL import Image
from prometheus_client import REGISTRY
from pypdf import PdfReader

from jes_domain import Unavailable
from jes_report_render.domain import layout
from jes_report_render.domain.layout import Caption
from jes_report_render.pdf import (
    FETCH_WORKERS,
    RenderedReport,
    RenderError,
    RenderTimedOut,
    ReportHeader,
    ReportPhotoSource,
    render_photo_report,
    run_wkhtmltopdf,
    wkhtmltopdf_seconds,
)

FINGERPRINT = "3f2a9c" + "0" * 52 + "abcdef"
HEADER = ReportHeader(
    court_name="臺灣臺北地方法院",
    division="甲",
    case_number="107年度司執字第999號",
    batch=2,
    firm_name="大華不動產估價師聯合事務所",
    printed_on="民國 114 年 3 月 5 日",
    fingerprint=FINGERPRINT,
    set_version=7,
    printed_by="DEMOFIRM",
)
TOP_MARGIN_PT = 10 / 25.4 * 72  # pdf.WKHTMLTOPDF_OPTIONS
LEFT_MARGIN_PT = 12 / 25.4 * 72

RED, GREEN, BLUE, YELLOW, PURPLE = (
    (200, 30, 30),
    (30, 170, 60),
    (30, 60, 200),
    (230, 200, 20),
    (120, 40, 140),
)


def solid_jpeg(
    width: int, height: int, colour: tuple[int, int, int], orientation: int = 0
) -> bytes:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def render(tmp_path: Path, photos: list[tuple[Caption, bytes]], header=HEADER) -> RenderedReport:
    work = tmp_path / f"work-{len(list(tmp_path.iterdir()))}"
    work.mkdir()
    sources = [ReportPhotoSource(c, load=lambda content=content: content) for c, content in photos]
    return render_photo_report(header, sources, work)


def norm(text: str) -> str:
    """The text without whitespace: where pdftotext puts spaces and line breaks is
    layout, not content. Nothing else is folded: the text must read as written."""
    return "".join(text.split())


def page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [norm(page) for page in out.split("\f")[:-1]]


def words(pdf: bytes, tmp_path: Path) -> list[tuple[int, str, float, float]]:
    """(page number, word, top, bottom) of every word, in pt from the top of its page."""
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    found = []
    for number, page in enumerate(out.split("<page ")[1:], start=1):
        for y_min, y_max, word in re.findall(
            r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>',
            page,
        ):
            found.append((number, word, float(y_min), float(y_max)))
    return found


def px_to_pt(px: float) -> float:
    return TOP_MARGIN_PT + px * layout.PT_PER_PX


# -- a small set --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_set(tmp_path_factory) -> tuple[RenderedReport, list[str], Path]:
    tmp_path = tmp_path_factory.mktemp("small")
    photos = [
        (
            Caption(1, "室外", "橫向", "建物及其基地", "建物正面，臨八公尺道路。", "一樓為騎樓"),
            solid_jpeg(1600, 1200, RED),
        ),
        (
            Caption(2, "室內", "直立", "建物", "客廳，面向大門拍攝。", ""),
            solid_jpeg(1200, 1600, GREEN),
        ),
        (Caption(3, "室內", "", "", "", ""), solid_jpeg(1600, 1200, BLUE)),
        # a phone's portrait photo: landscape pixels turned by EXIF
        (
            Caption(4, "室外", "", "建地", "後方空地。", "鄰地有違建"),
            solid_jpeg(1600, 1200, YELLOW, orientation=6),
        ),
        (Caption(5, "室外", "橫向", "建地", "道路。", ""), solid_jpeg(1600, 1200, PURPLE)),
    ]
    report = render(tmp_path, photos)
    return report, page_texts(report.pdf, tmp_path), tmp_path


def test_two_photos_per_page(small_set):
    report, texts, _ = small_set
    assert report.pages == 3
    assert len(PdfReader(io.BytesIO(report.pdf)).pages) == 3
    assert len(texts) == 3


def test_pages_are_a4(small_set):
    report, _, _ = small_set
    for page in PdfReader(io.BytesIO(report.pdf)).pages:
        assert float(page.mediabox.width) == pytest.approx(595, abs=1)
        assert float(page.mediabox.height) == pytest.approx(842, abs=1)


def test_every_page_has_the_header_page_number_fingerprint_and_version(small_set):
    _, texts, _ = small_set
    for number, text in enumerate(texts, start=1):
        assert norm("臺灣臺北地方法院民事執行處") in text
        assert norm("案號 107年度司執字第999號 股別 甲 批次 第 2 批") in text
        assert norm("鑑估價公司 大華不動產估價師聯合事務所 列印日期 民國 114 年 3 月 5 日") in text
        assert norm(f"第 {number} 頁 / 共 3 頁") in text
        assert norm(f"版本指紋 {FINGERPRINT} 版本 7 列印帳號 DEMOFIRM") in text


def test_each_photo_has_its_caption_on_its_page(small_set):
    _, texts, _ = small_set
    caption = "序號 {} 室內/室外 {} 方向 {} 拍賣標的 {} 說明 {} 備註 {}"
    assert (
        norm(
            caption.format(
                1, "室外", "橫向", "建物及其基地", "建物正面，臨八公尺道路。", "一樓為騎樓"
            )
        )
        in texts[0]
    )
    assert norm(caption.format(2, "室內", "直立", "建物", "客廳，面向大門拍攝。", "—")) in texts[0]
    # empty fields print "—"; an orientation not given is the picture's
    assert norm(caption.format(3, "室內", "橫向", "—", "—", "—")) in texts[1]
    assert norm(caption.format(4, "室外", "直立", "建地", "後方空地。", "鄰地有違建")) in texts[1]
    assert norm(caption.format(5, "室外", "橫向", "建地", "道路。", "—")) in texts[2]


# Every ideograph a Kangxi radical stands for (NFKC of U+2F00-U+2FD5), and those that
# CJK radicals supplement characters and CJK strokes stand for (Unicode's
# Equivalent_Unified_Ideograph, the ones in the basic CJK block): a CJK font draws each
# with the same glyph as its radical.
KANGXI_IDEOGRAPHS = "".join(unicodedata.normalize("NFKC", chr(c)) for c in range(0x2F00, 0x2FD6))
SUPPLEMENT_IDEOGRAPHS = (
    "厂乛乚乙亻冂刀刂卜小兀尣尢巳幺彑彐忄心扌攵旡日月歺母民氵氺灬爫丬牛犭王目示礻糹纟罓罒冗羊"
    "耂肀聿肉艹虎衤覀西见角讠贝车辶邑钅長镸长门阝雨青韦页风飞食飠饣马骨鬼鱼鸟卤麦黄黾斉齐歯齿竜"
    "龙龜亀龟乀一丨丿丶亅"
)
STAND_INS = [(0x2E80, 0x2EFF), (0x2F00, 0x2FDF), (0x31C0, 0x31EF), (0xF900, 0xFAFF)]
STAND_INS.append((0x2F800, 0x2FA1F))


def stand_ins(text: str) -> list[str]:
    """Radicals, strokes and compatibility ideographs in `text`, as U+XXXX."""
    return [f"U+{ord(c):04X}" for c in text if any(a <= ord(c) <= b for a, b in STAND_INS)]


def test_the_text_layer_reads_as_written(small_set, tmp_path):
    report, texts, _ = small_set
    # the small set: the court's name and every page number, with pdftotext and pypdf
    reader = PdfReader(io.BytesIO(report.pdf))
    for number, (text, page) in enumerate(zip(texts, reader.pages, strict=True), start=1):
        for read in (text, norm(page.extract_text())):
            assert stand_ins(read) == [], read
            assert "臺灣臺北地方法院民事執行處" in read
            assert f"第{number}頁/共3頁" in read
    # every ideograph that has a radical, stroke or compatibility twin, in a caption
    report = render(
        tmp_path,
        [
            (Caption(1, "室外", "橫向", "建物", KANGXI_IDEOGRAPHS, ""), solid_jpeg(80, 60, RED)),
            (
                Caption(2, "室內", "橫向", "建物", SUPPLEMENT_IDEOGRAPHS, ""),
                solid_jpeg(80, 60, RED),
            ),
        ],
    )
    everything = "".join(page_texts(report.pdf, tmp_path))
    assert stand_ins(everything) == []
    assert KANGXI_IDEOGRAPHS in everything
    assert SUPPLEMENT_IDEOGRAPHS in everything
    extracted = norm(
        "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.pdf)).pages)
    )
    assert KANGXI_IDEOGRAPHS in extracted and SUPPLEMENT_IDEOGRAPHS in extracted


def test_the_words_read_with_the_spaces_printed_between_them(small_set, tmp_path):
    # the raw text, whitespace and all, as a reader's search and copy-and-paste see it: the
    # space glyph was mapped to a tab, and pdftotext read 第 1 頁 as 第1頁 (norm() above
    # folds whitespace and so could not see it)
    report, _, _ = small_set
    path = tmp_path / "raw.pdf"
    path.write_bytes(report.pdf)
    for mode in ([], ["-layout"], ["-raw"]):
        out = subprocess.run(
            ["pdftotext", *mode, str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        pages = out.split("\f")[:-1]
        assert len(pages) == 3, mode
        for number, page in enumerate(pages, start=1):
            assert f"第 {number} 頁 / 共 3 頁" in page, (mode, page)
            assert "第 2 批" in page and "民國 114 年 3 月 5 日" in page, (mode, page)
            assert "\t" not in page, (mode, page)
    for number, page in enumerate(PdfReader(io.BytesIO(report.pdf)).pages, start=1):
        text = page.extract_text()
        assert f"第 {number} 頁 / 共 3 頁" in text and "第 2 批" in text, text
        assert "\t" not in text, text


def test_cjk_fonts_are_embedded(small_set):
    report, _, tmp_path = small_set
    path = tmp_path / "fonts.pdf"
    path.write_bytes(report.pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    fonts = {line.split()[0]: line.split() for line in out.stdout.splitlines()[2:]}
    cjk = [name for name in fonts if "CJK" in name]
    assert cjk, out.stdout
    for name in cjk:
        emb = fonts[name][-5]  # columns: ... emb sub uni object ID
        assert emb == "yes", out.stdout


def test_photos_are_scaled_for_the_page_and_put_in_their_places(small_set):
    report, _, tmp_path = small_set
    path = tmp_path / "images.pdf"
    path.write_bytes(report.pdf)
    listing = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    sizes = [(int(row.split()[3]), int(row.split()[4])) for row in listing]
    # 1600 px copies decoded at half size (about 150 dpi over 13 cm), placeholders gone
    assert sorted(sizes) == sorted([(800, 600), (600, 800), (800, 600), (600, 800), (800, 600)])
    # Each photo is in its own slot: the colour at the middle of the top of each box.
    expected = [[RED, GREEN], [BLUE, YELLOW], [PURPLE]]
    for number, colours in enumerate(expected, start=1):
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "36",
                "-png",
                "-f",
                str(number),
                "-l",
                str(number),
                str(path),
                str(tmp_path / f"p{number}"),
            ],
            check=True,
        )
        [png] = tmp_path.glob(f"p{number}-*.png")
        image = Image.open(png).convert("RGB")
        scale = 36 / 72
        for slot, colour in enumerate(colours):
            top_px = layout.HEADER_HEIGHT + slot * (layout.HALF_SLOT_HEIGHT + layout.SLOT_GAP) + 60
            x = (LEFT_MARGIN_PT + layout.IMAGE_BOX_WIDTH / 2 * layout.PT_PER_PX) * scale
            y = px_to_pt(top_px) * scale
            pixel = image.getpixel((round(x), round(y)))
            assert all(abs(a - b) < 30 for a, b in zip(pixel, colour, strict=True)), (
                number,
                slot,
                pixel,
            )


# -- long captions ------------------------------------------------------------------------


def longest(filler: str, end: str, **fields: str) -> dict[str, str]:
    """The longest description made of `filler`s and `end` whose photo still gets half
    a page, and the longest that still gets one page: the worst cases for the estimate."""
    rank = {"half": 0, "full": 1, "more": 2}

    def kind(description: str) -> str:
        [block, *_] = layout.plan([Caption(1, description=description, **fields)])[0].blocks
        if block.remark is None or block.remark.later:
            return "more"
        return "full" if block.full_page else "half"

    found = {}
    text = end
    for wanted in ("half", "full"):
        while rank[kind(filler + text)] <= rank[wanted]:
            text = filler + text
        found[wanted] = text
    return found


PUNCTUATED = "本建物外牆為「二丁掛」磁磚，局部剝落；"
LATIN = "Wall WM-12 mmm 0.95m "
FIELDS = {"placement": "室外", "orientation": "橫向", "auction_target": "建地"}


@pytest.mark.parametrize("filler", [PUNCTUATED, LATIN], ids=["cjk", "latin"])
def test_the_longest_captions_stay_in_their_slots(tmp_path, filler):
    first = longest(filler, " END1", remark="R1", **FIELDS)
    second = longest(filler, " END2", remark="R2", **FIELDS)
    third = longest(filler, " END3", remark="R3", **FIELDS)
    report = render(
        tmp_path,
        [
            (
                Caption(1, description=first["half"], remark="R1", **FIELDS),
                solid_jpeg(800, 600, RED),
            ),
            (
                Caption(2, description=second["half"], remark="R2", **FIELDS),
                solid_jpeg(800, 600, BLUE),
            ),
            (
                Caption(3, description=third["full"], remark="R3", **FIELDS),
                solid_jpeg(800, 600, BLUE),
            ),
        ],
    )
    assert report.pages == 2
    found = {word: (page, bottom) for page, word, _, bottom in words(report.pdf, tmp_path)}
    first_bottom = px_to_pt(layout.HEADER_HEIGHT + layout.HALF_SLOT_HEIGHT)
    second_top = px_to_pt(layout.HEADER_HEIGHT + layout.HALF_SLOT_HEIGHT + layout.SLOT_GAP)
    body_bottom = px_to_pt(layout.HEADER_HEIGHT + layout.BODY_HEIGHT)
    # The remark comes after the description: printed inside its slot, nothing was cut.
    assert found["R1"][0] == 1 and found["R1"][1] <= first_bottom < second_top
    assert found["R2"][0] == 1 and found["R2"][1] <= body_bottom
    assert found["R3"][0] == 2 and found["R3"][1] <= body_bottom
    assert found["END1"][1] < found["R1"][1]


def test_a_caption_longer_than_a_page_goes_on_on_text_pages(tmp_path):
    description = "".join(f"第{n}句：標的建物現況說明，含增建部分。" for n in range(260)) + " END"
    report = render(
        tmp_path,
        [
            (
                Caption(1, description=description, remark="REMARK", **FIELDS),
                solid_jpeg(800, 600, RED),
            ),
            (Caption(2, description="下一張", **FIELDS), solid_jpeg(800, 600, BLUE)),
        ],
    )
    pages = layout.plan(
        [Caption(1, description=description, remark="REMARK", **FIELDS), Caption(2)]
    )
    assert report.pages == len(pages) >= 3
    texts = page_texts(report.pdf, tmp_path)
    assert norm("說明（續下頁）") in texts[0]
    assert norm("序號 1 說明（續前頁）") in texts[1]
    # All of the text is printed once, in order (a sentence cut by a page break aside).
    everything = "".join(texts)
    assert everything.count("句") == 260
    positions = [everything.find(norm(f"第{n}句：")) for n in range(260)]
    assert sum(p < 0 for p in positions) <= len(pages) - 1
    assert [p for p in positions if p >= 0] == sorted(p for p in positions if p >= 0)
    # The end of the text and the remark are printed, on the last text page, above the
    # footer; the next photo starts a page of its own.
    found = [(page, word, bottom) for page, word, _, bottom in words(report.pdf, tmp_path)]
    footer = px_to_pt(layout.HEADER_HEIGHT + layout.BODY_HEIGHT)
    [(end_page, _, end_bottom)] = [f for f in found if f[1].endswith("END")]
    [(remark_page, _, remark_bottom)] = [f for f in found if f[1] == "REMARK"]
    assert end_page == remark_page == len(pages) - 1
    assert end_bottom <= footer and remark_bottom <= footer
    assert norm("序號 2") in texts[-1] and norm("下一張") in texts[-1]


def test_only_a_few_photos_are_fetched_and_decoded_at_once(tmp_path):
    running, most = 0, 0
    lock = threading.Lock()

    def load(content: bytes) -> bytes:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return content

    content = solid_jpeg(1600, 1200, RED)
    sources = [ReportPhotoSource(Caption(n), load=lambda: load(content)) for n in range(1, 21)]
    work = tmp_path / "work"
    work.mkdir()
    report = render_photo_report(HEADER, sources, work)
    assert report.pages == 10
    assert 1 < most <= FETCH_WORKERS


# -- wkhtmltopdf: no network, no local file outside the render's own folder ---------------


def test_wkhtmltopdf_makes_no_connection_and_reads_no_file_outside_its_folder(tmp_path, images):
    """Whatever HTML it is given: an http URL to a listener gets no connection, and a
    file:// picture or style sheet outside the render's folder is not read."""
    outside = tmp_path / "outside"
    outside.mkdir()
    solid_jpeg_file = outside / "secret.jpg"
    solid_jpeg_file.write_bytes(solid_jpeg(97, 89, RED))  # a size no icon has
    (outside / "secret.css").write_text('p::after { content: "SECRETSTYLE"; }')
    work = tmp_path / "work"
    work.mkdir()
    (work / "own.jpg").write_bytes(solid_jpeg(61, 53, RED))
    listener = images.url("/bait.png", b"")
    html = (
        f'<html><head><link rel="stylesheet" href="{listener}">'
        f'<link rel="stylesheet" href="file://{outside}/secret.css"></head><body>'
        f'<p>page</p><img src="own.jpg"><img src="{listener}">'
        f'<img src="file://{solid_jpeg_file}"><img src="../outside/secret.jpg">'
        f'<iframe src="{images.base_url}/frame"></iframe></body></html>'
    )
    source = work / "report.html"
    source.write_text(html)
    target = work / "out.pdf"
    try:
        run_wkhtmltopdf(source, target, allow=work, timeout=30)
    except RenderError:
        pass  # refusing to load them may fail the render: fine, nothing was read
    assert images.requested == []
    if target.exists():
        reader = PdfReader(target)
        sizes = {(i.image.width, i.image.height) for p in reader.pages for i in p.images}
        assert (97, 89) not in sizes
        assert "SECRETSTYLE" not in "".join(p.extract_text() for p in reader.pages)


def page_html(tmp_path: Path) -> Path:
    source = tmp_path / "r.html"
    source.write_text('<html><meta charset="utf-8"><body><p>司法院 JES-PAGE</p></body></html>')
    return source


def test_wkhtmltopdf_runs_with_file_access_and_network_closed(tmp_path, hanging_wkhtmltopdf):
    stand_in = hanging_wkhtmltopdf(hangs=0)
    run_wkhtmltopdf(page_html(tmp_path), tmp_path / "r.pdf", allow=tmp_path, timeout=30)
    arguments = stand_in.runs[0].split()
    assert "--disable-local-file-access" in arguments
    assert arguments[arguments.index("--allow") + 1] == str(tmp_path)
    assert arguments[arguments.index("--proxy") + 1].startswith("http://127.0.0.1:")
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")


def hung_runs() -> float:
    return REGISTRY.get_sample_value("jes_wkhtmltopdf_hung_total") or 0.0


def test_a_hung_wkhtmltopdf_is_killed_and_run_again(tmp_path, hanging_wkhtmltopdf):
    stand_in = hanging_wkhtmltopdf(hangs=1)
    before = hung_runs()
    started = time.monotonic()
    run_wkhtmltopdf(page_html(tmp_path), tmp_path / "r.pdf", allow=tmp_path, timeout=1.5)
    assert 1.5 <= time.monotonic() - started < 10
    assert len(stand_in.runs) == 2
    assert hung_runs() == before + 1
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "JES-PAGE" in text
    assert not stand_in.hung_left_running()


def test_wkhtmltopdf_hung_twice_is_a_render_the_caller_may_try_again(tmp_path, hanging_wkhtmltopdf):
    stand_in = hanging_wkhtmltopdf(hangs=2)
    before = hung_runs()
    with pytest.raises(RenderTimedOut) as caught:
        run_wkhtmltopdf(page_html(tmp_path), tmp_path / "r.pdf", allow=tmp_path, timeout=1)
    assert isinstance(caught.value, Unavailable)  # UNAVAILABLE over gRPC: retry later
    assert caught.value.message == "報表產製逾時，請稍後再試"
    assert len(stand_in.runs) == 2
    assert hung_runs() == before + 2
    assert not stand_in.hung_left_running()


def test_a_run_s_time_limit_grows_with_the_document():
    form = wkhtmltopdf_seconds(10_000)
    assert 4 <= form < 5
    assert wkhtmltopdf_seconds(1_200_000) >= 5 * 3.7  # the largest table: 3.7 s here
    assert wkhtmltopdf_seconds(20_000, pages=100) > wkhtmltopdf_seconds(20_000) + 20
