"""The qualification committee (seed 003, point 4 and 12) on review-workflow built by its
own build(): members (3 to 9, one-year terms, the chief judge chairs), the records chief's
opinion, the chief judge putting it to the members, one vote each (also in writing,
recorded by the chair), the result enrolling the applicant on the roster, and a
disqualification decided with the appraiser's written reply, barring a new application
for three years."""

from __future__ import annotations

import json
from datetime import date, timedelta

import grpc
import pytest

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes.review_workflow.v1 import appraiser_applications_pb2_grpc as pb_grpc
from jes.review_workflow.v1 import appraisers_pb2 as roster_pb
from jes.review_workflow.v1 import appraisers_pb2_grpc as roster_grpc
from jes_grpckit import Client
from jes_review_workflow.appraisal.common import today
from jes_review_workflow.domain.appraisal.committee import Vote, bar_until, result, term_until
from jes_zhtw.roc import format_roc_date
from support import callers

from .applicants import applicant, complete_application, refused, start
from .conftest import ReviewService

FOR, AGAINST = pb.COMMITTEE_VOTE_CHOICE_FOR, pb.COMMITTEE_VOTE_CHOICE_AGAINST


def person(
    service: ReviewService, account_id: str, role: str, stub=pb_grpc.AppraiserCommitteeServiceStub
) -> Client:  # type: ignore[no-untyped-def]
    token = service.issuer.issue(account_id, roles=[role], court_code="KLD", name=account_id)
    return callers.client(service.pki, service.addr, stub, token=token)


class Court:
    """Keelung's chief judge (chair), records chief and committee members."""

    def __init__(self, service: ReviewService, members: int = 2):
        self.service = service
        self.chair = person(service, "KLDJUDGE", "chief-judge")
        self.records = person(service, "KLDCHIEF", "records-chief")
        self.members = [person(service, f"KLDM{n}", "committee-member") for n in range(members)]
        self.chair.stub.AppointCommitteeMember(pb.AppointCommitteeMemberRequest(name="張庭長"))
        for n in range(members):
            self.appoint(f"KLDM{n}")

    def appoint(self, account_id: str, term_from: str = "") -> pb.CommitteeMember:
        return self.chair.stub.AppointCommitteeMember(
            pb.AppointCommitteeMemberRequest(
                account_id=account_id, name=f"委員{account_id}", term_from=term_from
            )
        )

    def vote(
        self, client: Client, matter_id: str, choice: int, written_for: str = ""
    ) -> pb.CommitteeMatter:
        return client.stub.CastCommitteeVote(
            pb.CastCommitteeVoteRequest(matter_id=matter_id, choice=choice, written_for=written_for)
        )

    def put(self, matter_id: str) -> pb.CommitteeMatter:
        return self.chair.stub.PutToCommittee(pb.PutToCommitteeRequest(matter_id=matter_id))

    def decide(self, matter_id: str) -> pb.CommitteeMatter:
        return self.chair.stub.DecideCommitteeMatter(
            pb.DecideCommitteeMatterRequest(matter_id=matter_id)
        )

    def opinion(self, application_id: str, recommend: bool = True) -> pb.CommitteeMatter:
        return self.records.stub.DraftApplicationOpinion(
            pb.DraftApplicationOpinionRequest(
                application_id=application_id,
                recommend=recommend,
                opinion="文件齊備，事務所位於轄區，建議列入名冊",
            )
        )


def roster(service: ReviewService, category: int) -> list[roster_pb.RosterEntry]:
    clerk = person(service, "KLDCLERK", "clerk", roster_grpc.AppraiserServiceStub)
    return list(
        clerk.stub.ListRoster(
            roster_pb.ListRosterRequest(court_code="KLD", category=category)
        ).entries
    )


