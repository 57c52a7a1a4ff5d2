"""The photo report's page plan: what goes on which page, before wkhtmltopdf runs."""

from __future__ import annotations

from jes_report_render.domain import layout
from jes_report_render.domain.layout import Caption, PhotoBlock, TextBlock, plan, wrap


def summary(pages: list[layout.Page]) -> list[list[tuple[str, int]]]:
    """Per page: (kind, photo index) of each block."""
    kinds = []
    for page in pages:
        row = []
        for block in page.blocks:
            if isinstance(block, TextBlock):
                row.append(("text", block.index))
            else:
                row.append(("full" if block.full_page else "half", block.index))
        kinds.append(row)
    return kinds


def test_lines_rejoin_to_the_text():
    for text in ["客廳，面向大門拍攝。" * 9, "hello world " * 20, "x\ny\n\nz", "", "a" * 200]:
        assert "".join(wrap(text, 246)) == text


def test_cjk_lines_hold_fewer_characters_than_the_browser_fits():
    # 246 px of 16 px glyphs: the browser fits 15 per line; the estimate keeps a margin
    # for punctuation that may not start a line.
    lines = wrap("屋" * 100, 246)
    assert all(len(line) <= 13 for line in lines)
    assert len(lines) == 8


def test_latin_words_are_not_split_unless_longer_than_a_line():
    lines = wrap("appraisal report " * 6, 246)
    assert all(line.endswith(" ") for line in lines[:-1])
    long_word = wrap("x" * 100, 246)
    assert len(long_word) > 1 and "".join(long_word) == "x" * 100


def test_hard_line_breaks_count_as_lines():
    assert len(wrap("一\n二\n三", 246)) == 3
    assert len(wrap("一\n\n三", 246)) == 3


def test_two_photos_per_page_and_a_last_page_with_one():
    pages = plan([Caption(n, description="客廳") for n in range(1, 6)])
    assert summary(pages) == [
        [("half", 0), ("half", 1)],
        [("half", 2), ("half", 3)],
        [("half", 4)],
    ]
    assert [p.number for p in pages] == [1, 2, 3]


def test_a_caption_too_long_for_half_a_page_gets_a_whole_page():
    long = "本照片為標的建物右側面，臨接六公尺計畫道路。" * 12  # ~264 characters
    captions = [Caption(1), Caption(2, description=long), Caption(3), Caption(4)]
    pages = plan(captions)
    # photo 1 keeps its page alone: photo 2 needs a page of its own, and the order of
    # the photos is never changed to fill the gap.
    assert summary(pages) == [[("half", 0)], [("full", 1)], [("half", 2), ("half", 3)]]
    block = pages[1].blocks[0]
    assert isinstance(block, PhotoBlock)
    assert block.description == layout.Part(long)


def test_a_caption_too_long_for_a_page_goes_on_on_text_pages():
    description = "".join(f"第{n}句說明，描述建物現況與使用情形。" for n in range(300))
    remark = "備註文字。" * 40
    pages = plan([Caption(1, description=description, remark=remark), Caption(2)])
    kinds = summary(pages)
    assert kinds[0] == [("full", 0)]
    assert all(row == [("text", 0)] for row in kinds[1:-1])
    assert kinds[-1] == [("half", 1)]
    # All of the text is printed, in order, each part marked as continued.
    parts = [(b.description, b.remark) for p in pages[:-1] for b in p.blocks]
    printed_description = "".join(d.text for d, _ in parts if d is not None)
    printed_remark = "".join(r.text for _, r in parts if r is not None)
    assert printed_description == description
    assert printed_remark == remark
    first = pages[0].blocks[0]
    assert first.description.later and not first.description.earlier
    assert first.remark is None  # the remark starts after the description
    last_text = pages[-2].blocks[0]
    assert last_text.remark is not None and not last_text.remark.later


def test_empty_captions_fit_half_a_page():
    pages = plan([Caption(1), Caption(2)])
    assert summary(pages) == [[("half", 0), ("half", 1)]]


def test_a_long_auction_target_is_counted_too():
    target = "臺北市中正區某某段一小段" * 20
    pages = plan([Caption(1, auction_target=target), Caption(2)])
    assert summary(pages)[0] == [("full", 0)]
