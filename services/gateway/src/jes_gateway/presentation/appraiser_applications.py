"""Appraiser applications and the qualification committee as pages and the API show
them: API names and zh-TW labels of the contract's enums, and JSON of applications,
matters and members."""

from __future__ import annotations

from typing import Any

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2
from jes_gateway.presentation.vocabulary import api_names, labels_by_value, name_of

APPLICATION_STATES: dict[str, pb.AppraiserApplicationState.ValueType] = api_names(
    pb.AppraiserApplicationState, "APPRAISER_APPLICATION_STATE_", unspecified=False
)
MATTER_KINDS: dict[str, pb.CommitteeMatterKind.ValueType] = api_names(
    pb.CommitteeMatterKind, "COMMITTEE_MATTER_KIND_", unspecified=False
)
MATTER_STATES: dict[str, pb.CommitteeMatterState.ValueType] = api_names(
    pb.CommitteeMatterState, "COMMITTEE_MATTER_STATE_", unspecified=False
)
VOTE_CHOICES: dict[str, pb.CommitteeVoteChoice.ValueType] = api_names(
    pb.CommitteeVoteChoice, "COMMITTEE_VOTE_CHOICE_", unspecified=False
)
CATEGORIES = api_names(appraisers_pb2.AppraiserCategory, "APPRAISER_CATEGORY_", unspecified=False)
APPLICATION_STATE_LABELS = labels_by_value(pb.AppraiserApplicationState)
MATTER_KIND_LABELS = labels_by_value(pb.CommitteeMatterKind)
MATTER_STATE_LABELS = labels_by_value(pb.CommitteeMatterState)
VOTE_CHOICE_LABELS = labels_by_value(pb.CommitteeVoteChoice)
CATEGORY_LABELS = labels_by_value(appraisers_pb2.AppraiserCategory)


def application_json(application: pb.AppraiserApplication) -> dict[str, Any]:
    return {
        "id": application.id,
        "court_code": application.court_code,
        "applicant_account_id": application.applicant_account_id,
        "applicant_type": application.applicant_type,
        "applicant_type_label": application.applicant_type_label,
        "name": application.name,
        "registration_number": application.registration_number,
        "business_since": application.business_since,
        "office_address": application.office.address,
        "office_phone": application.office.phone,
        "staff": [{"name": s.name, "id_number": s.id_number} for s in application.staff],
        "state": name_of(APPLICATION_STATES, application.state),
        "state_label": APPLICATION_STATE_LABELS.get(application.state, ""),
        "category": name_of(CATEGORIES, application.category),
        "category_label": CATEGORY_LABELS.get(application.category, ""),
        "required": [
            {
                "item": r.item,
                "label": r.label,
                "min_files": r.min_files,
                "uploaded": r.uploaded,
            }
            for r in application.required
        ],
        "documents": [
            {
                "id": d.id,
                "item": d.item,
                "file_name": d.file_name,
                "content_type": d.content_type,
                "size": d.size,
                "sha256": d.sha256,
                "uploaded_at": d.uploaded_at,
                "url": d.url,
            }
            for d in application.documents
        ],
        "missing": list(application.missing),
        "submitted_at": application.submitted_at or None,
        "roster_entry_id": application.roster_entry_id,
    }


def member_json(member: pb.CommitteeMember) -> dict[str, Any]:
    return {
        "id": member.id,
        "court_code": member.court_code,
        "account_id": member.account_id,
        "name": member.name,
        "chair": member.chair,
        "term_from": member.term_from,
        "term_until": member.term_until,
    }


def matter_json(matter: pb.CommitteeMatter) -> dict[str, Any]:
    return {
        "id": matter.id,
        "court_code": matter.court_code,
        "kind": name_of(MATTER_KINDS, matter.kind),
        "kind_label": MATTER_KIND_LABELS.get(matter.kind, ""),
        "subject_id": matter.subject_id,
        "subject_name": matter.subject_name,
        "grounds": list(matter.grounds),
        "ground_labels": list(matter.ground_labels),
        "evidence": matter.evidence,
        "reply": matter.reply,
        "recommend": matter.recommend,
        "opinion": matter.opinion,
        "opinion_by": matter.opinion_by,
        "state": name_of(MATTER_STATES, matter.state),
        "state_label": MATTER_STATE_LABELS.get(matter.state, ""),
        "members": list(matter.members),
        "votes": [
            {
                "member_account_id": v.member_account_id,
                "choice": name_of(VOTE_CHOICES, v.choice),
                "choice_label": VOTE_CHOICE_LABELS.get(v.choice, ""),
                "written": v.written,
                "recorded_by": v.recorded_by,
                "cast_at": v.cast_at,
            }
            for v in matter.votes
        ],
        "votes_for": matter.votes_for,
        "votes_against": matter.votes_against,
        "passed": matter.passed,
        "put_at": matter.put_at or None,
        "decided_at": matter.decided_at or None,
    }
