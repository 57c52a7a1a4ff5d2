"""One way to run a gRPC server: health, reflection, auth, metrics, logs, graceful stop."""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable, Iterable
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from jes_auth import AuthError, Claims, PermissionDenied, TokenVerifier
from jes_grpckit.errors import Forbidden, ServiceError, Unauthenticated, status_code_of, status_of
from jes_grpckit.logs import new_request_id, request_id_var
from jes_grpckit.metrics import GRPC_DURATION, GRPC_REQUESTS

log = logging.getLogger("jes.grpc")

claims_var: contextvars.ContextVar[Claims | None] = contextvars.ContextVar("claims", default=None)

# Methods anyone may call without a token: health (probes). Reflection lists every RPC of
# the server, so it needs a token like any other call.
ALWAYS_PUBLIC = ("/grpc.health.v1.Health/",)

# Large enough for one photo (upload limits are enforced by the service itself).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


def current_claims() -> Claims:
    """The verified caller of the call being served; raises if the method is public."""
    claims = claims_var.get()
    if claims is None:
        raise Unauthenticated("請先登入")
    return claims


class _Interceptor(grpc.ServerInterceptor):
    """Wraps every handler: request id, auth, error mapping, metrics and an access log."""

    def __init__(self, service: str, verifier: TokenVerifier | None, public: set[str]):
        self.service = service
        self.verifier = verifier
        self.public = public

    def intercept_service(self, continuation: Any, details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(details)
        if handler is None:
            return None
        method: str = details.method
        metadata = dict(details.invocation_metadata or ())
        is_public = method in self.public or method.startswith(ALWAYS_PUBLIC)

        def wrap(behavior: Callable[..., Any], streaming_response: bool) -> Callable[..., Any]:
            def run(request_or_iterator: Any, context: grpc.ServicerContext) -> Any:
                return self._run(
                    behavior,
                    request_or_iterator,
                    context,
                    method,
                    metadata,
                    is_public,
                    streaming_response,
                )

            return run

        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                wrap(handler.unary_unary, False),
                handler.request_deserializer,
                handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                wrap(handler.unary_stream, True),
                handler.request_deserializer,
                handler.response_serializer,
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                wrap(handler.stream_unary, False),
                handler.request_deserializer,
                handler.response_serializer,
            )
        return grpc.stream_stream_rpc_method_handler(
            wrap(handler.stream_stream, True),
            handler.request_deserializer,
            handler.response_serializer,
        )

    def _authenticate(self, metadata: dict[str, Any], is_public: bool) -> Claims | None:
        header = str(metadata.get("authorization", ""))
        if not header:
            if is_public:
                return None
            raise Unauthenticated("請先登入")
        if not header.lower().startswith("bearer ") or self.verifier is None:
            raise Unauthenticated("憑證格式錯誤")
        try:
            return self.verifier.verify(header[7:].strip())
        except AuthError as exc:
            raise Unauthenticated("登入已逾時或憑證無效，請重新登入") from exc

    def _run(
        self,
        behavior: Callable[..., Any],
        request: Any,
        context: grpc.ServicerContext,
        method: str,
        metadata: dict[str, Any],
        is_public: bool,
        streaming_response: bool,
    ) -> Any:
        request_id = str(metadata.get("x-request-id", "")) or new_request_id()
        request_token = request_id_var.set(request_id)
        claims_token = claims_var.set(None)
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            claims_var.set(self._authenticate(metadata, is_public))
            result = behavior(request, context)
            if streaming_response:
                result = list(result)  # small streams only; keeps error mapping in one place
            return iter(result) if streaming_response else result
        except ServiceError as exc:
            code = status_code_of(exc)
            context.abort_with_status(rpc_status.to_status(status_of(exc)))
        except PermissionDenied as exc:
            code = grpc.StatusCode.PERMISSION_DENIED
            context.abort_with_status(
                rpc_status.to_status(status_of(Forbidden(f"權限不足：{exc}")))
            )
        except Exception as exc:
            # set when the servicer itself called abort (grpc's server context has code())
            aborted_with = context.code()  # type: ignore[attr-defined]
            if aborted_with is not None:
                code = aborted_with
                raise
            # A bug here, or a failed call to another service: never pass its text on.
            downstream = exc.code() if isinstance(exc, grpc.Call) else None
            if downstream in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                code = grpc.StatusCode.UNAVAILABLE
                log.warning("%s: a service it needs is unavailable: %s", method, exc)
                context.abort(code, "相關服務暫時無法使用，請稍後再試")
            code = grpc.StatusCode.INTERNAL
            log.exception("unhandled error in %s", method)
            context.abort(code, "系統發生錯誤，請稍後再試")
        finally:
            elapsed = time.perf_counter() - started
            name = method.rsplit("/", 1)[-1]
            GRPC_REQUESTS.labels(self.service, name, code.name).inc()
            GRPC_DURATION.labels(self.service, name).observe(elapsed)
            log.info(
                "%s %s %.1fms",
                method,
                code.name,
                elapsed * 1000,
                extra={"jes_method": method, "jes_code": code.name},
            )
            claims_var.reset(claims_token)
            request_id_var.reset(request_token)


class GrpcServer:
    """A gRPC server for one or more services (all-in-one adds several to one process)."""

    def __init__(
        self,
        service: str,
        *,
        port: int,
        host: str = "127.0.0.1",
        verifier: TokenVerifier | None,
        public_methods: Iterable[str] = (),
        max_workers: int = 16,
    ):
        self.service = service
        self.health = health.HealthServicer()
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=service),
            interceptors=[_Interceptor(service, verifier, set(public_methods))],
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
            ],
        )
        self.port = self.server.add_insecure_port(f"{host}:{port}")
        if self.port == 0:
            raise RuntimeError(f"{service}: cannot listen on {host}:{port}")
        self.service_names: list[str] = [reflection.SERVICE_NAME, health.SERVICE_NAME]
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)

    def add(self, register: Callable[[Any, grpc.Server], None], servicer: Any, name: str) -> None:
        """`register` is the generated add_XServicer_to_server; `name` the full service name."""
        register(servicer, self.server)
        self.service_names.append(name)

    def start(self) -> None:
        reflection.enable_server_reflection(self.service_names, self.server)
        self.server.start()
        for name in [*self.service_names, ""]:
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("%s serving gRPC on port %d", self.service, self.port)

    def stop(self, grace: float = 10.0) -> None:
        """Report NOT_SERVING first so load balancers drain, then finish calls in flight."""
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait()

    def wait(self) -> None:
        self.server.wait_for_termination()
