"""Server-side sessions (issue 10, journey 3): a login starts one; activity extends it
(idle 30 minutes), none lasts over 12 hours; logout ends it on the server; a password
change ends every other session, a reset every one; the owner lists and ends them."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from sqlalchemy import event, update

from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import sessions_pb2 as spb
from jes_db import utcnow
from jes_identity.models import Account, LoginSession

NEW_PASSWORD = "Changed123!"
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def firm(service):
    service.add_account("DEMOFIRM", roles=["firm"], email="firm@example.com")
    return service


def login(service, user_agent: str = CHROME, address: str = "203.0.113.7") -> pb.LoginResponse:
    return service.client().call(
        "Login",
        pb.LoginRequest(
            account_id="DEMOFIRM",
            password="Firm1234!",
            client_address=address,
            user_agent=user_agent,
        ),
    )


def refresh(service, session_token: str, touch: bool = True) -> spb.SessionTokens:
    return service.client().call(
        "RefreshSession", spb.RefreshSessionRequest(session_token=session_token, touch=touch)
    )


def idle_for(service, session_id: str, minutes: float) -> None:
    """As if the session's last activity was `minutes` ago."""
    with service.kit.db.transaction() as session:
        session.execute(
            update(LoginSession)
            .where(LoginSession.id == session_id)
            .values(last_activity_at=utcnow() - timedelta(minutes=minutes))
        )


def test_a_login_starts_a_session_that_gives_fresh_tokens(firm):
    reply = login(firm)
    assert reply.session_token.startswith(f"{reply.session_id}.")
    absolute = reply.absolute_expires_at.ToDatetime() - reply.idle_expires_at.ToDatetime()
    assert timedelta(hours=11, minutes=29) < absolute <= timedelta(hours=11, minutes=30)
    tokens = refresh(firm, reply.session_token)
    claims = firm.verifier().verify(tokens.access_token)
    assert (claims.session_id, claims.username) == (reply.session_id, "DEMOFIRM")
    assert tokens.expires_in_seconds == 300
    assert (tokens.account_id, list(tokens.roles)) == ("DEMOFIRM", ["firm"])
    # the token's owner sees the session (time, address, browser), marked as this one
    mine = firm.client(tokens.access_token).call("ListMySessions", spb.ListMySessionsRequest())
    [info] = mine.sessions
    assert (info.id, info.client_address, info.user_agent, info.current) == (
        reply.session_id,
        "203.0.113.7",
        CHROME,
        True,
    )


def test_activity_extends_the_session_and_idleness_ends_it(firm):
    """Issue 10: a session ended 15 minutes after login however active the user was."""
    reply = login(firm)
    for _ in range(3):  # 25 minutes idle, three times over: 75 minutes in all
        idle_for(firm, reply.session_id, 25)
        tokens = refresh(firm, reply.session_token)
        left = tokens.idle_expires_at.ToDatetime() - utcnow().replace(tzinfo=None)
        assert timedelta(minutes=29) < left <= timedelta(minutes=30)
    idle_for(firm, reply.session_id, 31)
    error = rpc_error(refresh, firm, reply.session_token)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error.details() == "閒置過久，已自動登出，請重新登入"


def test_asking_without_activity_does_not_extend(firm):
    reply = login(firm)
    idle_for(firm, reply.session_id, 20)
    tokens = refresh(firm, reply.session_token, touch=False)
    left = tokens.idle_expires_at.ToDatetime() - utcnow().replace(tzinfo=None)
    assert timedelta(minutes=9) < left <= timedelta(minutes=10)


class Statements:
    """The SQL statements the service's database runs while counting."""

    def __init__(self, service):
        self.engine = service.kit.db.engine
        self.seen: list[str] = []

    def __enter__(self) -> list[str]:
        event.listen(self.engine, "before_cursor_execute", self.listen)
        return self.seen

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self.listen)

    def listen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.seen.append(statement.split(None, 1)[0].upper())


