"""One way to run a gRPC server: mutual TLS, who-may-call checks, health, reflection,
metrics, logs, graceful stop.

Every connection presents a client certificate of the JES CA (mutual TLS); the interceptor
reads the caller from it, verifies a forwarded user token if there is one, and checks the
pair against the RPC's declaration in its contract (jes_grpckit.policy) before the handler
runs. Kubernetes probes cannot present a certificate: the health check alone is also
served in plaintext on its own port (`health_port`).
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from jes_auth import AuthError, Claims, PermissionDenied, TokenVerifier
from jes_grpckit.errors import Forbidden, ServiceError, Unauthenticated, status_code_of, status_of
from jes_grpckit.logs import new_request_id, request_id_var
from jes_grpckit.metrics import GRPC_DURATION, GRPC_REQUESTS
from jes_grpckit.policy import Caller, CallPolicy, policies_of
from jes_grpckit.tls import TlsIdentity, peer_of

log = logging.getLogger("jes.grpc")

caller_var: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("caller", default=None)

HEALTH = "/grpc.health.v1.Health/"
# Reflection maps every RPC of a server: JES modules only (operators use a module's
# certificate with grpcurl), never a court system.
REFLECTION = ("/grpc.reflection.v1alpha.ServerReflection/", "/grpc.reflection.v1.ServerReflection/")

# Why a call was refused, as google.rpc.ErrorInfo reasons (domain "jes").
CALLER_NOT_ALLOWED = "CALLER_NOT_ALLOWED"
LOGIN_REQUIRED = "LOGIN_REQUIRED"  # a person's token would be let in; none was forwarded
CALLER_UNKNOWN = "CALLER_UNKNOWN"
TOKEN_INVALID = "TOKEN_INVALID"  # noqa: S105 (a reason code, not a secret)
ERROR_DOMAIN = "jes"

# Large enough for one photo (upload limits are enforced by the service itself).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


def current_caller() -> Caller:
    """Who is calling the RPC being served (certificate + forwarded user, if any)."""
    caller = caller_var.get()
    if caller is None:
        raise Unauthenticated("請先登入")
    return caller


def current_claims() -> Claims:
    """Who acts in the call being served: the forwarded user, else the calling module or
    court system itself (`Caller.claims`)."""
    return current_caller().claims


def current_user_token() -> str | None:
    """The access token the caller forwarded, to pass on when calling another service
    for the same person (None when the caller acts as itself)."""
    return user_token_var.get()


user_token_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "user_token", default=None
)


class CallRefused(Exception):
    """The policy layer's refusal: a status code, an ErrorInfo reason and a zh-TW message."""

    def __init__(self, code: grpc.StatusCode, reason: str, message: str, why: str):
        super().__init__(why)
        self.code = code
        self.reason = reason
        self.message = message

    def status(self) -> status_pb2.Status:
        status = status_pb2.Status(code=self.code.value[0], message=self.message)
        status.details.add().Pack(
            error_details_pb2.ErrorInfo(reason=self.reason, domain=ERROR_DOMAIN)
        )
        return status


def refusal_reason(error: grpc.RpcError) -> str:
    """The ErrorInfo reason of a refused call ("" when there is none)."""
    status = rpc_status.from_call(error) if isinstance(error, grpc.Call) else None
    details: list[Any] = list(status.details) if status else []
    for detail in details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return str(info.reason)
    return ""


def _not_allowed(why: str) -> CallRefused:
    return CallRefused(
        grpc.StatusCode.PERMISSION_DENIED, CALLER_NOT_ALLOWED, "權限不足：呼叫者無權使用此功能", why
    )


