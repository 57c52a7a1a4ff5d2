"""Issue 11 in all-in-one mode, through gRPC as the callers use it (the pages and the REST
API come with the gateway's part): a court approves a follow, identity opens the
litigant's case-progress account, the activation link sets its password, the litigant
reads the case list and page; a clerk approves for their own court only; a portal
account bound to the case-progress account reads the same cases; a court re-sends its
data with nothing announced twice."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import grpc
import pytest
from sqlalchemy import create_engine, text

from jes.case_sync.v1 import case_events_pb2, case_sync_pb2_grpc, cases_pb2
from jes.case_sync.v1 import case_queries_pb2 as qpb
from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.events.v1.envelope_pb2 import Envelope
from jes.identity.v1 import binding_pb2 as bpb
from jes.identity.v1 import identity_pb2_grpc
from jes_protos import open_envelope
from support import callers, flows, journey
from support.allinone import DEMO_PASSWORD
from support.processes import wait_until

PASSWORD = "Litigant-2026-Case!"


def as_person(platform: flows.Platform, token: str):
    """The gateway calling case-sync for a signed-in person."""
    return callers.client(
        platform.pki,
        platform.addrs["case-sync"],
        case_sync_pb2_grpc.CaseSyncServiceStub,
        caller="gateway",
        token=token,
    )


def identity_as(platform: flows.Platform, module: str):
    return callers.client(
        platform.pki,
        platform.addrs["identity"],
        identity_pb2_grpc.IdentityServiceStub,
        caller=module,
    )


def new_case(number: int, court: str = "TPD") -> cases_pb2.CaseKey:
    return cases_pb2.CaseKey(
        court_code=court, category=cases_pb2.CASE_CATEGORY_CIVIL, year=115, word="訴", number=number
    )


def approve(client, case, email: str) -> cases_pb2.Follow:
    return client.call(
        "ApproveFollow",
        pb.ApproveFollowRequest(
            case=case, email=email, role=cases_pb2.FOLLOWER_ROLE_PARTY, applicant_name="張三"
        ),
    )


SET_PASSWORD_LINK = re.compile(r"/password/set\?token=([A-Za-z0-9_\-]+)")


def activate(platform: flows.Platform, email: str, password: str = PASSWORD) -> None:
    """What the applicant does: opens the activation mail notification sent (it asked
    identity for the link at send time) and sets a password on the page behind it."""

    def activation_mails() -> list[dict]:
        return [m for m in platform.mails_to(email) if "請設定密碼啟用" in m["subject"]]

    wait_until(lambda: bool(activation_mails()), timeout=30, what="the activation mail")
    link = SET_PASSWORD_LINK.search(activation_mails()[-1]["body"])
    assert link, activation_mails()[-1]["body"]
    reply = platform.api(
        "POST", "/api/v1/password/set", json={"token": link.group(1), "new_password": password}
    )
    assert reply.status_code in (200, 204), reply.text


def follow_event(platform: flows.Platform, email: str) -> list[case_events_pb2.FollowApproved]:
    """The FollowApproved events case-sync added for `email` (read from its outbox: the
    mail that carries the link is notification's part)."""
    engine = create_engine(f"sqlite:///{platform.pki.parent / 'case-sync.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT value FROM outbox ORDER BY created_at")).all()
    finally:
        engine.dispose()
    found = []
    for (value,) in rows:
        envelope = Envelope.FromString(value)
        if envelope.type == "jes.case_sync.v1.FollowApproved":
            event = open_envelope(envelope, case_events_pb2.FollowApproved)
            if event.email == email:
                found.append(event)
    return found


