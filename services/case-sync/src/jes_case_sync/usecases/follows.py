"""Follow applications approved (or ended) by the court: by its system, or by a clerk of
that court. The first approval for an e-mail opens a case-progress account in identity
(its activation link travels in FollowApproved to notification); later ones only notify.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from jes.case_sync.v1 import case_events_pb2 as events
from jes_case_sync.case_store import case_message, case_of, find_case
from jes_case_sync.domain.cases import CASE_NOT_FOUND, CaseKey, validate_case
from jes_case_sync.domain.followers import (
    ACTIVE,
    BAD_FOLLOW,
    FOLLOW_NOT_FOUND,
    REVOKED,
    FollowApplication,
    normal_email,
    revocation_problems,
    role_value,
)
from jes_case_sync.models import Case, Follower, audit_log
from jes_case_sync.usecases.common import Infrastructure
from jes_db.audit import Actor
from jes_domain import InvalidArgument, NotFound


@dataclass(frozen=True)
class OpenedAccount:
    """Identity's answer (OpenProgressAccount): the case-progress account of an e-mail."""

    id: str  # Account.id
    username: str  # the login name
    opened: bool
    activation_link_id: str  # set while it has no password yet


# (e-mail, applicant's name, reason for identity's audit log) -> the account
AccountOpener = Callable[[str, str, str], OpenedAccount]


@dataclass(frozen=True)
class FollowView:
    follow: Follower
    case: Case
    account_opened: bool = False


def follow_snapshot(follow: Follower) -> dict[str, str]:
    return {
        "email": follow.email,
        "role": follow.role,
        "status": follow.status,
        "account_username": follow.account_username,
        "application_id": follow.application_id,
    }


class Follows:
    def __init__(self, infra: Infrastructure, open_account: AccountOpener):
        self.infra = infra
        self.open_account = open_account

    def _active_follow(self, application: FollowApplication) -> FollowView | None:
        with self.infra.db.transaction() as session:
            case = find_case(session, application.key)
            if case is None:
                return None
            follow = session.scalar(
                select(Follower).where(
                    Follower.case_id == case.id, Follower.email == application.email
                )
            )
            if follow is None or follow.status != ACTIVE or not follow.account_id:
                return None
            return FollowView(follow, case)

    def approve(self, application: FollowApplication, actor: Actor) -> FollowView:
        """Idempotent on (case, e-mail): approving an active follow again changes nothing
        and announces nothing (no second mail)."""
        known = self._active_follow(application)
        if known is not None:
            return known
        number = application.key.case_number.dotted()
        account = self.open_account(
            application.email,
            application.applicant_name,
            f"{application.key.court_code} {application.key.category} {number} 追蹤核准",
        )
        with self.infra.db.transaction() as session:
            case = case_of(session, application.key)
            follow = session.scalar(
                select(Follower).where(
                    Follower.case_id == case.id, Follower.email == application.email
                )
            )
            before = follow_snapshot(follow) if follow is not None else None
            if follow is not None and follow.status == ACTIVE and follow.account_id:
                return FollowView(follow, case)  # approved meanwhile by another request
            if follow is None:
                follow = Follower(case_id=case.id, email=application.email)
                session.add(follow)
            now = self.infra.now()
            follow.role = application.role
            follow.status = ACTIVE
            follow.account_id = account.id
            follow.account_username = account.username
            follow.applicant_name = application.applicant_name
            follow.application_id = application.application_id
            follow.approved_at = now
            follow.approved_by = actor.account_id[:40]
            follow.revoked_at = None
            follow.revoke_reason = ""
            session.flush()
            event = events.FollowApproved(
                follow_id=follow.id,
                case_id=case.id,
                case=case_message(case),
                email=follow.email,
                role=role_value(follow.role),
                account_id=account.id,
                account_username=account.username,
                activation_link_id=account.activation_link_id,
                applicant_name=follow.applicant_name,
                cut_off_on=case.cut_off_on.isoformat() if case.cut_off_on else "",
            )
            event.approved_at.FromDatetime(now)
            self.infra.publish(session, event, subject=case.id)
            audit_log.record(
                session,
                actor,
                "follow_approved",
                subject_type="follow",
                subject_id=follow.id,
                court_code=case.court_code,
                before=before,
                after=follow_snapshot(follow),
            )
            return FollowView(follow, case, account_opened=account.opened)

    def revoke(self, key: CaseKey, email: str, reason: str, actor: Actor) -> FollowView:
        """The court ends a follow: no more notices. Idempotent."""
        problems = revocation_problems(key, email, reason)
        if problems:
            raise InvalidArgument(BAD_FOLLOW, fields=problems)
        with self.infra.db.transaction() as session:
            case = find_case(session, key)
            follow = None
            if case is not None:
                follow = session.scalar(
                    select(Follower).where(
                        Follower.case_id == case.id, Follower.email == normal_email(email)
                    )
                )
            if case is None or follow is None:
                raise NotFound(FOLLOW_NOT_FOUND, fields={"email": "此案件沒有這個電子郵件的追蹤"})
            if follow.status == REVOKED:
                return FollowView(follow, case)
            before = follow_snapshot(follow)
            now = self.infra.now()
            follow.status = REVOKED
            follow.revoked_at = now
            follow.revoke_reason = reason.strip()
            event = events.FollowRevoked(
                follow_id=follow.id,
                case_id=case.id,
                case=case_message(case),
                email=follow.email,
                account_id=follow.account_id,
                reason=follow.revoke_reason,
            )
            event.revoked_at.FromDatetime(now)
            self.infra.publish(session, event, subject=case.id)
            audit_log.record(
                session,
                actor,
                "follow_revoked",
                subject_type="follow",
                subject_id=follow.id,
                court_code=case.court_code,
                before=before,
                after=follow_snapshot(follow),
            )
            return FollowView(follow, case)

    def followers(self, key: CaseKey) -> tuple[Case, list[Follower]]:
        """Every follow of a case (active first, then by e-mail), for its court."""
        validate_case(key)
        with self.infra.db.transaction() as session:
            case = find_case(session, key)
            if case is None:
                raise NotFound(CASE_NOT_FOUND)
            rows = session.scalars(
                select(Follower)
                .where(Follower.case_id == case.id)
                .order_by(Follower.status, Follower.email)
            ).all()
            return case, list(rows)
