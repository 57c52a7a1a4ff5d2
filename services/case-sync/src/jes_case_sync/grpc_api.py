"""CaseSyncService over gRPC: progress entries pushed by court systems, follows and what
their readers see. Parses each request, calls its use case, maps the result; the rules
are in domain/."""

from __future__ import annotations

from collections.abc import Iterator

import grpc

from jes.case_sync.v1 import case_queries_pb2 as queries_pb
from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import case_sync_pb2_grpc as pb_grpc
from jes.case_sync.v1 import cases_pb2
from jes_case_sync.add_follower import AddFollower
from jes_case_sync.domain import access
from jes_case_sync.domain.cases import CaseKey, ProgressInput, category_label
from jes_case_sync.domain.followers import role_label
from jes_case_sync.push_progress import PushProgress
from jes_case_sync.queries import ProgressQueries
from jes_grpckit import current_claims

NOT_YET = "此功能尚未提供"


def case_key(message: cases_pb2.CaseKey) -> CaseKey:
    return CaseKey(
        court_code=message.court_code,
        category=category_label(message.category),
        year=message.year,
        word=message.word,
        number=message.number,
    )


def progress_input(message: cases_pb2.ProgressEntry) -> ProgressInput:
    return ProgressInput(
        source_entry_id=message.source_entry_id, posted_on=message.posted_on, item=message.item
    )


def not_yet(context: grpc.ServicerContext) -> None:
    """An RPC of the contract whose use case is still being built (issue 11)."""
    context.abort(grpc.StatusCode.UNIMPLEMENTED, NOT_YET)


class CaseSyncServicer(pb_grpc.CaseSyncServiceServicer):
    def __init__(
        self, push_progress: PushProgress, add_follower: AddFollower, queries: ProgressQueries
    ):
        self.push_progress = push_progress
        self.add_follower = add_follower
        self.queries = queries

    # -- ingest ---------------------------------------------------------------------------

    def _push(self, case: cases_pb2.CaseKey, entry: cases_pb2.ProgressEntry) -> tuple[str, bool]:
        return self.push_progress(case_key(case), progress_input(entry))

    def PushProgress(
        self, request: pb.PushProgressRequest, context: grpc.ServicerContext
    ) -> pb.PushProgressResponse:
        access.require_court_system(current_claims())
        case_id, created = self._push(request.case, request.entry)
        return pb.PushProgressResponse(case_id=case_id, created=created)

    def ApplyCaseChange(
        self, request: pb.CaseChange, context: grpc.ServicerContext
    ) -> pb.CaseChangeResult:
        access.require_court_system(current_claims())
        if request.WhichOneof("change") != "post":
            not_yet(context)
        case_id, created = self._push(request.case, request.post)
        outcome = pb.CHANGE_OUTCOME_APPLIED if created else pb.CHANGE_OUTCOME_UNCHANGED
        return pb.CaseChangeResult(case_id=case_id, outcome=outcome)

    def IngestProgress(
        self, request_iterator: Iterator[pb.CaseChange], context: grpc.ServicerContext
    ) -> pb.IngestProgressResponse:
        access.require_court_system(current_claims())
        received = created = 0
        for request in request_iterator:
            received += 1
            if request.WhichOneof("change") != "post":
                not_yet(context)
            created += int(self._push(request.case, request.post)[1])
        return pb.IngestProgressResponse(
            received=received, created=created, unchanged=received - created
        )

    def ReconcileCourt(
        self, request_iterator: Iterator[pb.ReconcileMessage], context: grpc.ServicerContext
    ) -> pb.ReconcileCourtResponse:
        not_yet(context)
        return pb.ReconcileCourtResponse()

    # -- follows --------------------------------------------------------------------------

    def ApproveFollow(
        self, request: pb.ApproveFollowRequest, context: grpc.ServicerContext
    ) -> cases_pb2.Follow:
        access.require_court_system(current_claims())
        follow_id = self.add_follower(
            case_key(request.case), request.email, role_label(request.role)
        )
        return cases_pb2.Follow(
            follow_id=follow_id,
            case=request.case,
            email=request.email.strip().lower(),
            role=request.role,
            status=cases_pb2.FOLLOW_STATUS_ACTIVE,
        )

    def RevokeFollow(
        self, request: pb.RevokeFollowRequest, context: grpc.ServicerContext
    ) -> cases_pb2.Follow:
        not_yet(context)
        return cases_pb2.Follow()

    def ListFollowers(
        self, request: pb.ListFollowersRequest, context: grpc.ServicerContext
    ) -> pb.ListFollowersResponse:
        not_yet(context)
        return pb.ListFollowersResponse()

    # -- reading --------------------------------------------------------------------------

    def ListMyCases(
        self, request: queries_pb.ListMyCasesRequest, context: grpc.ServicerContext
    ) -> queries_pb.ListMyCasesResponse:
        not_yet(context)
        return queries_pb.ListMyCasesResponse()

    def GetCase(
        self, request: queries_pb.GetCaseRequest, context: grpc.ServicerContext
    ) -> queries_pb.CasePage:
        not_yet(context)
        return queries_pb.CasePage()

    def ListProgress(
        self, request: pb.ListProgressRequest, context: grpc.ServicerContext
    ) -> pb.ListProgressResponse:
        access.require_progress_reader(current_claims())
        entries = self.queries.latest(case_key(request.case), request.limit)
        return pb.ListProgressResponse(
            entries=[
                cases_pb2.ProgressEntry(
                    source_entry_id=e.source_entry_id,
                    posted_on=e.posted_on.isoformat(),
                    item=e.item,
                )
                for e in entries
            ]
        )

    # -- feeds ----------------------------------------------------------------------------

    def CreateFeedToken(
        self, request: queries_pb.CreateFeedTokenRequest, context: grpc.ServicerContext
    ) -> queries_pb.FeedToken:
        not_yet(context)
        return queries_pb.FeedToken()

    def ListMyFeedTokens(
        self, request: queries_pb.ListMyFeedTokensRequest, context: grpc.ServicerContext
    ) -> queries_pb.ListMyFeedTokensResponse:
        not_yet(context)
        return queries_pb.ListMyFeedTokensResponse()

    def RevokeFeedToken(
        self, request: queries_pb.RevokeFeedTokenRequest, context: grpc.ServicerContext
    ) -> queries_pb.RevokeFeedTokenResponse:
        not_yet(context)
        return queries_pb.RevokeFeedTokenResponse()

    def ResolveFeed(
        self, request: queries_pb.ResolveFeedRequest, context: grpc.ServicerContext
    ) -> queries_pb.CasePage:
        not_yet(context)
        return queries_pb.CasePage()
