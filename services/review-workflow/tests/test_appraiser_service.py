"""AppraiserService over gRPC, on review-workflow built by its own build(): the roster,
assignment by rotation with skips and exceptions, replacement, the hash-chained log, the
fairness report, court closures, fees, and auction outcomes from a court's system."""

from __future__ import annotations

import json

import grpc
import pytest
from sqlalchemy import select, update

from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2_grpc as pb_grpc
from jes_grpckit import Client
from jes_review_workflow.models import Appraiser, RotationLogRow
from support import callers

from .conftest import ReviewService

RE = pb.APPRAISER_CATEGORY_REAL_ESTATE
CASE = "115年度司執字第123號"


def person(service: ReviewService, role: str, court: str = "KLD") -> Client:
    token = service.issuer.issue(f"{court}-{role}", roles=[role], court_code=court)
    return callers.client(service.pki, service.addr, pb_grpc.AppraiserServiceStub, token=token)


def refused(call, *args, **kwargs) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def kld(service: ReviewService) -> dict[str, object]:
    chief = person(service, "records-chief")
    ids = [
        chief.stub.EnrolAppraiser(
            pb.EnrolAppraiserRequest(
                court_code="KLD", category=RE, name=name, qualification="舊名冊"
            )
        ).id
        for name in ("甲估價師事務所", "乙估價師事務所", "丙估價師事務所")
    ]
    return {"ids": ids, "chief": chief}


def test_rotation_with_a_suspension_a_skip_an_exception_and_a_replacement(
    service: ReviewService, kld: dict
):
    a, b, c = kld["ids"]
    chief: Client = kld["chief"]
    clerk = person(service, "clerk")
    officer = person(service, "judicial-officer")

    chief.stub.ChangeAppraiserStanding(
        pb.ChangeAppraiserStandingRequest(
            appraiser_id=a,
            standing=pb.APPRAISER_STANDING_SUSPENDED,
            until="2099-01-01",
            reason="未參加研習",
        )
    )
    first = clerk.stub.AssignAppraiser(
        pb.AssignAppraiserRequest(court_code="KLD", category=RE, case_number=CASE, division="甲")
    )
    assert first.appraiser_id == b and [s.appraiser_id for s in first.skips] == [a]
    second = clerk.stub.AssignAppraiser(
        pb.AssignAppraiserRequest(
            court_code="KLD",
            category=RE,
            case_number="115年度司執字第124號",
            ineligible=[pb.IneligibleAppraiser(appraiser_id=c, reason="曾受債務人委任")],
        )
    )
    # c found ineligible and a suspended: b again, both kept their places
    assert second.appraiser_id == b
    assert {s.appraiser_id: s.reason for s in second.skips}[c] == "曾受債務人委任"
    roster = clerk.stub.ListRoster(pb.ListRosterRequest(court_code="KLD", category=RE)).entries
    assert [e.id for e in roster] == [a, c, b]

    # off the rotation: a clerk alone may not; the officer may, with a ground
    no_approval = refused(
        clerk.stub.AssignOffRotation,
        pb.AssignOffRotationRequest(
            court_code="KLD",
            category=RE,
            case_number=CASE,
            appraiser_id=c,
            ground="party_request",
            reason="債權人聲請",
        ),
    )
    assert no_approval.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "司法事務官" in no_approval.details()
    no_ground = refused(
        officer.stub.AssignOffRotation,
        pb.AssignOffRotationRequest(
            court_code="KLD", category=RE, case_number=CASE, appraiser_id=c, reason="x"
        ),
    )
    assert no_ground.code() == grpc.StatusCode.INVALID_ARGUMENT
    exception = officer.stub.AssignOffRotation(
        pb.AssignOffRotationRequest(
            court_code="KLD",
            category=RE,
            case_number=CASE,
            appraiser_id=c,
            ground="party_request",
            reason="債權人聲請指定",
        )
    )
    assert exception.off_rotation and exception.approved_by == "KLD-judicial-officer"
    assert exception.ground_label == "債權人或債務人聲請指定特定鑑定人"

    replaced = officer.stub.ReplaceAppraiser(
        pb.ReplaceAppraiserRequest(
            assignment_id=first.id, reason="逾期未送鑑定書", fee_received=3960
        )
    )
    assert replaced.replaced and replaced.refund_owed == 3960
    again = refused(
        officer.stub.ReplaceAppraiser,
        pb.ReplaceAppraiserRequest(assignment_id=first.id, reason="再撤換", fee_received=0),
    )
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION

    log = clerk.stub.ListRotationLog(pb.ListRotationLogRequest(court_code="KLD"))
    assert log.chain_intact and log.checked == 7
    assert [e.kind for e in log.entries] == [
        pb.ROTATION_LOG_KIND_SKIPPED,
        pb.ROTATION_LOG_KIND_ASSIGNED,
        pb.ROTATION_LOG_KIND_SKIPPED,
        pb.ROTATION_LOG_KIND_SKIPPED,
        pb.ROTATION_LOG_KIND_ASSIGNED,
        pb.ROTATION_LOG_KIND_EXCEPTION,
        pb.ROTATION_LOG_KIND_REPLACED,
    ]
    assert json.loads(log.entries[5].content_json)["approved_by"] == "KLD-judicial-officer"

    report = officer.stub.GetFairnessReport(
        pb.GetFairnessReportRequest(court_code="KLD", start="2000-01-01", end="2099-12-31")
    )
    rows = {r.appraiser_id: r for r in report.rows}
    assert (rows[a].assigned, rows[a].skipped) == (0, 2)
    assert (rows[b].assigned, rows[b].replaced) == (2, 1)
    assert (rows[c].skipped, rows[c].exceptions) == (1, 1)
    assert report.chain_intact

    # one event per change, in the same transactions
    assigned = [e.assignment for _, e in service.events(pb.AppraiserAssigned)]
    assert [(x.appraiser_id, x.off_rotation) for x in assigned] == [
        (b, False),
        (b, False),
        (c, True),
    ]
    [(_, replaced_event)] = service.events(pb.AppraiserReplaced)
    assert replaced_event.assignment.refund_owed == 3960
    assert len(service.events(pb.RotationLogged)) == 7
    assert len(service.events(pb.RosterChanged)) == 4  # three enrolled, one suspended

    # tampering with a stored entry is detected where it happened
    with service.kit.db.transaction() as session:
        session.execute(
            update(RotationLogRow)
            .where(RotationLogRow.sequence == 2)
            .values(content=log.entries[1].content_json.replace(b, c))
        )
    tampered = clerk.stub.ListRotationLog(pb.ListRotationLogRequest(court_code="KLD"))
    assert not tampered.chain_intact and tampered.broken_at == 2


