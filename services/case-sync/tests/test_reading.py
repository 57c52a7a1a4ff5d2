"""What readers see, and who may see what (the access matrix): a litigant only the cases
they follow (also through a bound portal account), a prosecutor only the cases naming
them, a clerk only their court's; the case list with the latest three entries, the case
page in keyset pages with last-visit highlights, next hearing and 資料更新至; cut-off
cases disappear."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest

from jes.case_sync.v1 import case_queries_pb2 as qpb
from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import cases_pb2
from jes_case_sync.identity_port import ReaderIdentity
from jes_grpckit import field_violations


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def approve(service, case, email) -> cases_pb2.Follow:
    request = pb.ApproveFollowRequest(case=case, email=email, role=cases_pb2.FOLLOWER_ROLE_PARTY)
    return service.court_system().call("ApproveFollow", request)


def prosecutor(service, subject: str, prosecutor_id: str):
    service.identity.readers[subject] = ReaderIdentity((subject,), prosecutor_id)
    return service.person(subject, "prosecutor")


def page(client, case_id: str = "", **fields) -> qpb.CasePage:
    return client.call("GetCase", qpb.GetCaseRequest(case_id=case_id, **fields))


def my_cases(client, **fields) -> qpb.ListMyCasesResponse:
    return client.call("ListMyCases", qpb.ListMyCasesRequest(**fields))


def set_status(service, case, value, effective_on):
    service.apply(
        pb.CaseChange(case=case, status=pb.StatusChange(status=value, effective_on=effective_on))
    )


@pytest.fixture
def world(service):
    """Two TPD cases (Zhang follows the first, Chen the second), one KLD case followed by
    Zhang too, and a criminal case naming prosecutor P-7."""
    first, second = service.case(), service.case()
    kld = service.case(court_code="KLD")
    criminal = service.case(category=cases_pb2.CASE_CATEGORY_CRIMINAL, word="易")
    ids = {}
    for name, case, court in (
        ("first", first, "TPD"),
        ("second", second, "TPD"),
        ("kld", kld, "KLD"),
    ):
        ids[name] = service.push(case, service.entry("e-1"), service.court_system(court)).case_id
    ids["criminal"] = service.apply(
        pb.CaseChange(case=criminal, details=cases_pb2.CaseDetails(prosecutor_ids=["P-7"]))
    ).case_id
    approve(service, first, "zhang@example.com")
    approve(service, second, "chen@example.com")
    request = pb.ApproveFollowRequest(case=kld, email="zhang@example.com", role=1)
    service.court_system("KLD").call("ApproveFollow", request)
    return ids


# -- the access matrix ----------------------------------------------------------------------


def test_who_may_read_which_case(service, world):
    readers = {
        "zhang": service.litigant("zhang@example.com"),
        "chen": service.litigant("chen@example.com"),
        "prosecutor P-7": prosecutor(service, "pros-7", "P-7"),
        "prosecutor P-8": prosecutor(service, "pros-8", "P-8"),
        "TPD clerk": service.person("tpd-clerk", "clerk", court_code="TPD"),
        "KLD clerk": service.person("kld-clerk", "clerk", court_code="KLD"),
        "member without follows": service.person("m", "member"),
    }
    expected = {
        "zhang": {"first", "kld"},
        "chen": {"second"},
        "prosecutor P-7": {"criminal"},
        "prosecutor P-8": set(),
        "TPD clerk": {"first", "second", "criminal"},
        "KLD clerk": {"kld"},
        "member without follows": set(),
    }
    seen = {}
    for name, client in readers.items():
        readable = set()
        for case_name, case_id in world.items():
            try:
                page(client, case_id)
                readable.add(case_name)
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.NOT_FOUND, (name, case_name)
        seen[name] = readable
    assert seen == expected


def test_a_court_system_reads_its_own_courts_cases_by_number(service, world):
    case = service.case(number=1)
    reply = service.court_system().call("GetCase", qpb.GetCaseRequest(case=case))
    assert reply.summary.case_id == world["first"]
    kld = service.court_system("KLD")
    with pytest.raises(grpc.RpcError) as caught:
        kld.call("GetCase", qpb.GetCaseRequest(case=case))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_a_bound_portal_account_holds_the_progress_accounts_follows(service, world):
    account = service.identity.accounts["zhang@example.com"]
    service.identity.readers["portal-zhang"] = ReaderIdentity(("portal-zhang", account.id), "")
    member = service.person("portal-zhang", "member")
    assert {c.case_id for c in my_cases(member).cases} == {world["first"], world["kld"]}


def test_my_cases_lists_followed_cases_with_the_latest_three_entries(service, world):
    case = service.case(number=1)  # the first case
    for source, posted_on, item in [
        ("a", "2024-03-01", "收狀"),
        ("b", "2024-09-15", "調解"),
        ("c", "2024-01-10", "分案"),
    ]:
        service.push(case, service.entry(source, posted_on=posted_on, item=item))
    zhang = service.litigant("zhang@example.com")
    listed = {c.case_id: c for c in my_cases(zhang).cases}
    assert set(listed) == {world["first"], world["kld"]}
    first = listed[world["first"]]
    assert [e.item for e in first.latest_entries] == ["定期言詞辯論", "調解", "收狀"]
    assert first.dotted_number == "113.訴.000001"
    assert first.formal_number == "113年度訴字第1號"
    assert first.court_name == "臺灣臺北地方法院"
    assert first.follow_id and first.status == cases_pb2.CASE_STATUS_PENDING


def test_the_prosecutor_sees_the_cases_naming_them_without_applying(service, world):
    listed = my_cases(prosecutor(service, "pros-7", "P-7")).cases
    assert [c.case_id for c in listed] == [world["criminal"]]
    assert listed[0].follow_id == ""
    assert my_cases(prosecutor(service, "pros-8", "P-8")).cases == []


def test_my_cases_pages_by_keyset(service):
    for _ in range(5):
        case = service.case()
        service.push(case, service.entry())
        approve(service, case, "many@example.com")
    reader = service.litigant("many@example.com")
    first = my_cases(reader, page_size=2)
    second = my_cases(reader, page_size=2, page_token=first.next_page_token)
    third = my_cases(reader, page_size=2, page_token=second.next_page_token)
    ids = [c.case_id for c in (*first.cases, *second.cases, *third.cases)]
    assert len(ids) == len(set(ids)) == 5 and third.next_page_token == ""


# -- the case page --------------------------------------------------------------------------


def test_the_page_is_every_entry_newest_first_in_keyset_pages(service, world):
    case = service.case(number=1)
    for day in range(1, 8):
        service.push(case, service.entry(f"d{day}", posted_on=f"2026-10-0{day}", item=f"第{day}天"))
    zhang = service.litigant("zhang@example.com")
    first = page(zhang, world["first"], page_size=3)
    assert first.total_entries == 8
    assert [e.item for e in first.entries] == ["第7天", "第6天", "第5天"]
    second = page(zhang, world["first"], page_size=3, page_token=first.next_page_token)
    third = page(zhang, world["first"], page_size=3, page_token=second.next_page_token)
    assert [e.item for e in second.entries] == ["第4天", "第3天", "第2天"]
    assert [e.item for e in third.entries] == ["第1天", "定期言詞辯論"]  # posted 2024-11-20
    assert third.next_page_token == ""
    # every page's summary has the case's latest three, not the page's
    for reply in (first, second, third):
        assert [e.item for e in reply.summary.latest_entries] == ["第7天", "第6天", "第5天"]


def test_a_bad_page_token_is_a_clear_error(service, world):
    zhang = service.litigant("zhang@example.com")
    error = rpc_error(page, zhang, world["first"], page_token="garbage")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(error)) == {"page_token"}


def test_what_is_new_since_the_last_visit_is_highlighted(service, world):
    zhang = service.litigant("zhang@example.com")
    first_visit = page(zhang, world["first"], record_visit=True)
    assert not first_visit.HasField("previous_visit_at")
    assert [e.is_new for e in first_visit.entries] == [False]
    service.push(service.case(number=1), service.entry("new", item="新進度"))
    listed = my_cases(zhang).cases[0]  # the case changed last comes first
    assert listed.new_entries == 1
    # the list marks which of its latest entries are new, as the page does
    assert [(e.item, e.is_new) for e in listed.latest_entries] == [
        ("新進度", True),
        ("定期言詞辯論", False),
    ]
    second_visit = page(zhang, world["first"], record_visit=True)
    assert second_visit.HasField("previous_visit_at")
    assert [(e.item, e.is_new) for e in second_visit.entries] == [
        ("新進度", True),
        ("定期言詞辯論", False),
    ]
    third_visit = page(zhang, world["first"])
    assert [e.is_new for e in third_visit.entries] == [False, False]


def test_the_next_hearing_and_the_data_as_of(service, world):
    case = service.case(number=1)
    service.push(
        case,
        service.entry(
            "h-past", item="開庭", hearing=cases_pb2.Hearing(starts_at="2026-01-05T10:00")
        ),
    )
    service.push(
        case,
        service.entry(
            "h-next",
            item="開庭",
            hearing=cases_pb2.Hearing(starts_at="2099-01-05T10:00", place="第一法庭"),
        ),
    )
    reply = page(service.litigant("zhang@example.com"), world["first"])
    assert reply.summary.next_hearing.starts_at == "2099-01-05T10:00"
    assert reply.summary.next_hearing.place == "第一法庭"
    as_of = reply.data_as_of.ToDatetime(tzinfo=UTC)
    assert (datetime.now(UTC) - as_of).total_seconds() < 60


def test_a_cut_off_case_is_no_longer_shown_to_its_follower(service, world):
    case = service.case(number=1)
    zhang = service.litigant("zhang@example.com")
    set_status(service, case, cases_pb2.CASE_STATUS_APPEALED, "2026-11-01")
    shown = page(zhang, world["first"])
    assert shown.summary.cut_off.cut_off_on == "2027-01-02"
    assert shown.summary.cut_off.warn_on == "2026-12-26"
    set_status(service, case, cases_pb2.CASE_STATUS_ARCHIVED, "2026-08-01")
    assert rpc_error(page, zhang, world["first"]).code() == grpc.StatusCode.NOT_FOUND
    assert world["first"] not in {c.case_id for c in my_cases(zhang).cases}
    # the court still sees it
    clerk = service.person("c", "clerk", court_code="TPD")
    assert page(clerk, world["first"]).summary.case_id == world["first"]


def test_withdrawn_entries_are_not_shown(service, world):
    case = service.case(number=1)
    service.apply(pb.CaseChange(case=case, withdraw=pb.EntryWithdrawal(source_entry_id="e-1")))
    reply = page(service.litigant("zhang@example.com"), world["first"])
    assert (reply.total_entries, list(reply.entries)) == (0, [])


def test_an_admin_may_not_read_cases_and_a_firm_only_through_a_binding(service, world):
    admin = service.person("x-admin", "admin")
    assert rpc_error(page, admin, world["first"]).code() == grpc.StatusCode.PERMISSION_DENIED
    firm = service.person("x-firm", "firm", court_code="TPD")
    assert rpc_error(page, firm, world["first"]).code() == grpc.StatusCode.NOT_FOUND
    account = service.identity.accounts["zhang@example.com"]
    service.identity.readers["x-firm"] = ReaderIdentity(("x-firm", account.id), "")
    assert page(firm, world["first"]).summary.case_id == world["first"]


def test_the_case_pages_statements_are_built_once(service, world):
    """Issue 11 (session 10): building the page's statements and their cache keys on
    every call was a quarter of GetCase's CPU; each is built once, with bind parameters."""
    from sqlalchemy import event

    zhang = service.litigant("zhang@example.com")
    page(zhang, world["first"], record_visit=True)
    sent: list[list[int]] = []

    def listen(conn, clauseelement, multiparams, params, execution_options) -> None:
        sent[-1].append(id(clauseelement))

    engine = service.kit.db.engine
    event.listen(engine, "before_execute", listen)
    try:
        for _ in range(2):
            sent.append([])
            page(zhang, world["first"], record_visit=True)
    finally:
        event.remove(engine, "before_execute", listen)
    assert len(sent[0]) == 4
    assert sent[0] == sent[1]  # the same statement objects, not equal new ones


