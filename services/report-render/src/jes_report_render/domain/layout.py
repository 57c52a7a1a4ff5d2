"""Page layout of the photo report, planned here rather than left to wkhtmltopdf.

Debian's wkhtmltopdf cannot print headers or footers, so every page is a fixed-height
block of the HTML with its own header and "第 N 頁 / 共 M 頁" footer. That needs the
page count before rendering, so this module decides what goes on each page: two photos
per page, each beside its caption table; a photo whose caption does not fit half a page
gets a whole page; caption text that does not fit even that continues on text pages.

Text height is estimated from character widths (CJK glyphs are exactly 1 em wide in
Noto Sans CJK; Latin ones are narrower), erring on the wide side, so an estimate never
falls short of what the browser needs. The renderer checks the page count it gets.

All lengths are CSS px as wkhtmltopdf lays them out: Debian's build (unpatched Qt)
always shrinks the page so that 1 px = 0.576 pt on paper (a fixed factor, measured;
--zoom and --disable-smart-shrinking are ignored). So 16 px text is 9.2 pt.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

PT_PER_PX = 0.5759
MM_PER_PX = PT_PER_PX * 25.4 / 72

# The printable area of A4 with the margins of pdf.WKHTMLTOPDF_OPTIONS (10 mm top and
# bottom, 12 mm left and right) is 915 x 1363 px; a few px are kept in hand.
PAGE_WIDTH = 910
PAGE_HEIGHT = 1355
HEADER_HEIGHT = 118  # title and two rows of case details, with the gap under them
FOOTER_HEIGHT = 34
FOOTER_GAP = 10  # between the last photo and the footer's rule
BODY_HEIGHT = PAGE_HEIGHT - HEADER_HEIGHT - FOOTER_GAP - FOOTER_HEIGHT  # 1193
SLOT_GAP = 15
HALF_SLOT_HEIGHT = (BODY_HEIGHT - SLOT_GAP) // 2  # 589, two photos per page
FULL_SLOT_HEIGHT = BODY_HEIGHT

IMAGE_BOX_WIDTH = 636  # the photo's box; the caption table takes the rest of the width
CAPTION_GAP = 14
CAPTION_WIDTH = PAGE_WIDTH - IMAGE_BOX_WIDTH - CAPTION_GAP  # 260
LABEL_WIDTH = 92  # label column of the short rows (序號, 室內/室外, ...)

FONT_PX = 16  # caption text; CJK glyphs are this wide
LINE_PX = 22  # its line height (set in the template)
ROW_EXTRA = 9  # cell padding (4 + 4) and one border
CELL_PADDING_X = 14  # left + right padding and borders of a cell

EMPTY = "—"  # shown for an empty caption field, so every table has the same rows


def char_width(ch: str) -> float:
    """Width in em, rounded up: Noto Sans CJK's Latin glyphs are at most this wide."""
    if is_wide(ch):
        return 1.0
    if ch in "MWmw@%&":
        return 0.95
    if ch.isupper() or ch.isdigit():
        return 0.72
    return 0.62


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F", "A")


def _pieces(paragraph: str) -> list[str]:
    """Where the browser may break a line: between CJK characters, after spaces, and
    nowhere inside a Latin word (unless the word is longer than a line)."""
    pieces: list[str] = []
    word = ""
    for ch in paragraph:
        if ch.isspace() or is_wide(ch):
            if word:
                pieces.append(word)
                word = ""
            pieces.append(ch)
        else:
            word += ch
    if word:
        pieces.append(word)
    return pieces


def wrap(text: str, width_px: float) -> list[str]:
    """The lines the text takes in a cell `width_px` wide, by a greedy line breaker like
    the browser's but with a narrower line, so it never needs fewer lines than the
    browser. Each paragraph's newline stays at the end of its last line, so that
    "".join(lines) == text.
    """
    # 10 % in hand: punctuation that may not start a line (，。、」) makes the browser
    # carry a character or two over to the next line.
    limit = width_px * 0.9 / FONT_PX
    lines: list[str] = []
    paragraphs = text.split("\n")
    for number, paragraph in enumerate(paragraphs):
        current, used = "", 0.0
        for piece in _pieces(paragraph):
            width = sum(char_width(ch) for ch in piece)
            if used + width > limit and current:
                lines.append(current)
                current, used = "", 0.0
            while width > limit:  # a word longer than a line is broken anywhere
                cut, cut_width = "", 0.0
                for ch in piece:
                    if cut_width + char_width(ch) > limit and cut:
                        break
                    cut += ch
                    cut_width += char_width(ch)
                lines.append(cut)
                piece = piece[len(cut) :]
                width -= cut_width
            current += piece
            used += width
        if number < len(paragraphs) - 1:
            current += "\n"
        lines.append(current)
    return lines


def text_rows_height(lines: int) -> int:
    return max(lines, 1) * LINE_PX + ROW_EXTRA


