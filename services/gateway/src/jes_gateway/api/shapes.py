"""JSON of what only the API answers: photo sets with their links, accounts, applications,
submissions."""

from __future__ import annotations

from typing import Any

from flask import url_for

from jes.identity.v1 import identity_pb2
from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes.review_workflow.v1 import review_workflow_pb2
from jes_gateway.presentation.shapes import case_number_json, iso, photo_json
from jes_gateway.presentation.vocabulary import (
    APPLICATION_STATUSES,
    PLACEMENTS,
    PROPERTY_TYPES,
    STATUSES,
    VIEWS,
    name_of,
)


def checklist_json(item: pb.ChecklistItem) -> dict[str, Any]:
    return {
        "view": name_of(VIEWS, item.view),
        "label": item.label,
        "satisfied": item.satisfied,
        "warning": item.warning,
        "sequences": list(item.sequences),
        "hint": item.hint,
    }


def photo_set_json(photo_set: pb.PhotoSet) -> dict[str, Any]:
    return {
        "id": photo_set.id,
        "court_code": photo_set.court_code,
        "division": photo_set.division,
        "case_number": case_number_json(photo_set.case_number),
        "case_number_text": photo_set.case_number_text,
        "batch": photo_set.batch,
        "firm_account_id": photo_set.firm_account_id,
        "firm_name": photo_set.firm_name,
        "status": name_of(STATUSES, photo_set.status),
        "version": photo_set.version,
        "property_type": name_of(PROPERTY_TYPES, photo_set.property_type),
        "photo_count": photo_set.photo_count,
        "page": photo_set.page,
        "page_count": photo_set.page_count,
        "changed_since_print": photo_set.changed_since_print,
        "last_fingerprint": photo_set.last_fingerprint,
        "last_printed_at": iso(photo_set.last_printed_at),
        "updated_at": iso(photo_set.updated_at),
        "review_note": photo_set.review_note,
        "checklist": [checklist_json(i) for i in photo_set.checklist],
        "photos": [photo_json(p) for p in photo_set.photos],
        "urls": {
            "self": url_for("api_photo_sets.get_photo_set", set_id=photo_set.id),
            "photos": url_for("api_photos.upload_photo", set_id=photo_set.id),
            "order": url_for("api_photo_sets.reorder_photos", set_id=photo_set.id),
            "print": url_for("api_prints.print_photo_set", set_id=photo_set.id),
            "prints": url_for("api_prints.list_prints", set_id=photo_set.id),
            "history": url_for("api_prints.photo_set_history", set_id=photo_set.id),
            "web": url_for("photos.photo_set", set_id=photo_set.id),
        },
    }


def public_photo_set_json(photo_set: pb.PhotoSet) -> dict[str, Any]:
    """Only what the public may see: no firm, no original, no metadata."""
    return {
        "court_code": photo_set.court_code,
        "division": photo_set.division,
        "case_number": case_number_json(photo_set.case_number),
        "case_number_text": photo_set.case_number_text,
        "batch": photo_set.batch,
        "photos": [
            {
                "sequence": photo.sequence,
                "placement": name_of(PLACEMENTS, photo.placement),
                "auction_target": photo.auction_target,
                "description": photo.description,
                "url": photo.public_url,
            }
            for photo in photo_set.photos
        ],
    }


def account_json(account: identity_pb2.Account) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "name": account.display_name,
        "email": account.email,
        "phone": account.phone,
        "contact_person": account.contact_person,
        "roles": list(account.roles),
        "court_code": account.court_code,
        "password_set": account.password_set,
        "pending_email": account.pending_email,
    }


def application_json(application: identity_pb2.FirmApplication) -> dict[str, Any]:
    return {
        "id": application.id,
        "court_code": application.court_code,
        "company_name": application.company_name,
        "contact_person": application.contact_person,
        "email": application.email,
        "phone": application.phone,
        "status": name_of(APPLICATION_STATUSES, application.status),
        "created_at": iso(application.created_at),
        "account_id": application.account_id,
        "refusal_reason": application.refusal_reason,
        "decided_at": iso(application.decided_at),
        "decided_by": application.decided_by,
    }


def decision_json(decision: review_workflow_pb2.FirmApplicationDecision) -> dict[str, Any]:
    return {
        "id": decision.id,
        "application_id": decision.application_id,
        "court_code": decision.court_code,
        "approved": decision.approved,
        "reason": decision.reason,
        "account_id": decision.account_id,
        "decided_by": decision.decided_by,
        "decided_at": iso(decision.decided_at),
        "state": decision.state,
        "not_applied_reason": decision.not_applied_reason,
    }


def submission_json(submission: review_workflow_pb2.Submission) -> dict[str, Any]:
    return {
        "id": submission.id,
        "photo_set_id": submission.photo_set_id,
        "court_code": submission.court_code,
        "case_number": submission.case_number,
        "division": submission.division,
        "batch": submission.batch,
        "state": submission.state,
        "firm_account_id": submission.firm_account_id,
        "firm_name": submission.firm_name,
        "submitted_at": iso(submission.submitted_at),
        "pages": submission.pages,
        "fingerprint": submission.fingerprint,
        "previous_rejected_fingerprint": submission.previous_rejected_fingerprint,
        "decided_at": iso(submission.decided_at),
        "decided_by": submission.decided_by,
        "decision": submission.decision,
        "not_applied_reason": submission.not_applied_reason,
        "note": submission.note,
        "reasons": [reason_json(r) for r in submission.reasons],
    }


def reason_json(reason: review_workflow_pb2.PhotoReason) -> dict[str, Any]:
    return {
        "photo_id": reason.photo_id,
        "sequence": reason.sequence,
        "reason_code": reason.reason_code,
        "label": reason.label,
        "text": reason.text,
    }