def test_a_disqualified_appraiser_is_refused_and_nothing_changes(service: ReviewService, kld: dict):
    a, _, _ = kld["ids"]
    chief_judge = person(service, "chief-judge")
    officer = person(service, "judicial-officer")
    # the records chief may not record a disqualification
    not_chair = refused(
        kld["chief"].stub.ChangeAppraiserStanding,
        pb.ChangeAppraiserStandingRequest(
            appraiser_id=a,
            standing=pb.APPRAISER_STANDING_DISQUALIFIED,
            until="2029-12-01",
            reason="議決不適任",
        ),
    )
    assert not_chair.code() == grpc.StatusCode.PERMISSION_DENIED
    chief_judge.stub.ChangeAppraiserStanding(
        pb.ChangeAppraiserStandingRequest(
            appraiser_id=a,
            standing=pb.APPRAISER_STANDING_DISQUALIFIED,
            until="2029-12-01",
            reason="議決不適任",
        )
    )
    error = refused(
        officer.stub.AssignOffRotation,
        pb.AssignOffRotationRequest(
            court_code="KLD",
            category=RE,
            case_number=CASE,
            appraiser_id=a,
            ground="same_matter",
            reason="同一事件",
        ),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "不適任" in error.details()
    assert officer.stub.ListRotationLog(pb.ListRotationLogRequest(court_code="KLD")).entries == []


def test_another_courts_staff_see_nothing_of_keelungs_roster(service: ReviewService, kld: dict):
    taipei = person(service, "clerk", court="TPD")
    error = refused(taipei.stub.ListRoster, pb.ListRosterRequest(court_code="KLD", category=RE))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    own = taipei.stub.ListRoster(pb.ListRosterRequest(category=RE))
    assert own.entries == []


def test_fees_and_deadlines_with_a_typhoon_closure(service: ReviewService, kld: dict):
    clerk = person(service, "clerk")
    fee = clerk.stub.CalculateAppraisalFee(
        pb.CalculateAppraisalFeeRequest(
            court_code="KLD",
            items=[pb.FeeItem(kind=pb.FEE_ITEM_KIND_BUILDING_WITH_LAND, count=2)],
            registry_parcels=2,
            travel_group="shuangxi_gongliao",
            charged=5401,
        )
    )
    assert fee.maximum == 3360 + 360 + 1680 and fee.above_by == 1 and not fee.acceptable
    assert fee.problem == "鑑定費用超過收費標準，須先經承辦司法事務官核可"

    request = pb.ComputeAppraisalDeadlineRequest(
        court_code="KLD", kind=pb.DEADLINE_KIND_PAYMENT, start="2024-10-26"
    )
    assert clerk.stub.ComputeAppraisalDeadline(request).last_day == "2024-10-31"
    kld["chief"].stub.RecordCourtClosure(
        pb.RecordCourtClosureRequest(court_code="KLD", day="2024-10-31", reason="康芮颱風停止上班")
    )
    assert clerk.stub.ComputeAppraisalDeadline(request).last_day == "2024-11-01"
    [(_, closure)] = service.events(pb.CourtClosureRecorded)
    assert closure.closure.day == "2024-10-31"
    again = refused(
        kld["chief"].stub.RecordCourtClosure,
        pb.RecordCourtClosureRequest(court_code="KLD", day="2024-10-31", reason="重複"),
    )
    assert again.code() == grpc.StatusCode.ALREADY_EXISTS
    bad = refused(
        clerk.stub.ComputeAppraisalDeadline,
        pb.ComputeAppraisalDeadlineRequest(
            court_code="KLD", kind=pb.DEADLINE_KIND_PAYMENT, start="115/10/26"
        ),
    )
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_auction_outcomes_from_the_courts_system_raise_a_flag(service: ReviewService, kld: dict):
    a = kld["ids"][0]
    system = callers.client(
        service.pki, service.addr, pb_grpc.AppraiserServiceStub, court_system_of="KLD"
    )
    for n, held_on in enumerate(("2026-09-01", "2026-10-01")):
        outcome = pb.RecordAuctionOutcomeRequest(
            court_code="KLD",
            outcome_id=f"KLD-A-{n}",
            case_number=CASE,
            appraiser_id=a,
            held_on=held_on,
            reserve_percent=64,
            result=pb.AUCTION_RESULT_UNSOLD,
        )
        assert system.stub.RecordAuctionOutcome(outcome).recorded
    assert not system.stub.RecordAuctionOutcome(outcome).recorded  # a retry, once
    assert len(service.events(pb.AuctionOutcomeRecorded)) == 2
    # another court's system may not report for Keelung
    taipei = callers.client(
        service.pki, service.addr, pb_grpc.AppraiserServiceStub, court_system_of="TPD"
    )
    assert (
        refused(taipei.stub.RecordAuctionOutcome, outcome).code()
        == grpc.StatusCode.PERMISSION_DENIED
    )
    flags = (
        person(service, "committee-member")
        .stub.ListDisqualificationFlags(
            pb.ListDisqualificationFlagsRequest(court_code="KLD", as_of="2026-11-30")
        )
        .flags
    )
    assert [(f.appraiser_id, f.ground) for f in flags] == [(a, 15)]
    with service.kit.db.transaction() as session:
        assert session.scalars(select(Appraiser.id)).all()


@pytest.mark.parametrize("role", ["admin", "clerk", "judicial-officer", "records-chief"])
def test_empty_requests_get_a_clear_error_and_never_an_internal_one(
    service: ReviewService, kld: dict, role: str
):
    caller = person(service, role)
    for method in pb.DESCRIPTOR.services_by_name["AppraiserService"].methods:
        request_class = getattr(pb, method.input_type.name)
        try:
            getattr(caller.stub, method.name)(request_class())
        except grpc.RpcError as error:
            assert error.code() not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), (
                method.name,
                error.details(),
            )
            assert error.details(), method.name


