"""Professional registration (identity) and its printable form (report-render, called
by the gateway as itself with the data identity gave it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1.identity_pb2_grpc import IdentityServiceStub
from jes.report_render.v1 import report_render_pb2 as render_pb
from jes.report_render.v1.report_render_pb2_grpc import ReportRenderServiceStub
from jes_gateway.facades.base import Facade, _Translating
from jes_grpckit.client import Client


class ProfessionalsFacade(Facade[IdentityServiceStub]):
    def __init__(
        self,
        identity: Client[IdentityServiceStub],
        render: Client[ReportRenderServiceStub],
    ):
        super().__init__(identity)
        self.render = render

    def apply(self, form: pb.ProfessionalApplicationForm) -> pb.ProfessionalApplication:
        return self._rpc().ApplyProfessionalAccount(pb.ApplyProfessionalAccountRequest(form=form))

    def applicants_application(
        self, application_id: str, national_id: str
    ) -> pb.ProfessionalApplication:
        """The application, for whoever names the national ID on it (no token)."""
        return self._rpc().GetProfessionalApplication(
            pb.GetProfessionalApplicationRequest(
                application_id=application_id, national_id=national_id
            )
        )

    def application(self, token: str, application_id: str) -> pb.ProfessionalApplication:
        """An administrator's view of one application."""
        return self._rpc(token).GetProfessionalApplication(
            pb.GetProfessionalApplicationRequest(application_id=application_id)
        )

    def queue(
        self,
        token: str,
        status: pb.ProfessionalApplicationStatus.ValueType = (
            pb.PROFESSIONAL_APPLICATION_STATUS_UNSPECIFIED
        ),
    ) -> list[pb.ProfessionalApplication]:
        reply = self._rpc(token).ListProfessionalApplications(
            pb.ListProfessionalApplicationsRequest(status=status)
        )
        return list(reply.applications)

    def decide(
        self, token: str, application_id: str, *, approve: bool, reason: str
    ) -> pb.ProfessionalApplication:
        return self._rpc(token).DecideProfessionalApplication(
            pb.DecideProfessionalApplicationRequest(
                application_id=application_id, approve=approve, reason=reason
            )
        )

    def form_pdf(
        self,
        *,
        title: str,
        reference: str,
        applied_on: str,
        lines: Sequence[tuple[str, str]],
        notes: Sequence[str],
        signatures: Sequence[str],
    ) -> bytes:
        """The printable form, rendered by report-render from these lines (the gateway
        calls as itself: the caller of this method has checked who may have it)."""
        stub = cast(ReportRenderServiceStub, _Translating(self.render.as_caller(None)))
        reply = stub.RenderApplicationForm(
            render_pb.RenderApplicationFormRequest(
                title=title,
                reference=reference,
                applied_on=applied_on,
                lines=[render_pb.FormLine(label=label, value=value) for label, value in lines],
                notes=list(notes),
                signatures=list(signatures),
            )
        )
        return bytes(reply.pdf)