def test_pages_within_a_minute_record_the_activity_once(firm):
    """Issue 11: a page a second wrote the session's activity a second; now a write when
    the recorded activity is a minute old (the idle timeout counts from it)."""
    reply = login(firm)
    idle_for(firm, reply.session_id, 2)
    with Statements(firm) as seen:
        for _ in range(5):
            refresh(firm, reply.session_token)
    assert seen.count("UPDATE") == 1  # the first: the recorded activity was 2 minutes old
    assert seen.count("SELECT") >= 5  # the session is read on every call
    with firm.kit.db.transaction() as session:
        recorded = session.get(LoginSession, reply.session_id).last_activity_at
    assert utcnow() - recorded < timedelta(seconds=30)
    # a page after 30 seconds: no write (the idle timeout then ends the session 29.5
    # minutes after it at the earliest); after 61 seconds: one
    idle_for(firm, reply.session_id, 0.5)
    with Statements(firm) as seen:
        refresh(firm, reply.session_token)
    assert seen.count("UPDATE") == 0
    idle_for(firm, reply.session_id, 61 / 60)
    with Statements(firm) as seen:
        tokens = refresh(firm, reply.session_token)
    assert seen.count("UPDATE") == 1
    left = tokens.idle_expires_at.ToDatetime() - utcnow().replace(tzinfo=None)
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


def test_a_refresh_reads_the_session_and_its_account_in_one_statement(firm):
    """Issue 11: RefreshSession read the session, then its account (two round trips, in a
    transaction of its own: two more); now one SELECT with the account joined."""
    reply = login(firm)
    refresh(firm, reply.session_token)  # the activity recorded just now: no write due
    with Statements(firm) as seen:
        for _ in range(3):
            refresh(firm, reply.session_token)
    assert [s for s in seen if s != "BEGIN"] == ["SELECT"] * 3  # SQLite's BEGIN IMMEDIATE


def test_a_fresh_access_token_is_handed_back_not_signed_again(firm, monkeypatch):
    """Issue 11: a token signed per page; now the session's token is handed back while it
    has over half its five minutes left, and an ended session gets none."""
    from jes_auth import TokenIssuer

    signed: list[str] = []
    issue = TokenIssuer.issue

    def counting(self, subject, **claims):
        signed.append(subject)
        return issue(self, subject, **claims)

    monkeypatch.setattr(TokenIssuer, "issue", counting)
    reply = login(firm)
    signed.clear()
    first = refresh(firm, reply.session_token)
    again = [refresh(firm, reply.session_token) for _ in range(4)]
    assert len(signed) == 1
    assert {t.access_token for t in again} == {first.access_token}
    assert all(250 < t.expires_in_seconds <= 300 for t in again)
    # another session of the same account has its own token
    other = login(firm)
    signed.clear()
    assert refresh(firm, other.session_token).access_token != first.access_token
    assert len(signed) == 1
    # a changed role signs a new token carrying it
    with firm.kit.db.transaction() as session:
        session.execute(
            update(Account)
            .where(Account.account_id == "DEMOFIRM")
            .values(display_name="改名事務所")
        )
    renamed = refresh(firm, reply.session_token)
    assert renamed.access_token != first.access_token
    assert firm.verifier().verify(renamed.access_token).name == "改名事務所"
    assert len(signed) == 2
    # logout: the next call is refused, whatever token was kept
    firm.client().call("EndSession", spb.EndSessionRequest(session_token=reply.session_token))
    error = rpc_error(refresh, firm, reply.session_token)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    # sign out everywhere from the other session: refused on its next call too
    token = refresh(firm, other.session_token).access_token
    firm.client(token).call("EndMySessions", spb.EndMySessionsRequest(all=True))
    assert rpc_error(refresh, firm, other.session_token).code() == grpc.StatusCode.UNAUTHENTICATED


def test_no_session_outlives_12_hours(firm):
    reply = login(firm)
    with firm.kit.db.transaction() as session:
        session.execute(
            update(LoginSession).values(absolute_expires_at=utcnow() - timedelta(seconds=1))
        )
    error = rpc_error(refresh, firm, reply.session_token)
    assert error.details() == "登入已超過 12 小時，請重新登入"


