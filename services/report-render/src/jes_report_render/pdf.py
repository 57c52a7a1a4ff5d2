"""HTML -> PDF with pdfkit (wkhtmltopdf), A4, CJK fonts embedded.

Debian's wkhtmltopdf is built on an unpatched Qt, so its header/footer options do not
work; page numbers must be added another way (see docs/status.md).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pdfkit
from jinja2 import Environment, PackageLoader, select_autoescape
from pypdf import PdfReader

templates = Environment(
    loader=PackageLoader("jes_report_render", "templates"),
    autoescape=select_autoescape(["html"]),
)

# wkhtmltopdf runs headless without an X server this way.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BASE_OPTIONS = {
    "page-size": "A4",
    "encoding": "UTF-8",
    "margin-top": "12mm",
    "margin-bottom": "14mm",
    "margin-left": "12mm",
    "margin-right": "12mm",
    "enable-local-file-access": None,
    "quiet": None,
    "image-dpi": "150",
    "image-quality": "85",
}


class RenderError(RuntimeError):
    pass


def wkhtmltopdf_path() -> str:
    path = shutil.which("wkhtmltopdf")
    if not path:
        raise RenderError("wkhtmltopdf is not installed (make system-deps)")
    return path


def render_pdf(template: str, context: dict[str, Any], *, work_dir: Path) -> bytes:
    """Render in `work_dir`, where the caller has put the images the HTML refers to."""
    html = templates.get_template(template).render(**context)
    options = dict(BASE_OPTIONS)
    with tempfile.TemporaryDirectory(prefix="out-", dir=work_dir) as work:
        source = Path(work) / "report.html"
        source.write_text(html, encoding="utf-8")
        target = Path(work) / "report.pdf"
        config = pdfkit.configuration(wkhtmltopdf=wkhtmltopdf_path())
        try:
            pdfkit.from_file(str(source), str(target), options=options, configuration=config)
        except (OSError, subprocess.SubprocessError) as exc:
            raise RenderError(f"wkhtmltopdf failed: {exc}") from exc
        return target.read_bytes()


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
