"""The courts JES serves, with the Judicial Yuan's three-letter codes.

The district courts are those named in the Judicial Yuan letter that launched the
appraisal photo system (seed ``000_…``), in the letter's order (north to south, then
the outlying islands), followed by the two high courts it was addressed to, then the
three high administrative courts, whose cases seed ``002_…`` (case progress online) serves.
The codes are the Judicial Yuan's (its judgments' ids begin TPBA, TCBA, KSBA for them).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "COURTS",
    "COURT_CODES",
    "PHOTO_SYSTEM_COURTS",
    "Court",
    "UnknownCourt",
    "court_by_code",
    "court_by_name",
    "photo_system_court",
]


@dataclass(frozen=True)
class Court:
    """A court: ``code`` (e.g. ``TPD``), full ``name`` and ``short_name`` for tight UIs."""

    code: str
    name: str
    short_name: str

    @property
    def is_district_court(self) -> bool:
        """District courts' codes end in D, high courts' in H."""
        return self.code.endswith("D")

    @property
    def is_administrative(self) -> bool:
        """The high administrative courts' codes end in B."""
        return self.code.endswith("B")


COURTS: tuple[Court, ...] = (
    Court("TPD", "臺灣臺北地方法院", "臺北地院"),
    Court("SLD", "臺灣士林地方法院", "士林地院"),
    Court("PCD", "臺灣新北地方法院", "新北地院"),
    Court("TYD", "臺灣桃園地方法院", "桃園地院"),
    Court("MLD", "臺灣苗栗地方法院", "苗栗地院"),
    Court("SCD", "臺灣新竹地方法院", "新竹地院"),
    Court("TCD", "臺灣臺中地方法院", "臺中地院"),
    Court("NTD", "臺灣南投地方法院", "南投地院"),
    Court("CHD", "臺灣彰化地方法院", "彰化地院"),
    Court("ULD", "臺灣雲林地方法院", "雲林地院"),
    Court("CYD", "臺灣嘉義地方法院", "嘉義地院"),
    Court("TND", "臺灣臺南地方法院", "臺南地院"),
    Court("KSD", "臺灣高雄地方法院", "高雄地院"),
    Court("CTD", "臺灣橋頭地方法院", "橋頭地院"),
    Court("PTD", "臺灣屏東地方法院", "屏東地院"),
    Court("TTD", "臺灣臺東地方法院", "臺東地院"),
    Court("HLD", "臺灣花蓮地方法院", "花蓮地院"),
    Court("ILD", "臺灣宜蘭地方法院", "宜蘭地院"),
    Court("KLD", "臺灣基隆地方法院", "基隆地院"),
    Court("PHD", "臺灣澎湖地方法院", "澎湖地院"),
    Court("KMD", "福建金門地方法院", "金門地院"),
    Court("LCD", "福建連江地方法院", "連江地院"),
    Court("TPH", "臺灣高等法院", "臺灣高院"),
    Court("KMH", "福建高等法院金門分院", "金門高分院"),
    Court("TPB", "臺北高等行政法院", "北高行"),
    Court("TCB", "臺中高等行政法院", "中高行"),
    Court("KSB", "高雄高等行政法院", "高高行"),
)
"""All courts, district courts first, in the official order, then the high courts and
the high administrative courts."""

COURT_CODES: frozenset[str] = frozenset(c.code for c in COURTS)

PHOTO_SYSTEM_COURTS: tuple[Court, ...] = tuple(c for c in COURTS if not c.is_administrative)
"""The courts of the appraisal photo system (seed 000's letter): the district courts and
the two high courts. The high administrative courts auction nothing, so they have no
property photos, no firm accounts and no appraisers."""

_BY_CODE = {c.code: c for c in COURTS}
_BY_NAME = {n: c for c in COURTS for n in (c.name, c.short_name)}


class UnknownCourt(KeyError):
    """No court has this code or name. A KeyError, with a zh-TW message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        # KeyError.__str__ would show the message in quotes, as a repr.
        return self.message


def court_by_code(code: str) -> Court:
    """The court with this code (case and surrounding whitespace ignored)."""
    try:
        return _BY_CODE[code.strip().upper()]
    except KeyError:
        raise UnknownCourt(f"查無法院代碼：「{code}」") from None


def court_by_name(name: str) -> Court:
    """The court with this full or short name; 台 is accepted for 臺 (常見寫法)."""
    try:
        return _BY_NAME[name.strip().replace("台", "臺")]
    except KeyError:
        raise UnknownCourt(f"查無法院名稱：「{name}」") from None


def photo_system_court(code: str) -> Court:
    """The court with this code if the appraisal photo system serves it."""
    court = court_by_code(code)
    if court.is_administrative:
        raise UnknownCourt(f"{court.name}不受理不動產鑑價照片：「{code}」")
    return court
