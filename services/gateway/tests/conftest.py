"""Gateway tests without the services: each gRPC client is a fake that answers from a table
of canned replies (or refusals) and records what it was asked."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from flask import Flask
from flask.testing import FlaskClient
from google.rpc import error_details_pb2, status_pb2

from jes.identity.v1 import identity_pb2, sessions_pb2
from jes_gateway.app import create_app
from jes_gateway.config import GatewayConfig
from jes_gateway.facades import Backends

CSRF = "test-csrf-token"


class FakeRpcError(grpc.RpcError, grpc.Call):  # type: ignore[misc]
    """A refused call as the real client raises it, with BadRequest field violations."""

    def __init__(self, code: grpc.StatusCode, details: str, fields: dict[str, str] | None = None):
        self._code, self._details = code, details
        self._metadata: tuple[tuple[str, bytes], ...] = ()
        if fields:
            status = status_pb2.Status(code=code.value[0], message=details)
            status.details.add().Pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(field=k, description=v)
                        for k, v in fields.items()
                    ]
                )
            )
            self._metadata = (("grpc-status-details-bin", status.SerializeToString()),)

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> Any:
        return self._metadata

    def initial_metadata(self) -> Any:
        return ()

    def is_active(self) -> bool:
        return False

    def time_remaining(self) -> float | None:
        return None

    def cancel(self) -> bool:
        return False

    def add_callback(self, callback: Any) -> bool:
        return False


class FakeStub:
    """The generated stub's shape: `stub.Method(request, timeout=...)`, answered by the fake."""

    def __init__(self, service: FakeService, token: str | None):
        self._service, self._token = service, token

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def rpc(request: Any, *, timeout: float | None = None, **_: Any) -> Any:
            return self._service.call(method, request, token=self._token, timeout=timeout)

        return rpc


class FakeService:
    """`replies[method]` is a message, an exception to raise, or a function of the request.
    Used as the facades use a `jes_grpckit.Client`: `stub` or `as_caller(token)`."""

    def __init__(self) -> None:
        self.replies: dict[str, Any] = {}
        self.calls: list[tuple[str, Any, str | None]] = []

    @property
    def stub(self) -> FakeStub:
        return FakeStub(self, None)

    def as_caller(self, token: str | None) -> FakeStub:
        return FakeStub(self, token)

    def call(
        self, method: str, request: Any, *, token: str | None = None, timeout: float | None = None
    ) -> Any:
        self.calls.append((method, request, token))
        if method not in self.replies:
            raise FakeRpcError(grpc.StatusCode.UNIMPLEMENTED, f"{method} not faked")
        reply = self.replies[method]
        if isinstance(reply, Exception):
            raise reply
        return reply(request) if callable(reply) else reply

    def requests(self, method: str) -> list[Any]:
        return [request for name, request, _ in self.calls if name == method]

    def tokens(self, method: str) -> list[str | None]:
        return [token for name, _, token in self.calls if name == method]


# identity's default policy (jes_identity.passwords.PasswordPolicy), as identity serves it.
PASSWORD_POLICY = identity_pb2.PasswordPolicy(
    min_length=8,
    max_length=64,
    symbols="@!?.()~",
    summary="密碼須為 8 至 64 個字元，同時包含英文大寫、小寫字母及數字，可使用符號 @!?.()~",
    rules=[
        "長度 8 至 64 個字元",
        "須同時包含英文大寫及小寫字母",
        "須包含數字",
        "只能使用英文字母、數字及符號 @!?.()~",
    ],
)


LOGIN_CHALLENGE = identity_pb2.LoginChallenge(id="challenge-1", digits="402719")
LOGIN_CHALLENGE.expires_at.GetCurrentTime()


@pytest.fixture
def services() -> Backends:
    identity = FakeService()
    identity.replies["GetPasswordPolicy"] = PASSWORD_POLICY
    # a login form after a failure shows a captcha (identity makes its digits)
    identity.replies["CreateLoginChallenge"] = LOGIN_CHALLENGE
    return Backends(
        identity=identity,  # type: ignore[arg-type]
        photos=FakeService(),  # type: ignore[arg-type]
        reviews=FakeService(),  # type: ignore[arg-type]
        cases=FakeService(),  # type: ignore[arg-type]
        notification=FakeService(),  # type: ignore[arg-type]
        certificates=FakeService(),  # type: ignore[arg-type]
        render=FakeService(),  # type: ignore[arg-type]
        appraisers=FakeService(),  # type: ignore[arg-type]
        appraiser_applications=FakeService(),  # type: ignore[arg-type]
        committee=FakeService(),  # type: ignore[arg-type]
        appraisal_work=FakeService(),  # type: ignore[arg-type]
    )