def test_logout_ends_the_session_on_the_server(firm):
    reply = login(firm)
    firm.client().call("EndSession", spb.EndSessionRequest(session_token=reply.session_token))
    error = rpc_error(refresh, firm, reply.session_token)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error.details() == "您已登出，請重新登入"
    # logging out twice, or with nonsense, is no error and ends nothing else
    firm.client().call("EndSession", spb.EndSessionRequest(session_token=reply.session_token))
    firm.client().call("EndSession", spb.EndSessionRequest(session_token="x.y"))


def test_a_wrong_secret_is_no_session(firm):
    reply = login(firm)
    for token in (f"{reply.session_id}.wrong", reply.session_id, "", "a" * 300):
        error = rpc_error(refresh, firm, token)
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert refresh(firm, reply.session_token).account_id == "DEMOFIRM"


def test_a_password_change_ends_every_other_session(firm):
    here, elsewhere = login(firm), login(firm, user_agent="curl/8.0")
    me = firm.client(refresh(firm, here.session_token).access_token)
    me.call(
        "ChangePassword",
        pb.ChangePasswordRequest(current_password="Firm1234!", new_password=NEW_PASSWORD),
    )
    error = rpc_error(refresh, firm, elsewhere.session_token)
    assert error.details() == "您已登出，請重新登入"
    assert refresh(firm, here.session_token).account_id == "DEMOFIRM"


def test_a_reset_ends_every_session(firm):
    sessions = [login(firm), login(firm)]
    firm.client().call(
        "RequestPasswordReset",
        pb.RequestPasswordResetRequest(account_id="DEMOFIRM", email="firm@example.com"),
    )
    [(_, event)] = firm.events(pb.PasswordResetRequested)
    firm.client().call(
        "SetPassword",
        pb.SetPasswordRequest(token=firm.link_token(event.link_id), new_password=NEW_PASSWORD),
    )
    for started in sessions:
        assert rpc_error(refresh, firm, started.session_token).code() == (
            grpc.StatusCode.UNAUTHENTICATED
        )


def test_the_owner_ends_one_session_or_all(firm):
    first, second, third = login(firm), login(firm), login(firm)
    me = firm.client(refresh(firm, first.session_token).access_token)
    ended = me.call("EndMySessions", spb.EndMySessionsRequest(session_id=second.session_id))
    assert ended.ended == 1
    assert rpc_error(refresh, firm, second.session_token).code() == (
        grpc.StatusCode.UNAUTHENTICATED
    )
    listed = me.call("ListMySessions", spb.ListMySessionsRequest()).sessions
    assert {s.id for s in listed} == {first.session_id, third.session_id}
    # another account's session is not found, and stays
    firm.add_account("OTHERFIRM", roles=["firm"])
    other = firm.login("OTHERFIRM")
    not_mine = rpc_error(
        me.call, "EndMySessions", spb.EndMySessionsRequest(session_id=other.session_id)
    )
    assert not_mine.code() == grpc.StatusCode.NOT_FOUND
    assert refresh(firm, other.session_token).account_id == "OTHERFIRM"
    nothing = rpc_error(me.call, "EndMySessions", spb.EndMySessionsRequest())
    assert nothing.code() == grpc.StatusCode.INVALID_ARGUMENT
    # sign out everywhere (登出所有裝置): this session too
    assert me.call("EndMySessions", spb.EndMySessionsRequest(all=True)).ended == 2
    for started in (first, third):
        assert rpc_error(refresh, firm, started.session_token).code() == (
            grpc.StatusCode.UNAUTHENTICATED
        )


def test_a_disabled_account_gets_no_new_token(firm):
    reply = login(firm)
    firm.add_account("DEMOFIRM", roles=["firm"], status="disabled")
    assert rpc_error(refresh, firm, reply.session_token).code() == grpc.StatusCode.UNAUTHENTICATED


def test_an_installation_sets_its_idle_timeout():
    from jes_identity.domain.sessions import idle_timeout_from

    assert idle_timeout_from("") == timedelta(minutes=30)
    assert idle_timeout_from("900") == timedelta(minutes=15)
    for wrong in ("59", "50000", "half an hour"):
        with pytest.raises(ValueError):
            idle_timeout_from(wrong)
