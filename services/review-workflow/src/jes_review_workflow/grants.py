"""The reviewer's decision grant, asked of identity when a decision is recorded.

Review-workflow forwards the reviewer's access token to identity, which returns a grant
bound to this one decision (kind, target, print, decision, decision id, court) with the
reviewer as its subject. The grant is stored with the decision: every attempt to carry it
out (this request's, or the worker's after a crash, when the reviewer's 15-minute token
is long gone) calls the owning service as review-workflow itself with the grant. It is
not a general secret: it allows only this already-recorded decision, applied idempotently.
"""

from __future__ import annotations

import grpc

from jes.identity.v1 import identity_pb2 as identity_pb
from jes.identity.v1.identity_pb2_grpc import IdentityServiceStub
from jes_domain import Forbidden, Unauthenticated, Unavailable
from jes_grpckit import Client, current_user_token
from jes_review_workflow.domain.submissions import CALL_TIMEOUT
from jes_review_workflow.remote import passed_on

PHOTO_SET_REVIEW = "photo_set_review"
FIRM_APPLICATION = "firm_application"

IDENTITY_AWAY = "身分驗證服務暫時無法使用，審核結果未登錄，請稍後再試"


def decision_grant(
    identity: Client[IdentityServiceStub],
    *,
    kind: str,
    target_id: str,
    version: str,
    approve: bool,
    decision_id: str,
    court_code: str,
) -> str:
    """The grant for the reviewer whose token this request carries; nothing is recorded
    when identity is away or refuses (the caller asks before recording)."""
    request = identity_pb.IssueDecisionGrantRequest(
        binding=identity_pb.DecisionBinding(
            kind=kind,
            target_id=target_id,
            version=version,
            decision="approve" if approve else "reject",
            decision_id=decision_id,
            court_code=court_code,
        )
    )
    try:
        reply = identity.as_caller(current_user_token()).IssueDecisionGrant(
            request, timeout=CALL_TIMEOUT.total_seconds()
        )
    except grpc.RpcError as error:
        code, details = (
            (error.code(), error.details() or "") if isinstance(error, grpc.Call) else (None, "")
        )
        if code == grpc.StatusCode.PERMISSION_DENIED:
            raise Forbidden(details or "權限不足") from None
        if code == grpc.StatusCode.UNAUTHENTICATED:
            raise Unauthenticated(details or "請先登入") from None
        refusal = passed_on(error)
        if refusal is not error:
            raise refusal from None
        raise Unavailable(IDENTITY_AWAY) from error
    return str(reply.decision_grant)