@pytest.fixture
def app(tmp_path: Path, services: Backends) -> Flask:
    config = GatewayConfig.load({"JES_DATA_DIR": str(tmp_path)})
    flask_app = create_app(config, backends=services)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser that has opened a page: its session has a CSRF token. (Each test's app
    counts request limits in its own database, so each starts with none used.)"""
    test_client = app.test_client()
    with test_client.session_transaction() as session:
        session["csrf_token"] = CSRF
    return test_client


def sign_in_as(
    client: FlaskClient,
    account_id: str,
    roles: list[str],
    court_code: str = "TPD",
    name: str = "測試使用者",
    sign_in_provider: str = "",
) -> str:
    """A signed-in session as the login page would leave it (the cookie holds identity's
    session token; the fake identity answers RefreshSession for it until the session is
    ended); returns the access token pages then call services with."""
    token = f"token-of-{account_id}"
    session_token = f"session-of-{account_id}.secret"
    identity = client.application.extensions["jes"].services.identity.client
    known: dict[str, sessions_pb2.SessionTokens] = identity.__dict__.setdefault("web_sessions", {})
    tokens = sessions_pb2.SessionTokens(
        access_token=token,
        expires_in_seconds=300,
        session_id=f"session-of-{account_id}",
        account_id=account_id,
        display_name=name,
        roles=roles,
        court_code=court_code,
        sign_in_provider=sign_in_provider,
    )
    tokens.idle_expires_at.FromSeconds(int(time.time()) + 30 * 60)
    known[session_token] = tokens

    def refresh(request: sessions_pb2.RefreshSessionRequest) -> sessions_pb2.SessionTokens:
        if request.session_token not in known:
            raise FakeRpcError(grpc.StatusCode.UNAUTHENTICATED, "您已登出，請重新登入")
        reply = sessions_pb2.SessionTokens()
        reply.CopyFrom(known[request.session_token])
        # identity answers with the account as it is now (e.g. a name just changed)
        account = identity.replies.get("GetMyAccount")
        if isinstance(account, identity_pb2.Account) and account.account_id == reply.account_id:
            reply.display_name = account.display_name
        return reply

    def end(request: sessions_pb2.EndSessionRequest) -> sessions_pb2.EndSessionResponse:
        known.pop(request.session_token, None)
        return sessions_pb2.EndSessionResponse()

    identity.replies["RefreshSession"] = refresh
    identity.replies["EndSession"] = end
    with client.session_transaction() as session:
        session["session_token"] = session_token
        session["csrf_token"] = CSRF
    return token


@pytest.fixture
def clerk(client: FlaskClient) -> FlaskClient:
    sign_in_as(client, "TPDCLERK", ["clerk"], name="臺北地院 陳書記官")
    return client


@pytest.fixture
def firm(client: FlaskClient) -> FlaskClient:
    sign_in_as(client, "TPD0001", ["firm"], name="大華估價")
    return client


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    sign_in_as(client, "ADMIN", ["admin"], court_code="", name="系統管理者")
    return client


def post_form(client: FlaskClient, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """A page form post with the session's CSRF token, as the browser sends it."""
    return client.post(path, data={"csrf_token": CSRF, **data}, **kwargs)


# Test modules cannot import this conftest (importlib mode): they get the helpers as fixtures.


@pytest.fixture
def refusal() -> type[FakeRpcError]:
    """`refusal(grpc.StatusCode.X, "zh-TW message", {"field": "message"})`"""
    return FakeRpcError


@pytest.fixture
def form_post() -> Callable[..., Any]:
    return post_form


@pytest.fixture
def sign_in() -> Callable[..., str]:
    """`sign_in(client, account_id, roles, court_code=..., name=...)`: sign_in_as."""
    return sign_in_as