def test_an_approved_follow_opens_an_account_that_reads_its_cases(platform: flows.Platform):
    court = platform.court_system()
    email = flows.unique_email("litigant")
    case = new_case(900001)
    court.call(
        "PushProgress",
        pb.PushProgressRequest(
            case=case,
            entry=cases_pb2.ProgressEntry(
                source_entry_id="e-1", posted_on="2026-11-02", item="分案"
            ),
        ),
    )
    follow = approve(court, case, email)
    assert follow.account_opened and follow.account_username.startswith("P")
    [event] = follow_event(platform, email)
    assert event.activation_link_id and event.account_username == follow.account_username
    activate(platform, event.email)
    token = platform.login(follow.account_username, PASSWORD)
    litigant = as_person(platform, token)

    for number, (posted_on, item) in enumerate(
        [("2026-11-10", "調解"), ("2026-11-20", "準備程序"), ("2026-11-25", "言詞辯論")], 2
    ):
        court.call(
            "PushProgress",
            pb.PushProgressRequest(
                case=case,
                entry=cases_pb2.ProgressEntry(
                    source_entry_id=f"e-{number}", posted_on=posted_on, item=item
                ),
            ),
        )
    [summary] = litigant.call("ListMyCases", qpb.ListMyCasesRequest()).cases
    assert summary.dotted_number == "115.訴.900001"
    assert summary.formal_number == "115年度訴字第900001號"
    assert [e.item for e in summary.latest_entries] == ["言詞辯論", "準備程序", "調解"]
    page = litigant.call("GetCase", qpb.GetCaseRequest(case_id=summary.case_id, record_visit=True))
    assert [e.item for e in page.entries] == ["言詞辯論", "準備程序", "調解", "分案"]
    assert page.data_as_of.ToDatetime(tzinfo=UTC) <= datetime.now(UTC)

    # a second approval for the same e-mail only notifies (no new account, no link)
    second = approve(court, new_case(900002), email)
    assert not second.account_opened and second.account_username == follow.account_username
    assert [e.activation_link_id for e in follow_event(platform, email)][1] == ""
    assert len(litigant.call("ListMyCases", qpb.ListMyCasesRequest()).cases) == 2

    # another litigant sees none of it
    other = approve(court, new_case(900003), flows.unique_email("other"))
    [other_event] = follow_event(platform, other.email)
    activate(platform, other_event.email)
    stranger = as_person(platform, platform.login(other.account_username, PASSWORD))
    with pytest.raises(grpc.RpcError) as caught:
        stranger.call("GetCase", qpb.GetCaseRequest(case_id=summary.case_id))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_clerk_approves_for_their_own_court_only(platform: flows.Platform):
    clerk = as_person(platform, platform.login("TPDCLERK", DEMO_PASSWORD))
    follow = approve(clerk, new_case(900010), flows.unique_email("clerk-approved"))
    assert follow.approved_by == "TPDCLERK"
    with pytest.raises(grpc.RpcError) as caught:
        approve(clerk, new_case(900011, court="KLD"), flows.unique_email("elsewhere"))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    followers = clerk.call("ListFollowers", pb.ListFollowersRequest(case=new_case(900010)))
    assert [f.email for f in followers.followers] == [follow.email]


def test_a_bound_portal_account_holds_the_follows(platform: flows.Platform):
    court = platform.court_system()
    email = flows.unique_email("bound")
    case = new_case(900020)
    court.call(
        "PushProgress",
        pb.PushProgressRequest(
            case=case,
            entry=cases_pb2.ProgressEntry(
                source_entry_id="e-1", posted_on="2026-11-02", item="分案"
            ),
        ),
    )
    follow = approve(court, case, email)
    [event] = follow_event(platform, email)
    activate(platform, event.email)
    account_id, password, _ = journey.firm_is_activated(platform, ("TPDCLERK", DEMO_PASSWORD))
    portal_token = platform.login(account_id, password)
    identity = callers.client(
        platform.pki,
        platform.addrs["identity"],
        identity_pb2_grpc.IdentityServiceStub,
        caller="gateway",
        token=portal_token,
    )
    identity.call(
        "BindAccount",
        bpb.BindAccountRequest(account_id=follow.account_username, password=PASSWORD),
    )
    # identity's answer is cached by case-sync for up to half a minute; a fresh login of
    # an account case-sync has not asked about yet sees it at once
    portal = as_person(platform, platform.login(account_id, password))
    cases = portal.call("ListMyCases", qpb.ListMyCasesRequest()).cases
    assert [c.dotted_number for c in cases] == ["115.訴.900020"]


def test_a_court_resent_in_full_announces_nothing_twice(platform: flows.Platform):
    court = platform.court_system()
    case = new_case(900030)
    entry = cases_pb2.ProgressEntry(source_entry_id="e-1", posted_on="2026-11-02", item="分案")
    court.call("PushProgress", pb.PushProgressRequest(case=case, entry=entry))
    start = pb.ReconcileMessage(
        court_code="TPD", start=pb.ReconcileStart(reconciliation_id="all-in-one-1")
    )
    start.start.as_of.FromDatetime(datetime.now(UTC))
    reply = court.stub.ReconcileCourt(
        iter(
            [
                start,
                pb.ReconcileMessage(
                    court_code="TPD", snapshot=pb.CaseSnapshot(case=case, entries=[entry])
                ),
                pb.ReconcileMessage(court_code="TPD", end=pb.ReconcileEnd(case_count=1)),
            ]
        ),
        metadata=court.metadata(),
        timeout=60,
    )
    assert (reply.cases, reply.cases_changed, reply.created) == (1, 0, 0)


def test_development_mode_s_demo_account_follows_the_demo_cases(platform: flows.Platform):
    """`make run`: 陳小明 (DEMOPROGRESS) finds two cases of 臺北地院 with their progress,
    and the mailbox holds the approvals and the notices of the entries after them."""
    token = platform.login("DEMOPROGRESS", DEMO_PASSWORD)
    listed = platform.api("GET", "/api/v1/cases", token).json()["cases"]
    assert sorted(c["case_number_formal"] for c in listed) == [
        "115年度家親聲字第418號",
        "115年度訴字第3021號",
    ]

    def case_mails() -> list[str]:
        mails = platform.mails_to("progress@jes.example")
        return sorted(m["subject"] for m in mails if "案件" in m["subject"])

    wait_until(lambda: len(case_mails()) >= 4, timeout=60, what="the demo cases' mails")
    assert case_mails() == [
        "【司法院】案件進度更新：115.家親聲.000418",
        "【司法院】案件進度更新：115.訴.003021",
        "【司法院】案件進度查詢聲請已核准：115.家親聲.000418",
        "【司法院】案件進度查詢聲請已核准：115.訴.003021",
    ]
