"""Application rows as the contract's messages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes_review_workflow.application_models import ApplicationDocumentRow, AppraiserApplicationRow
from jes_review_workflow.appraisal.messages import CATEGORY, iso
from jes_review_workflow.domain.appraisal.applications import ApplicationState
from jes_review_workflow.domain.appraisal.court_rules import rules_for
from jes_review_workflow.domain.appraisal.rotation import Category
from jes_zhtw.roc import to_taipei

STATE = {
    ApplicationState.DRAFT: pb.APPRAISER_APPLICATION_STATE_DRAFT,
    ApplicationState.NOT_CONSIDERED: pb.APPRAISER_APPLICATION_STATE_NOT_CONSIDERED,
    ApplicationState.SUBMITTED: pb.APPRAISER_APPLICATION_STATE_SUBMITTED,
    ApplicationState.OPINION_DRAFTED: pb.APPRAISER_APPLICATION_STATE_OPINION_DRAFTED,
    ApplicationState.VOTING: pb.APPRAISER_APPLICATION_STATE_VOTING,
    ApplicationState.QUALIFIED: pb.APPRAISER_APPLICATION_STATE_QUALIFIED,
    ApplicationState.REFUSED: pb.APPRAISER_APPLICATION_STATE_REFUSED,
    ApplicationState.DISQUALIFIED: pb.APPRAISER_APPLICATION_STATE_DISQUALIFIED,
}


def rfc3339(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def application_message(
    row: AppraiserApplicationRow,
    documents: Sequence[ApplicationDocumentRow],
    url_of: Callable[[ApplicationDocumentRow], str] | None = None,
) -> pb.AppraiserApplication:
    """`url_of`: each file's time-limited link, for an answer (an event carries none)."""
    kind = rules_for(row.court_code, to_taipei(row.created_at).date()).applications.applicant_type(
        row.applicant_type
    )
    counts = Counter(d.item for d in documents)
    return pb.AppraiserApplication(
        id=row.id,
        court_code=row.court_code,
        applicant_account_id=row.applicant_account_id,
        applicant_type=row.applicant_type,
        applicant_type_label=kind.label,
        name=row.name,
        registration_number=row.registration_number,
        business_since=iso(row.business_since),
        office=pb.ApplicationOffice(address=row.office_address, phone=row.office_phone),
        staff=[pb.ApplicationStaff(**person) for person in row.staff],
        state=STATE[ApplicationState(row.state)],
        required=[
            pb.RequiredDocument(
                item=d.code, label=d.label, min_files=d.min_files, uploaded=counts[d.code]
            )
            for d in kind.documents
        ],
        documents=[
            pb.ApplicationDocument(
                id=d.id,
                item=d.item,
                file_name=d.file_name,
                content_type=d.content_type,
                size=d.size,
                sha256=d.sha256,
                uploaded_at=rfc3339(d.uploaded_at),
                url=url_of(d) if url_of else "",
            )
            for d in sorted(documents, key=lambda d: d.uploaded_at)
        ],
        missing=list(row.missing),
        submitted_at=rfc3339(row.submitted_at),
        category=CATEGORY[Category(row.category)],
        roster_entry_id=row.roster_entry_id,
    )
