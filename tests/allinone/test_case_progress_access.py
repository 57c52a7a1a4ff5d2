"""Who sees which case, against the real case-sync (issue 11's quality bar: "a litigant
sees only the cases they follow, a prosecutor only theirs, a clerk only their court's; a
tested matrix"), through the API and the pages; every refusal is a 403 or 404 that
carries nothing of the case. The prosecutor's row needs the ministry's single window:
tests/allinone/test_sso.py. Also the clerk's approve-follow page, court-limited and
audited."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text

from jes.case_sync.v1 import cases_pb2
from support import case_journeys as cj
from support import flows
from support.allinone import DEMO_PASSWORD
from support.web import WebClient


@dataclass(frozen=True)
class Case:
    key: cases_pb2.CaseKey
    case_id: str
    item: str  # its one entry's text, unique to it


@dataclass
class Reader:
    name: str
    account_id: str
    password: str
    token: str = ""
    web: WebClient | None = None


def case_with_entry(platform: flows.Platform, court: str, item: str) -> Case:
    key = cj.new_case(court=court)
    pushed = cj.push(platform.court_system(court), key, f"m-{key.number}", item)
    return Case(key, pushed.case_id, item)


def litigant_following(platform: flows.Platform, case: Case, name: str) -> Reader:
    email = flows.unique_email(name)
    follow = cj.approve(platform.court_system(case.key.court_code), case.key, email)
    [mail] = cj.wait_for(platform, email, cj.ACTIVATION)
    token = cj.set_password_link(mail).split("token=", 1)[1]
    reply = platform.api(
        "POST", "/api/v1/password/set", json={"token": token, "new_password": cj.PASSWORD}
    )
    assert reply.status_code in (200, 204), reply.text
    return Reader(name, follow.account_username, cj.PASSWORD)


@pytest.fixture(scope="module")
def world(platform: flows.Platform) -> dict:
    cases = {
        "A": case_with_entry(platform, "TPD", "臺北甲案的準備程序"),
        "B": case_with_entry(platform, "TPD", "臺北乙案的函查"),
        "C": case_with_entry(platform, "KLD", "基隆丙案的調解"),
    }
    readers = {
        "litigant of A": litigant_following(platform, cases["A"], "reader-a"),
        "litigant of B": litigant_following(platform, cases["B"], "reader-b"),
        "Taipei clerk": Reader("Taipei clerk", "TPDCLERK", DEMO_PASSWORD),
        "Keelung clerk": Reader("Keelung clerk", "KLDCLERK", DEMO_PASSWORD),
    }
    for reader in readers.values():
        reader.token = platform.login(reader.account_id, reader.password)
        reader.web = WebClient(platform.base_url)
        assert reader.web.login(reader.account_id, reader.password).status_code == 302
    return {"cases": cases, "readers": readers}


# reader -> the cases they may read (the API); every other case answers 403/404
MAY_READ = {
    "litigant of A": {"A"},
    "litigant of B": {"B"},
    "Taipei clerk": {"A", "B"},
    "Keelung clerk": {"C"},
}
# the case list (the API's and the page's): a litigant's follows; clerks have no list
LISTS = {"litigant of A": {"A"}, "litigant of B": {"B"}}


def leaks(body: str, case: Case) -> bool:
    return cj.dotted(case.key) in body or case.item in body or case.case_id in body


@pytest.mark.parametrize("reader_name", sorted(MAY_READ))
@pytest.mark.parametrize("case_name", ["A", "B", "C"])
def test_the_api_answers_only_for_the_readers_cases(world: dict, platform, reader_name, case_name):
    reader, case = world["readers"][reader_name], world["cases"][case_name]
    reply = platform.api("GET", f"/api/v1/cases/{case.case_id}", reader.token)
    if case_name in MAY_READ[reader_name]:
        assert reply.status_code == 200, reply.text
        page = reply.json()
        assert page["case"]["case_number"] == cj.dotted(case.key)
        assert [e["item"] for e in page["entries"]] == [case.item]
    else:
        assert reply.status_code in (403, 404), reply.text
        assert reply.headers["Content-Type"].startswith("application/problem+json")
        assert not leaks(reply.text, case)


@pytest.mark.parametrize("reader_name", sorted(MAY_READ))
def test_the_api_list_holds_only_the_readers_cases(world: dict, platform, reader_name):
    reader = world["readers"][reader_name]
    reply = platform.api("GET", "/api/v1/cases", reader.token)
    if reader_name in LISTS:
        assert reply.status_code == 200, reply.text
        listed = {c["case_id"] for c in reply.json()["cases"]}
        assert listed == {world["cases"][name].case_id for name in LISTS[reader_name]}
    else:
        assert reply.status_code == 403, reply.text
    for name, case in world["cases"].items():
        if name not in LISTS.get(reader_name, set()):
            assert not leaks(reply.text, case)


@pytest.mark.parametrize("reader_name", sorted(MAY_READ))
@pytest.mark.parametrize("case_name", ["A", "B", "C"])
def test_the_pages_show_only_the_readers_cases(world: dict, reader_name, case_name):
    reader, case = world["readers"][reader_name], world["cases"][case_name]
    assert reader.web is not None
    page = reader.web.get(f"/cases/{case.case_id}")
    if case_name in LISTS.get(reader_name, set()):
        assert page.status_code == 200
        assert cj.dotted(case.key) in page.text and f"登載事項：{case.item}" in page.text
    else:
        # a litigant: not found; a clerk: the litigants' pages are not theirs (403)
        assert page.status_code in (403, 404), page.status_code
        assert not leaks(page.text, case)
    listed = reader.web.get("/cases/")
    if reader_name in LISTS:
        assert (cj.dotted(case.key) in listed.text) == (case_name in LISTS[reader_name])
    else:
        assert listed.status_code == 403 and not leaks(listed.text, case)


def audit_rows(platform: flows.Platform, action: str) -> list[dict]:
    engine = create_engine(f"sqlite:///{platform.pki.parent / 'case-sync.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT actor_account_id, actor_role, court_code, after_json "
                    "FROM audit_log WHERE action = :action"
                ),
                {"action": action},
            ).all()
    finally:
        engine.dispose()
    return [
        {"actor": r[0], "role": r[1], "court": r[2], "after": json.loads(r[3] or "{}")}
        for r in rows
    ]


def follow_form(case: cases_pb2.CaseKey, email: str) -> dict[str, str]:
    return {
        "court_code": case.court_code,
        "category": str(case.category),
        "year": cj.formal(case),  # a pasted formal number, as a clerk copies it
        "word": "",
        "number": "",
        "email": email,
        "role": str(cases_pb2.FOLLOWER_ROLE_ATTORNEY),
        "applicant_name": "林律師",
        "application_id": f"收-{case.number}",
    }


def test_a_clerk_approves_a_follow_on_the_court_page_with_an_audit_entry(
    world: dict, platform: flows.Platform
):
    clerk = world["readers"]["Taipei clerk"].web
    assert clerk is not None
    case = cj.new_case()
    email = flows.unique_email("clerk-page")
    form = clerk.get("/court/follows")
    assert form.status_code == 200 and "臺灣臺北地方法院" in form.text
    done = clerk.post("/court/follows", follow_form(case, email))
    assert done.status_code == 200, done.text[-3000:]
    assert f"已核准 {email} 查詢 {cj.dotted(case)}；已開立帳號 P" in done.text
    assert f'<td data-label="電子郵件">{email}</td>' in done.text
    assert '<td data-label="核准者">TPDCLERK</td>' in done.text
    [mail] = cj.wait_for(platform, email, cj.ACTIVATION)
    assert cj.dotted(case) in mail["subject"] and "訴訟代理人" in mail["body"]
    [row] = [r for r in audit_rows(platform, "follow_approved") if r["after"]["email"] == email]
    assert (row["actor"], row["role"], row["court"]) == ("TPDCLERK", "clerk", "TPD")
    assert row["after"]["application_id"] == f"收-{case.number}"


def test_a_clerk_of_another_court_cannot_approve_or_see_its_followers(
    world: dict, platform: flows.Platform
):
    clerk = world["readers"]["Keelung clerk"].web
    assert clerk is not None
    case = world["cases"]["A"]
    email = flows.unique_email("elsewhere")
    clerk.get("/court/follows")
    refused = clerk.post("/court/follows", follow_form(case.key, email))
    assert refused.status_code == 403, refused.text[-2000:]
    assert not leaks(refused.text, case)
    assert [
        r for r in audit_rows(platform, "follow_approved") if r["after"]["email"] == email
    ] == []
    court = platform.court_system("TPD")
    followers = court.call("ListFollowers", cj.pb.ListFollowersRequest(case=case.key)).followers
    assert email not in {f.email for f in followers}
