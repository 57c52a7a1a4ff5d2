"""Private feed addresses (Atom of the entries, iCalendar of the hearings): one secret
token per reader and case, revocable. A feed reader has no login, so a token records on
what ground its owner reads the case (their follow, or their prosecutor id) and stops
working when that ground goes (follow revoked, prosecutor no longer named, case cut off).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jes_case_sync.domain.access import Reader, ReaderKind
from jes_case_sync.domain.feeds import (
    FEED_NOT_FOUND,
    MAX_FEEDS_PER_CASE,
    feed_token_hash,
    new_feed_token,
)
from jes_case_sync.domain.followers import ACTIVE
from jes_case_sync.models import Case, CaseProsecutor, FeedToken, Follower, audit_log
from jes_case_sync.usecases.case_page import CasePages, EntriesPage
from jes_case_sync.usecases.common import Infrastructure
from jes_db.audit import Actor
from jes_domain import FailedPrecondition, InvalidArgument, NotFound


@dataclass(frozen=True)
class FeedView:
    feed: FeedToken
    case: Case
    token: str = ""  # only when created


class Feeds:
    def __init__(self, infra: Infrastructure, pages: CasePages):
        self.infra = infra
        self.pages = pages

    def create(self, reader: Reader, case_id: str, actor: Actor) -> FeedView:
        if reader.kind not in (ReaderKind.LITIGANT, ReaderKind.PROSECUTOR):
            raise NotFound(FEED_NOT_FOUND)
        if not case_id.strip():
            raise InvalidArgument("訂閱資料有誤", fields={"case_id": "請指定案件"})
        with self.infra.db.transaction() as session:
            case, follow_id = self.pages.readable_case(session, reader, case_id.strip())
            live = session.scalar(
                select(func.count()).where(
                    FeedToken.account_id == reader.subject,
                    FeedToken.case_id == case.id,
                    FeedToken.revoked_at.is_(None),
                )
            )
            if int(live or 0) >= MAX_FEEDS_PER_CASE:
                raise FailedPrecondition(
                    f"每個案件至多 {MAX_FEEDS_PER_CASE} 個訂閱網址，請先停用不用的網址",
                    fields={"case_id": "訂閱網址已達上限"},
                )
            token = new_feed_token()
            feed = FeedToken(
                account_id=reader.subject,
                case_id=case.id,
                token_hash=feed_token_hash(token),
                follow_id=follow_id,
                prosecutor_id=reader.prosecutor_id if not follow_id else "",
                created_at=self.infra.now(),
            )
            session.add(feed)
            session.flush()
            audit_log.record(
                session,
                actor,
                "feed_created",
                subject_type="feed",
                subject_id=feed.id,
                court_code=case.court_code,
                after={"case_id": case.id},
            )
            return FeedView(feed, case, token)

    def mine(self, reader: Reader, case_id: str = "") -> list[FeedView]:
        with self.infra.db.transaction() as session:
            query = (
                select(FeedToken, Case)
                .join(Case, Case.id == FeedToken.case_id)
                .where(FeedToken.account_id == reader.subject, FeedToken.revoked_at.is_(None))
            )
            if case_id:
                query = query.where(FeedToken.case_id == case_id)
            rows = session.execute(query.order_by(FeedToken.created_at.desc())).all()
            return [FeedView(feed, case) for feed, case in rows]

    def revoke(self, reader: Reader, feed_id: str, actor: Actor) -> None:
        """Only the owner's feed; revoking one again changes nothing."""
        with self.infra.db.transaction() as session:
            feed = session.get(FeedToken, feed_id) if feed_id else None
            if feed is None or feed.account_id != reader.subject:
                raise NotFound(FEED_NOT_FOUND)
            if feed.revoked_at is not None:
                return
            feed.revoked_at = self.infra.now()
            audit_log.record(
                session,
                actor,
                "feed_revoked",
                subject_type="feed",
                subject_id=feed.id,
                after={"case_id": feed.case_id},
            )

    def resolve(self, token: str, size: int, only_hearings: bool) -> EntriesPage:
        """The case behind a live token whose ground still holds; NotFound otherwise (the
        same answer whatever the reason)."""
        with self.infra.db.transaction() as session:
            feed = (
                session.scalar(
                    select(FeedToken).where(FeedToken.token_hash == feed_token_hash(token))
                )
                if token
                else None
            )
            if feed is None or feed.revoked_at is not None:
                raise NotFound(FEED_NOT_FOUND)
            reader = self._owner(session, feed)
            if reader is None:
                raise NotFound(FEED_NOT_FOUND)
            feed.last_used_at = self.infra.now()
        return self.pages.case_page(
            reader, case_id=feed.case_id, size=size, only_hearings=only_hearings
        )

    def _owner(self, session: Session, feed: FeedToken) -> Reader | None:
        """The feed's owner as a reader, if its ground still holds."""
        if feed.follow_id:
            follow = session.get(Follower, feed.follow_id)
            if follow is None or follow.status != ACTIVE:
                return None
            return Reader(ReaderKind.LITIGANT, "", account_ids=(follow.account_id,))
        named = session.get(CaseProsecutor, (feed.case_id, feed.prosecutor_id))
        if not feed.prosecutor_id or named is None:
            return None
        return Reader(ReaderKind.PROSECUTOR, "", prosecutor_id=feed.prosecutor_id)
