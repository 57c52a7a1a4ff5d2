"""The actions review-workflow's audit log records, and their labels for people (the
gateway shows `action_label` as given)."""

from __future__ import annotations

from jes_review_workflow.domain.submissions import (
    APPROVED,
    NOT_APPLIED,
    REJECTED,
    WITHDRAWN,
    SubmissionState,
)

# A decision is logged once, with its outcome: applied (approved / rejected, activated /
# refused) or not applied (the owning service refused it for good).
SUBMISSION_APPROVED = "submission.approved"
SUBMISSION_REJECTED = "submission.rejected"
SUBMISSION_NOT_APPLIED = "submission.not_applied"
SUBMISSION_WITHDRAWN = "submission.withdrawn"
FIRM_APPLICATION_ACTIVATED = "firm_application.activated"
FIRM_APPLICATION_REFUSED = "firm_application.refused"
FIRM_APPLICATION_NOT_APPLIED = "firm_application.not_applied"

AUDIT_ACTION_LABELS = {
    SUBMISSION_APPROVED: "審核通過",
    SUBMISSION_REJECTED: "審核不通過",
    SUBMISSION_NOT_APPLIED: "審核決定未能執行",
    SUBMISSION_WITHDRAWN: "撤回送審",
    FIRM_APPLICATION_ACTIVATED: "開通鑑估價公司帳號",
    FIRM_APPLICATION_REFUSED: "不予開通帳號申請",
    FIRM_APPLICATION_NOT_APPLIED: "帳號申請決定未能執行",
}

_SUBMISSION_ACTIONS = {
    APPROVED: SUBMISSION_APPROVED,
    REJECTED: SUBMISSION_REJECTED,
    NOT_APPLIED: SUBMISSION_NOT_APPLIED,
    WITHDRAWN: SUBMISSION_WITHDRAWN,
}


def submission_action(decided: SubmissionState) -> str:
    return _SUBMISSION_ACTIONS[decided]


def firm_application_action(approve: bool) -> str:
    return FIRM_APPLICATION_ACTIVATED if approve else FIRM_APPLICATION_REFUSED
