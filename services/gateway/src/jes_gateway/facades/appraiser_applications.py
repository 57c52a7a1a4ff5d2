"""review-workflow's appraiser applications and its qualification committee: an
applicant's application and documents; the records chief's opinion, the chief judge's
members and votes, the members' votes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes.review_workflow.v1.appraiser_applications_pb2_grpc import (
    AppraiserApplicationServiceStub,
    AppraiserCommitteeServiceStub,
)
from jes_gateway.facades.base import Facade


@dataclass(frozen=True)
class ApplicationInput:
    court_code: str
    applicant_type: str
    name: str
    registration_number: str
    business_since: str
    office_address: str
    office_phone: str
    staff: Sequence[tuple[str, str]]  # (name, ID number)


class AppraiserApplicationsFacade(Facade[AppraiserApplicationServiceStub]):
    def start(self, token: str, application: ApplicationInput) -> pb.AppraiserApplication:
        return self._rpc(token).StartAppraiserApplication(
            pb.StartAppraiserApplicationRequest(
                court_code=application.court_code,
                applicant_type=application.applicant_type,
                name=application.name,
                registration_number=application.registration_number,
                business_since=application.business_since,
                office=pb.ApplicationOffice(
                    address=application.office_address, phone=application.office_phone
                ),
                staff=[pb.ApplicationStaff(name=n, id_number=i) for n, i in application.staff],
            )
        )

    def upload(
        self, token: str, application_id: str, item: str, file_name: str, content: bytes
    ) -> pb.AppraiserApplication:
        return self._rpc(token).UploadApplicationDocument(
            pb.UploadApplicationDocumentRequest(
                application_id=application_id, item=item, file_name=file_name, content=content
            )
        )

    def submit(self, token: str, application_id: str) -> pb.AppraiserApplication:
        return self._rpc(token).SubmitAppraiserApplication(
            pb.SubmitAppraiserApplicationRequest(application_id=application_id)
        )

    def get(self, token: str, application_id: str) -> pb.AppraiserApplication:
        return self._rpc(token).GetAppraiserApplication(
            pb.GetAppraiserApplicationRequest(application_id=application_id)
        )

    def list(self, token: str, court_code: str = "") -> list[pb.AppraiserApplication]:
        reply = self._rpc(token).ListAppraiserApplications(
            pb.ListAppraiserApplicationsRequest(court_code=court_code)
        )
        return list(reply.applications)


class CommitteeFacade(Facade[AppraiserCommitteeServiceStub]):
    def appoint(
        self, token: str, court_code: str, account_id: str, name: str, term_from: str
    ) -> pb.CommitteeMember:
        return self._rpc(token).AppointCommitteeMember(
            pb.AppointCommitteeMemberRequest(
                court_code=court_code, account_id=account_id, name=name, term_from=term_from
            )
        )

    def members(self, token: str, court_code: str = "", on: str = "") -> list[pb.CommitteeMember]:
        reply = self._rpc(token).ListCommitteeMembers(
            pb.ListCommitteeMembersRequest(court_code=court_code, on=on)
        )
        return list(reply.members)

    def draft_opinion(
        self, token: str, application_id: str, recommend: bool, opinion: str
    ) -> pb.CommitteeMatter:
        return self._rpc(token).DraftApplicationOpinion(
            pb.DraftApplicationOpinionRequest(
                application_id=application_id, recommend=recommend, opinion=opinion
            )
        )

    def raise_disqualification(
        self, token: str, appraiser_id: str, grounds: Sequence[int], evidence: str, opinion: str
    ) -> pb.CommitteeMatter:
        return self._rpc(token).RaiseDisqualificationMatter(
            pb.RaiseDisqualificationMatterRequest(
                appraiser_id=appraiser_id, grounds=list(grounds), evidence=evidence, opinion=opinion
            )
        )

    def reply(self, token: str, matter_id: str, reply: str) -> pb.CommitteeMatter:
        return self._rpc(token).RecordAppraiserReply(
            pb.RecordAppraiserReplyRequest(matter_id=matter_id, reply=reply)
        )

    def put(self, token: str, matter_id: str) -> pb.CommitteeMatter:
        return self._rpc(token).PutToCommittee(pb.PutToCommitteeRequest(matter_id=matter_id))

    def vote(
        self,
        token: str,
        matter_id: str,
        choice: pb.CommitteeVoteChoice.ValueType,
        written_for: str = "",
    ) -> pb.CommitteeMatter:
        return self._rpc(token).CastCommitteeVote(
            pb.CastCommitteeVoteRequest(matter_id=matter_id, choice=choice, written_for=written_for)
        )

    def decide(self, token: str, matter_id: str) -> pb.CommitteeMatter:
        return self._rpc(token).DecideCommitteeMatter(
            pb.DecideCommitteeMatterRequest(matter_id=matter_id)
        )

    def get(self, token: str, matter_id: str) -> pb.CommitteeMatter:
        return self._rpc(token).GetCommitteeMatter(
            pb.GetCommitteeMatterRequest(matter_id=matter_id)
        )

    def matters(self, token: str, court_code: str = "") -> list[pb.CommitteeMatter]:
        reply = self._rpc(token).ListCommitteeMatters(
            pb.ListCommitteeMattersRequest(court_code=court_code)
        )
        return list(reply.matters)
