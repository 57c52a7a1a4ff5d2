"""CaseSyncService through a real gRPC server, called as a court system calls it."""

from __future__ import annotations

import grpc
import pytest

from jes.case_sync.v1 import case_events_pb2 as events
from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import cases_pb2
from jes_case_sync.models import ProgressEntry
from jes_grpckit import field_violations, refusal_reason

PARTY = cases_pb2.FOLLOWER_ROLE_PARTY
# a test of a batch's rules: run on IngestProgress and on IngestProgressChunks
both_ingest_rpcs = pytest.mark.usefixtures("ingest_rpc")


def entry_rows(service) -> list[str]:
    with service.kit.db.transaction() as session:
        return [e.source_entry_id for e in session.query(ProgressEntry)]


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- PushProgress ---------------------------------------------------------------------------


def test_push_creates_the_entry_and_announces_it(service):
    case = service.case(number=999)
    entry = service.entry("src-1", item="定期言詞辯論")
    reply = service.push(case, entry)
    assert reply.created
    assert reply.case_id
    [(envelope, event, added)] = service.added()
    assert envelope.subject == reply.case_id
    assert envelope.source == "case-sync"
    assert event.case_id == reply.case_id
    assert event.case == case
    assert added.entry == entry
    assert added.entry_id
    assert list(event.followers) == []
    assert added.ingested_at.seconds > 0


def test_push_is_idempotent_on_source_entry_id(service):
    case = service.case()
    first = service.push(case, service.entry("src-1"))
    again = service.push(case, service.entry("src-1", item="改過的文字"))
    assert first.created and not again.created
    assert again.case_id == first.case_id
    assert len(service.added()) == 1
    listed = service.court_system().call("ListProgress", pb.ListProgressRequest(case=case))
    assert [e.item for e in listed.entries] == ["定期言詞辯論"]


def test_source_entry_ids_are_per_case(service):
    first = service.push(service.case(), service.entry("src-1"))
    other = service.push(service.case(), service.entry("src-1"))
    assert other.created
    assert other.case_id != first.case_id


def test_entries_of_one_case_share_its_id(service):
    case = service.case()
    first = service.push(case, service.entry("src-1"))
    second = service.push(case, service.entry("src-2"))
    assert second.created and second.case_id == first.case_id


def test_the_same_number_in_another_category_is_another_case(service):
    civil = service.push(
        service.case(number=5, category=cases_pb2.CASE_CATEGORY_CIVIL), service.entry()
    )
    criminal = service.push(
        service.case(number=5, category=cases_pb2.CASE_CATEGORY_CRIMINAL), service.entry()
    )
    assert criminal.created and criminal.case_id != civil.case_id


def test_follower_emails_are_carried_in_the_event(service):
    case = service.case()
    service.follow(case, "Zhang@Example.com")
    service.follow(case, "chen@example.com", role=cases_pb2.FOLLOWER_ROLE_ATTORNEY)
    service.follow(service.case(), "someone.else@example.com")  # another case
    service.push(case, service.entry())
    [(_, event, _)] = service.added()
    assert [f.email for f in event.followers] == ["chen@example.com", "zhang@example.com"]


@pytest.mark.parametrize(
    ("case_overrides", "entry_overrides", "field"),
    [
        ({"court_code": "XXX"}, {}, "case.court_code"),  # XXX's system: no such court
        ({"category": 99}, {}, "case.category"),  # no such category
        ({"category": 0}, {}, "case.category"),
        ({"year": 0}, {}, "case.number"),
        ({"word": "ABC"}, {}, "case.number"),
        ({"word": ""}, {}, "case.number"),
        ({"number": 0}, {}, "case.number"),
        ({}, {"posted_on": ""}, "entry.posted_on"),
        ({}, {"posted_on": "2024/11/20"}, "entry.posted_on"),
        ({}, {"posted_on": "2024-02-30"}, "entry.posted_on"),
        ({}, {"posted_on": "113-11-20"}, "entry.posted_on"),
        ({}, {"posted_on": "20241120"}, "entry.posted_on"),
        ({}, {"posted_on": "2024-W47-3"}, "entry.posted_on"),
        ({}, {"item": "   "}, "entry.item"),
        ({}, {"source_entry_id": " "}, "entry.source_entry_id"),
    ],
)
def test_push_validation_names_the_bad_field(service, case_overrides, entry_overrides, field):
    entry = service.entry(**{"source_entry_id": "src-1", **entry_overrides})
    case = service.case(**case_overrides)
    error = rpc_error(service.push, case, entry, service.court_system(case.court_code))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "進度資料有誤"
    assert set(field_violations(error)) == {field}
    assert service.added() == []


