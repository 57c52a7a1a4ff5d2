import pytest

from jes_zhtw import (
    COURT_CODES,
    COURTS,
    PHOTO_SYSTEM_COURTS,
    UnknownCourt,
    court_by_code,
    court_by_name,
    photo_system_court,
)

# DESIGN.md §3, in its order.
DESIGN_CODES = (
    "TPD SLD PCD TYD MLD SCD TCD NTD CHD ULD CYD TND KSD CTD PTD TTD HLD ILD KLD PHD "
    "KMD LCD TPH KMH"
).split()


# Seed 002 serves the trial courts' administrative cases too (臺北高等行政法院 was one of
# its three pilot courts); the Judicial Yuan's codes, as in its judgments' ids (TPBA...).
ADMINISTRATIVE_CODES = ["TPB", "TCB", "KSB"]


def test_all_design_courts_in_order() -> None:
    assert [c.code for c in COURTS] == DESIGN_CODES + ADMINISTRATIVE_CODES
    assert frozenset(DESIGN_CODES + ADMINISTRATIVE_CODES) == COURT_CODES
    assert len(COURT_CODES) == len(COURTS)  # no duplicate codes


def test_the_administrative_high_courts() -> None:
    assert court_by_code("TPB").name == "臺北高等行政法院"
    assert court_by_code("TCB").name == "臺中高等行政法院"
    assert court_by_code("KSB").name == "高雄高等行政法院"
    assert court_by_name("北高行").code == "TPB"
    assert [c.code for c in COURTS if c.is_administrative] == ADMINISTRATIVE_CODES
    assert not any(c.is_district_court for c in COURTS if c.is_administrative)


def test_the_photo_system_serves_the_design_courts_only() -> None:
    # The high administrative courts auction nothing: no photos, firms or appraisers.
    assert [c.code for c in PHOTO_SYSTEM_COURTS] == DESIGN_CODES
    assert photo_system_court(" kld ").code == "KLD"
    for code in [*ADMINISTRATIVE_CODES, "XYZ"]:
        with pytest.raises(UnknownCourt):
            photo_system_court(code)


def test_names_are_unique_and_well_formed() -> None:
    assert len({c.name for c in COURTS}) == len(COURTS)
    assert len({c.short_name for c in COURTS}) == len(COURTS)
    for court in COURTS:
        assert court.name.startswith(("臺灣", "福建")) or court.is_administrative, court
        assert court.is_administrative == court.name.endswith("高等行政法院")
        assert court.is_district_court == court.name.endswith("地方法院")
        if court.is_district_court:
            assert court.short_name.endswith("地院")


def test_examples() -> None:
    assert court_by_code("TPD").name == "臺灣臺北地方法院"
    assert court_by_code("TPD").short_name == "臺北地院"
    assert court_by_code("KMD").name == "福建金門地方法院"
    assert court_by_code("LCD").name == "福建連江地方法院"
    assert court_by_code("TPH").name == "臺灣高等法院"
    assert court_by_code("KMH").name == "福建高等法院金門分院"
    assert court_by_code("CTD").name == "臺灣橋頭地方法院"


def test_seed_district_court_list() -> None:
    # The addressees of the seed 000 letter, in its order.
    seed = (
        "臺灣臺北地方法院、臺灣士林地方法院、臺灣新北地方法院、臺灣桃園地方法院、臺灣苗栗地方法院、"
        "臺灣新竹地方法院、臺灣臺中地方法院、臺灣南投地方法院、臺灣彰化地方法院、臺灣雲林地方法院、"
        "臺灣嘉義地方法院、臺灣臺南地方法院、臺灣高雄地方法院、臺灣橋頭地方法院、臺灣屏東地方法院、"
        "臺灣臺東地方法院、臺灣花蓮地方法院、臺灣宜蘭地方法院、臺灣基隆地方法院、臺灣澎湖地方法院、"
        "福建金門地方法院、福建連江地方法院"
    ).split("、")
    assert [c.name for c in COURTS if c.is_district_court] == seed


def test_lookup_by_code_is_lenient_about_case_and_spaces() -> None:
    assert court_by_code(" tpd ") is court_by_code("TPD")


def test_lookup_by_name() -> None:
    assert court_by_name("臺灣臺北地方法院").code == "TPD"
    assert court_by_name("台灣台北地方法院").code == "TPD"
    assert court_by_name("臺北地院").code == "TPD"
    assert court_by_name("福建高等法院金門分院").code == "KMH"


@pytest.mark.parametrize("code", ["", "XYZ", "TP", "TPDX", "臺北"])
def test_unknown_code(code: str) -> None:
    with pytest.raises(UnknownCourt) as info:
        court_by_code(code)
    assert isinstance(info.value, KeyError)  # callers may catch KeyError
    assert str(info.value) == f"查無法院代碼：「{code}」"  # plain message, not a repr


def test_unknown_name() -> None:
    with pytest.raises(UnknownCourt, match="查無法院名稱"):
        court_by_name("臺灣臺北高等法院")
