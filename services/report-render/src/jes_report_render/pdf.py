"""HTML -> PDF with pdfkit (wkhtmltopdf), A4, CJK fonts embedded.

Debian's wkhtmltopdf is built on an unpatched Qt: header/footer options, --zoom,
--disable-smart-shrinking, --image-dpi and --image-quality are all ignored. So the photo
report lays out its pages itself (domain/layout.py), each with its own header and page number.

Photos: Qt decodes every image it prints and re-encodes it at a fixed high JPEG
quality, which made a 100-photo report take ~8 s, 1.7 GB and 86 MB. So wkhtmltopdf lays
out the pages around tiny placeholder images (one per photo, told apart by their pixel
width), and the photos, already scaled to the page and JPEG-encoded by images.py, are
put into the PDF in their place with pypdf. An image in a PDF is always drawn into the
unit square that the page's transformation maps to its box, so swapping the image data
keeps the place and size wkhtmltopdf gave it.

The photos are fetched and scaled by a small thread pool (a few decoded at a time).

In the same pass the fonts' ToUnicode maps are rewritten so that the text layer reads as
the text was written (text_layer.py: Qt maps some ideographs' glyphs to CJK radicals).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pdfkit
from jinja2 import Environment, PackageLoader, select_autoescape
from PIL import Image
from prometheus_client import Counter, Histogram
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject

from jes_domain import Unavailable
from jes_report_render.domain import layout
from jes_report_render.images import Prepared, fit, prepare
from jes_report_render.memory import release_freed_memory
from jes_report_render.text_layer import read_as_written
from jes_zhtw import to_roc_year, to_taipei

log = logging.getLogger("jes.report_render")

templates = Environment(
    loader=PackageLoader("jes_report_render", "templates"),
    autoescape=select_autoescape(["html"]),
)

PDFS_RENDERED = Counter("jes_pdfs_rendered_total", "PDF documents rendered", ["kind"])
PDF_RENDER_SECONDS = Histogram(
    "jes_pdf_render_duration_seconds",
    "Time to render one PDF",
    ["kind"],
    buckets=(0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
)
WKHTMLTOPDF_HUNG = Counter(
    "jes_wkhtmltopdf_hung_total", "wkhtmltopdf runs killed for running past their time limit"
)

# wkhtmltopdf runs headless without an X server this way.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

WKHTMLTOPDF_OPTIONS: dict[str, str | None] = {
    "page-size": "A4",
    "orientation": "Portrait",
    "encoding": "UTF-8",
    "margin-top": "10mm",
    "margin-bottom": "10mm",
    "margin-left": "12mm",
    "margin-right": "12mm",
    "disable-javascript": None,
    # Only the render's own folder (`allow`, set per run) may be read; nothing else of
    # the machine, whatever the HTML says.
    "disable-local-file-access": None,
    "javascript-delay": "0",  # else it waits 200 ms for scripts there are none of
    "no-outline": None,
    "quiet": None,
}

# wkhtmltopdf_seconds(): the limit of one run, and how many runs a render gets.
WKHTMLTOPDF_BASE_SECONDS = 4.0
WKHTMLTOPDF_SECONDS_PER_MB = 15.0
WKHTMLTOPDF_SECONDS_PER_PAGE = 0.3
WKHTMLTOPDF_ATTEMPTS = 2

FETCH_WORKERS = 4  # photos fetched and scaled at once (each decoded one is 1-6 MB)

# Placeholder i is a JPEG PLACEHOLDER_BASE + i pixels wide and PLACEHOLDER_HEIGHT high;
# no other image of the report is that low.
PLACEHOLDER_BASE = 8
PLACEHOLDER_HEIGHT = 3


class RenderError(RuntimeError):
    pass


class RenderTimedOut(Unavailable):
    """wkhtmltopdf hung on every try; the caller may try again later."""


RENDER_TIMED_OUT = "報表產製逾時，請稍後再試"


def wkhtmltopdf_path() -> str:
    path = shutil.which("wkhtmltopdf")
    if not path:
        raise RenderError("wkhtmltopdf is not installed (make system-deps)")
    return path


def roc_date(moment: datetime) -> str:
    """民國 114 年 3 月 5 日 (Taipei date), as printed on court documents."""
    day = to_taipei(moment).date()
    return f"民國 {to_roc_year(day.year)} 年 {day.month} 月 {day.day} 日"


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port bound by this process and never listened on: a connection to it
    is refused at once, and no other program can take it while it is held."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def wkhtmltopdf_seconds(html_bytes: int, pages: int = 0) -> float:
    """How long one wkhtmltopdf run may take before it counts as hung: about five times
    what a busy machine needs (a form 0.2 s; a 1,000-row table, 1.2 MB of HTML, 3.7 s)."""
    return (
        WKHTMLTOPDF_BASE_SECONDS
        + html_bytes / 1_000_000 * WKHTMLTOPDF_SECONDS_PER_MB
        + pages * WKHTMLTOPDF_SECONDS_PER_PAGE
    )


def run_wkhtmltopdf(source: Path, target: Path, *, allow: Path, timeout: float) -> None:
    """`source` to PDF with local files from `allow` (the report's own folder) only and no
    network: every URL goes to a proxy that refuses connections (Debian's wkhtmltopdf
    0.12.6 honours --proxy for http and https; file:// outside `allow` is blocked by
    --disable-local-file-access). A resource it may not load fails the render.

    wkhtmltopdf now and then hangs and never exits (wkhtmltopdf issues #2113, #2254). A
    run past `timeout` seconds is killed and run once more; a second hang is RenderTimedOut.
    """
    options: dict[str, Any] = dict(WKHTMLTOPDF_OPTIONS)
    options["allow"] = str(allow)
    config = pdfkit.configuration(wkhtmltopdf=wkhtmltopdf_path())
    for attempt in range(1, WKHTMLTOPDF_ATTEMPTS + 1):
        with closed_port() as port:
            options["proxy"] = f"http://127.0.0.1:{port}"
            command = pdfkit.PDFKit(
                str(source), "file", options=options, configuration=config
            ).command(str(target))
            try:
                finished = subprocess.run(
                    command, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout
                )
            except subprocess.TimeoutExpired:
                WKHTMLTOPDF_HUNG.inc()
                log.warning(
                    "wkhtmltopdf ran past %.1f s (run %d of %d); killed",
                    timeout,
                    attempt,
                    WKHTMLTOPDF_ATTEMPTS,
                )
                continue
            except OSError as exc:
                raise RenderError(f"wkhtmltopdf failed: {exc}") from exc
        stderr = finished.stderr.decode("utf-8", errors="replace")
        try:  # pdfkit's reading of the exit: 1 with a finished document is a success
            pdfkit.PDFKit.handle_error(finished.returncode, stderr)
        except OSError as exc:
            raise RenderError(f"wkhtmltopdf failed: {exc}") from exc
        with contextlib.suppress(OSError), target.open("rb") as written:
            if written.read(5) == b"%PDF-":
                return
        raise RenderError(f"wkhtmltopdf wrote no PDF: {stderr.strip()}")
    raise RenderTimedOut(RENDER_TIMED_OUT)


@dataclass(frozen=True)
class ReportHeader:
    """What every page's header and footer show."""

    court_name: str
    division: str
    case_number: str
    batch: int
    firm_name: str
    printed_on: str  # roc_date(...)
    fingerprint: str
    set_version: int = 0
    printed_by: str = ""
    print_number: int = 0  # 第 N 次列印 in the footer; 0 = 版本 set_version


@dataclass(frozen=True)
class ReportPhotoSource:
    caption: layout.Caption
    load: Callable[[], bytes]  # the image's bytes, e.g. fetched from a presigned URL


@dataclass(frozen=True)
class ShownImage:
    src: str
    width: int  # CSS px
    height: int


@dataclass(frozen=True)
class ShownBlock:
    """A layout block with its place on the page, as the template needs it."""

    top: int
    height: int
    caption: layout.Caption
    description: layout.Part | None
    remark: layout.Part | None
    image: ShownImage | None


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    pages: int


def slot_height(block: layout.PhotoBlock | layout.TextBlock) -> int:
    if isinstance(block, layout.PhotoBlock) and not block.full_page:
        return layout.HALF_SLOT_HEIGHT
    return layout.FULL_SLOT_HEIGHT


def orientation_name(prepared: Prepared) -> str:
    return "橫向" if prepared.width >= prepared.height else "直立"


def write_placeholder(index: int, folder: Path) -> Path:
    path = folder / f"placeholder-{index:04d}.jpg"
    Image.new("RGB", (PLACEHOLDER_BASE + index, PLACEHOLDER_HEIGHT), (230, 230, 230)).save(path)
    return path


def shown_page(
    page: layout.Page, photos: dict[int, Prepared], placeholders: dict[int, Path]
) -> dict[str, Any]:
    blocks = []
    top = layout.HEADER_HEIGHT
    for block in page.blocks:
        height = slot_height(block)
        caption = block.caption
        image = None
        if isinstance(block, layout.PhotoBlock):
            prepared = photos[block.index]
            width, shown_height = fit(
                prepared.width, prepared.height, layout.IMAGE_BOX_WIDTH, height
            )
            image = ShownImage(placeholders[block.index].as_uri(), width, shown_height)
            if not caption.orientation:  # not given: as the picture is
                caption = replace(caption, orientation=orientation_name(prepared))
        blocks.append(ShownBlock(top, height, caption, block.description, block.remark, image))
        top += height + layout.SLOT_GAP
    return {"number": page.number, "blocks": blocks}


def put_photos(laid_out: Path, photos: dict[int, Prepared]) -> RenderedReport:
    """The PDF with each placeholder's image data replaced by its photo's JPEG, and a
    text layer that reads as written."""
    writer = PdfWriter(clone_from=str(laid_out))
    placed = set()
    for page in writer.pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        xobjects = resources.get("/XObject")
        if xobjects is None:
            continue
        for reference in cast(DictionaryObject, xobjects.get_object()).values():
            image = cast(StreamObject, reference.get_object())
            if image.get("/Subtype") != "/Image" or image.get("/Height") != PLACEHOLDER_HEIGHT:
                continue
            index = cast(int, image["/Width"]) - PLACEHOLDER_BASE
            photo = photos[index]
            # The base class's set_data: the stream's bytes as they are (JPEG, DCTDecode);
            # the encoded-stream subclass would refuse a filter it cannot encode.
            StreamObject.set_data(image, photo.path.read_bytes())
            image.decoded_self = None
            image[NameObject("/Width")] = NumberObject(photo.width)
            image[NameObject("/Height")] = NumberObject(photo.height)
            image[NameObject("/ColorSpace")] = NameObject("/DeviceRGB")
            image[NameObject("/BitsPerComponent")] = NumberObject(8)
            image[NameObject("/Filter")] = NameObject("/DCTDecode")
            for key in ("/DecodeParms", "/SMask", "/Decode"):
                image.pop(NameObject(key), None)
            placed.add(index)
    if placed != set(photos):
        missing = sorted(set(photos) - placed)
        raise RenderError(f"photos {missing} were not found in the laid-out PDF")
    read_as_written(writer)
    out = io.BytesIO()
    writer.write(out)
    return RenderedReport(out.getvalue(), len(writer.pages))


def render_photo_report(
    header: ReportHeader, photos: Sequence[ReportPhotoSource], work_dir: Path
) -> RenderedReport:
    """The PDF of the photo report; `work_dir` is an empty folder of the caller's."""
    started = time.perf_counter()
    pages = layout.plan([photo.caption for photo in photos])
    boxes: dict[int, tuple[int, int]] = {}
    for page in pages:
        for block in page.blocks:
            if isinstance(block, layout.PhotoBlock):
                boxes[block.index] = (layout.IMAGE_BOX_WIDTH, slot_height(block))

    def prepare_one(index: int) -> Prepared:
        return prepare(photos[index].load(), work_dir / f"photo-{index:04d}.jpg", boxes[index])

    with ThreadPoolExecutor(FETCH_WORKERS, thread_name_prefix="report-photo") as pool:
        futures = {index: pool.submit(prepare_one, index) for index in boxes}
        try:
            prepared = {index: future.result() for index, future in futures.items()}
        except BaseException:
            for future in futures.values():  # the first failure ends the render
                future.cancel()
            raise

    photos_done = time.perf_counter()
    release_freed_memory()  # before wkhtmltopdf runs beside this process
    placeholders = {index: write_placeholder(index, work_dir) for index in prepared}
    template = templates.get_template("photo_report.html")
    html = template.render(
        pages=[shown_page(page, prepared, placeholders) for page in pages],
        g=layout,
        empty=layout.EMPTY,
        total_pages=len(pages),
        **header.__dict__,
    ).encode()  # wkhtmltopdf's limit counts its bytes
    source = work_dir / "report.html"
    source.write_bytes(html)
    laid_out = work_dir / "laid-out.pdf"
    timeout = wkhtmltopdf_seconds(len(html), pages=len(pages))
    run_wkhtmltopdf(source, laid_out, allow=work_dir, timeout=timeout)
    laid_out_done = time.perf_counter()
    report = put_photos(laid_out, prepared)
    log.info(
        "photo report: %d photos, %d pages, %d bytes; photos %.2f s, wkhtmltopdf %.2f s, "
        "putting photos in %.2f s",
        len(photos),
        report.pages,
        len(report.pdf),
        photos_done - started,
        laid_out_done - photos_done,
        time.perf_counter() - laid_out_done,
    )
    if report.pages != len(pages):
        # The page numbers printed would be wrong: a layout estimate fell short.
        raise RenderError(f"layout planned {len(pages)} pages, wkhtmltopdf made {report.pages}")
    return report


def temporary_folder() -> tempfile.TemporaryDirectory[str]:
    """A folder of one render's own: concurrent renders never share files."""
    return tempfile.TemporaryDirectory(prefix="jes-photo-report-")


def render_document(template: str, work_dir: Path, **values: Any) -> RenderedReport:
    """A PDF of text only (a form) from one of templates/, its text layer reading as
    written; `work_dir` is an empty folder of the caller's."""
    source = work_dir / "document.html"
    html = templates.get_template(template).render(**values).encode()
    source.write_bytes(html)
    laid_out = work_dir / "laid-out.pdf"
    run_wkhtmltopdf(source, laid_out, allow=work_dir, timeout=wkhtmltopdf_seconds(len(html)))
    writer = PdfWriter(clone_from=str(laid_out))
    read_as_written(writer)
    out = io.BytesIO()
    writer.write(out)
    return RenderedReport(out.getvalue(), len(writer.pages))
