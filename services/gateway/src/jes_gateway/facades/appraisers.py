"""review-workflow's appraiser commissioning: the court's rules, the fee calculator,
assignment by rotation, the rotation log and the fairness report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from jes.report_render.v1 import report_render_pb2 as render_pb
from jes.report_render.v1.report_render_pb2_grpc import ReportRenderServiceStub
from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes.review_workflow.v1.appraisers_pb2_grpc import AppraiserServiceStub
from jes_gateway.facades.base import Facade, _Translating
from jes_grpckit.client import Client


@dataclass(frozen=True)
class FeeItemInput:
    kind: pb.FeeItemKind.ValueType
    count: int
    adjoining: bool = False


@dataclass(frozen=True)
class FeeInput:
    items: Sequence[FeeItemInput]
    registry_parcels: int = 0
    travel_group: str = ""
    copies: int = 0
    charged: int = 0
    agreed: int = 0
    approved: bool = False


class AppraisersFacade(Facade[AppraiserServiceStub]):
    def __init__(
        self, client: Client[AppraiserServiceStub], render: Client[ReportRenderServiceStub]
    ):
        super().__init__(client)
        self.render = render

    def rules(self, token: str, court_code: str = "") -> pb.AppraisalRules:
        return self._rpc(token).GetAppraisalRules(
            pb.GetAppraisalRulesRequest(court_code=court_code)
        )

    def fee(self, token: str, court_code: str, fee: FeeInput) -> pb.AppraisalFee:
        return self._rpc(token).CalculateAppraisalFee(
            pb.CalculateAppraisalFeeRequest(
                court_code=court_code,
                items=[
                    pb.FeeItem(kind=i.kind, count=i.count, adjoining=i.adjoining) for i in fee.items
                ],
                registry_parcels=fee.registry_parcels,
                travel_group=fee.travel_group,
                copies=fee.copies,
                charged=fee.charged,
                agreed=fee.agreed,
                approved=fee.approved,
            )
        )

    def roster(
        self, token: str, court_code: str, category: pb.AppraiserCategory.ValueType
    ) -> list[pb.RosterEntry]:
        reply = self._rpc(token).ListRoster(
            pb.ListRosterRequest(court_code=court_code, category=category)
        )
        return list(reply.entries)

    def assign(
        self,
        token: str,
        court_code: str,
        category: pb.AppraiserCategory.ValueType,
        case_number: str,
        division: str,
        ineligible: dict[str, str] | None = None,
    ) -> pb.Assignment:
        return self._rpc(token).AssignAppraiser(
            pb.AssignAppraiserRequest(
                court_code=court_code,
                category=category,
                case_number=case_number,
                division=division,
                ineligible=[
                    pb.IneligibleAppraiser(appraiser_id=k, reason=v)
                    for k, v in (ineligible or {}).items()
                ],
            )
        )

    def rotation_log(self, token: str, court_code: str) -> pb.ListRotationLogResponse:
        return self._rpc(token).ListRotationLog(pb.ListRotationLogRequest(court_code=court_code))

    def fairness(self, token: str, court_code: str, start: str, end: str) -> pb.FairnessReport:
        return self._rpc(token).GetFairnessReport(
            pb.GetFairnessReportRequest(court_code=court_code, start=start, end=end)
        )

    def flags(self, token: str, court_code: str, as_of: str) -> list[pb.DisqualificationFlag]:
        reply = self._rpc(token).ListDisqualificationFlags(
            pb.ListDisqualificationFlagsRequest(court_code=court_code, as_of=as_of)
        )
        return list(reply.flags)

    def table_pdf(
        self,
        title: str,
        subtitles: Sequence[str],
        columns: Sequence[str],
        rows: Sequence[Sequence[str]],
        notes: Sequence[str] = (),
    ) -> bytes:
        """A printable table rendered by report-render (the gateway asks as itself, for a
        person whose data it has just read with their own token)."""
        stub = cast(ReportRenderServiceStub, _Translating(self.render.as_caller(None)))
        return stub.RenderTableReport(
            render_pb.RenderTableReportRequest(
                title=title,
                subtitles=subtitles,
                columns=columns,
                rows=[render_pb.TableRow(cells=row) for row in rows],
                notes=notes,
            )
        ).pdf

    def assign_off_rotation(
        self,
        token: str,
        court_code: str,
        category: pb.AppraiserCategory.ValueType,
        case_number: str,
        division: str,
        appraiser_id: str,
        ground: str,
        reason: str,
    ) -> pb.Assignment:
        return self._rpc(token).AssignOffRotation(
            pb.AssignOffRotationRequest(
                court_code=court_code,
                category=category,
                case_number=case_number,
                division=division,
                appraiser_id=appraiser_id,
                ground=ground,
                reason=reason,
            )
        )

    def replace(
        self, token: str, assignment_id: str, reason: str, fee_received: int, work_completed: bool
    ) -> pb.Assignment:
        return self._rpc(token).ReplaceAppraiser(
            pb.ReplaceAppraiserRequest(
                assignment_id=assignment_id,
                reason=reason,
                fee_received=fee_received,
                work_completed=work_completed,
            )
        )

    def deadline(
        self, token: str, court_code: str, kind: pb.DeadlineKind.ValueType, start: str
    ) -> pb.AppraisalDeadline:
        return self._rpc(token).ComputeAppraisalDeadline(
            pb.ComputeAppraisalDeadlineRequest(court_code=court_code, kind=kind, start=start)
        )

    def record_closure(self, token: str, court_code: str, day: str, reason: str) -> pb.CourtClosure:
        return self._rpc(token).RecordCourtClosure(
            pb.RecordCourtClosureRequest(court_code=court_code, day=day, reason=reason)
        )

    def enrol(
        self,
        token: str,
        court_code: str,
        category: pb.AppraiserCategory.ValueType,
        name: str,
        account_id: str,
        qualification: str,
    ) -> pb.RosterEntry:
        return self._rpc(token).EnrolAppraiser(
            pb.EnrolAppraiserRequest(
                court_code=court_code,
                category=category,
                name=name,
                account_id=account_id,
                qualification=qualification,
            )
        )

    def change_standing(
        self,
        token: str,
        appraiser_id: str,
        standing: pb.AppraiserStanding.ValueType,
        until: str,
        reason: str,
    ) -> pb.RosterEntry:
        return self._rpc(token).ChangeAppraiserStanding(
            pb.ChangeAppraiserStandingRequest(
                appraiser_id=appraiser_id, standing=standing, until=until, reason=reason
            )
        )
