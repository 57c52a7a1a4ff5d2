"""What the owner sees of their account's login attempts (會員專區), and the captcha
challenges a login may need."""

from __future__ import annotations

from jes.identity.v1 import identity_pb2 as pb
from jes_identity import login_store
from jes_identity.domain import access
from jes_identity.domain.access import Caller
from jes_identity.models import Account, LoginRecord
from jes_identity.usecases.common import Infrastructure

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def attempt_message(record: LoginRecord) -> pb.LoginAttempt:
    message = pb.LoginAttempt(
        client_address=record.client_address, success=record.success, refused=record.refused
    )
    message.at.FromDatetime(record.at)
    return message


class LoginHistory:
    def __init__(self, infra: Infrastructure):
        self.infra = infra

    def new_challenge(self) -> pb.LoginChallenge:
        with self.infra.db.transaction() as session:
            challenge, digits = login_store.new_challenge(session)
            message = pb.LoginChallenge(id=challenge.id, digits=digits)
            message.expires_at.FromDatetime(challenge.expires_at)
            return message

    def my_attempts(self, caller: Caller, limit: int) -> pb.LoginHistory:
        """The caller's recent attempts; the successful login before the current one and
        the failures since then (what the seed's dashboard shows: 最近登入成功/失敗記錄)."""
        access.require_user(caller)
        limit = min(max(limit, 0) or DEFAULT_LIMIT, MAX_LIMIT)
        with self.infra.db.transaction() as session:
            account = session.get(Account, caller.subject)
            if account is None:
                return pb.LoginHistory()
            records = login_store.recent_attempts(session, account.account_id, MAX_LIMIT)
        history = pb.LoginHistory(attempts=[attempt_message(r) for r in records[:limit]])
        successes = [r for r in records if r.success]
        previous = successes[1] if len(successes) > 1 else None
        if previous is not None:
            history.previous_success.CopyFrom(attempt_message(previous))
        # failures since that login: what happened while the owner was away
        failures = [
            r for r in records if not r.success and (previous is None or r.at > previous.at)
        ]
        history.recent_failures.extend(attempt_message(r) for r in failures[:limit])
        history.failure_count = len(failures)
        return history
