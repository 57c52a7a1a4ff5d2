"""Development mode's demo cases (jes_case_sync.demo, the registry's hook for case-sync):
two cases of 臺北地院 with their progress, followed by the demo account's e-mail, through
case-sync's own rules; seeded once. Identity's answers come from the stand-in of conftest
(the all-in-one tests start the platform with the hook and the real identity)."""

from __future__ import annotations

from datetime import timedelta

import grpc

from jes.case_sync.v1 import case_events_pb2 as events
from jes.case_sync.v1 import case_queries_pb2 as qpb
from jes_case_sync.demo import FOLLOWER_EMAIL, seed_demo_cases
from jes_case_sync.usecases.common import taipei_today


def page(reader, case_id: str) -> qpb.CasePage:
    return reader.call("GetCase", qpb.GetCaseRequest(case_id=case_id))


def my_cases(reader) -> list[qpb.CaseSummary]:
    return list(reader.call("ListMyCases", qpb.ListMyCasesRequest()).cases)


def seed(service) -> list[str]:
    return seed_demo_cases(service.kit, open_account=service.identity.open_account)


def test_the_demo_account_follows_two_cases_with_their_progress_and_next_hearings(service):
    lines = seed(service)
    assert lines == [
        "Demo cases, followed by DEMOPROGRESS: 臺北地院 民事 115年度訴字第3021號,"
        " 家事 115年度家親聲字第418號"
    ]
    [(opened_for, name, _)] = service.identity.opened_for[:1]
    assert (opened_for, name) == (FOLLOWER_EMAIL, "陳小明")
    reader = service.litigant(FOLLOWER_EMAIL)
    listed = {c.formal_number: c for c in my_cases(reader)}
    assert set(listed) == {"115年度訴字第3021號", "115年度家親聲字第418號"}
    civil = page(reader, listed["115年度訴字第3021號"].case_id)
    assert [e.item for e in civil.entries] == [
        "定期言詞辯論",
        "準備程序終結",
        "被告具狀答辯",
        "原告補繳裁判費",
        "命原告補繳裁判費",
        "收案（分案）",
    ]
    today = taipei_today()
    assert civil.entries[0].posted_on == (today - timedelta(days=2)).isoformat()
    hearing = civil.summary.next_hearing
    assert (hearing.place, hearing.kind) == ("第五法庭", "言詞辯論")
    assert hearing.starts_at == f"{(today + timedelta(days=16)).isoformat()}T10:30"
    assert civil.summary.court_name == "臺灣臺北地方法院"
    family = page(reader, listed["115年度家親聲字第418號"].case_id)
    assert [e.item for e in family.entries] == ["定期調解", "函請社工訪視", "收案（分案）"]
    assert family.summary.next_hearing.kind == "調解"


def test_the_entries_after_the_follows_are_announced_to_the_follower(service):
    seed(service)
    approved = [event.email for _, event in service.events(events.FollowApproved)]
    assert approved == [FOLLOWER_EMAIL, FOLLOWER_EMAIL]
    # the entries before the follows had no follower; the two after them have one
    followed = [
        (added.entry.item, [f.email for f in event.followers])
        for _, event, added in service.added()
        if event.followers
    ]
    assert followed == [
        ("定期言詞辯論", [FOLLOWER_EMAIL]),
        ("定期調解", [FOLLOWER_EMAIL]),
    ]


def test_a_second_start_finds_the_cases_and_adds_nothing(service):
    lines = seed(service)
    outbox = len(service.events(events.ProgressEntriesAdded)) + len(
        service.events(events.FollowApproved)
    )
    assert seed(service) == lines
    assert (
        len(service.events(events.ProgressEntriesAdded))
        + len(service.events(events.FollowApproved))
        == outbox
    )
    reader = service.litigant(FOLLOWER_EMAIL)
    assert len(my_cases(reader)) == 2
    assert len(service.identity.opened_for) == 2  # one approval a case, the first start only


class IdentityAway(grpc.RpcError):
    """What the gRPC client raises when identity does not answer."""


def test_identity_away_leaves_the_cases_unfollowed_and_the_next_start_finishes(service):
    def away(email: str, name: str, reason: str):
        raise IdentityAway()

    assert seed_demo_cases(service.kit, open_account=away) == [
        "Demo cases of 臺北地院 without their follower (identity did not answer;"
        " the next start adds it)"
    ]
    assert service.events(events.FollowApproved) == []
    entries_before = len(service.added())
    seed(service)
    assert len(service.events(events.FollowApproved)) == 2
    # the earlier entries were not posted again; the later two came, to the follower
    added = service.added()
    assert len(added) == entries_before + 2
    assert [f.email for _, event, _ in added[-2:] for f in event.followers] == [
        FOLLOWER_EMAIL,
        FOLLOWER_EMAIL,
    ]
    assert len(my_cases(service.litigant(FOLLOWER_EMAIL))) == 2
