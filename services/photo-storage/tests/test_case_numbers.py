"""Case words by the one rule of jes_zhtw (issue 8): opening a set and the public lookup
refuse exactly what jes_zhtw refuses, on the field `case_number.word`, and change nothing."""

from __future__ import annotations

import unicodedata

import grpc
import pytest
from sqlalchemy import func, select

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_grpckit import field_violations
from jes_photo_storage.models import PhotoSet
from jes_zhtw import CaseNumber, case_word_problem

EDGE_WORDS = {
    "seven characters": "司執消債更生執",
    "Latin letters": "ABC",
    "Latin letter after Han": "司執A",
    "full-width Latin letters": "ＡＢＣ",
    "a whole formal piece": "年度司執字第",
    "ends with 字": "司執字",
    "ends with 第": "司執第",
    "starts with 年": "年司執",
    "a digit": "司執1",
}


def set_count(service) -> int:
    with service.kit.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(PhotoSet)) or 0)


@pytest.mark.parametrize("word", EDGE_WORDS.values(), ids=EDGE_WORDS.keys())
def test_opening_a_set_refuses_the_word_as_jes_zhtw_does(service, word):
    with pytest.raises(ValueError) as zhtw_refuses:
        CaseNumber(112, unicodedata.normalize("NFKC", word), 1)  # as the service folds it
    before = set_count(service)
    with pytest.raises(grpc.RpcError) as caught:
        service.open_set(case_number=pb.CaseNumber(year=112, word=word, number=1))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(caught.value) == {"case_number.word": str(zhtw_refuses.value)}
    assert set_count(service) == before


@pytest.mark.parametrize("word", EDGE_WORDS.values(), ids=EDGE_WORDS.keys())
def test_the_public_lookup_refuses_the_same_words_with_the_same_message(service, word):
    opened = pb.OpenPhotoSetRequest(
        court_code="TPD", division="甲", case_number=pb.CaseNumber(year=112, word=word, number=1)
    )
    with pytest.raises(grpc.RpcError) as on_open:
        service.client().call("OpenPhotoSet", opened)
    lookup = pb.FindPublicPhotoSetsRequest(court_code="TPD", case_number=opened.case_number)
    with pytest.raises(grpc.RpcError) as on_lookup:
        service.public().call("FindPublicPhotoSets", lookup)
    assert on_lookup.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(on_lookup.value) == field_violations(on_open.value)


def test_the_message_names_the_word_and_the_rule(service):
    with pytest.raises(grpc.RpcError) as caught:
        service.open_set(case_number=pb.CaseNumber(year=112, word="年度司執字第", number=1))
    assert caught.value.details() == "查詢條件有誤"
    message = field_violations(caught.value)["case_number.word"]
    assert message == case_word_problem("年度司執字第")
    assert "字別" in message and "年度司執字第" in message


def test_six_han_characters_go_from_open_to_public_lookup(service):
    case = pb.CaseNumber(year=112, word="司執消債更生", number=77)
    opened = service.open_set(case_number=case)
    assert opened.case_number_text == "112年度司執消債更生字第77號"
    service.upload(opened.id)
    printed = service.print_set(opened.id)
    service.decide(opened.id, printed.fingerprint)
    request = pb.FindPublicPhotoSetsRequest(court_code="TPD", case_number=case)
    [found] = service.public().call("FindPublicPhotoSets", request).photo_sets
    assert found.id == opened.id
    assert found.case_number_text == CaseNumber(112, "司執消債更生", 77).formal()


def test_a_word_typed_with_spaces_names_the_same_set(service):
    case = pb.CaseNumber(year=112, word="司執", number=78)
    opened = service.open_set(case_number=case)
    spaced = pb.CaseNumber(year=112, word=" 司執　", number=78)
    assert service.open_set(case_number=spaced).id == opened.id


# -- the same case under another 股別 (issue 13 finding 2) -------------------------------


def test_a_second_set_of_the_same_case_under_another_division_needs_confirmation(service):
    first = service.open_set(division="甲")
    case = first.case_number
    before = set_count(service)
    with pytest.raises(grpc.RpcError) as caught:
        service.open_set(division="乙", case_number=case)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "甲股" in caught.value.details() and "股別" in caught.value.details()
    assert set_count(service) == before
    # another batch under the same division is not "another 股別"
    service.open_set(division="甲", case_number=case, batch=2)
    confirmed = service.open_set(division="乙", case_number=case, confirm_other_division=True)
    assert confirmed.division == "乙"
    # a query (not a create) still answers plainly, and the set opens again once it exists
    assert service.open_set(division="乙", case_number=case).id == confirmed.id


def test_another_firms_set_of_the_case_is_not_a_reason_to_ask(service):
    first = service.open_set(division="甲")
    other_firm = service.client(service.firm_token("firm-2"))
    opened = service.open_set(client=other_firm, division="乙", case_number=first.case_number)
    assert opened.division == "乙"


def test_the_firms_sets_can_be_listed_by_case_number(service):
    first = service.open_set(division="甲")
    service.open_set(division="乙", case_number=first.case_number, confirm_other_division=True)
    service.open_set()  # another case
    listed = service.client().call(
        "ListPhotoSets", pb.ListPhotoSetsRequest(case_number=first.case_number)
    )
    assert sorted(s.division for s in listed.photo_sets) == ["乙", "甲"]
    assert listed.total == 2