def test_a_newcomer_joins_the_end_of_the_line_after_the_one_just_assigned(
    service: ReviewService, kld: dict
):
    a, b, c = kld["ids"]
    clerk = person(service, "clerk")
    assign = pb.AssignAppraiserRequest(court_code="KLD", category=RE, case_number=CASE)
    assert clerk.stub.AssignAppraiser(assign).appraiser_id == a
    newcomer = (
        kld["chief"]
        .stub.EnrolAppraiser(
            pb.EnrolAppraiserRequest(court_code="KLD", category=RE, name="丁估價師事務所")
        )
        .id
    )
    line = clerk.stub.ListRoster(pb.ListRosterRequest(court_code="KLD", category=RE)).entries
    assert [e.id for e in line] == [b, c, a, newcomer]
    turns = [clerk.stub.AssignAppraiser(assign).appraiser_id for _ in range(4)]
    assert turns == [b, c, a, newcomer]


@pytest.mark.parametrize("case_number", ["", "Y", "115年度司執字第0號", "B\x16"])
def test_a_bad_case_number_is_refused_and_nothing_is_logged(
    service: ReviewService, kld: dict, case_number: str
):
    clerk = person(service, "clerk")
    error = refused(
        clerk.stub.AssignAppraiser,
        pb.AssignAppraiserRequest(court_code="KLD", category=RE, case_number=case_number),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert clerk.stub.ListRotationLog(pb.ListRotationLogRequest(court_code="KLD")).entries == []
