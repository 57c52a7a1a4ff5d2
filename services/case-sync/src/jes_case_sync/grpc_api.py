"""CaseSyncService over gRPC: progress entries pushed by court systems, and their
followers. Parses each request, calls its use case, maps the result; the rules are in
domain/."""

from __future__ import annotations

from collections.abc import Iterator

import grpc

from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import case_sync_pb2_grpc as pb_grpc
from jes_case_sync.add_follower import AddFollower
from jes_case_sync.domain import access
from jes_case_sync.domain.cases import CaseKey, ProgressInput
from jes_case_sync.push_progress import PushProgress
from jes_case_sync.queries import ProgressQueries
from jes_grpckit import current_claims


def case_key(message: pb.CaseKey) -> CaseKey:
    return CaseKey(
        court_code=message.court_code,
        category=message.category,
        year=message.year,
        word=message.word,
        number=message.number,
    )


def progress_input(message: pb.ProgressEntry) -> ProgressInput:
    return ProgressInput(
        source_entry_id=message.source_entry_id, posted_on=message.posted_on, item=message.item
    )


class CaseSyncServicer(pb_grpc.CaseSyncServiceServicer):
    def __init__(
        self, push_progress: PushProgress, add_follower: AddFollower, queries: ProgressQueries
    ):
        self.push_progress = push_progress
        self.add_follower = add_follower
        self.queries = queries

    def _push(self, request: pb.PushProgressRequest) -> pb.PushProgressResponse:
        case_id, created = self.push_progress(case_key(request.case), progress_input(request.entry))
        return pb.PushProgressResponse(case_id=case_id, created=created)

    def PushProgress(
        self, request: pb.PushProgressRequest, context: grpc.ServicerContext
    ) -> pb.PushProgressResponse:
        access.require_court_system(current_claims())
        return self._push(request)

    def IngestProgress(
        self, request_iterator: Iterator[pb.PushProgressRequest], context: grpc.ServicerContext
    ) -> pb.IngestProgressResponse:
        access.require_court_system(current_claims())
        received = created = 0
        for request in request_iterator:
            received += 1
            created += int(self._push(request).created)
        return pb.IngestProgressResponse(received=received, created=created)

    def AddFollower(
        self, request: pb.AddFollowerRequest, context: grpc.ServicerContext
    ) -> pb.AddFollowerResponse:
        access.require_court_system(current_claims())
        follower_id = self.add_follower(case_key(request.case), request.email, request.role)
        return pb.AddFollowerResponse(follower_id=follower_id)

    def ListProgress(
        self, request: pb.ListProgressRequest, context: grpc.ServicerContext
    ) -> pb.ListProgressResponse:
        access.require_progress_reader(current_claims())
        entries = self.queries.latest(case_key(request.case), request.limit)
        return pb.ListProgressResponse(
            entries=[
                pb.ProgressEntry(
                    source_entry_id=e.source_entry_id,
                    posted_on=e.posted_on.isoformat(),
                    item=e.item,
                )
                for e in entries
            ]
        )
