"""Who may do what with appraisers: court staff act in their own court (admins in any);
an off-rotation choice is the judicial affairs officer's; a suspension the records
chief's; recording the committee's disqualification its chair's (the chief judge)."""

from __future__ import annotations

from jes_auth import Claims
from jes_domain import Forbidden, InvalidArgument
from jes_review_workflow.domain.appraisal.rotation import Standing

NO_COURT = "請指定法院"
OFF_ROTATION_NEEDS_OFFICER = "不依輪次選任須經司法事務官核可"
SUSPENSION_IS_RECORDS_CHIEF = "停止輪派或恢復輪派由民事執行紀錄科科長為之"
DISQUALIFICATION_IS_CHAIR = "不適任之議決由民事執行處庭長（審查小組召集人）登錄"


def court_of(claims: Claims, court_code: str) -> str:
    """The court a request acts in: the caller's own ("" = own); admins and court systems
    name one."""
    court_code = court_code.strip().upper() or claims.court_code
    if not court_code:
        raise InvalidArgument(NO_COURT, fields={"court_code": NO_COURT})
    if claims.kind != "court-system":
        claims.require_court(court_code)
    return court_code


def require_off_rotation_approver(claims: Claims) -> None:
    if not claims.has_role("judicial-officer"):
        raise Forbidden(OFF_ROTATION_NEEDS_OFFICER)


def require_standing_changer(claims: Claims, standing: Standing) -> None:
    if claims.has_role("admin"):
        return
    if standing is Standing.DISQUALIFIED:
        if not claims.has_role("chief-judge"):
            raise Forbidden(DISQUALIFICATION_IS_CHAIR)
    elif not claims.has_role("records-chief"):
        raise Forbidden(SUSPENSION_IS_RECORDS_CHIEF)