def test_court_codes_are_exact(service):
    """A lower-case code would make a second copy of a TPD case that its followers miss."""
    error = rpc_error(service.push, service.case(court_code="tpd"), service.entry())
    assert set(field_violations(error)) == {"case.court_code"}


PEOPLE = [
    pytest.param(lambda issuer: issuer.issue("f", roles=["firm"], court_code="TPD"), id="firm"),
    pytest.param(lambda issuer: issuer.issue("c", roles=["clerk"], court_code="TPD"), id="clerk"),
    pytest.param(lambda issuer: issuer.issue("a", roles=["admin"]), id="admin"),
]


@pytest.mark.parametrize("token", PEOPLE)
def test_only_court_systems_may_push(service, token):
    client = service.client(token(service.issuer))
    case = service.case()
    for call in (
        lambda: service.push(case, service.entry(), client),
        lambda: client.call("IngestProgress", iter([pb.CaseChange()])),
        lambda: client.call("IngestProgressChunks", iter([pb.CaseChanges()])),
        lambda: client.call(
            "IngestProgressChunks", iter([pb.CaseChanges(changes=[pb.CaseChange(case=case)])])
        ),
        lambda: client.call("ApplyCaseChange", pb.CaseChange()),
    ):
        assert rpc_error(call).code() == grpc.StatusCode.PERMISSION_DENIED
    assert service.added() == []


@pytest.mark.parametrize("token", PEOPLE[::2])
def test_only_court_systems_and_clerks_may_approve_follows(service, token):
    client = service.client(token(service.issuer))
    error = rpc_error(service.follow, service.case(), "a@example.com", client=client)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert service.events(events.FollowApproved) == []


def test_a_token_claiming_the_court_system_role_is_no_court_system(service):
    """A court system is known by its certificate; no token makes one."""
    client = service.client(service.issuer.issue("tpd-system", roles=["court-system"]))
    error = rpc_error(service.push, service.case(), service.entry(), client)
    assert (error.code(), refusal_reason(error)) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "CALLER_NOT_ALLOWED",
    )


def test_push_needs_a_court_systems_certificate(service):
    for module in ("gateway", "identity", "notification"):
        client = service.client(None, caller=module)
        error = rpc_error(service.push, service.case(), service.entry(), client)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert service.added() == []


@both_ingest_rpcs
@pytest.mark.parametrize("court_code", ["KLD", ""])
def test_a_court_system_pushes_and_follows_for_its_own_court_only(service, court_code):
    """TPD's system cannot write another court's cases (nor a case with no court)."""
    case = service.case(court_code=court_code)
    tpd = service.court_system("TPD")
    for call in (
        lambda: service.push(case, service.entry(), tpd),
        lambda: service.follow(case, "a@example.com", client=tpd),
        lambda: service.ingest(
            [
                pb.CaseChange(case=service.case(), post=service.entry("ok")),
                pb.CaseChange(case=case, post=service.entry("other-court")),
            ],
            client=tpd,
        ),
    ):
        error = rpc_error(call)
        assert (error.code(), refusal_reason(error)) == (
            grpc.StatusCode.PERMISSION_DENIED,
            "CALLER_NOT_ALLOWED",
        )
    assert entry_rows(service) == []  # the stream's first, good entry is not kept either


# -- IngestProgress -------------------------------------------------------------------------


@both_ingest_rpcs
def test_ingest_counts_received_and_created(service):
    case = service.case()
    changes = [
        pb.CaseChange(case=case, post=service.entry("src-1")),
        pb.CaseChange(case=case, post=service.entry("src-2")),
        pb.CaseChange(case=case, post=service.entry("src-1")),  # re-sent
        pb.CaseChange(case=service.case(), post=service.entry("src-1")),
    ]
    reply = service.ingest(changes)
    assert (reply.received, reply.created, reply.unchanged) == (4, 3, 1)
    announced = [
        [added.entry.source_entry_id for added in event.entries]
        for _, event in service.events(events.ProgressEntriesAdded)
    ]
    assert announced == [["src-1", "src-2"], ["src-1"]]  # a case's new entries in one event


def test_ingest_of_nothing(service):
    court = service.court_system()
    for reply in (
        court.call("IngestProgress", iter([])),
        court.call("IngestProgressChunks", iter([])),
        court.call("IngestProgressChunks", iter([pb.CaseChanges(), pb.CaseChanges()])),
    ):
        assert (reply.received, reply.created) == (0, 0)


