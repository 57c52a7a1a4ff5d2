"""case-sync for readers: a person's cases and one case's page (as the person: their
forwarded token; case-sync decides what they may see), and the private feeds."""

from __future__ import annotations

from jes.case_sync.v1 import case_queries_pb2 as q
from jes.case_sync.v1 import case_sync_pb2_grpc as pb_grpc
from jes_gateway.facades.base import Facade


class CasesFacade(Facade[pb_grpc.CaseSyncServiceStub]):
    def my_cases(
        self, token: str, page_token: str = "", page_size: int = 0
    ) -> q.ListMyCasesResponse:
        request = q.ListMyCasesRequest(page_size=page_size, page_token=page_token)
        return self._rpc(token).ListMyCases(request)

    def case_page(
        self,
        token: str,
        case_id: str,
        *,
        page_token: str = "",
        page_size: int = 0,
        record_visit: bool = False,
    ) -> q.CasePage:
        request = q.GetCaseRequest(
            case_id=case_id,
            page_token=page_token,
            page_size=page_size,
            record_visit=record_visit,
        )
        return self._rpc(token).GetCase(request)

    def create_feed(self, token: str, case_id: str) -> q.FeedToken:
        return self._rpc(token).CreateFeedToken(q.CreateFeedTokenRequest(case_id=case_id))

    def my_feeds(self, token: str, case_id: str = "") -> q.ListMyFeedTokensResponse:
        return self._rpc(token).ListMyFeedTokens(q.ListMyFeedTokensRequest(case_id=case_id))

    def revoke_feed(self, token: str, feed_id: str) -> None:
        self._rpc(token).RevokeFeedToken(q.RevokeFeedTokenRequest(feed_id=feed_id))

    def resolve_feed(self, feed_token: str, kind: q.FeedKind.ValueType) -> q.CasePage:
        """A feed reader has no login: the address's secret is the key (as the gateway)."""
        return self._rpc().ResolveFeed(q.ResolveFeedRequest(token=feed_token, kind=kind))
