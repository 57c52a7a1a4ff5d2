"""case-sync for readers: a person's cases and one case's page (as the person: their
forwarded token; case-sync decides what they may see), the private feeds, and a clerk's
approval of a follow application (case-sync decides which court's cases the clerk may
approve)."""

from __future__ import annotations

from jes.case_sync.v1 import case_queries_pb2 as q
from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import case_sync_pb2_grpc as pb_grpc
from jes.case_sync.v1 import cases_pb2
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

    def approve_follow(
        self,
        token: str,
        case: cases_pb2.CaseKey,
        *,
        email: str,
        role: cases_pb2.FollowerRole.ValueType,
        applicant_name: str = "",
        application_id: str = "",
    ) -> cases_pb2.Follow:
        request = pb.ApproveFollowRequest(
            case=case,
            email=email,
            role=role,
            applicant_name=applicant_name,
            application_id=application_id,
        )
        return self._rpc(token).ApproveFollow(request)

    def followers(self, token: str, case: cases_pb2.CaseKey) -> pb.ListFollowersResponse:
        return self._rpc(token).ListFollowers(pb.ListFollowersRequest(case=case))