def test_an_application_goes_through_the_committee_onto_the_roster(service: ReviewService):
    court = Court(service)
    firm = applicant(service, "KLDF101")
    application = complete_application(firm)
    matter = court.opinion(application.id)
    assert matter.state == pb.COMMITTEE_MATTER_STATE_DRAFTED and matter.recommend
    assert matter.subject_name == "基隆鑑定股份有限公司"

    matter = court.put(matter.id)
    assert matter.state == pb.COMMITTEE_MATTER_STATE_VOTING
    assert list(matter.members) == ["KLDJUDGE", "KLDM0", "KLDM1"]  # the chair first
    status = firm.stub.GetAppraiserApplication(
        pb.GetAppraiserApplicationRequest(application_id=application.id)
    )
    assert status.state == pb.APPRAISER_APPLICATION_STATE_VOTING

    court.vote(court.members[0], matter.id, FOR)
    # a second vote by the same member, and a vote by someone not on the committee
    error = refused(court.vote, court.members[0], matter.id, AGAINST)
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error.details() == "每位委員就同一案只能投票一次"
    outsider = person(service, "KLDM9", "committee-member")
    error = refused(court.vote, outsider, matter.id, FOR)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error.details() == "非本案審查小組委員，不得投票"
    # one member but the chair may not record a written vote
    error = refused(court.vote, court.members[0], matter.id, FOR, written_for="KLDM1")
    assert error.details() == "書面投票由審查小組召集人（庭長）登錄"
    # 1 of 3 for: the result is still open
    error = refused(court.decide, matter.id)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "尚有委員未投票，表決結果未定"
    # KLDM1 votes in writing; the chair records it
    matter = court.vote(court.chair, matter.id, FOR, written_for="KLDM1")
    [first, written] = matter.votes
    assert (first.member_account_id, first.written) == ("KLDM0", False)
    assert (written.member_account_id, written.written, written.recorded_by) == (
        "KLDM1",
        True,
        "KLDJUDGE",
    )
    assert (matter.votes_for, matter.votes_against) == (2, 0)

    decided = court.decide(matter.id)
    assert decided.state == pb.COMMITTEE_MATTER_STATE_DECIDED and decided.passed
    status = firm.stub.GetAppraiserApplication(
        pb.GetAppraiserApplicationRequest(application_id=application.id)
    )
    assert status.state == pb.APPRAISER_APPLICATION_STATE_QUALIFIED
    [entry] = roster(service, roster_pb.APPRAISER_CATEGORY_OTHER_PROPERTY)
    assert (entry.id, entry.name, entry.account_id) == (
        status.roster_entry_id,
        "基隆鑑定股份有限公司",
        "KLDF101",
    )
    assert "鑑定人資格審查小組評選合格" in entry.qualification
    # the applicant is told: the event notification mails from
    changes = [e.application.state for _, e in service.events(pb.AppraiserApplicationChanged)]
    assert changes == [
        pb.APPRAISER_APPLICATION_STATE_SUBMITTED,
        pb.APPRAISER_APPLICATION_STATE_QUALIFIED,
    ]
    # every vote is in the audit log
    votes = [r for r in service.audit() if r.action == "appraisal.committee_vote_cast"]
    assert [
        (json.loads(r.after_json)["member"], json.loads(r.after_json)["written"]) for r in votes
    ] == [
        ("KLDM0", False),
        ("KLDM1", True),
    ]


def test_a_majority_against_refuses_and_nobody_is_enrolled(service: ReviewService):
    court = Court(service, members=4)  # five members: three against decide it
    application = complete_application(
        applicant(service, "KLDA102", role="professional"),
        applicant_type="architect",
        name="陳建築師",
    )
    matter = court.put(court.opinion(application.id, recommend=False).id)
    court.vote(court.chair, matter.id, AGAINST)
    court.vote(court.members[0], matter.id, FOR)
    court.vote(court.members[1], matter.id, AGAINST)
    assert refused(court.decide, matter.id).details() == "尚有委員未投票，表決結果未定"
    court.vote(court.members[2], matter.id, AGAINST)
    decided = court.decide(matter.id)
    assert not decided.passed and (decided.votes_for, decided.votes_against) == (1, 3)
    assert roster(service, roster_pb.APPRAISER_CATEGORY_REAL_ESTATE) == []
    # no vote after the decision
    error = refused(court.vote, court.members[3], matter.id, FOR)
    assert error.details() == "本案尚未提付表決或已議決"


def test_the_committee_has_three_to_nine_members_for_one_year(service: ReviewService):
    court = Court(service, members=1)
    application = complete_application(applicant(service, "KLDF103"))
    matter = court.opinion(application.id)
    error = refused(court.put, matter.id)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "審查小組須有委員3人至9人，目前2人，不能提付表決"
    # a member whose one-year term ended yesterday does not count
    ended = court.appoint("KLDOLD", term_from=(today() - timedelta(days=366)).isoformat())
    assert date.fromisoformat(ended.term_until) < today()
    assert (
        refused(court.put, matter.id).details() == "審查小組須有委員3人至9人，目前2人，不能提付表決"
    )
    began = today() - timedelta(days=30)
    term = court.appoint("KLDM1", term_from=began.isoformat())
    assert term.term_until == term_until(began, 12).isoformat()  # one year
    for n in range(2, 8):  # with the chair and KLDM0: nine serving today
        court.appoint(f"KLDM{n}", term_from=began.isoformat())
    error = refused(court.appoint, "KLDM8", term_from=(began + timedelta(days=10)).isoformat())
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "審查小組委員至多9人"
    # the same person twice in one term
    assert (
        refused(court.appoint, "KLDM2", term_from=(began + timedelta(days=5)).isoformat()).code()
        == grpc.StatusCode.ALREADY_EXISTS
    )
    # a clerk cannot put a matter to the committee nor appoint
    clerk = person(service, "KLDCLERK", "clerk")
    assert (
        refused(clerk.stub.PutToCommittee, pb.PutToCommitteeRequest(matter_id=matter.id)).code()
        == grpc.StatusCode.PERMISSION_DENIED
    )


