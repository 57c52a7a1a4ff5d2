"""The qualification committee (鑑定人資格審查小組, point 4 II and IV, point 12): three to
nine members serving one-year terms, chaired by the chief judge; the records chief drafts
an opinion, the chief judge puts it to the members serving that day, each votes once (or
in writing, recorded by the chair), and the matter passes with more than half of the
members for it."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from jes_auth import Claims
from jes_domain import AlreadyExists, FailedPrecondition, Forbidden, InvalidArgument
from jes_review_workflow.domain.appraisal.application_rules import CommitteeRules


class MatterKind(Enum):
    QUALIFICATION = "qualification"
    DISQUALIFICATION = "disqualification"


class MatterState(Enum):
    DRAFTED = "drafted"
    VOTING = "voting"
    DECIDED = "decided"


class Vote(Enum):
    FOR = "for"
    AGAINST = "against"


NOT_A_MEMBER = "非本案審查小組委員，不得投票"
VOTED_ALREADY = "每位委員就同一案只能投票一次"
NOT_VOTING = "本案尚未提付表決或已議決"
NOT_DRAFTED = "本案已提付審查小組，不能再變更"
UNDECIDED = "尚有委員未投票，表決結果未定"
WRITTEN_VOTE_IS_CHAIRS = "書面投票由審查小組召集人（庭長）登錄"
CHAIR_IS_CHIEF_JUDGE = "審查小組召集人由民事執行處庭長擔任"
OPINION_REQUIRED = "請填寫初擬意見"
REPLY_REQUIRED = "提付議決前，須有鑑定人之書面答辯（逾期未答辯者請記明）"


@dataclass(frozen=True)
class Term:
    account_id: str
    chair: bool
    term_from: date
    term_until: date

    def serving_on(self, day: date) -> bool:
        return self.term_from <= day <= self.term_until


def term_until(start: date, months: int) -> date:
    """The last day of a term of `months` from `start` (Civil Code §121 II: the day
    before the corresponding date; the month's last day when it has none)."""
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return date(year, month, last)
    return date(year, month, start.day) - timedelta(days=1)


def check_appointment(
    rules: CommitteeRules, terms: Iterable[Term], new: Term, claims: Claims
) -> None:
    """A member is not appointed twice for overlapping terms; the chair is the chief
    judge; no more than the rules' members serve on any day of the new term."""
    terms = list(terms)
    if new.chair and not claims.has_role("chief-judge"):
        raise Forbidden(CHAIR_IS_CHIEF_JUDGE)
    overlapping = [
        t for t in terms if t.term_from <= new.term_until and new.term_from <= t.term_until
    ]
    if any(t.account_id == new.account_id for t in overlapping):
        problem = "此人於該任期內已是審查小組委員"
        raise AlreadyExists(problem, fields={"account_id": problem})
    if new.chair and any(t.chair for t in overlapping):
        problem = "該任期內已有召集人"
        raise AlreadyExists(problem, fields={"account_id": problem})
    # The most members serving at once: check each day a term in the new one begins.
    starts = {new.term_from, *(t.term_from for t in overlapping if t.term_from > new.term_from)}
    for day in starts:
        serving = sum(1 for t in overlapping if t.serving_on(day)) + 1
        if serving > rules.max_members:
            problem = f"審查小組委員至多{rules.max_members}人"
            raise FailedPrecondition(problem, fields={"account_id": problem})


def members_for_vote(rules: CommitteeRules, terms: Iterable[Term], day: date) -> list[str]:
    """The members serving on `day`, chair first; refused unless they are 3 to 9 and the
    chair is among them."""
    serving = sorted(
        (t for t in terms if t.serving_on(day)), key=lambda t: (not t.chair, t.account_id)
    )
    if not rules.min_members <= len(serving) <= rules.max_members:
        raise FailedPrecondition(
            f"審查小組須有委員{rules.min_members}人至{rules.max_members}人，"
            f"目前{len(serving)}人，不能提付表決"
        )
    if not serving[0].chair:
        raise FailedPrecondition("審查小組尚無召集人（庭長），不能提付表決")
    return [t.account_id for t in serving]


def voter_of(claims: Claims, members: Sequence[str], written_for: str) -> tuple[str, bool]:
    """Whose vote this is (members are known by their login name, as the chief judge
    appoints them) and whether it is a written one the chair records."""
    written_for = written_for.strip()
    if written_for:
        if not claims.has_role("chief-judge") or claims.display_id not in members[:1]:
            raise Forbidden(WRITTEN_VOTE_IS_CHAIRS)
        voter = written_for
    else:
        voter = claims.display_id
    if voter not in members:
        raise Forbidden(NOT_A_MEMBER)
    return voter, bool(written_for)


def check_not_voted(voter: str, voted: Iterable[str]) -> None:
    if voter in set(voted):
        raise AlreadyExists(VOTED_ALREADY)


def result(members: Sequence[str], votes: Iterable[Vote]) -> bool | None:
    """Passed (more than half of the members for), failed (that can no longer happen),
    or None while it still can go either way."""
    votes = list(votes)
    votes_for = sum(1 for v in votes if v is Vote.FOR)
    outstanding = len(members) - len(votes)
    if votes_for * 2 > len(members):
        return True
    if (votes_for + outstanding) * 2 <= len(members):
        return False
    return None


def check_opinion(opinion: str) -> str:
    opinion = opinion.strip()
    if not opinion or len(opinion) > 5000:
        raise InvalidArgument(OPINION_REQUIRED, fields={"opinion": OPINION_REQUIRED})
    return opinion


def bar_until(decided_on: date, years: int) -> date:
    """The last day a disqualified appraiser may not apply again (point 12 II)."""
    try:
        end = decided_on.replace(year=decided_on.year + years)
    except ValueError:  # 29 February
        end = date(decided_on.year + years, 3, 1)
    return end - timedelta(days=1)