@dataclass
class Caption:
    """One photo's caption fields, as printed (already zh-TW)."""

    sequence: int
    placement: str = ""
    orientation: str = ""
    auction_target: str = ""
    description: str = ""
    remark: str = ""


@dataclass(frozen=True)
class Part:
    """The part of a 說明 or 備註 printed on one page."""

    text: str
    earlier: bool = False  # it began on an earlier page
    later: bool = False  # it goes on on the next page


@dataclass
class PhotoBlock:
    """A photo and its caption table.

    `description` / `remark` hold all of their text normally; for a caption too long
    for a page, the first part, and None for a field that starts on a later page.
    """

    index: int  # into the request's photos
    caption: Caption
    description: Part | None
    remark: Part | None
    full_page: bool = False


@dataclass
class TextBlock:
    """The continuation of a long caption, on a page of its own, full width."""

    index: int
    caption: Caption
    description: Part | None  # None: not on this page
    remark: Part | None


@dataclass
class Page:
    number: int
    blocks: list[PhotoBlock | TextBlock] = field(default_factory=list)


LONG_TEXT_WIDTH = CAPTION_WIDTH - CELL_PADDING_X
SHORT_VALUE_WIDTH = CAPTION_WIDTH - LABEL_WIDTH - CELL_PADDING_X
FULL_TEXT_WIDTH = PAGE_WIDTH - CELL_PADDING_X
HEADING_ROW = text_rows_height(1)
TABLE_BORDER = 1


def short_rows_height(caption: Caption) -> int:
    """序號, 室內/室外, 方向 (one line each) and 拍賣標的 (may wrap)."""
    target = wrap(caption.auction_target or EMPTY, SHORT_VALUE_WIDTH)
    return 3 * text_rows_height(1) + text_rows_height(len(target)) + TABLE_BORDER


def long_row_height(text: str, width: float) -> int:
    """A heading row (說明 or 備註) and the text under it."""
    return HEADING_ROW + text_rows_height(len(wrap(text or EMPTY, width)))


class _LongText:
    """The parts of 說明 and 備註 still to be printed, in that order."""

    def __init__(self, caption: Caption):
        self.left: dict[str, str | None] = {
            "description": caption.description,
            "remark": caption.remark,
        }
        self.started: set[str] = set()

    def done(self) -> bool:
        return all(text is None for text in self.left.values())

    def take(self, room: int, width: float) -> dict[str, Part | None]:
        """What fits in `room` px of a table `width` px wide; the rest stays."""
        shown: dict[str, Part | None] = {"description": None, "remark": None}
        for name, text in self.left.items():
            if text is None:
                continue
            lines = wrap(text or EMPTY, width)
            fit = (room - HEADING_ROW - ROW_EXTRA) // LINE_PX
            if fit < 1:
                break
            earlier = name in self.started
            self.started.add(name)
            if fit >= len(lines):
                shown[name], self.left[name] = Part(text, earlier), None
                room -= HEADING_ROW + text_rows_height(len(lines))
                continue
            # Cut at a line the estimate made; the browser re-wraps the part, and
            # since the estimate errs wide, it takes no more lines than that.
            shown[name] = Part("".join(lines[:fit]).removesuffix("\n"), earlier, later=True)
            self.left[name] = "".join(lines[fit:])
            break
        return shown


def plan(captions: list[Caption]) -> list[Page]:
    """Pages of the report, numbered from 1."""
    pages: list[Page] = []
    half_open: Page | None = None  # a page with one half-page photo and room for another

    def new_page() -> Page:
        page = Page(number=len(pages) + 1)
        pages.append(page)
        return page

    for index, caption in enumerate(captions):
        needed = (
            short_rows_height(caption)
            + long_row_height(caption.description, LONG_TEXT_WIDTH)
            + long_row_height(caption.remark, LONG_TEXT_WIDTH)
        )
        if needed <= HALF_SLOT_HEIGHT:
            block = PhotoBlock(index, caption, Part(caption.description), Part(caption.remark))
            if half_open is None:
                half_open = new_page()
                half_open.blocks.append(block)
            else:
                half_open.blocks.append(block)
                half_open = None
            continue
        half_open = None
        if needed <= FULL_SLOT_HEIGHT:
            block = PhotoBlock(
                index, caption, Part(caption.description), Part(caption.remark), full_page=True
            )
            new_page().blocks.append(block)
            continue
        # Longer than a page: what fits beside the photo, the rest on text pages.
        text = _LongText(caption)
        shown = text.take(FULL_SLOT_HEIGHT - short_rows_height(caption), LONG_TEXT_WIDTH)
        new_page().blocks.append(
            PhotoBlock(index, caption, shown["description"], shown["remark"], full_page=True)
        )
        while not text.done():
            shown = text.take(FULL_SLOT_HEIGHT - TABLE_BORDER, FULL_TEXT_WIDTH)
            new_page().blocks.append(
                TextBlock(index, caption, shown["description"], shown["remark"])
            )
    return pages