class _Interceptor(grpc.ServerInterceptor):
    """Wraps every handler: request id, caller check, error mapping, metrics, access log."""

    def __init__(
        self, service: str, verifier: TokenVerifier | None, policies: dict[str, CallPolicy]
    ):
        self.service = service
        self.verifier = verifier
        self.policies = policies  # filled by GrpcServer.add before the server starts

    def intercept_service(self, continuation: Any, details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(details)
        if handler is None:
            return None
        method: str = details.method
        metadata = dict(details.invocation_metadata or ())

        def wrap(
            behavior: Callable[..., Any], streaming_request: bool, streaming_response: bool
        ) -> Callable[..., Any]:
            def run(request_or_iterator: Any, context: grpc.ServicerContext) -> Any:
                return self._run(
                    behavior,
                    request_or_iterator,
                    context,
                    method,
                    metadata,
                    streaming_request,
                    streaming_response,
                )

            return run

        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                wrap(handler.unary_unary, False, False),
                handler.request_deserializer,
                handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                wrap(handler.unary_stream, False, True),
                handler.request_deserializer,
                handler.response_serializer,
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                wrap(handler.stream_unary, True, False),
                handler.request_deserializer,
                handler.response_serializer,
            )
        return grpc.stream_stream_rpc_method_handler(
            wrap(handler.stream_stream, True, True),
            handler.request_deserializer,
            handler.response_serializer,
        )

    def _user(self, metadata: dict[str, Any]) -> tuple[Claims | None, str | None]:
        """The person whose access token the caller forwards, if it forwards one."""
        header = str(metadata.get("authorization", ""))
        if not header:
            return None, None
        if not header.lower().startswith("bearer ") or self.verifier is None:
            raise CallRefused(
                grpc.StatusCode.UNAUTHENTICATED, TOKEN_INVALID, "憑證格式錯誤", "not a bearer token"
            )
        token = header[7:].strip()
        try:
            claims = self.verifier.verify(token)
        except AuthError as exc:
            raise CallRefused(
                grpc.StatusCode.UNAUTHENTICATED,
                TOKEN_INVALID,
                "登入已逾時或憑證無效，請重新登入",
                str(exc),
            ) from exc
        if claims.kind != "user":
            raise CallRefused(
                grpc.StatusCode.UNAUTHENTICATED, TOKEN_INVALID, "憑證無效", "not a user token"
            )
        return claims, token

    def _admit(
        self, context: grpc.ServicerContext, method: str, metadata: dict[str, Any]
    ) -> tuple[Caller, CallPolicy | None, str | None]:
        """The caller, if the RPC's declaration lets it call (the court field of a court
        system is checked per request message, by the caller of this)."""
        peer = peer_of(context)
        if peer is None:
            raise CallRefused(
                grpc.StatusCode.UNAUTHENTICATED,
                CALLER_UNKNOWN,
                "缺少有效的用戶端憑證",
                "no JES identity in the client certificate",
            )
        user, token = self._user(metadata)
        caller = Caller(peer, user)
        if method.startswith(HEALTH):
            return caller, None, token
        if method.startswith(REFLECTION):
            if user is not None or not peer.is_service:
                raise _not_allowed(f"{caller} may not use reflection")
            return caller, None, token
        policy = self.policies.get(method)
        if policy is None:
            raise _not_allowed(f"{method} has no declared callers")
        why = policy.refusal(caller)
        if why and user is None and policy.takes_users_from(peer):
            raise CallRefused(grpc.StatusCode.UNAUTHENTICATED, LOGIN_REQUIRED, "請先登入", why)
        if why:
            raise _not_allowed(why)
        return caller, policy, token

    def _run(
        self,
        behavior: Callable[..., Any],
        request: Any,
        context: grpc.ServicerContext,
        method: str,
        metadata: dict[str, Any],
        streaming_request: bool,
        streaming_response: bool,
    ) -> Any:
        request_id = str(metadata.get("x-request-id", "")) or new_request_id()
        request_token = request_id_var.set(request_id)
        caller_token = caller_var.set(None)
        user_token = user_token_var.set(None)
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            caller, policy, token = self._admit(context, method, metadata)
            if policy is not None and caller.peer.is_court_system:
                request = _court_checked(policy, caller, request, streaming_request)
            caller_var.set(caller)
            user_token_var.set(token)
            result = behavior(request, context)
            if streaming_response:
                result = list(result)  # small streams only; keeps error mapping in one place
            return iter(result) if streaming_response else result
        except CallRefused as exc:
            code = exc.code
            log.warning("%s refused: %s", method, exc)
            context.abort_with_status(rpc_status.to_status(exc.status()))
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
            user_token_var.reset(user_token)
            caller_var.reset(caller_token)
            request_id_var.reset(request_token)


def _court_checked(policy: CallPolicy, caller: Caller, request: Any, streaming: bool) -> Any:
    """A court system acts for its own court only: each request message must name it."""
    if not streaming:
        why = policy.refusal(caller, request)
        if why:
            raise _not_allowed(why)
        return request

    def checked() -> Iterator[Any]:
        for message in request:
            why = policy.refusal(caller, message)
            if why:
                raise _not_allowed(why)
            yield message

    return checked()


class GrpcServer:
    """A gRPC server for one or more services (all-in-one adds several to one process)."""

    def __init__(
        self,
        service: str,
        *,
        port: int,
        host: str = "127.0.0.1",
        verifier: TokenVerifier | None,
        tls: TlsIdentity,
        health_port: int = 0,
        max_workers: int = 16,
    ):
        self.service = service
        self.health = health.HealthServicer()
        self.policies: dict[str, CallPolicy] = {}
        options = [
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 0),
        ]
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=service),
            interceptors=[_Interceptor(service, verifier, self.policies)],
            options=options,
        )
        self.port = self.server.add_secure_port(f"{host}:{port}", tls.server_credentials())
        if self.port == 0:
            raise RuntimeError(f"{service}: cannot listen on {host}:{port}")
        self.service_names: list[str] = [reflection.SERVICE_NAME, health.SERVICE_NAME]
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        # Probes: the health check only, in plaintext, nothing else on that port.
        self.probe_server: grpc.Server | None = None
        self.health_port = 0
        if health_port:
            self.probe_server = grpc.server(
                futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"{service}-probe"),
                options=[("grpc.so_reuseport", 0)],
            )
            health_pb2_grpc.add_HealthServicer_to_server(self.health, self.probe_server)
            self.health_port = self.probe_server.add_insecure_port(f"{host}:{health_port}")
            if self.health_port == 0:
                raise RuntimeError(f"{service}: cannot listen on {host}:{health_port}")

    def add(self, register: Callable[[Any, grpc.Server], None], servicer: Any, name: str) -> None:
        """`register` is the generated add_XServicer_to_server; `name` the full service name.
        Every RPC of the service must declare its callers in the contract, or this raises
        (jes_grpckit.policy.MissingDeclaration) and the server does not start."""
        self.policies.update(policies_of([name]))
        register(servicer, self.server)
        self.service_names.append(name)

    def start(self) -> None:
        reflection.enable_server_reflection(self.service_names, self.server)
        self.server.start()
        if self.probe_server is not None:
            self.probe_server.start()
        for name in [*self.service_names, ""]:
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("%s serving gRPC (mutual TLS) on port %d", self.service, self.port)

    def stop(self, grace: float = 10.0) -> None:
        """Report NOT_SERVING first so load balancers drain, then finish calls in flight."""
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait()
        if self.probe_server is not None:
            self.probe_server.stop(0).wait()

    def wait(self) -> None:
        self.server.wait_for_termination()
