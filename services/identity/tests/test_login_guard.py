"""Brute force without victim lockout, through a real gRPC server: the untrusted lane of
(account, client address) with its captcha and growing waits, device tokens that keep
the owner's browser working, the per-account, per-address and global limits, and the
owner's mails (as outbox events)."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from sqlalchemy import select, update

from jes.identity.v1 import identity_pb2 as pb
from jes_db import utcnow
from jes_grpckit import field_violations
from jes_identity.domain import login_guard
from jes_identity.models import LoginChallenge, LoginRecord, TrustedDevice

PASSWORD = "Firm1234!"
WRONG = "Wrong1234!"
ATTACKER = "198.51.100.66"
OWNER = "203.0.113.5"


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def firm(service):
    service.add_account("DEMOFIRM", roles=["firm"], email="owner@dahua.example")
    return service


def login(service, password=PASSWORD, client=ATTACKER, device="", captcha=None, account="DEMOFIRM"):
    captcha_id, answer = captcha or ("", "")
    return service.client().call(
        "Login",
        pb.LoginRequest(
            account_id=account,
            password=password,
            client_address=client,
            device_token=device,
            captcha_id=captcha_id,
            captcha_answer=answer,
        ),
    )


def solved(service) -> tuple[str, str]:
    """A challenge and its digits, as the gateway gets them to draw."""
    challenge = service.client().call("CreateLoginChallenge", pb.CreateLoginChallengeRequest())
    return challenge.id, challenge.digits


def fail(service, times, **kwargs) -> list[grpc.RpcError]:
    """Wrong passwords, each with a solved captcha (an attacker who solves them all)."""
    return [
        rpc_error(login, service, WRONG, captcha=solved(service), **kwargs) for _ in range(times)
    ]


def age_records(service, by: timedelta) -> None:
    """Move every recorded attempt `by` into the past (as if that much time had gone by)."""
    with service.kit.db.transaction() as session:
        for record in session.scalars(select(LoginRecord)):
            record.at = record.at - by


def add_failures(service, count, account="DEMOFIRM", client=None, ago=timedelta(minutes=1)):
    with service.kit.db.transaction() as session:
        for n in range(count):
            session.add(
                LoginRecord(
                    account_id=account,
                    success=False,
                    client_address=client or f"192.0.2.{n % 250}",
                    at=utcnow() - ago,
                )
            )


# -- the untrusted lane: captcha, then growing waits, never a lock ------------------------------


def test_two_failures_ask_nothing_more(firm):
    fail(firm, 2)
    assert login(firm).access_token


def test_the_third_failure_asks_for_a_captcha_from_that_client_only(firm):
    for _ in range(3):
        rpc_error(login, firm, WRONG)
    error = rpc_error(login, firm)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == {"captcha": login_guard.CAPTCHA_NEEDED}
    assert login(firm, client=OWNER).access_token  # another address: nothing asked
    assert login(firm, captcha=solved(firm)).access_token


def test_a_captcha_is_single_use_and_a_wrong_answer_uses_it_up(firm):
    fail(firm, 3)
    challenge_id, digits = solved(firm)
    wrong = "000000" if digits != "000000" else "111111"
    error = rpc_error(login, firm, captcha=(challenge_id, wrong))
    assert field_violations(error) == {"captcha": login_guard.CAPTCHA_WRONG}
    again = rpc_error(login, firm, captcha=(challenge_id, digits))
    assert field_violations(again) == {"captcha": login_guard.CAPTCHA_WRONG}
    used = solved(firm)
    assert login(firm, captcha=used).access_token
    assert field_violations(rpc_error(login, firm, captcha=used)) == {
        "captcha": login_guard.CAPTCHA_WRONG
    }


def test_an_expired_captcha_is_refused(firm):
    fail(firm, 3)
    challenge = solved(firm)
    with firm.kit.db.transaction() as session:
        session.execute(update(LoginChallenge).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert field_violations(rpc_error(login, firm, captcha=challenge)) == {
        "captcha": login_guard.CAPTCHA_WRONG
    }


def test_only_the_hash_of_a_captcha_is_stored(firm):
    challenge_id, digits = solved(firm)
    with firm.kit.db.transaction() as session:
        stored = session.get(LoginChallenge, challenge_id)
        assert stored is not None
        assert digits not in stored.answer_hash
        assert stored.expires_at - stored.created_at == timedelta(minutes=5)


def test_the_fifth_failure_makes_that_client_wait_a_minute_even_with_the_right_password(firm):
    fail(firm, 5)
    waiting = rpc_error(login, firm, captcha=solved(firm))
    assert waiting.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert waiting.details() == "登入失敗次數過多，請於 1 分鐘後再試"
    assert login(firm, client=OWNER).access_token  # the owner elsewhere is not stopped
    age_records(firm, timedelta(seconds=61))
    assert login(firm, captcha=solved(firm)).access_token  # a wait, not a lock


def test_waits_grow_by_a_minute_up_to_fifteen_and_refused_attempts_do_not_count(firm):
    add_failures(firm, 7, client=ATTACKER, ago=timedelta(seconds=5))
    waiting = rpc_error(login, firm, captcha=solved(firm))
    assert waiting.details() == "登入失敗次數過多，請於 2 分 55 秒後再試"
    for _ in range(5):  # refused while waiting: recorded, never counted
        rpc_error(login, firm, WRONG)
    assert rpc_error(login, firm).details().startswith("登入失敗次數過多，請於 2 分 5")
    add_failures(firm, 40, client=ATTACKER, ago=timedelta(seconds=5))
    assert rpc_error(login, firm).details() == "登入失敗次數過多，請於 14 分 55 秒後再試"
    with firm.kit.db.transaction() as session:
        refused = session.scalars(select(LoginRecord).where(LoginRecord.refused.is_(True))).all()
        assert len(refused) == 8
    age_records(firm, timedelta(minutes=15))
    assert login(firm, captcha=solved(firm)).access_token


def test_failures_older_than_twelve_hours_are_forgotten(firm):
    add_failures(firm, 8, client=ATTACKER, ago=timedelta(hours=12, minutes=1))
    assert login(firm).access_token


def test_unknown_accounts_get_the_same_waits(service):
    fail(service, 5, account="GUESS")
    assert rpc_error(login, service, account="GUESS").code() == grpc.StatusCode.RESOURCE_EXHAUSTED


# -- device tokens (OWASP device cookies) -----------------------------------------------------


def test_a_login_gives_a_device_token_whose_hash_is_stored(firm):
    reply = login(firm, client=OWNER)
    assert len(reply.device_token) >= 40
    with firm.kit.db.transaction() as session:
        [device] = session.scalars(select(TrustedDevice)).all()
        assert reply.device_token not in device.token_hash
        assert device.client_address == OWNER
    again = login(firm, client=OWNER, device=reply.device_token)
    assert again.device_token == ""  # already trusted: no new one


def test_thirty_wrong_passwords_from_the_owners_own_address_do_not_stop_their_browser(firm):
    device = login(firm, client=OWNER).device_token
    fail(firm, 30, client=OWNER)  # 5 counted, then refused while the waits run
    assert rpc_error(login, firm, client=OWNER).code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert login(firm, client=OWNER, device=device).access_token  # no captcha, no wait


def test_a_hundred_failures_an_hour_stop_untrusted_logins_but_not_known_devices(firm):
    device = login(firm, client=OWNER).device_token
    add_failures(firm, login_guard.ACCOUNT_FAILURES_PER_HOUR - 1, ago=timedelta(minutes=10))
    # many addresses guessing: every untrusted attempt needs a captcha
    error = rpc_error(login, firm, client="192.0.2.251")
    assert field_violations(error) == {"captcha": login_guard.CAPTCHA_NEEDED}
    rpc_error(login, firm, WRONG, client="192.0.2.252", captcha=solved(firm))  # the 100th
    busy = rpc_error(login, firm, client="192.0.2.253", captcha=solved(firm))
    assert busy.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert busy.details() == login_guard.ACCOUNT_BUSY
    assert login(firm, client="192.0.2.254", device=device).access_token
    age_records(firm, timedelta(minutes=51))  # the hour has passed for the oldest ones
    assert login(firm, client="192.0.2.253", captcha=solved(firm)).access_token


def test_a_device_token_of_another_account_is_not_trusted(firm):
    firm.add_account("OTHERFIRM", roles=["firm"])
    other_device = login(firm, account="OTHERFIRM", client=OWNER).device_token
    fail(firm, 5, client=OWNER)
    error = rpc_error(login, firm, client=OWNER, device=other_device)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_ten_failures_with_a_device_token_end_its_trust(firm):
    device = login(firm, client=OWNER).device_token
    for _ in range(4):
        rpc_error(login, firm, WRONG, client=OWNER, device=device)
    assert login(firm, client=OWNER, device=device).access_token  # no captcha for it
    with firm.kit.db.transaction() as session:
        device_id = session.scalars(select(TrustedDevice.id)).one()
        for _ in range(login_guard.DEVICE_FAILURES_DISTRUSTED):
            session.add(
                LoginRecord(
                    account_id="DEMOFIRM",
                    success=False,
                    client_address=OWNER,
                    device_id=device_id,
                    at=utcnow() - timedelta(hours=1),
                )
            )
    # distrusted: the attempt is in the untrusted lane of (account, address), which has
    # no failures of its own, and succeeds as a new browser
    reply = login(firm, client=OWNER, device=device)
    assert reply.device_token != ""  # treated as a new browser


# -- per address and global -----------------------------------------------------------------


def test_an_address_failing_on_many_accounts_needs_a_captcha_then_is_refused(firm):
    for n in range(login_guard.CAPTCHA_AFTER_ADDRESS_FAILURES):
        add_failures(firm, 1, account=f"GUESS{n}", client=ATTACKER)
    error = rpc_error(login, firm)
    assert field_violations(error) == {"captcha": login_guard.CAPTCHA_NEEDED}
    assert login(firm, client=OWNER).access_token
    for n in range(login_guard.ADDRESS_FAILURES_PER_HOUR):
        add_failures(firm, 1, account=f"MORE{n}", client=ATTACKER)
    busy = rpc_error(login, firm, captcha=solved(firm))
    assert busy.details() == login_guard.ADDRESS_BUSY


def test_many_failures_everywhere_ask_every_untrusted_login_for_a_captcha(firm):
    device = login(firm, client=OWNER).device_token
    with firm.kit.db.transaction() as session:
        for n in range(login_guard.CAPTCHA_AFTER_GLOBAL_FAILURES):
            session.add(
                LoginRecord(
                    account_id=f"X{n}", success=False, client_address=f"10.{n // 250}.{n % 250}.1"
                )
            )
    error = rpc_error(login, firm, client="192.0.2.9")
    assert field_violations(error) == {"captcha": login_guard.CAPTCHA_NEEDED}
    assert login(firm, client=OWNER, device=device).access_token


# -- the owner's mails ------------------------------------------------------------------------


def test_the_owner_is_told_at_ten_failures_in_an_hour_once(firm):
    add_failures(firm, 9, ago=timedelta(minutes=5))
    assert firm.events(pb.LoginFailuresRepeated) == []
    rpc_error(login, firm, WRONG, client="192.0.2.77", captcha=solved(firm))
    [(_, event)] = firm.events(pb.LoginFailuresRepeated)
    assert (event.account_id, event.email, event.failures) == (
        "DEMOFIRM",
        "owner@dahua.example",
        10,
    )
    assert event.last_client_address == "192.0.2.77"
    rpc_error(login, firm, WRONG, client="192.0.2.78", captcha=solved(firm))
    assert len(firm.events(pb.LoginFailuresRepeated)) == 1


def test_a_new_device_is_told_to_the_owner_but_not_the_first_ever(firm):
    first = login(firm, client=OWNER)
    assert firm.events(pb.NewDeviceLoggedIn) == []
    login(firm, client=OWNER, device=first.device_token)
    assert firm.events(pb.NewDeviceLoggedIn) == []
    login(firm, client="192.0.2.44")
    [(_, event)] = firm.events(pb.NewDeviceLoggedIn)
    assert (event.account_id, event.email, event.client_address) == (
        "DEMOFIRM",
        "owner@dahua.example",
        "192.0.2.44",
    )


# -- what the owner sees ------------------------------------------------------------------------


def test_my_login_records_show_the_previous_success_and_the_failures_since(firm):
    login(firm, client=OWNER)
    age_records(firm, timedelta(hours=2))
    fail(firm, 2, client=ATTACKER)
    token = login(firm, client=OWNER).access_token
    history = firm.client(token).call("ListMyLoginRecords", pb.ListMyLoginRecordsRequest())
    assert history.previous_success.client_address == OWNER
    assert history.previous_success.success
    assert [(a.client_address, a.success) for a in history.recent_failures] == [
        (ATTACKER, False),
        (ATTACKER, False),
    ]
    assert [a.success for a in history.attempts] == [True, False, False, True]
    assert history.failure_count == 2
    limited = firm.client(token).call("ListMyLoginRecords", pb.ListMyLoginRecordsRequest(limit=1))
    assert len(limited.attempts) == 1
    assert (len(limited.recent_failures), limited.failure_count) == (1, 2)


def test_login_records_are_the_callers_own(firm):
    firm.add_account("OTHERFIRM", roles=["firm"])
    fail(firm, 2, account="OTHERFIRM")
    token = login(firm, client=OWNER).access_token
    history = firm.client(token).call("ListMyLoginRecords", pb.ListMyLoginRecordsRequest())
    assert list(history.recent_failures) == []
    assert (
        rpc_error(firm.client().call, "ListMyLoginRecords", pb.ListMyLoginRecordsRequest()).code()
        == grpc.StatusCode.UNAUTHENTICATED
    )
