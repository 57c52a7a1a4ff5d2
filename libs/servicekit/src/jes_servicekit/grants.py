"""Carrying out a court decision for the reviewer who made it, with a decision grant.

Review-workflow records a reviewer's decision, exchanges the reviewer's access token at
identity for a grant bound to that one decision, and then (in the reviewer's request or
later, from its worker) calls the owning service as itself with the grant. The owning
service takes who decided from the verified grant only, and only for the decision the
grant names.
"""

from __future__ import annotations

from jes_auth import AuthError, Claims, DecisionGrant, TokenVerifier
from jes_domain import Forbidden, Unauthenticated

PHOTO_SET_REVIEW = "photo_set_review"
FIRM_APPLICATION = "firm_application"
CARRIED_OUT_BY = "review-workflow"

GRANT_MISSING = "權限不足：缺少審核決定的授權"
GRANT_INVALID = "審核決定的授權無效或已逾期"
GRANT_MISMATCH = "權限不足：審核決定的授權不是這項決定的"
GRANT_OTHER_COURT = "權限不足：審核決定的授權不屬於此案件的法院"


def verified_grant(
    verifier: TokenVerifier,
    grant: str,
    caller: Claims,
    *,
    kind: str,
    target_id: str,
    version: str,
    decision: str,
    decision_id: str,
) -> DecisionGrant:
    """A valid grant for exactly this decision, presented by the module it was issued to;
    refused otherwise (and the caller changes nothing). Who decided is `.decider`; the
    court of the target is checked against it with `require_target_court`."""
    if not grant:
        raise Forbidden(GRANT_MISSING)
    try:
        verified = verifier.verify_decision_grant(grant)
    except AuthError as exc:
        raise Unauthenticated(GRANT_INVALID) from exc
    if not caller.is_service or verified.actor != caller.subject:
        raise Forbidden(GRANT_MISMATCH)
    bound = verified.binding
    if (bound.kind, bound.target_id, bound.version, bound.decision, bound.decision_id) != (
        kind,
        target_id,
        version,
        decision,
        decision_id,
    ):
        raise Forbidden(GRANT_MISMATCH)
    return verified


def require_target_court(grant: DecisionGrant, court_code: str) -> None:
    """The grant's decision is for the court the target belongs to."""
    if grant.binding.court_code != court_code:
        raise Forbidden(GRANT_OTHER_COURT)
