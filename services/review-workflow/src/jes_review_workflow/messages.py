"""Rows as contract messages, and as the JSON snapshots the audit log keeps."""

from __future__ import annotations

from typing import Any

from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_review_workflow.models import FirmApplicationDecision, Submission


def submission_message(submission: Submission) -> pb.Submission:
    message = pb.Submission(
        id=submission.id,
        photo_set_id=submission.photo_set_id,
        court_code=submission.court_code,
        case_number=submission.case_number,
        report_id=submission.report_id,
        fingerprint=submission.fingerprint,
        state=submission.state,
        division=submission.division,
        batch=submission.batch,
        firm_account_id=submission.firm_account_id,
        firm_name=submission.firm_name,
        firm_email=submission.firm_email,
        set_version=submission.set_version,
        pages=submission.pages,
        previous_rejected_fingerprint=submission.previous_rejected_fingerprint,
        decided_by=submission.decided_by,
        note=submission.note,
        decision=submission.decision,
        not_applied_reason=submission.not_applied_reason,
        reasons=[
            pb.PhotoReason(
                photo_id=reason["photo_id"],
                sequence=reason["sequence"],
                reason_code=reason["reason_code"],
                text=reason["text"],
                label=reason["label"],
            )
            for reason in submission.reasons
        ],
    )
    message.submitted_at.FromDatetime(submission.submitted_at)
    if submission.decided_at is not None:
        message.decided_at.FromDatetime(submission.decided_at)
    return message


def submission_snapshot(submission: Submission) -> dict[str, Any]:
    """What the audit log records of a submission before and after a decision."""
    return {
        "photo_set_id": submission.photo_set_id,
        "case_number": submission.case_number,
        "batch": submission.batch,
        "fingerprint": submission.fingerprint,
        "state": submission.state,
        "decided_at": submission.decided_at.isoformat() if submission.decided_at else None,
        "decided_by": submission.decided_by,
        "note": submission.note,
        "reasons": list(submission.reasons),
        "decision": submission.decision,
        "not_applied_reason": submission.not_applied_reason,
    }


def undecided_snapshot(submission: Submission) -> dict[str, Any]:
    """The submission as it was before the reviewer's decision (a decision is logged
    with its outcome, from the row that holds both)."""
    return {
        **submission_snapshot(submission),
        "state": "pending",
        "decided_at": None,
        "decided_by": "",
        "note": "",
        "reasons": [],
        "decision": "",
        "not_applied_reason": "",
    }


def decision_message(decision: FirmApplicationDecision) -> pb.FirmApplicationDecision:
    message = pb.FirmApplicationDecision(
        id=decision.id,
        application_id=decision.application_id,
        court_code=decision.court_code,
        approved=decision.approved,
        reason=decision.reason,
        account_id=decision.account_id,
        decided_by=decision.decided_by,
        state=decision.state,
        not_applied_reason=decision.not_applied_reason,
    )
    message.decided_at.FromDatetime(decision.decided_at)
    return message