@pytest.mark.parametrize("grounds", [[], [18]])
def test_a_disqualification_needs_grounds_of_the_list(service: ReviewService, grounds: list[int]):
    court = Court(service)
    entry = person(
        service, "KLDCHIEF", "records-chief", roster_grpc.AppraiserServiceStub
    ).stub.EnrolAppraiser(
        roster_pb.EnrolAppraiserRequest(
            court_code="KLD",
            category=roster_pb.APPRAISER_CATEGORY_REAL_ESTATE,
            name="甲估價師事務所",
        )
    )
    error = refused(
        court.records.stub.RaiseDisqualificationMatter,
        pb.RaiseDisqualificationMatterRequest(
            appraiser_id=entry.id, grounds=grounds, opinion="擬議決不適任"
        ),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "請選擇第一款至第17款的不適任事由"


def test_a_disqualification_with_the_written_reply_bars_a_new_application_for_three_years(
    service: ReviewService,
):
    court = Court(service)
    entry = person(
        service, "KLDCHIEF", "records-chief", roster_grpc.AppraiserServiceStub
    ).stub.EnrolAppraiser(
        roster_pb.EnrolAppraiserRequest(
            court_code="KLD",
            category=roster_pb.APPRAISER_CATEGORY_REAL_ESTATE,
            name="乙估價師事務所",
            account_id="KLDAPP1",
        )
    )
    matter = court.records.stub.RaiseDisqualificationMatter(
        pb.RaiseDisqualificationMatterRequest(
            appraiser_id=entry.id,
            grounds=[15],
            evidence="六個月內二件依鑑定價格百分之六十五定底價未能賣出",
            opinion="擬議決不適任",
        )
    )
    assert list(matter.ground_labels) == [
        "不動產之鑑定，於六個月內所承辦之事件，依其鑑定價格之百分之六十五定底價，而未能賣出達二次以上，"
        "或以其鑑定價格之百分之一百二十賣出達二次以上，而無正當理由"
    ]
    error = refused(court.put, matter.id)
    assert error.details() == "提付議決前，須有鑑定人之書面答辯（逾期未答辯者請記明）"
    # the appraiser replies in writing; another appraiser cannot
    other = person(service, "KLDAPP2", "appraiser")
    error = refused(
        other.stub.RecordAppraiserReply,
        pb.RecordAppraiserReplyRequest(matter_id=matter.id, reply="x"),
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    appraiser = person(service, "KLDAPP1", "appraiser")
    replied = appraiser.stub.RecordAppraiserReply(
        pb.RecordAppraiserReplyRequest(matter_id=matter.id, reply="二件均因市場景氣，非鑑價偏高")
    )
    assert replied.reply == "二件均因市場景氣，非鑑價偏高"
    matter = court.put(matter.id)
    court.vote(court.chair, matter.id, FOR)
    court.vote(court.members[0], matter.id, FOR)
    decided = court.decide(matter.id)
    assert decided.passed
    [disqualified] = roster(service, roster_pb.APPRAISER_CATEGORY_REAL_ESTATE)
    bar_ends = bar_until(today(), 3)
    assert disqualified.standing == roster_pb.APPRAISER_STANDING_DISQUALIFIED
    assert disqualified.until == bar_ends.isoformat()
    assert disqualified.standing_reason == "鑑定人資格審查小組議決不適任（第十二點第15款）"
    error = refused(
        start,
        applicant(service, "KLDAPP1", role="appraiser"),
        applicant_type="real_estate_appraiser",
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert (
        error.details()
        == f"經議決為不適任者，{format_roc_date(bar_ends)}以前不得向本院申請列為鑑定人"
    )


@pytest.mark.parametrize(
    ("start", "until"),
    [
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2026, 3, 15), date(2027, 3, 14)),
        (date(2028, 2, 29), date(2029, 2, 28)),  # no 29 February: the month's last day
    ],
)
def test_a_term_is_one_year(start: date, until: date):
    assert term_until(start, 12) == until


@pytest.mark.parametrize(
    ("members", "votes", "passed"),
    [
        (3, [Vote.FOR, Vote.FOR], True),  # 2 of 3: more than half
        (3, [Vote.FOR], None),
        (3, [Vote.AGAINST, Vote.AGAINST], False),
        (4, [Vote.FOR, Vote.FOR], None),  # 2 of 4 is half, not more
        (4, [Vote.FOR, Vote.FOR, Vote.AGAINST, Vote.AGAINST], False),
        (9, [Vote.FOR] * 5, True),
        (9, [Vote.AGAINST] * 5, False),
        (9, [Vote.FOR] * 4 + [Vote.AGAINST] * 4, None),
    ],
)
def test_more_than_half_of_the_members_decide(members: int, votes: list[Vote], passed: bool | None):
    assert result([f"M{n}" for n in range(members)], votes) is passed


def test_the_bar_on_reapplying_lasts_three_years():
    assert bar_until(date(2026, 11, 30), 3) == date(2029, 11, 29)
    assert bar_until(date(2028, 2, 29), 3) == date(2031, 2, 28)


def test_the_appraiser_is_told_of_the_matter_and_its_result(service: ReviewService):
    """DisqualificationMatterChanged goes out when the matter is raised and when it is
    decided, with the appraiser's portal account and, when it passed, the bar's end."""
    court = Court(service)
    entry = person(
        service, "KLDCHIEF", "records-chief", roster_grpc.AppraiserServiceStub
    ).stub.EnrolAppraiser(
        roster_pb.EnrolAppraiserRequest(
            court_code="KLD",
            category=roster_pb.APPRAISER_CATEGORY_OTHER_PROPERTY,
            name="丁鑑定有限公司",
            account_id="KLDAPP3",
        )
    )
    matter = court.records.stub.RaiseDisqualificationMatter(
        pb.RaiseDisqualificationMatterRequest(
            appraiser_id=entry.id, grounds=[12], evidence="報告錯誤三次", opinion="擬議決不適任"
        )
    )
    [(_, raised)] = service.events(pb.DisqualificationMatterChanged)
    assert raised.appraiser_account_id == "KLDAPP3"
    assert raised.matter.id == matter.id and list(raised.matter.grounds) == [12]
    assert raised.matter.state == pb.COMMITTEE_MATTER_STATE_DRAFTED and not raised.barred_until

    # the appraiser opens the matter raised against them (the reply page); nobody else's
    appraiser = person(service, "KLDAPP3", "appraiser")
    seen = appraiser.stub.GetCommitteeMatter(pb.GetCommitteeMatterRequest(matter_id=matter.id))
    assert (seen.evidence, list(seen.grounds)) == ("報告錯誤三次", [12])
    other = person(service, "KLDAPP4", "appraiser")
    error = refused(
        other.stub.GetCommitteeMatter, pb.GetCommitteeMatterRequest(matter_id=matter.id)
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    # ... and lists their own matters (only theirs, and not the committee's others)
    [listed] = appraiser.stub.ListCommitteeMatters(pb.ListCommitteeMattersRequest()).matters
    assert (listed.id, listed.state) == (matter.id, pb.COMMITTEE_MATTER_STATE_DRAFTED)
    assert listed.evidence == "報告錯誤三次"
    assert list(other.stub.ListCommitteeMatters(pb.ListCommitteeMattersRequest()).matters) == []
    appraiser.stub.RecordAppraiserReply(
        pb.RecordAppraiserReplyRequest(matter_id=matter.id, reply="錯誤均已更正")
    )
    court.put(matter.id)
    court.vote(court.chair, matter.id, FOR)
    court.vote(court.members[0], matter.id, FOR)
    court.decide(matter.id)
    # the result, without each member's vote
    seen = appraiser.stub.GetCommitteeMatter(pb.GetCommitteeMatterRequest(matter_id=matter.id))
    assert seen.passed and seen.state == pb.COMMITTEE_MATTER_STATE_DECIDED
    assert list(seen.votes) == [] and list(seen.members) == []
    [listed] = appraiser.stub.ListCommitteeMatters(pb.ListCommitteeMattersRequest()).matters
    assert listed.passed and listed.state == pb.COMMITTEE_MATTER_STATE_DECIDED
    assert list(listed.votes) == [] and list(listed.members) == [] and listed.votes_for == 0
    decided = [e for _, e in service.events(pb.DisqualificationMatterChanged)]
    assert [e.matter.state for e in decided] == [
        pb.COMMITTEE_MATTER_STATE_DRAFTED,
        pb.COMMITTEE_MATTER_STATE_DECIDED,
    ]
    assert decided[1].matter.passed and decided[1].barred_until == bar_until(today(), 3).isoformat()
