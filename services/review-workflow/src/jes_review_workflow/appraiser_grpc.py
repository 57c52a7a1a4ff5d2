"""AppraiserService over gRPC: parses each request, calls its use case, maps the result.
The rules are in domain/appraisal, the transactions in appraisal/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import grpc

from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2_grpc as pb_grpc
from jes_domain import InvalidArgument
from jes_grpckit import current_claims
from jes_review_workflow.appraisal.assignments import Assignments
from jes_review_workflow.appraisal.log import RotationLog
from jes_review_workflow.appraisal.messages import AUCTION_RESULT, CATEGORY_OF, STANDING_OF
from jes_review_workflow.appraisal.outcomes import AuctionOutcomes
from jes_review_workflow.appraisal.roster import Roster
from jes_review_workflow.appraisal.rules import AppraisalRules
from jes_review_workflow.domain.appraisal.deadlines import DeadlineKind
from jes_review_workflow.domain.appraisal.disqualification import AuctionResult
from jes_review_workflow.domain.appraisal.fees import FeeItem, FeeItemKind, FeeRequest
from jes_review_workflow.domain.appraisal.rotation import Category, Standing

FEE_ITEM_KIND = {
    pb.FEE_ITEM_KIND_BUILDING_WITH_LAND: FeeItemKind.BUILDING_WITH_LAND,
    pb.FEE_ITEM_KIND_LAND_ONLY: FeeItemKind.LAND_ONLY,
    pb.FEE_ITEM_KIND_BUILDING_ONLY: FeeItemKind.BUILDING_ONLY,
    pb.FEE_ITEM_KIND_CROPS: FeeItemKind.CROPS,
    pb.FEE_ITEM_KIND_MOVABLES: FeeItemKind.MOVABLES,
    pb.FEE_ITEM_KIND_INTANGIBLE: FeeItemKind.INTANGIBLE,
}
DEADLINE_KIND = {
    pb.DEADLINE_KIND_PAYMENT: DeadlineKind.PAYMENT,
    pb.DEADLINE_KIND_REPORT: DeadlineKind.REPORT,
    pb.DEADLINE_KIND_REPORT_WITH_ZONING: DeadlineKind.REPORT_WITH_ZONING,
    pb.DEADLINE_KIND_REPLY: DeadlineKind.REPLY,
    pb.DEADLINE_KIND_REPLY_AFTER_REMINDER: DeadlineKind.REPLY_AFTER_REMINDER,
}
T = TypeVar("T")

AUCTION_RESULT_OF = {v: k for k, v in AUCTION_RESULT.items()}


def _chosen(table: Mapping[Any, T], value: int, field: str, problem: str) -> T:
    if value not in table:
        raise InvalidArgument(problem, fields={field: problem})
    return table[value]


def _category(value: int) -> Category:
    chosen: Category = _chosen(CATEGORY_OF, value, "category", "請選擇不動產或動產及其他財產")
    return chosen


class AppraiserServicer(pb_grpc.AppraiserServiceServicer):
    def __init__(
        self,
        rules: AppraisalRules,
        roster: Roster,
        assignments: Assignments,
        log: RotationLog,
        outcomes: AuctionOutcomes,
    ):
        self.rules = rules
        self.roster = roster
        self.assignments = assignments
        self.log = log
        self.outcomes = outcomes

    def GetAppraisalRules(
        self, request: pb.GetAppraisalRulesRequest, context: grpc.ServicerContext
    ) -> pb.AppraisalRules:
        return self.rules.rules(current_claims(), request.court_code, request.on)

    def CalculateAppraisalFee(
        self, request: pb.CalculateAppraisalFeeRequest, context: grpc.ServicerContext
    ) -> pb.AppraisalFee:
        items = tuple(
            FeeItem(
                _chosen(FEE_ITEM_KIND, i.kind, f"items[{n}].kind", "請選擇鑑定標的種類"),
                i.count,
                i.adjoining,
            )
            for n, i in enumerate(request.items)
        )
        fee_request = FeeRequest(
            items=items,
            registry_parcels=request.registry_parcels,
            travel_group=request.travel_group.strip(),
            copies=request.copies,
        )
        return self.rules.fee(
            current_claims(),
            request.court_code,
            fee_request,
            request.charged,
            request.agreed,
            request.approved,
        )

    def ComputeAppraisalDeadline(
        self, request: pb.ComputeAppraisalDeadlineRequest, context: grpc.ServicerContext
    ) -> pb.AppraisalDeadline:
        kind: DeadlineKind = _chosen(DEADLINE_KIND, request.kind, "kind", "請選擇期限種類")
        due = self.rules.deadline(current_claims(), request.court_code, kind, request.start)
        due.kind = request.kind
        return due

    def RecordCourtClosure(
        self, request: pb.RecordCourtClosureRequest, context: grpc.ServicerContext
    ) -> pb.CourtClosure:
        return self.rules.record_closure(
            current_claims(), request.court_code, request.day, request.reason
        )

    def EnrolAppraiser(
        self, request: pb.EnrolAppraiserRequest, context: grpc.ServicerContext
    ) -> pb.RosterEntry:
        return self.roster.enrol(
            current_claims(),
            request.court_code,
            _category(request.category),
            request.name,
            request.account_id,
            request.qualification,
        )

    def ListRoster(
        self, request: pb.ListRosterRequest, context: grpc.ServicerContext
    ) -> pb.ListRosterResponse:
        entries = self.roster.list(
            current_claims(), request.court_code, _category(request.category)
        )
        return pb.ListRosterResponse(entries=entries)

    def ChangeAppraiserStanding(
        self, request: pb.ChangeAppraiserStandingRequest, context: grpc.ServicerContext
    ) -> pb.RosterEntry:
        standing: Standing = _chosen(STANDING_OF, request.standing, "standing", "請選擇輪派狀態")
        return self.roster.change_standing(
            current_claims(), request.appraiser_id, standing, request.until, request.reason
        )

    def AssignAppraiser(
        self, request: pb.AssignAppraiserRequest, context: grpc.ServicerContext
    ) -> pb.Assignment:
        return self.assignments.by_rotation(
            current_claims(),
            request.court_code,
            _category(request.category),
            request.case_number,
            request.division,
            {i.appraiser_id: i.reason for i in request.ineligible},
        )

    def AssignOffRotation(
        self, request: pb.AssignOffRotationRequest, context: grpc.ServicerContext
    ) -> pb.Assignment:
        return self.assignments.off_rotation(
            current_claims(),
            request.court_code,
            _category(request.category),
            request.case_number,
            request.division,
            request.appraiser_id,
            request.ground,
            request.reason,
        )

    def ReplaceAppraiser(
        self, request: pb.ReplaceAppraiserRequest, context: grpc.ServicerContext
    ) -> pb.Assignment:
        return self.assignments.replace(
            current_claims(),
            request.assignment_id,
            request.reason,
            request.fee_received,
            request.work_completed,
        )

    def ListRotationLog(
        self, request: pb.ListRotationLogRequest, context: grpc.ServicerContext
    ) -> pb.ListRotationLogResponse:
        return self.log.list(current_claims(), request.court_code)

    def GetFairnessReport(
        self, request: pb.GetFairnessReportRequest, context: grpc.ServicerContext
    ) -> pb.FairnessReport:
        return self.log.fairness(current_claims(), request.court_code, request.start, request.end)

    def RecordAuctionOutcome(
        self, request: pb.RecordAuctionOutcomeRequest, context: grpc.ServicerContext
    ) -> pb.RecordAuctionOutcomeResponse:
        result: AuctionResult = _chosen(
            AUCTION_RESULT_OF, request.result, "result", "請選擇拍賣結果"
        )
        recorded = self.outcomes.record(
            current_claims(),
            request.court_code,
            request.outcome_id,
            request.case_number,
            request.appraiser_id,
            request.held_on,
            request.reserve_percent,
            result,
            request.price_percent,
        )
        return pb.RecordAuctionOutcomeResponse(recorded=recorded)

    def ListDisqualificationFlags(
        self, request: pb.ListDisqualificationFlagsRequest, context: grpc.ServicerContext
    ) -> pb.ListDisqualificationFlagsResponse:
        flags = self.outcomes.flags(current_claims(), request.court_code, request.as_of)
        return pb.ListDisqualificationFlagsResponse(flags=flags)
