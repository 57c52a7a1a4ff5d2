"""Committee rows as the contract's messages."""

from __future__ import annotations

from collections.abc import Sequence

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes_review_workflow.application_models import (
    CommitteeMatterRow,
    CommitteeMemberRow,
    CommitteeVoteRow,
)
from jes_review_workflow.appraisal.application_messages import rfc3339
from jes_review_workflow.appraisal.messages import iso
from jes_review_workflow.domain.appraisal.committee import MatterKind, MatterState, Vote
from jes_review_workflow.models import Appraiser

KIND = {
    MatterKind.QUALIFICATION: pb.COMMITTEE_MATTER_KIND_QUALIFICATION,
    MatterKind.DISQUALIFICATION: pb.COMMITTEE_MATTER_KIND_DISQUALIFICATION,
}
STATE = {
    MatterState.DRAFTED: pb.COMMITTEE_MATTER_STATE_DRAFTED,
    MatterState.VOTING: pb.COMMITTEE_MATTER_STATE_VOTING,
    MatterState.DECIDED: pb.COMMITTEE_MATTER_STATE_DECIDED,
}
VOTE = {Vote.FOR: pb.COMMITTEE_VOTE_CHOICE_FOR, Vote.AGAINST: pb.COMMITTEE_VOTE_CHOICE_AGAINST}
VOTE_OF = {v: k for k, v in VOTE.items()}


def member_message(row: CommitteeMemberRow) -> pb.CommitteeMember:
    return pb.CommitteeMember(
        id=row.id,
        court_code=row.court_code,
        account_id=row.account_id,
        name=row.name,
        chair=row.chair,
        term_from=iso(row.term_from),
        term_until=iso(row.term_until),
    )


def matter_message(
    row: CommitteeMatterRow,
    votes: Sequence[CommitteeVoteRow],
    subject_name: str,
    ground_labels: Sequence[str],
) -> pb.CommitteeMatter:
    cast = sorted(votes, key=lambda v: v.cast_at)
    return pb.CommitteeMatter(
        id=row.id,
        court_code=row.court_code,
        kind=KIND[MatterKind(row.kind)],
        subject_id=row.subject_id,
        subject_name=subject_name,
        grounds=row.grounds,
        ground_labels=ground_labels,
        evidence=row.evidence,
        reply=row.reply,
        recommend=row.recommendation == "for",
        opinion=row.opinion,
        opinion_by=row.opinion_by,
        state=STATE[MatterState(row.state)],
        members=row.members,
        votes=[
            pb.CommitteeVote(
                member_account_id=v.member_account_id,
                choice=VOTE[Vote(v.vote)],
                written=v.written,
                recorded_by=v.recorded_by,
                cast_at=rfc3339(v.cast_at),
            )
            for v in cast
        ],
        votes_for=sum(1 for v in cast if v.vote == Vote.FOR.value),
        votes_against=sum(1 for v in cast if v.vote == Vote.AGAINST.value),
        passed=bool(row.passed),
        decided_at=rfc3339(row.decided_at),
        put_at=rfc3339(row.put_at),
    )


def appraiser_told(
    matter: pb.CommitteeMatter, appraiser: Appraiser, passed: bool
) -> pb.DisqualificationMatterChanged:
    """The event that mails the appraiser a disqualification matter: raised, or decided
    (with the last day of the bar on reapplying when it passed)."""
    barred = appraiser.until if passed else None
    return pb.DisqualificationMatterChanged(
        matter=matter,
        appraiser_account_id=appraiser.account_id,
        barred_until=barred.isoformat() if barred else "",
    )
