"""The qualification committee's work, one transaction each: appointing members, the
records chief's opinion on an application or a disqualification, the appraiser's written
reply, putting a matter to the members, their votes and the decision, which enrols a
qualified applicant on the roster or disqualifies an appraiser (barring a new
application for the court's years)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes_auth import Claims
from jes_db import Database, utcnow
from jes_domain import AlreadyExists, FailedPrecondition, Forbidden, InvalidArgument, NotFound
from jes_events import Outbox
from jes_review_workflow.application_models import (
    AppraiserApplicationRow,
    CommitteeMatterRow,
    CommitteeMemberRow,
    CommitteeVoteRow,
)
from jes_review_workflow.appraisal import committee_effects as effects
from jes_review_workflow.appraisal import common
from jes_review_workflow.appraisal.applications import APPLICATION_NOT_FOUND
from jes_review_workflow.appraisal.committee_messages import member_message
from jes_review_workflow.appraisal.committee_reading import (
    COMMITTEE_STAFF,
    is_subject,
    matter_of,
    message_of,
    term_of,
    votes_of,
    without_votes,
)
from jes_review_workflow.domain.appraisal import access
from jes_review_workflow.domain.appraisal import committee as rules
from jes_review_workflow.domain.appraisal.applications import ApplicationState
from jes_review_workflow.domain.appraisal.committee import MatterKind, MatterState, Vote
from jes_review_workflow.domain.appraisal.court_rules import rules_for
from jes_review_workflow.domain.appraisal.rotation import Standing
from jes_review_workflow.models import Appraiser, audit_log
from jes_servicekit.audit import actor_of

MEMBER_APPOINTED = "appraisal.committee_member_appointed"
OPINION_DRAFTED = "appraisal.committee_opinion_drafted"
DISQUALIFICATION_RAISED = "appraisal.disqualification_raised"
REPLY_RECORDED = "appraisal.appraiser_reply_recorded"
PUT_TO_COMMITTEE = "appraisal.put_to_committee"
VOTE_CAST = "appraisal.committee_vote_cast"
MATTER_DECIDED = "appraisal.committee_matter_decided"
COMMITTEE_AUDIT_LABELS = {
    MEMBER_APPOINTED: "指定鑑定人資格審查小組委員",
    OPINION_DRAFTED: "紀錄科科長初擬意見",
    DISQUALIFICATION_RAISED: "報請議決鑑定人不適任",
    REPLY_RECORDED: "登錄鑑定人書面答辯",
    PUT_TO_COMMITTEE: "提付鑑定人資格審查小組",
    VOTE_CAST: "審查小組委員投票",
    MATTER_DECIDED: "審查小組議決",
}


class Committee:
    def __init__(self, db: Database, outbox: Outbox):
        self.db = db
        self.outbox = outbox

    # -- members --------------------------------------------------------------------

    def appoint(
        self, claims: Claims, court_code: str, account_id: str, name: str, term_from: str
    ) -> pb.CommitteeMember:
        court_code = access.court_of(claims, court_code)
        start = common.day_of(term_from, "term_from", common.today())
        court_rules = rules_for(court_code, start)
        account_id = account_id.strip() or claims.display_id
        chair = account_id == claims.display_id and claims.has_role("chief-judge")
        name = name.strip() or claims.name
        if not name or len(name) > 100:
            raise InvalidArgument("請填寫委員姓名", fields={"name": "請填寫委員姓名"})
        new = rules.Term(
            account_id,
            chair,
            start,
            rules.term_until(start, court_rules.committee.term_months),
        )
        with self.db.transaction() as session:
            # two appointments at once must not both pass as the ninth member
            common.take_turns(session, f"jes_review_workflow.committee_members:{court_code}")
            rows = session.scalars(
                select(CommitteeMemberRow).where(CommitteeMemberRow.court_code == court_code)
            ).all()
            rules.check_appointment(court_rules.committee, map(term_of, rows), new, claims)
            row = CommitteeMemberRow(
                court_code=court_code,
                account_id=account_id,
                name=name,
                chair=chair,
                term_from=new.term_from,
                term_until=new.term_until,
                appointed_by=claims.display_id,
            )
            session.add(row)
            session.flush()
            self._audit(
                session,
                claims,
                MEMBER_APPOINTED,
                "committee_member",
                row.id,
                court_code,
                {"account_id": account_id, "chair": chair, "until": new.term_until.isoformat()},
            )
            return member_message(row)

    def members(self, claims: Claims, court_code: str, on: str) -> list[pb.CommitteeMember]:
        court_code = access.court_of(claims, court_code)
        day = common.day_of(on, "on", common.today())
        with self.db.transaction() as session:
            rows = session.scalars(
                select(CommitteeMemberRow).where(CommitteeMemberRow.court_code == court_code)
            )
            serving = [r for r in rows if term_of(r).serving_on(day)]
            return [member_message(r) for r in sorted(serving, key=lambda r: (not r.chair, r.name))]

    # -- matters --------------------------------------------------------------------

    def draft_opinion(
        self, claims: Claims, application_id: str, recommend: bool, opinion: str
    ) -> pb.CommitteeMatter:
        opinion = rules.check_opinion(opinion)
        with self.db.transaction() as session:
            application = session.get(AppraiserApplicationRow, application_id.strip())
            if application is None or not common.may_see(claims, application.court_code):
                raise NotFound(
                    APPLICATION_NOT_FOUND, fields={"application_id": APPLICATION_NOT_FOUND}
                )
            if application.state not in (
                ApplicationState.SUBMITTED.value,
                ApplicationState.OPINION_DRAFTED.value,
            ):
                problem = "此申請案目前不能擬具意見"
                raise FailedPrecondition(problem, fields={"application_id": problem})
            matter = session.scalars(
                select(CommitteeMatterRow).where(
                    CommitteeMatterRow.subject_id == application.id,
                    CommitteeMatterRow.kind == MatterKind.QUALIFICATION.value,
                )
            ).first()
            if matter is None:
                matter = CommitteeMatterRow(
                    court_code=application.court_code,
                    kind=MatterKind.QUALIFICATION.value,
                    subject_id=application.id,
                    state=MatterState.DRAFTED.value,
                )
                session.add(matter)
            matter.recommendation = Vote.FOR.value if recommend else Vote.AGAINST.value
            matter.opinion = opinion
            matter.opinion_by = claims.display_id
            application.state = ApplicationState.OPINION_DRAFTED.value
            session.flush()
            self._audit(
                session,
                claims,
                OPINION_DRAFTED,
                "committee_matter",
                matter.id,
                matter.court_code,
                {"recommend": recommend, "application_id": application.id},
            )
            return message_of(session, matter)

    def raise_disqualification(
        self, claims: Claims, appraiser_id: str, grounds: list[int], evidence: str, opinion: str
    ) -> pb.CommitteeMatter:
        opinion = rules.check_opinion(opinion)
        with self.db.transaction() as session:
            appraiser = common.visible_appraiser(session, claims, appraiser_id)
            listed = rules_for(appraiser.court_code, common.today()).disqualification.grounds
            chosen = sorted(set(grounds))
            if not chosen or any(not 1 <= g <= len(listed) for g in chosen):
                problem = f"請選擇第一款至第{len(listed)}款的不適任事由"
                raise InvalidArgument(problem, fields={"grounds": problem})
            if appraiser.standing == Standing.DISQUALIFIED.value:
                raise FailedPrecondition("此鑑定人已經議決為不適任")
            open_matter = session.scalar(
                select(CommitteeMatterRow.id).where(
                    CommitteeMatterRow.subject_id == appraiser.id,
                    CommitteeMatterRow.state != MatterState.DECIDED.value,
                )
            )
            if open_matter:
                raise AlreadyExists("此鑑定人已有審查中的不適任案")
            matter = CommitteeMatterRow(
                court_code=appraiser.court_code,
                kind=MatterKind.DISQUALIFICATION.value,
                subject_id=appraiser.id,
                grounds=chosen,
                evidence=evidence.strip()[:5000],
                recommendation=Vote.FOR.value,
                opinion=opinion,
                opinion_by=claims.display_id,
                state=MatterState.DRAFTED.value,
            )
            session.add(matter)
            session.flush()
            self._audit(
                session,
                claims,
                DISQUALIFICATION_RAISED,
                "committee_matter",
                matter.id,
                matter.court_code,
                {"appraiser_id": appraiser.id, "grounds": chosen},
            )
            effects.tell_appraiser(session, self.outbox, matter)
            return message_of(session, matter)

    def record_reply(self, claims: Claims, matter_id: str, reply: str) -> pb.CommitteeMatter:
        reply = reply.strip()
        if not reply or len(reply) > 20000:
            raise InvalidArgument("請填寫書面答辯", fields={"reply": "請填寫書面答辯"})
        with self.db.transaction() as session:
            matter = matter_of(session, claims, matter_id, staff_only=False)
            if matter.kind != MatterKind.DISQUALIFICATION.value:
                raise FailedPrecondition("資格評選案無須答辯")
            if matter.state != MatterState.DRAFTED.value:
                raise FailedPrecondition(rules.NOT_DRAFTED)
            matter.reply = reply
            self._audit(
                session,
                claims,
                REPLY_RECORDED,
                "committee_matter",
                matter.id,
                matter.court_code,
                {"length": len(reply)},
            )
            return message_of(session, matter)

    def put(self, claims: Claims, matter_id: str) -> pb.CommitteeMatter:
        day = common.today()
        with self.db.transaction() as session:
            matter = matter_of(session, claims, matter_id, for_update=True)
            if matter.state != MatterState.DRAFTED.value:
                raise FailedPrecondition(rules.NOT_DRAFTED)
            if matter.kind == MatterKind.DISQUALIFICATION.value and not matter.reply:
                raise FailedPrecondition(rules.REPLY_REQUIRED)
            terms = session.scalars(
                select(CommitteeMemberRow).where(CommitteeMemberRow.court_code == matter.court_code)
            )
            committee_rules = rules_for(matter.court_code, day).committee
            matter.members = rules.members_for_vote(committee_rules, map(term_of, terms), day)
            if claims.display_id != matter.members[0]:
                raise Forbidden("由審查小組召集人（庭長）提付表決")
            matter.state = MatterState.VOTING.value
            matter.put_by = claims.display_id
            matter.put_at = utcnow()
            effects.application_state(session, matter, ApplicationState.VOTING)
            self._audit(
                session,
                claims,
                PUT_TO_COMMITTEE,
                "committee_matter",
                matter.id,
                matter.court_code,
                {"members": matter.members},
            )
            return message_of(session, matter)

    def vote(
        self, claims: Claims, matter_id: str, choice: Vote, written_for: str
    ) -> pb.CommitteeMatter:
        try:
            with self.db.transaction() as session:
                matter = matter_of(session, claims, matter_id, for_update=True)
                if matter.state != MatterState.VOTING.value:
                    raise FailedPrecondition(rules.NOT_VOTING)
                voter, written = rules.voter_of(claims, matter.members, written_for)
                rules.check_not_voted(
                    voter, (v.member_account_id for v in votes_of(session, matter.id))
                )
                session.add(
                    CommitteeVoteRow(
                        matter_id=matter.id,
                        member_account_id=voter,
                        vote=choice.value,
                        written=written,
                        recorded_by=claims.display_id,
                    )
                )
                session.flush()
                self._audit(
                    session,
                    claims,
                    VOTE_CAST,
                    "committee_matter",
                    matter.id,
                    matter.court_code,
                    {"member": voter, "vote": choice.value, "written": written},
                )
                return message_of(session, matter)
        except IntegrityError:  # the same member's vote arriving twice at once
            raise AlreadyExists(rules.VOTED_ALREADY) from None

    def decide(self, claims: Claims, matter_id: str) -> pb.CommitteeMatter:
        day = common.today()
        with self.db.transaction() as session:
            matter = matter_of(session, claims, matter_id, for_update=True)
            if matter.state != MatterState.VOTING.value:
                raise FailedPrecondition(rules.NOT_VOTING)
            if claims.display_id != matter.members[0]:
                raise Forbidden("由審查小組召集人（庭長）宣告表決結果")
            passed = rules.result(
                matter.members, (Vote(v.vote) for v in votes_of(session, matter.id))
            )
            if passed is None:
                raise FailedPrecondition(rules.UNDECIDED)
            matter.state = MatterState.DECIDED.value
            matter.passed = passed
            matter.decided_by = claims.display_id
            matter.decided_at = utcnow()
            if matter.kind == MatterKind.QUALIFICATION.value:
                effects.qualification_decided(session, self.outbox, claims, matter, passed)
            elif passed:
                effects.disqualify(session, self.outbox, matter, day)
            if matter.kind == MatterKind.DISQUALIFICATION.value:
                effects.tell_appraiser(session, self.outbox, matter)
            self._audit(
                session,
                claims,
                MATTER_DECIDED,
                "committee_matter",
                matter.id,
                matter.court_code,
                {"passed": passed, "kind": matter.kind},
            )
            return message_of(session, matter)

    def get(self, claims: Claims, matter_id: str) -> pb.CommitteeMatter:
        with self.db.transaction() as session:
            matter = matter_of(session, claims, matter_id, staff_only=False)
            message = message_of(session, matter)
            return without_votes(message) if is_subject(session, claims, matter) else message

    def own(self, claims: Claims) -> list[pb.CommitteeMatter]:
        """The disqualification matters about the caller's own roster entries, newest
        first, without the votes (the appraiser's list, to reply and to see the result)."""
        with self.db.transaction() as session:
            rows = session.scalars(
                select(CommitteeMatterRow)
                .join(Appraiser, Appraiser.id == CommitteeMatterRow.subject_id)
                .where(
                    CommitteeMatterRow.kind == MatterKind.DISQUALIFICATION.value,
                    Appraiser.account_id == claims.display_id,
                )
                .order_by(CommitteeMatterRow.created_at.desc())
            )
            return [without_votes(message_of(session, r)) for r in rows]

    def list(self, claims: Claims, court_code: str) -> list[pb.CommitteeMatter]:
        if not claims.has_role(*COMMITTEE_STAFF):
            return self.own(claims)
        court_code = access.court_of(claims, court_code)
        with self.db.transaction() as session:
            rows = session.scalars(
                select(CommitteeMatterRow)
                .where(CommitteeMatterRow.court_code == court_code)
                .order_by(CommitteeMatterRow.created_at.desc())
            )
            return [message_of(session, r) for r in rows]

    @staticmethod
    def _audit(
        session: Session,
        claims: Claims,
        action: str,
        subject_type: str,
        subject_id: str,
        court_code: str,
        after: dict[str, Any],
    ) -> None:
        audit_log.record(
            session,
            actor_of(claims),
            action,
            subject_type=subject_type,
            subject_id=subject_id,
            court_code=court_code,
            after=after,
        )
