"""Taiwan court case numbers (案號): ROC year, case word (字別) and number.

``107年度司執字第999號`` is year 107, word 司執 (civil execution), number 999. The
systems of the courts show it as ``107.司執.000999`` (number padded to six digits);
judgments and letters use the formal form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "MAX_BATCH",
    "CaseNumber",
    "CaseNumberInvalid",
    "batch_problem",
    "case_word_problem",
    "parse_case_number",
    "read_batch",
    "read_case_number",
]

# CJK unified ideographs (basic, extension A, extensions B-G) and compatibility
# ideographs. Case words are always Han characters; anything else (Latin letters,
# digits, punctuation, kana) is a typing mistake.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_WORD = re.compile(f"[{_CJK}]{{1,6}}")

_MAX_YEAR = 999
_MAX_NUMBER = 9_999_999
# A case's photo reports come in batches (批次) 1, 2, ...; no case needs more than this.
MAX_BATCH = 99

# Both patterns run on NFKC-normalized text (full-width digits and punctuation are
# ASCII by then). The word is non-greedy in the formal form so that 字第 ends it.
_FORMAL = re.compile(rf"(\d{{1,3}})\s*年度?\s*([{_CJK}]{{1,6}}?)\s*字\s*第\s*(\d{{1,7}})\s*號")
# 107.司執.000999, 107-司執-999, 107/司執/999, 107 司執 999, and 100訴.992032 as seed
# 002's web page shows it (digits then Han characters need no separator to be read). A
# separator before the number is required: without one, a formal number missing its 號
# (107年度司執字第999) would pass with the word 年度司執字第.
_SEP = r"(?:\s*[./-]\s*|\s+)"
_SHORT = re.compile(rf"(\d{{1,3}})(?:{_SEP})?([{_CJK}]{{1,6}}){_SEP}(\d{{1,7}})")


def case_word_problem(word: str) -> str | None:
    """Why `word` cannot be a case word (zh-TW), or None when it can.

    The one rule for 字別 everywhere (opening a set, queues, lookups): 1 to 6 Han
    characters, no Latin letters or digits, and not a piece of a formal number: no case
    word starts with 年 or ends with 字, 第 or 號 (年度司執字第, 司執字).
    """
    if not _WORD.fullmatch(word):
        return f"案號字別錯誤：「{word}」，應為 1 至 6 個中文字"
    if word[0] == "年" or word[-1] in "字第號":
        return f"案號字別錯誤：「{word}」，請只填字別本身，例如「司執」，不含年度、字、第、號"
    return None


@dataclass(frozen=True, order=True)
class CaseNumber:
    """A validated case number; ordering is by year, then word, then number."""

    year: int
    word: str
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.year <= _MAX_YEAR:
            raise ValueError(f"案號年度錯誤：{self.year}，應為 1 至 {_MAX_YEAR} 的民國年")
        problem = case_word_problem(self.word)
        if problem:
            raise ValueError(problem)
        if not 1 <= self.number <= _MAX_NUMBER:
            raise ValueError(f"案號號數錯誤：{self.number}，應為 1 至 {_MAX_NUMBER}")

    def dotted(self) -> str:
        """``107.司執.000999``: number zero-padded to at least six digits."""
        return f"{self.year}.{self.word}.{self.number:06d}"

    def formal(self) -> str:
        """``107年度司執字第999號``."""
        return f"{self.year}年度{self.word}字第{self.number}號"

    def __str__(self) -> str:
        return self.dotted()


def parse_case_number(text: str) -> CaseNumber:
    """Parse a case number in any of the forms people and court systems use.

    Accepted: ``107.司執.000999``, ``107司執.000999`` (seed 002), ``107年度司執字第999號``
    (also ``第000999號`` and without ``度``), ``107-司執-999``, ``107 司執 999``; full-width
    digits and surrounding whitespace are fine. Raises ValueError with a zh-TW message otherwise.
    """
    s = unicodedata.normalize("NFKC", text).strip()
    m = _FORMAL.fullmatch(s)
    if m is None:
        m = _SHORT.fullmatch(s)
        # No case word starts with 年 or ends with 字, 第 or 號: such a "word" is a piece
        # of a garbled formal number (107 年度司執字第 999), not something to guess at.
        if m is not None and (m.group(2)[0] == "年" or m.group(2)[-1] in "字第號"):
            m = None
    if m is None:
        raise ValueError(
            f"案號格式錯誤：「{text}」，請輸入如 107年度司執字第999號 或 107.司執.000999"
        )
    year, word, number = m.groups()
    return CaseNumber(int(year), word, int(number))


# -- what people type into the three boxes of a 年/字/號 form ---------------------------------

MISSING = {
    "year": "請輸入年度（民國年，數字），例如 114",
    "word": "請輸入字別",
    "number": "請輸入號（數字），例如 12345",
}
_SPACES = re.compile(r"\s+")
# The pieces of the formal form people leave in a box: 民國114年度 / 年度司執字第 / 第123號.
_YEAR_DRESS = re.compile(r"^(?:民國)?(\d+)(?:年度|年)?$")
_WORD_DRESS = re.compile(r"^(?:\d*年度?)?(.+?)(?:字第|字|第)?$")
_NUMBER_DRESS = re.compile(r"^第?(\d+)號?$")


class CaseNumberInvalid(ValueError):
    """What is wrong, per box of the form ("year", "word", "number"), in zh-TW."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("案號有誤：" + "；".join(fields.values()))
        self.fields = fields


