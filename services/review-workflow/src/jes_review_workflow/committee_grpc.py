"""AppraiserCommitteeService over gRPC: parses each request, calls its use case. The
rules are in domain/appraisal/committee.py, the transactions in appraisal/committee.py."""

from __future__ import annotations

import grpc

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes.review_workflow.v1 import appraiser_applications_pb2_grpc as pb_grpc
from jes_domain import InvalidArgument
from jes_grpckit import current_claims
from jes_review_workflow.appraisal.committee import Committee
from jes_review_workflow.appraisal.committee_messages import VOTE_OF
from jes_review_workflow.domain.appraisal.committee import Vote

CHOOSE_A_VOTE = "請選擇同意或不同意"


class AppraiserCommitteeServicer(pb_grpc.AppraiserCommitteeServiceServicer):
    def __init__(self, committee: Committee):
        self.committee = committee

    def AppointCommitteeMember(
        self, request: pb.AppointCommitteeMemberRequest, context: grpc.ServicerContext
    ) -> pb.CommitteeMember:
        return self.committee.appoint(
            current_claims(),
            request.court_code,
            request.account_id,
            request.name,
            request.term_from,
        )

    def ListCommitteeMembers(
        self, request: pb.ListCommitteeMembersRequest, context: grpc.ServicerContext
    ) -> pb.ListCommitteeMembersResponse:
        members = self.committee.members(current_claims(), request.court_code, request.on)
        return pb.ListCommitteeMembersResponse(members=members)

    def DraftApplicationOpinion(
        self, request: pb.DraftApplicationOpinionRequest, context: grpc.ServicerContext
    ) -> pb.CommitteeMatter:
        return self.committee.draft_opinion(
            current_claims(), request.application_id, request.recommend, request.opinion
        )

    def RaiseDisqualificationMatter(
        self, request: pb.RaiseDisqualificationMatterRequest, context: grpc.ServicerContext
    ) -> pb.CommitteeMatter:
        return self.committee.raise_disqualification(
            current_claims(),
            request.appraiser_id,
            list(request.grounds),
            request.evidence,
            request.opinion,
        )

    def RecordAppraiserReply(
        self, request: pb.RecordAppraiserReplyRequest, context: grpc.ServicerContext
    ) -> pb.CommitteeMatter:
        return self.committee.record_reply(current_claims(), request.matter_id, request.reply)

    def PutToCommittee(
        self, request: pb.PutToCommitteeRequest, context: grpc.ServicerContext
    ) -> pb.CommitteeMatter:
        return self.committee.put(current_claims(), request.matter_id)

    def CastCommitteeVote(
        self, request: pb.CastCommitteeVoteRequest, context: grpc.ServicerContext
    ) -> pb.CommitteeMatter:
        choice: Vote | None = VOTE_OF.get(request.choice)
        if choice is None:
            raise InvalidArgument(CHOOSE_A_VOTE, fields={"choice": CHOOSE_A_VOTE})
        return self.committee.vote(current_claims(), request.matter_id, choice, request.written_for)

    def DecideCommitteeMatter(
        self, request: pb.DecideCommitteeMatterRequest, context: grpc.ServicerContext
    ) -> pb.CommitteeMatter:
        return self.committee.decide(current_claims(), request.matter_id)

    def GetCommitteeMatter(
        self, request: pb.GetCommitteeMatterRequest, context: grpc.ServicerContext
    ) -> pb.CommitteeMatter:
        return self.committee.get(current_claims(), request.matter_id)

    def ListCommitteeMatters(
        self, request: pb.ListCommitteeMattersRequest, context: grpc.ServicerContext
    ) -> pb.ListCommitteeMattersResponse:
        return pb.ListCommitteeMattersResponse(
            matters=self.committee.list(current_claims(), request.court_code)
        )
