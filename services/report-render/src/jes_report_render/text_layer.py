"""A PDF's text layer that reads as the text was written.

A CJK font (Noto Sans CJK) draws the Kangxi radical ⽅ (U+2F45) and the ideograph 方
(U+65B9) with one glyph. Qt, in wkhtmltopdf, writes each font's ToUnicode map (which text
a glyph stands for: what pdftotext, a PDF reader's search and copy-and-paste read) by
taking for every glyph the lowest code point the font maps to it: the radical. So a
report printed 臺灣臺北地方法院 reads 臺灣臺北地⽅法院, and a search for 地方法院 finds
nothing.

`read_as_written` rewrites every font's ToUnicode map so that a glyph mapped to a
radical, stroke or compatibility ideograph is mapped to the unified ideograph it stands
for (domain/ideographs.py). The glyphs, and so the pages, stay as they are.
"""

from __future__ import annotations

import re
from typing import cast

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, StreamObject

from jes_report_render.domain.ideographs import unified_ideograph

# bfchar and bfrange sections of a CMap, and the tokens inside them
_SECTION = re.compile(rb"\d+\s+begin(bfchar|bfrange)\b(.*?)\bend\1", re.S)
_TOKEN = re.compile(rb"<([0-9A-Fa-f\s]*)>|\[|\]")
_PER_SECTION = 100  # a CMap section holds at most 100 entries


class CMapError(ValueError):
    pass


def _text(hex_digits: bytes) -> str:
    return bytes.fromhex(hex_digits.decode()).decode("utf-16-be", "surrogatepass")


def _hex(text: str) -> str:
    return text.encode("utf-16-be", "surrogatepass").hex().upper()


def _plus(text: str, offset: int) -> str:
    """The destination of the offset-th code of a bfrange `<lo> <hi> <dst>`: dst with its
    last UTF-16 unit counted up."""
    units = text.encode("utf-16-be", "surrogatepass")
    last = int.from_bytes(units[-2:], "big") + offset
    return (units[:-2] + last.to_bytes(2, "big")).decode("utf-16-be", "surrogatepass")


def parse_to_unicode(data: bytes) -> tuple[dict[int, str], int]:
    """(code -> text, code width in bytes) of a ToUnicode CMap's bfchar and bfrange
    sections."""
    mapping: dict[int, str] = {}
    width = 0
    for kind, body in _SECTION.findall(data):
        tokens = [
            token.group(1).translate(None, b" \t\r\n") if token.group(1) is not None else token[0]
            for token in _TOKEN.finditer(body)
        ]
        at = 0
        while at < len(tokens):
            if kind == b"bfchar":
                code, text = tokens[at : at + 2]
                width = max(width, len(code) // 2)
                mapping[int(code, 16)] = _text(text)
                at += 2
                continue
            low, high, first = tokens[at : at + 3]
            width = max(width, len(low) // 2)
            start, end = int(low, 16), int(high, 16)
            if first == b"[":
                close = tokens.index(b"]", at + 3)
                texts = [_text(token) for token in tokens[at + 3 : close]]
                if len(texts) != end - start + 1:
                    raise CMapError("bfrange array of the wrong length")
                mapping.update(zip(range(start, end + 1), texts, strict=True))
                at = close + 1
            else:
                base = _text(first)
                mapping.update((code, _plus(base, code - start)) for code in range(start, end + 1))
                at += 3
    return mapping, width


def to_unicode_cmap(original: bytes, mapping: dict[int, str], width: int) -> bytes:
    """`original` with its bfchar/bfrange sections replaced by bfchar sections of
    `mapping` (its header, code space and trailer kept)."""
    sections = list(_SECTION.finditer(original))
    head, tail = original[: sections[0].start()], original[sections[-1].end() :]
    entries = sorted(mapping.items())
    blocks = []
    for at in range(0, len(entries), _PER_SECTION):
        chunk = entries[at : at + _PER_SECTION]
        lines = "".join(f"<{code:0{width * 2}X}> <{_hex(text)}>\n" for code, text in chunk)
        blocks.append(f"{len(chunk)} beginbfchar\n{lines}endbfchar\n".encode())
    return head + b"".join(blocks) + tail.lstrip(b"\n")


# a glyph Qt mapped to the lowest of the code points a font draws with it -> what the
# templates write with that glyph
_SPACES_AS_WRITTEN = {"\t": " ", "\u2003": "\u3000"}


def _as_written(character: str) -> str:
    return _SPACES_AS_WRITTEN.get(character) or unified_ideograph(character) or character


def as_written(mapping: dict[int, str]) -> dict[int, str]:
    return {code: "".join(map(_as_written, text)) for code, text in mapping.items()}


def _fonts(resources: DictionaryObject, seen: set[int]) -> list[DictionaryObject]:
    """The fonts of a resource dictionary and of the form XObjects it uses."""
    found = []
    fonts = resources.get("/Font")
    for reference in cast(DictionaryObject, fonts.get_object()).values() if fonts else ():
        font = cast(DictionaryObject, reference.get_object())
        if id(font) not in seen:
            seen.add(id(font))
            found.append(font)
    xobjects = resources.get("/XObject")
    for reference in cast(DictionaryObject, xobjects.get_object()).values() if xobjects else ():
        xobject = cast(StreamObject, reference.get_object())
        inner = xobject.get("/Resources")
        if xobject.get("/Subtype") == "/Form" and inner is not None and id(xobject) not in seen:
            seen.add(id(xobject))
            found += _fonts(cast(DictionaryObject, inner.get_object()), seen)
    return found


def read_as_written(writer: PdfWriter) -> int:
    """Rewrites the ToUnicode maps of `writer`'s fonts in place; returns how many glyph
    mappings changed."""
    changed = 0
    seen: set[int] = set()
    maps: set[int] = set()
    for page in writer.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        for font in _fonts(cast(DictionaryObject, resources.get_object()), seen):
            reference = font.get("/ToUnicode")
            if reference is None:
                continue
            stream = cast(StreamObject, reference.get_object())
            if id(stream) in maps:
                continue
            maps.add(id(stream))
            data = stream.get_data()
            mapping, width = parse_to_unicode(data)
            fixed = as_written(mapping)
            differences = sum(fixed[code] != text for code, text in mapping.items())
            if differences:
                stream.set_data(to_unicode_cmap(data, fixed, width))
                changed += differences
    return changed