def _folded(text: str) -> str:
    """NFKC (full-width digits and punctuation become ASCII), without any spaces."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def read_case_number(year: str, word: str, number: str) -> CaseNumber:
    """The case number a person typed or pasted into a form's 年度, 字別 and 號 boxes.

    A whole case number in any one box, or spread over them, is taken as it is
    (114年度司執字第12345號, 114.司執.12345, 114 司執 12345, full-width digits); the
    pieces of the formal form left in a box are dropped (114年度, 司執字, 第12345號), so
    司執字 in 字別 is the word 司執. Otherwise every box's problem at once:
    CaseNumberInvalid(fields) with one zh-TW message per box. The word is then checked by
    the one rule, case_word_problem.
    """
    boxes = {"year": year, "word": word, "number": number}
    filled = [text.strip() for text in boxes.values() if text.strip()]
    for whole in (" ".join(filled), *filled):
        try:
            return parse_case_number(whole)
        except ValueError:
            continue
    fields: dict[str, str] = {}
    texts = {name: _folded(text) for name, text in boxes.items()}
    for name, text in texts.items():
        if not text:
            fields[name] = MISSING[name]
    parts: dict[str, int | str] = {}
    if "year" not in fields:
        if (m := _YEAR_DRESS.fullmatch(texts["year"])) is None:
            fields["year"] = (
                f"請輸入年度（民國年）：「{year.strip()}」不是數字，請輸入數字，例如 114"
            )
        elif not 1 <= int(m.group(1)) <= _MAX_YEAR:
            fields["year"] = f"案號年度錯誤：{int(m.group(1))}，應為 1 至 {_MAX_YEAR} 的民國年"
        else:
            parts["year"] = int(m.group(1))
    if "word" not in fields:
        m = _WORD_DRESS.fullmatch(texts["word"])
        bare = m.group(1) if m else texts["word"]
        if (problem := case_word_problem(bare)) is not None:
            fields["word"] = case_word_problem(texts["word"]) or problem
        else:
            parts["word"] = bare
    if "number" not in fields:
        if (m := _NUMBER_DRESS.fullmatch(texts["number"])) is None:
            fields["number"] = f"請輸入號：「{number.strip()}」不是數字，請輸入數字，例如 12345"
        elif not 1 <= int(m.group(1)) <= _MAX_NUMBER:
            fields["number"] = f"案號號數錯誤：{int(m.group(1))}，號數須為 1 至 {_MAX_NUMBER}"
        else:
            parts["number"] = int(m.group(1))
    if fields:
        raise CaseNumberInvalid(fields)
    return CaseNumber(int(parts["year"]), str(parts["word"]), int(parts["number"]))


def batch_problem(batch: int) -> str | None:
    """Why `batch` cannot be a case's batch (zh-TW), or None."""
    if not 1 <= batch <= MAX_BATCH:
        return f"批次須為 1 至 {MAX_BATCH}"
    return None


def read_batch(text: str) -> int:
    """The batch a person typed (empty = 1; 第3批 = 3); ValueError with a message about
    the batch otherwise, however large the number."""
    folded = _folded(text)
    if not folded:
        return 1
    m = re.fullmatch(r"第?(\d+)批?次?", folded)
    batch = int(m.group(1)) if m else 0
    if m is None or batch_problem(batch) is not None:
        raise ValueError(batch_problem(0))
    return batch