@both_ingest_rpcs
def test_a_stream_with_a_bad_entry_changes_nothing(service):
    """Issue 11: bad input changes nothing; a stream is all or nothing (it used to keep
    the entries before the bad one)."""
    case = service.case()
    changes = [
        pb.CaseChange(case=case, post=service.entry("src-1")),
        pb.CaseChange(case=case, post=service.entry("src-2", item="")),
        pb.CaseChange(case=case, post=service.entry("src-3")),
    ]
    error = rpc_error(service.ingest, changes)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(error)) == {"changes[2].post.item"}
    assert service.added() == []
    assert entry_rows(service) == []


# -- ApproveFollow ----------------------------------------------------------------------------


def test_add_follower_is_idempotent_per_email(service):
    case = service.case()
    first = service.follow(case, "zhang@example.com")
    again = service.follow(
        case, "  ZHANG@example.com ", role=cases_pb2.FOLLOWER_ROLE_LEGAL_REPRESENTATIVE
    )
    other = service.follow(case, "chen@example.com")
    assert first.follow_id and again.follow_id == first.follow_id
    assert other.follow_id != first.follow_id


def test_the_same_email_follows_cases_separately(service):
    first = service.follow(service.case(), "zhang@example.com")
    second = service.follow(service.case(), "zhang@example.com")
    assert second.follow_id != first.follow_id


@pytest.mark.parametrize(
    "role",
    [
        cases_pb2.FOLLOWER_ROLE_PARTY,
        cases_pb2.FOLLOWER_ROLE_LEGAL_REPRESENTATIVE,
        cases_pb2.FOLLOWER_ROLE_ATTORNEY,
        cases_pb2.FOLLOWER_ROLE_DEFENDER,
    ],
)
def test_every_follower_role_is_accepted(service, role):
    assert service.follow(service.case(), "a@example.com", role=role).follow_id


@pytest.mark.parametrize(
    ("email", "role", "case_overrides", "fields"),
    [
        ("not-an-email", PARTY, {}, {"email"}),
        ("", PARTY, {}, {"email"}),
        ("a@example.com", 99, {}, {"role"}),  # no such role
        ("a@example.com", 0, {}, {"role"}),
        ("a@example.com", PARTY, {"category": 99}, {"case.category"}),
        ("bad", 99, {"court_code": "XXX"}, {"email", "role", "case.court_code"}),
    ],
)
def test_add_follower_validation(service, email, role, case_overrides, fields):
    case = service.case(**case_overrides)
    error = rpc_error(service.follow, case, email, role, service.court_system(case.court_code))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "追蹤申請資料有誤"
    assert set(field_violations(error)) == fields


# -- ListProgress ---------------------------------------------------------------------------


def listed(service, case, limit=0, client=None) -> list[str]:
    reply = (client or service.court_system()).call(
        "ListProgress", pb.ListProgressRequest(case=case, limit=limit)
    )
    return [f"{e.posted_on} {e.item}" for e in reply.entries]


def test_list_is_newest_first_and_three_by_default(service):
    case = service.case()
    for source, posted_on, item in [
        ("a", "2024-03-01", "收狀"),
        ("b", "2024-09-15", "調解"),
        ("c", "2024-01-10", "分案"),
        ("d", "2024-11-20", "言詞辯論"),
    ]:
        service.push(case, service.entry(source, posted_on=posted_on, item=item))
    assert listed(service, case) == ["2024-11-20 言詞辯論", "2024-09-15 調解", "2024-03-01 收狀"]
    assert listed(service, case, limit=10)[-1] == "2024-01-10 分案"
    assert listed(service, case, limit=1) == ["2024-11-20 言詞辯論"]


def test_entries_of_one_day_are_listed_latest_ingested_first(service):
    case = service.case()
    service.push(case, service.entry("a", posted_on="2024-11-20", item="先"))
    service.push(case, service.entry("b", posted_on="2024-11-20", item="後"))
    assert listed(service, case) == ["2024-11-20 後", "2024-11-20 先"]


def test_list_of_an_unknown_case_is_not_found(service):
    error = rpc_error(listed, service, service.case())
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_admin_may_list_but_firm_may_not(service):
    case = service.case()
    service.push(case, service.entry())
    admin = service.client(service.issuer.issue("a", roles=["admin"]))
    assert len(listed(service, case, client=admin)) == 1
    firm = service.client(service.issuer.issue("f", roles=["firm"], court_code="TPD"))
    assert rpc_error(listed, service, case, client=firm).code() == (
        grpc.StatusCode.PERMISSION_DENIED
    )
