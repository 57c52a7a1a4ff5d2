"""gRPC clients of the services the gateway calls, and error translation to HTTP."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from flask import jsonify
from flask.typing import ResponseReturnValue

from jes.case_sync.v1 import case_sync_pb2_grpc
from jes.identity.v1 import identity_pb2_grpc
from jes.notification.v1 import notification_pb2_grpc
from jes.photo_storage.v1 import photo_storage_pb2_grpc
from jes.report_render.v1 import report_render_pb2_grpc
from jes.review_workflow.v1 import review_workflow_pb2_grpc
from jes_grpckit import Client, field_violations

HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
}
UNAVAILABLE_MESSAGE = "服務暫時無法使用，請稍後再試"


@dataclass
class Backends:
    identity: Client
    photos: Client
    reports: Client
    reviews: Client
    cases: Client
    notification: Client

    @classmethod
    def connect(cls, addrs: dict[str, str]) -> Backends:
        return cls(
            identity=Client(addrs["identity"], identity_pb2_grpc.IdentityServiceStub),
            photos=Client(
                addrs["photo-storage"], photo_storage_pb2_grpc.PhotoStorageServiceStub, timeout=60
            ),
            reports=Client(addrs["report-render"], report_render_pb2_grpc.ReportRenderServiceStub),
            reviews=Client(
                addrs["review-workflow"], review_workflow_pb2_grpc.ReviewWorkflowServiceStub
            ),
            cases=Client(addrs["case-sync"], case_sync_pb2_grpc.CaseSyncServiceStub),
            notification=Client(
                addrs["notification"], notification_pb2_grpc.NotificationServiceStub
            ),
        )


def grpc_error_response(error: grpc.RpcError) -> ResponseReturnValue:
    """A failed service call as JSON with a zh-TW message and per-field details."""
    code = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
    status = HTTP_STATUS.get(code, 500)
    if status >= 500:
        message = UNAVAILABLE_MESSAGE if status == 503 else "系統發生錯誤，請稍後再試"
        return jsonify(error=message), status
    body: dict[str, object] = {"error": error.details() if isinstance(error, grpc.Call) else ""}
    fields = field_violations(error)
    if fields:
        body["fields"] = fields
    return jsonify(body), status