def test_a_case_page_loads_no_orm_objects(service, world):
    """Issue 11 (session 10): loading the case and its entries as ORM objects was a fifth
    of GetCase's CPU; the page reads them as rows (the ORM sees no statement)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    zhang = service.litigant("zhang@example.com")
    orm: list[str] = []

    def listen(state) -> None:  # type: ignore[no-untyped-def]
        orm.append(str(state.statement)[:40])

    event.listen(Session, "do_orm_execute", listen)
    try:
        reply = page(zhang, world["first"], record_visit=True)
    finally:
        event.remove(Session, "do_orm_execute", listen)
    assert orm == []
    assert reply.summary.case_id == world["first"] and reply.entries


def test_a_litigants_case_page_is_four_statements(service, world):
    """Issue 11: a page was eight statements (the case, the follow, the visit, the
    entries, the counts, the next hearing, 資料更新至, the visit); now the case comes with
    its follow, the visit, both counts and 資料更新至 in one query."""
    from sqlalchemy import event

    zhang = service.litigant("zhang@example.com")
    page(zhang, world["first"], record_visit=True)
    service.push(service.case(number=1), service.entry("new", item="新進度"))
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    engine = service.kit.db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        reply = page(zhang, world["first"], record_visit=True)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    # (SQLite's BEGIN IMMEDIATE aside)
    assert [s for s in seen if s != "BEGIN"] == ["SELECT", "SELECT", "SELECT", "INSERT"]
    # what the one query brings is right
    assert (reply.total_entries, reply.summary.new_entries) == (2, 1)
    assert reply.HasField("previous_visit_at") and reply.HasField("data_as_of")
    assert reply.summary.follow_id
    assert [e.is_new for e in reply.entries] == [True, False]
    # seen again: nothing new since this visit
    assert page(zhang, world["first"]).summary.new_entries == 0
