"""CaseSyncService's reading RPCs over gRPC: a reader's cases, one case's page, private
feeds, and the walking skeleton's ListProgress. Who the reader is comes from the caller
(its certificate and forwarded token) and, for people, from identity (GetCaseReader:
the accounts whose follows they hold, their prosecutor id)."""

from __future__ import annotations

import grpc

from jes.case_sync.v1 import case_queries_pb2 as qpb
from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import case_sync_pb2_grpc as pb_grpc
from jes.case_sync.v1 import cases_pb2
from jes_auth import Claims
from jes_case_sync.domain import access
from jes_case_sync.domain.access import Reader, ReaderKind, reader_kind
from jes_case_sync.domain.cases import CASE_NOT_FOUND
from jes_case_sync.grpc_messages import actor_of, case_key, case_summary, entry_view, timestamp
from jes_case_sync.identity_port import ReaderLookup
from jes_case_sync.queries import ProgressQueries
from jes_case_sync.usecases.case_lists import CaseLists
from jes_case_sync.usecases.case_page import CasePages, CaseView, EntriesPage
from jes_case_sync.usecases.feeds import Feeds, FeedView
from jes_domain import Forbidden, InvalidArgument, NotFound
from jes_grpckit import current_claims, current_user_token


class ReadingRpcs(pb_grpc.CaseSyncServiceServicer):
    def __init__(
        self,
        lists: CaseLists,
        pages: CasePages,
        feeds: Feeds,
        queries: ProgressQueries,
        reader_lookup: ReaderLookup,
    ):
        self.lists = lists
        self.pages = pages
        self.feeds = feeds
        self.queries = queries
        self.reader_lookup = reader_lookup

    def reader(self, claims: Claims) -> Reader:
        kind = reader_kind(claims)
        if kind is None:
            raise Forbidden("權限不足：無法查詢案件進度")
        if kind in (ReaderKind.COURT_SYSTEM, ReaderKind.CLERK):
            return Reader(kind, claims.subject, court_code=claims.court_code)
        found = self.reader_lookup(current_user_token() or "", claims.subject)
        return Reader(kind, claims.subject, found.account_ids, found.prosecutor_id)

    # -- a reader's cases and one case --------------------------------------------------------

    def ListMyCases(
        self, request: qpb.ListMyCasesRequest, context: grpc.ServicerContext
    ) -> qpb.ListMyCasesResponse:
        reader = self.reader(current_claims())
        page = self.lists.my_cases(reader, request.page_size, request.page_token)
        return qpb.ListMyCasesResponse(
            cases=[case_summary(view) for view in page.cases], next_page_token=page.next_token
        )

    def GetCase(self, request: qpb.GetCaseRequest, context: grpc.ServicerContext) -> qpb.CasePage:
        reader = self.reader(current_claims())
        if not request.case_id and not request.HasField("case"):
            raise InvalidArgument("查詢資料有誤", fields={"case_id": "請指定案件"})
        page = self.pages.case_page(
            reader,
            case_id=request.case_id.strip(),
            key=case_key(request.case) if request.HasField("case") else None,
            size=request.page_size,
            token=request.page_token,
            record_visit=request.record_visit,
        )
        return case_page(page)

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
        self, request: qpb.CreateFeedTokenRequest, context: grpc.ServicerContext
    ) -> qpb.FeedToken:
        claims = current_claims()
        view = self.feeds.create(self.reader(claims), request.case_id, actor_of(claims))
        return feed_message(view)

    def ListMyFeedTokens(
        self, request: qpb.ListMyFeedTokensRequest, context: grpc.ServicerContext
    ) -> qpb.ListMyFeedTokensResponse:
        claims = current_claims()
        reader = Reader(reader_kind(claims) or ReaderKind.LITIGANT, claims.subject)
        views = self.feeds.mine(reader, request.case_id.strip())
        return qpb.ListMyFeedTokensResponse(feeds=[feed_message(view) for view in views])

    def RevokeFeedToken(
        self, request: qpb.RevokeFeedTokenRequest, context: grpc.ServicerContext
    ) -> qpb.RevokeFeedTokenResponse:
        claims = current_claims()
        reader = Reader(reader_kind(claims) or ReaderKind.LITIGANT, claims.subject)
        self.feeds.revoke(reader, request.feed_id.strip(), actor_of(claims))
        return qpb.RevokeFeedTokenResponse()

    def ResolveFeed(
        self, request: qpb.ResolveFeedRequest, context: grpc.ServicerContext
    ) -> qpb.CasePage:
        if request.kind not in (qpb.FEED_KIND_ATOM, qpb.FEED_KIND_ICALENDAR):
            raise InvalidArgument("訂閱資料有誤", fields={"kind": "須為 Atom 或 iCalendar"})
        try:
            page = self.feeds.resolve(
                request.token.strip(),
                request.page_size,
                only_hearings=request.kind == qpb.FEED_KIND_ICALENDAR,
            )
        except NotFound:
            raise NotFound(CASE_NOT_FOUND) from None
        return case_page(page)


def case_page(page: EntriesPage) -> qpb.CasePage:
    message = qpb.CasePage(
        summary=case_summary(page.view),
        entries=[entry_view(row, page.previous_visit_at) for row in page.entries],
        next_page_token=page.next_token,
        total_entries=page.total_entries,
    )
    if (visited := timestamp(page.previous_visit_at)) is not None:
        message.previous_visit_at.CopyFrom(visited)
    if (as_of := timestamp(page.data_as_of)) is not None:
        message.data_as_of.CopyFrom(as_of)
    return message


def feed_message(view: FeedView) -> qpb.FeedToken:
    message = qpb.FeedToken(
        feed_id=view.feed.id,
        case_id=view.case.id,
        token=view.token,
        summary=case_summary(CaseView(view.case, view.feed.follow_id, [], None, 0), False),
    )
    message.created_at.FromDatetime(view.feed.created_at)
    if view.feed.last_used_at is not None:
        message.last_used_at.FromDatetime(view.feed.last_used_at)
    return message
