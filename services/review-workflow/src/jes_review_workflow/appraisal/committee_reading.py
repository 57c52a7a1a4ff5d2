"""Reading the committee's matters inside a use case's transaction: who may see a
matter (the court's committee staff; the appraiser a disqualification matter is about),
its message with the votes and the labels of its grounds, a member's term."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes_auth import Claims
from jes_domain import NotFound
from jes_review_workflow.application_models import (
    AppraiserApplicationRow,
    CommitteeMatterRow,
    CommitteeMemberRow,
    CommitteeVoteRow,
)
from jes_review_workflow.appraisal import common
from jes_review_workflow.appraisal.committee_messages import matter_message
from jes_review_workflow.domain.appraisal import committee as rules
from jes_review_workflow.domain.appraisal.committee import MatterKind
from jes_review_workflow.domain.appraisal.court_rules import rules_for
from jes_review_workflow.models import Appraiser

MATTER_NOT_FOUND = "查無此審查案"
COMMITTEE_STAFF = ("records-chief", "chief-judge", "committee-member", "admin")


def matter_of(
    session: Session,
    claims: Claims,
    matter_id: str,
    *,
    for_update: bool = False,
    staff_only: bool = True,
) -> CommitteeMatterRow:
    query = select(CommitteeMatterRow).where(CommitteeMatterRow.id == matter_id.strip())
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query).first()
    visible = row is not None and (
        (claims.has_role(*COMMITTEE_STAFF) and common.may_see(claims, row.court_code))
        or (not staff_only and is_subject(session, claims, row))
    )
    if row is None or not visible:
        raise NotFound(MATTER_NOT_FOUND, fields={"matter_id": MATTER_NOT_FOUND})
    return row


def is_subject(session: Session, claims: Claims, row: CommitteeMatterRow) -> bool:
    """The appraiser a disqualification matter is about (their own reply)."""
    if row.kind != MatterKind.DISQUALIFICATION.value or not claims.has_role("appraiser"):
        return False
    appraiser = session.get(Appraiser, row.subject_id)
    return appraiser is not None and appraiser.account_id == claims.display_id


def message_of(session: Session, row: CommitteeMatterRow) -> pb.CommitteeMatter:
    if row.kind == MatterKind.QUALIFICATION.value:
        application = session.get(AppraiserApplicationRow, row.subject_id)
        name = application.name if application else ""
        labels: list[str] = []
    else:
        appraiser = session.get(Appraiser, row.subject_id)
        name = appraiser.name if appraiser else ""
        listed = rules_for(row.court_code, common.today()).disqualification.grounds
        labels = [listed[g - 1] for g in row.grounds]
    return matter_message(row, votes_of(session, row.id), name, labels)


def without_votes(message: pb.CommitteeMatter) -> pb.CommitteeMatter:
    """What the appraiser a matter is about sees of it: the votes are the committee's."""
    for field in ("members", "votes", "votes_for", "votes_against"):
        message.ClearField(field)
    return message


def term_of(row: CommitteeMemberRow) -> rules.Term:
    return rules.Term(row.account_id, row.chair, row.term_from, row.term_until)


def votes_of(session: Session, matter_id: str) -> list[CommitteeVoteRow]:
    return list(
        session.scalars(select(CommitteeVoteRow).where(CommitteeVoteRow.matter_id == matter_id))
    )
