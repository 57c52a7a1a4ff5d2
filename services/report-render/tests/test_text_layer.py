"""The ToUnicode rewrite on its own: CMaps as Qt writes them and in the other forms a
CMap may take; which characters stand for which ideograph."""

from __future__ import annotations

import pytest

from jes_report_render.domain.ideographs import unified_ideograph
from jes_report_render.text_layer import as_written, parse_to_unicode, to_unicode_cmap

HEAD = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
"""
TAIL = b"""endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""
# as Qt writes it (an array range), and the other two forms
QT = (
    HEAD
    + b"2 beginbfrange\n<0000> <0000> <0000>\n"
    + b"<0001> <0004> [<5730> <2F45> <2EA0> <0031> ]\nendbfrange\n"
    + TAIL
)
OTHER = (
    HEAD
    + b"1 beginbfchar\n<0010> <2FB4>\nendbfchar\n"
    + b"1 beginbfrange\n<0020> <0022> <2F00>\nendbfrange\n"
    + b"1 beginbfchar\n<0030> <D840DCCC>\nendbfchar\n"
    + TAIL
)


@pytest.mark.parametrize(
    ("character", "ideograph"),
    [
        ("\u2f45", "方"),  # Kangxi radical square (NFKC)
        ("\u2ea0", "民"),  # CJK radical civilian (no decomposition: Unicode's equivalent)
        ("\u2ed1", "長"),
        ("\u2fb4", "頁"),
        ("\uf900", "豈"),  # compatibility ideograph
        ("\U0002f800", "丽"),
        ("\u31d0", "一"),  # CJK stroke H
        ("\u2e80", None),  # CJK radical repeat: no equivalent
        ("方", None),
        ("a", None),
        ("\u3280", None),  # circled ideograph one: not a stand-in
    ],
)
def test_the_ideograph_a_character_stands_for(character, ideograph):
    assert unified_ideograph(character) == ideograph


def test_a_cmap_as_qt_writes_it_is_read_and_rewritten():
    mapping, width = parse_to_unicode(QT)
    assert width == 2
    assert mapping == {0: "\0", 1: "地", 2: "\u2f45", 3: "\u2ea0", 4: "1"}
    fixed = as_written(mapping)
    assert fixed == {0: "\0", 1: "地", 2: "方", 3: "民", 4: "1"}
    rewritten = to_unicode_cmap(QT, fixed, width)
    assert rewritten.startswith(HEAD) and rewritten.endswith(TAIL)
    assert parse_to_unicode(rewritten) == (fixed, 2)


def test_bfchar_and_counted_ranges_and_surrogates_are_read():
    mapping, width = parse_to_unicode(OTHER)
    assert mapping == {
        0x10: "\u2fb4",
        0x20: "\u2f00",
        0x21: "\u2f01",
        0x22: "\u2f02",
        0x30: "\U000200cc",
    }
    fixed = as_written(mapping)
    assert fixed == {0x10: "頁", 0x20: "一", 0x21: "丨", 0x22: "丶", 0x30: "\U000200cc"}
    assert parse_to_unicode(to_unicode_cmap(OTHER, fixed, width)) == (fixed, 2)


def test_many_mappings_are_written_in_sections_of_at_most_100():
    mapping = {code: "\u2f45" for code in range(250)}
    rewritten = to_unicode_cmap(QT, as_written(mapping), 2)
    assert rewritten.count(b"beginbfchar") == 3 and b"100 beginbfchar" in rewritten
    assert parse_to_unicode(rewritten)[0] == {code: "方" for code in range(250)}


def test_the_space_glyphs_read_as_the_spaces_the_templates_write():
    # Qt gives a glyph the lowest code point the font draws with it: the space's glyph is
    # the tab's, the ideographic space's is the em space's
    mapping = {0x12: "\t", 0x5B: "\u2003", 0x13: "2", 0x14: "\u2f45"}
    assert as_written(mapping) == {0x12: " ", 0x5B: "\u3000", 0x13: "2", 0x14: "方"}
