"""One case-number rule through the gateway's REST API (issue 8): opening a set refuses
the words jes_zhtw refuses (7 characters, Latin letters, a piece of a formal number) with
a 400 naming the word field and creates nothing; the public lookup refuses them with the
same message; a valid set goes open -> upload -> print -> the clerk's review queue ->
approve -> the public lookup finds it under the same case number."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from support import flows
from support.allinone import DEMO_PASSWORD
from support.images import jpeg
from support.processes import wait_until

EDGE_WORDS = {
    "seven characters": "司執消債更生執",
    "Latin letters": "ABC",
    "Latin letter after Han": "司執A",
    "a whole formal piece": "年度司執字第",
    "ends with 字": "司執字",
}


def ok(reply: Any, status: int = 200) -> Any:
    assert reply.status_code == status, f"{reply.status_code}: {reply.text}"
    return reply.json()


def case_number(word: str) -> dict[str, Any]:
    return {"year": 114, "word": word, "number": uuid.uuid4().int % 900000 + 1}


@pytest.fixture(scope="module")
def firm(platform: flows.Platform) -> str:
    return platform.login("DEMOFIRM", DEMO_PASSWORD)


@pytest.fixture(scope="module")
def clerk(platform: flows.Platform) -> str:
    return platform.login("TPDCLERK", DEMO_PASSWORD)


def sets_of(platform: flows.Platform, firm: str) -> int:
    return int(ok(platform.api("GET", "/api/v1/photo-sets?page_size=100", firm))["total"])


@pytest.mark.parametrize("word", EDGE_WORDS.values(), ids=EDGE_WORDS.keys())
def test_opening_a_set_with_a_bad_word_is_a_400_on_the_word_and_creates_nothing(
    platform: flows.Platform, firm: str, word: str
):
    before = sets_of(platform, firm)
    case = case_number(word)
    reply = platform.api(
        "POST", "/api/v1/photo-sets", firm, json={"division": "丙", "case_number": case}
    )
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert body["error"] == "查詢條件有誤"
    assert set(body["fields"]) == {"case_number.word"}
    message = body["fields"]["case_number.word"]
    assert "字別" in message and word in message  # zh-TW, names the field and the word
    assert sets_of(platform, firm) == before

    # The public lookup answers the same word with the same rule and message.
    lookup = platform.api(
        "GET",
        f"/api/v1/public/photo-sets?court_code=TPD&year={case['year']}&word={word}"
        f"&number={case['number']}",
    )
    assert lookup.status_code == 400, lookup.text
    assert lookup.json()["fields"] == {"word": message}


def test_a_valid_set_goes_from_open_to_the_public_lookup(
    platform: flows.Platform, firm: str, clerk: str
):
    case = case_number("司執消債更生")  # six characters: the longest word
    opened = ok(
        platform.api(
            "POST", "/api/v1/photo-sets", firm, json={"division": "丙", "case_number": case}
        )
    )
    assert opened["case_number"] == case
    formal = f"114年度司執消債更生字第{case['number']}號"
    assert opened["case_number_text"] == formal
    ok(
        platform.api(
            "POST",
            f"/api/v1/photo-sets/{opened['id']}/photos",
            firm,
            files={"file": ("front.jpg", jpeg(800, 600))},
            data={"description": "建物正面"},
        ),
        201,
    )
    current = ok(platform.api("GET", f"/api/v1/photo-sets/{opened['id']}", firm))
    printed = ok(
        platform.api(
            "POST",
            f"/api/v1/photo-sets/{opened['id']}/print",
            firm,
            json={"expected_version": current["version"]},
        )
    )
    assert printed["photo_set"]["status"] == "submitted"

    # review-workflow takes the submission (its consumer checks the case number too)
    found: dict[str, Any] = {}

    def queued() -> bool:
        pending = ok(platform.api("GET", "/api/v1/submissions?state=pending", clerk))
        found.update(
            next(
                (s for s in pending["submissions"] if s["fingerprint"] == printed["fingerprint"]),
                {},
            )
        )
        return bool(found)

    wait_until(queued, timeout=60, what="the submission in the clerk's queue")
    assert found["photo_set_id"] == opened["id"]
    assert found["case_number"] == formal
    ok(
        platform.api(
            "POST",
            f"/api/v1/submissions/{found['id']}/decision",
            clerk,
            json={"approve": True},
        )
    )
    approved = ok(platform.api("GET", f"/api/v1/photo-sets/{opened['id']}", firm))
    assert approved["status"] == "approved"

    public = ok(
        platform.api(
            "GET",
            f"/api/v1/public/photo-sets?court_code=TPD&year={case['year']}"
            f"&word={case['word']}&number={case['number']}",
        )
    )
    [public_set] = public["photo_sets"]
    assert public_set["case_number"] == case
    assert public_set["case_number_text"] == formal
    assert [p["description"] for p in public_set["photos"]] == ["建物正面"]
