"""Pure rules of photo-storage without a server: validation, access, photo order, the
court's decision, vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_auth import Claims
from jes_domain import FailedPrecondition, Forbidden, InvalidArgument, ResourceExhausted
from jes_photo_storage.domain import access, photos, printing, review, validation
from jes_photo_storage.domain.status import APPROVED, DRAFT, SUBMITTED
from jes_photo_storage.domain.vocabulary import (
    ORIENTATION_LABELS,
    PLACEMENT_LABELS,
    PROPERTY_TYPE_LABELS,
    VIEW_LABELS,
    views_to_text,
)
from jes_protos import enum_labels
from jes_zhtw import case_word_problem

# -- case numbers: one rule with jes_zhtw ------------------------------------------------

EDGE_WORDS = [
    "司執字執行處理",
    "七個字的字別別",
    "ABC",
    "司執A",
    "年度司執字第",
    "司執字",
    "司執第",
]


@pytest.mark.parametrize("word", EDGE_WORDS)
def test_case_word_refused_exactly_as_jes_zhtw_refuses(word: str):
    problems = validation.case_number_problems(112, word, 1)
    problem = case_word_problem(word)
    assert problem is not None
    assert problems == {"case_number.word": problem}


@pytest.mark.parametrize("word", ["司執", "訴", "重訴更一", "司執消債更", "ＡＢＣ"])
def test_case_word_accepted_exactly_when_jes_zhtw_accepts(word: str):
    normalized = validation.normalized_word(word)
    problems = validation.case_number_problems(112, word, 1)
    assert ("case_number.word" in problems) == (case_word_problem(normalized) is not None)


def test_full_width_and_spaces_are_folded_before_the_rule():
    assert validation.normalized_word(" 司執　") == "司執"
    assert validation.case_number_problems(112, " 司執 ", 1) == {}


def test_empty_word_asks_for_one():
    assert validation.case_number_problems(112, "  ", 1) == {"case_number.word": "請輸入字別"}


def test_year_up_to_next_roc_year():
    newest = validation.current_roc_year() + 1
    assert validation.case_number_problems(newest, "司執", 1) == {}
    assert set(validation.case_number_problems(newest + 1, "司執", 1)) == {"case_number.year"}


def test_set_key_normalizes_and_defaults():
    key = validation.set_key(" tpd ", " 甲 ", 112, " 司執 ", 7, 0, own_court="KLD")
    assert key == validation.SetKey("TPD", "甲", 112, "司執", 7, 1)
    assert validation.set_key("", "甲", 112, "司執", 7, 2, own_court="KLD").court_code == "KLD"


def test_set_key_names_every_bad_field():
    with pytest.raises(InvalidArgument) as caught:
        validation.set_key("XXX", "", 0, "ABC", 0, 100, own_court="TPD")
    assert caught.value.message == "查詢條件有誤"
    assert set(caught.value.fields) == {
        "court_code",
        "division",
        "case_number.year",
        "case_number.word",
        "case_number.number",
        "batch",
    }


def test_high_administrative_courts_have_no_photo_sets():
    for code in ("TPB", "TCB", "KSB"):
        with pytest.raises(InvalidArgument) as caught:
            validation.set_key(code, "甲", 112, "司執", 7, 1, own_court=code)
        assert caught.value.fields == {"court_code": "找不到此法院"}


def test_public_lookup_uses_the_same_case_rule():
    for word in EDGE_WORDS:
        with pytest.raises(InvalidArgument) as caught:
            validation.public_lookup("TPD", 112, word, 1)
        assert caught.value.fields == {"case_number.word": case_word_problem(word)}
    assert validation.public_lookup("tpd", 112, "司執", 1).court_code == "TPD"


def test_photo_texts_are_stripped_and_limited():
    texts = validation.photo_texts(" 建物 ", " 說明 ", " ", 0)
    assert texts == validation.PhotoTexts("建物", "說明", "")
    with pytest.raises(InvalidArgument) as caught:
        validation.photo_texts("標" * 101, "說" * 301, "備" * 301, -1)
    assert caught.value.fields == {
        "auction_target": "拍賣標的最多 100 個字",
        "description": "說明最多 300 個字",
        "remark": "備註最多 300 個字",
        "sequence": "序號須為正整數",
    }


def test_order_must_name_every_photo_once():
    validation.check_order(["b", "a"], ["a", "b"])
    for wanted in (["a"], ["a", "a"], ["a", "c"]):
        with pytest.raises(InvalidArgument):
            validation.check_order(wanted, ["a", "b"])


# -- access --------------------------------------------------------------------------------


def firm(subject: str = "firm-1", court: str = "TPD") -> Claims:
    return Claims(subject, "user", frozenset({"firm"}), court)


def clerk(court: str = "TPD") -> Claims:
    return Claims("clerk-1", "user", frozenset({"clerk"}), court)


def service(name: str) -> Claims:
    return Claims(name, "service")


@dataclass
class OwnedSet:
    firm_account_id: str = "firm-1"
    court_code: str = "TPD"


def test_only_firms_change_sets():
    assert access.require_firm(firm()) == firm()
    for claims in (clerk(), service("review-workflow"), Claims("a", "user", frozenset({"admin"}))):
        with pytest.raises(Forbidden):
            access.require_firm(claims)


def test_who_reads_which_set():
    the_set = OwnedSet()
    assert access.may_read(firm(), the_set)
    assert not access.may_read(firm("firm-2"), the_set)
    assert not access.may_read(firm(court="KLD"), the_set)  # same firm id, other court
    assert access.may_read(clerk(), the_set)
    assert not access.may_read(clerk("KLD"), the_set)
    # a module on its own reads no set: it reads for the person whose token it forwards
    assert not access.may_read(service("review-workflow"), the_set)
    assert access.may_read(Claims("a", "user", frozenset({"admin"})), the_set)


def test_readers():
    for module in ("review-workflow", "notification"):
        with pytest.raises(Forbidden, match="無權查詢照片"):
            access.require_reader(service(module))
    with pytest.raises(Forbidden, match="無權查詢照片"):
        access.require_reader(Claims("judge-1", "user", frozenset({"judge"}), "TPD"))


def test_decisions_are_applied_for_a_clerk_of_the_sets_court_or_an_admin():
    """Issue 9: review-workflow's own token approved a set. Now the reviewer is a person:
    the clerk (or admin) whose token review-workflow forwards."""
    access.require_reviewer(clerk())
    access.require_reviewer_of(clerk(), "TPD")
    admin = Claims("a", "user", frozenset({"admin"}))
    access.require_reviewer(admin)
    access.require_reviewer_of(admin, "KLD")
    for claims in (service("review-workflow"), service("case-sync"), firm()):
        with pytest.raises(Forbidden):
            access.require_reviewer(claims)
    with pytest.raises(Forbidden):
        access.require_reviewer_of(clerk("KLD"), "TPD")


def test_list_scope():
    assert access.list_scope(firm(), "") == access.ListScope("TPD", "firm-1")
    assert access.list_scope(clerk(), "") == access.ListScope("TPD")
    assert access.list_scope(clerk(), "TPD") == access.ListScope("TPD")
    with pytest.raises(Forbidden):
        access.list_scope(clerk(), "KLD")
    admin = Claims("a", "user", frozenset({"admin"}))
    assert access.list_scope(admin, "") == access.ListScope(None)
    assert access.list_scope(admin, "KLD") == access.ListScope("KLD")


def test_firms_open_sets_of_their_own_court():
    access.require_own_court(firm(), "TPD")
    with pytest.raises(Forbidden):
        access.require_own_court(firm(), "KLD")


# -- photos, printing, decisions ------------------------------------------------------------


@dataclass
class Item:
    name: str
    sequence: int


def sequences(items: list[Item]) -> dict[str, int]:
    return {item.name: item.sequence for item in items}


def test_moving_inserting_and_removing_keep_sequences_without_gaps():
    items = [Item(name, n) for n, name in enumerate("abcd", start=1)]
    photos.move(items, items[3], 1)
    assert sequences(items) == {"d": 1, "a": 2, "b": 3, "c": 4}
    photos.move(items, items[3], 3)
    assert sequences(items) == {"a": 1, "b": 2, "d": 3, "c": 4}
    photos.make_room(items, 2)  # then the new photo takes 2
    assert sequences(items) == {"a": 1, "b": 3, "d": 4, "c": 5}
    removed = items.pop(0)
    photos.close_gap(items, removed)
    assert sequences(items) == {"b": 2, "d": 3, "c": 4}


def test_a_set_holds_at_most_500_photos():
    photos.check_room(499)
    with pytest.raises(ResourceExhausted, match="每組照片最多 500 張"):
        photos.check_room(500)


def test_printing_needs_photos_and_something_new():
    assert printing.printed_state(DRAFT, 1) == SUBMITTED
    with pytest.raises(FailedPrecondition, match="尚未上傳任何照片"):
        printing.printed_state(DRAFT, 0)
    with pytest.raises(FailedPrecondition, match="此版本已列印送出"):
        printing.printed_state(SUBMITTED, 3)
    with pytest.raises(FailedPrecondition, match="已通過法院審核"):
        printing.printed_state(APPROVED, 3)


def test_rejection_reasons_are_joined_per_photo():
    reasons = review.rejection_reasons(
        [
            review.PhotoRejection("p1", " 過暗 ", "dark"),
            review.PhotoRejection("p1", "", "blurry"),
            review.PhotoRejection("p2", "", "dark"),
        ],
        ["p1", "p2"],
        "",
    )
    assert reasons == {"p1": "過暗；blurry", "p2": "dark"}


def test_a_rejection_says_why_about_photos_of_this_set():
    with pytest.raises(InvalidArgument) as caught:
        review.rejection_reasons([], ["p1"], " ")
    assert caught.value.fields == {"rejections": "不通過時請說明理由"}
    assert review.rejection_reasons([], ["p1"], "整體過暗") == {}
    with pytest.raises(InvalidArgument) as caught:
        review.rejection_reasons([review.PhotoRejection("p9", "x", "")], ["p1"], "")
    assert caught.value.fields == {"rejections": "退回理由所指的照片不在此案件"}


def test_a_decision_needs_an_id_and_a_verdict():
    with pytest.raises(InvalidArgument) as caught:
        review.check_decision("", False)
    assert set(caught.value.fields) == {"decision_id", "decision"}


# -- vocabulary: labels come from the contract ------------------------------------------------


def test_labels_are_the_contracts():
    assert VIEW_LABELS["front"] == enum_labels(pb.View)[pb.VIEW_FRONT] == "正面"
    assert PLACEMENT_LABELS == {"indoor": "室內", "outdoor": "室外", "": ""}
    assert ORIENTATION_LABELS == {"landscape": "橫向", "portrait": "直立", "": ""}
    assert PROPERTY_TYPE_LABELS[""] == "未指定" and PROPERTY_TYPE_LABELS["detached"] == "透天厝"


def test_views_are_stored_in_the_rules_order_once_each():
    assert views_to_text(["road", "front", "road", "roof"]) == "front,road"


@dataclass
class Shot:
    id: str
    sha256: str
    sequence: int = 0


def test_a_photo_has_a_twin_when_another_shows_the_same_image():
    shots = [Shot("a", "h1"), Shot("b", "h2"), Shot("c", "h1")]
    assert photos.has_twin(shots[0], shots)
    assert not photos.has_twin(shots[1], shots)


def test_photos_by_sequence():
    shots = [Shot("a", "", 3), Shot("b", "", 1), Shot("c", "", 2)]
    assert [s.id for s in photos.by_sequence(shots)] == ["b", "c", "a"]
