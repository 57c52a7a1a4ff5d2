"""The actions review-workflow's audit log records, and their labels for people (the
gateway shows `action_label` as given)."""

from __future__ import annotations

from jes_review_workflow.domain.submissions import APPROVED, REJECTED, SubmissionState

SUBMISSION_APPROVED = "submission.approved"
SUBMISSION_REJECTED = "submission.rejected"
FIRM_APPLICATION_ACTIVATED = "firm_application.activated"
FIRM_APPLICATION_REFUSED = "firm_application.refused"

AUDIT_ACTION_LABELS = {
    SUBMISSION_APPROVED: "審核通過",
    SUBMISSION_REJECTED: "審核不通過",
    FIRM_APPLICATION_ACTIVATED: "開通鑑估價公司帳號",
    FIRM_APPLICATION_REFUSED: "不予開通帳號申請",
}

_SUBMISSION_ACTIONS = {APPROVED: SUBMISSION_APPROVED, REJECTED: SUBMISSION_REJECTED}


def submission_action(decided: SubmissionState) -> str:
    return _SUBMISSION_ACTIONS[decided]


def firm_application_action(approve: bool) -> str:
    return FIRM_APPLICATION_ACTIVATED if approve else FIRM_APPLICATION_REFUSED
