"""CaseSyncService over gRPC: what court systems push (entries, corrections, withdrawals,
statuses, details, a whole court again) and the follows courts approve. Parses each
request, calls its use case, maps the result; the rules are in domain/, the reading
RPCs in grpc_reading.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date

import grpc

from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import cases_pb2
from jes_case_sync.case_store import case_message
from jes_case_sync.domain import access
from jes_case_sync.domain.cases import validate_case
from jes_case_sync.domain.changes import (
    ChangeInput,
    ChangeKind,
    StreamBatch,
    change_problems,
    validate_change,
)
from jes_case_sync.domain.entries import entry_problems
from jes_case_sync.domain.followers import role_label, validate_application
from jes_case_sync.domain.statuses import Status
from jes_case_sync.grpc_messages import (
    OUTCOMES,
    actor_of,
    case_key,
    change_input,
    details_input,
    follow_message,
    progress_input,
)
from jes_case_sync.grpc_reading import ReadingRpcs
from jes_case_sync.identity_port import ReaderLookup
from jes_case_sync.queries import ProgressQueries
from jes_case_sync.usecases.case_lists import CaseLists
from jes_case_sync.usecases.case_page import CasePages
from jes_case_sync.usecases.feeds import Feeds
from jes_case_sync.usecases.follows import Follows
from jes_case_sync.usecases.ingest import Ingest, counts_of
from jes_case_sync.usecases.reconcile import CaseSnapshot, Reconcile
from jes_domain import DomainError, InvalidArgument
from jes_grpckit import current_claims

BAD_RECONCILIATION = "對帳資料有誤"


def count_mismatch(received: int, declared: int) -> str:
    return f"收到 {received} 件，與結尾所載 {declared} 件不符"


class CaseSyncServicer(ReadingRpcs):
    def __init__(
        self,
        today: Callable[[], date],
        ingest: Ingest,
        reconcile: Reconcile,
        follows: Follows,
        *,
        lists: CaseLists,
        pages: CasePages,
        feeds: Feeds,
        queries: ProgressQueries,
        reader_lookup: ReaderLookup,
    ):
        super().__init__(lists, pages, feeds, queries, reader_lookup)
        self.today = today
        self.ingest = ingest
        self.reconcile = reconcile
        self.follows = follows

    # -- ingest ---------------------------------------------------------------------------

    def _apply_one(
        self, change: ChangeInput, entry_prefix: str = ""
    ) -> tuple[str, bool, pb.ChangeOutcome.ValueType]:
        claims = current_claims()
        access.require_court_system(claims)
        valid = validate_change(change, self.today(), entry_prefix)
        [result] = self.ingest.apply(claims.court_code, [valid], actor=actor_of(claims))
        return result.case_id, result.outcome.value == "applied", OUTCOMES[result.outcome]

    def PushProgress(
        self, request: pb.PushProgressRequest, context: grpc.ServicerContext
    ) -> pb.PushProgressResponse:
        change = ChangeInput(
            case_key(request.case), ChangeKind.POST, entry=progress_input(request.entry)
        )
        case_id, created, _ = self._apply_one(change, entry_prefix="entry")
        return pb.PushProgressResponse(case_id=case_id, created=created)

    def ApplyCaseChange(
        self, request: pb.CaseChange, context: grpc.ServicerContext
    ) -> pb.CaseChangeResult:
        case_id, _, outcome = self._apply_one(change_input(request))
        return pb.CaseChangeResult(case_id=case_id, outcome=outcome)

    def IngestProgress(
        self, request_iterator: Iterator[pb.CaseChange], context: grpc.ServicerContext
    ) -> pb.IngestProgressResponse:
        """All or nothing: every message is checked as it arrives (framing, then the
        change), the whole batch applied in one transaction at the end."""
        return self._ingest_stream(request_iterator)

    def IngestProgressChunks(
        self, request_iterator: Iterator[pb.CaseChanges], context: grpc.ServicerContext
    ) -> pb.IngestProgressResponse:
        """IngestProgress with many changes per message: the same batch, change by change."""
        return self._ingest_stream(change for chunk in request_iterator for change in chunk.changes)

    def _ingest_stream(self, messages: Iterator[pb.CaseChange]) -> pb.IngestProgressResponse:
        claims = current_claims()
        access.require_court_system(claims)
        batch = StreamBatch(self.today())
        for message in messages:
            batch.add(message.batch_id, message.sequence, change_input(message))
        if not batch.changes:
            return pb.IngestProgressResponse()
        results = self.ingest.apply(
            claims.court_code, batch.changes, actor=actor_of(claims), batch_id=batch.batch_id
        )
        return pb.IngestProgressResponse(**vars(counts_of(results)))

    def ReconcileCourt(
        self, request_iterator: Iterator[pb.ReconcileMessage], context: grpc.ServicerContext
    ) -> pb.ReconcileCourtResponse:
        """Start first, then each case's snapshot (applied as it arrives, one case per
        transaction), end last with the number of snapshots sent."""
        claims = current_claims()
        access.require_court_system(claims)
        actor = actor_of(claims)
        reply = pb.ReconcileCourtResponse()
        started = ended = False
        run_id = ""
        as_of = None
        for message in request_iterator:
            part = message.WhichOneof("part")
            if ended or (part != "start") == (not started):
                raise InvalidArgument(
                    BAD_RECONCILIATION,
                    fields={"part": "順序須為 start、各案件 snapshot、end"},
                )
            if part == "start":
                started = True
                run_id = message.start.reconciliation_id.strip()
                if not run_id or not message.start.HasField("as_of"):
                    raise InvalidArgument(
                        BAD_RECONCILIATION,
                        fields={"start": "須有對帳編號（reconciliation_id）與資料時間（as_of）"},
                    )
                as_of = message.start.as_of.ToDatetime(tzinfo=UTC)
            elif part == "snapshot":
                assert as_of is not None
                snapshot = self._snapshot(message.snapshot, reply.cases + 1)
                results = self.reconcile.case(claims.court_code, snapshot, as_of, run_id, actor)
                counts = counts_of(results)
                reply.cases += 1
                reply.cases_changed += int(bool(results) and counts.unchanged < len(results))
                reply.created += counts.created
                reply.corrected += counts.corrected
                reply.withdrawn += counts.withdrawn
                reply.status_changed += counts.status_changed
            elif part == "end":
                ended = True
                if message.end.case_count != reply.cases:
                    raise InvalidArgument(
                        BAD_RECONCILIATION,
                        fields={
                            "end.case_count": count_mismatch(reply.cases, message.end.case_count)
                        },
                    )
            else:
                raise InvalidArgument(BAD_RECONCILIATION, fields={"part": "缺少內容"})
        if not ended:
            raise InvalidArgument(BAD_RECONCILIATION, fields={"end": "串流未以 end 結束"})
        return reply

    def _snapshot(self, message: pb.CaseSnapshot, index: int) -> CaseSnapshot:
        key = case_key(message.case)
        prefix = f"snapshots[{index}]"
        problems: dict[str, str] = {}
        try:
            validate_case(key, BAD_RECONCILIATION)
        except DomainError as bad:
            bad.fields = {f"{prefix}.{name}": text for name, text in bad.fields.items()}
            raise
        today = self.today()
        entries = []
        seen = set()
        for number, sent in enumerate(message.entries):
            entry, entry_errors = entry_problems(
                progress_input(sent), today, prefix=f"{prefix}.entries[{number}]"
            )
            problems |= entry_errors
            if entry is not None:
                if entry.source_entry_id in seen:
                    problems[f"{prefix}.entries[{number}].source_entry_id"] = "來源編號重複"
                seen.add(entry.source_entry_id)
                entries.append(entry)
        status = None
        effective_on = None
        if message.status:
            status = Status.from_contract(message.status)
            change = ChangeInput(
                key,
                ChangeKind.STATUS,
                status=message.status,
                effective_on=message.status_effective_on,
            )
            valid, status_errors = change_problems(change, today)
            problems |= {f"{prefix}.{k}": v for k, v in status_errors.items()}
            effective_on = valid.effective_on if valid else None
        details = details_input(message.details) if message.HasField("details") else None
        if details is not None:
            valid, detail_errors = change_problems(
                ChangeInput(key, ChangeKind.DETAILS, details=details), today
            )
            problems |= {f"{prefix}.{k}": v for k, v in detail_errors.items()}
            details = valid.details if valid else None
        if problems:
            raise InvalidArgument(BAD_RECONCILIATION, fields=problems)
        return CaseSnapshot(key, status, effective_on, details, tuple(entries))

    # -- follows --------------------------------------------------------------------------

    def ApproveFollow(
        self, request: pb.ApproveFollowRequest, context: grpc.ServicerContext
    ) -> cases_pb2.Follow:
        claims = current_claims()
        key = case_key(request.case)
        access.require_court_staff_of(claims, key.court_code)
        application = validate_application(
            key,
            request.email,
            role_label(request.role),
            request.applicant_name,
            request.application_id,
        )
        view = self.follows.approve(application, actor_of(claims))
        return follow_message(view.follow, case_message(view.case), view.account_opened)

    def RevokeFollow(
        self, request: pb.RevokeFollowRequest, context: grpc.ServicerContext
    ) -> cases_pb2.Follow:
        claims = current_claims()
        key = case_key(request.case)
        access.require_court_staff_of(claims, key.court_code)
        view = self.follows.revoke(key, request.email, request.reason, actor_of(claims))
        return follow_message(view.follow, case_message(view.case))

    def ListFollowers(
        self, request: pb.ListFollowersRequest, context: grpc.ServicerContext
    ) -> pb.ListFollowersResponse:
        claims = current_claims()
        key = case_key(request.case)
        access.require_court_staff_of(claims, key.court_code)
        case, rows = self.follows.followers(key)
        message = case_message(case)
        return pb.ListFollowersResponse(followers=[follow_message(row, message) for row in rows])
