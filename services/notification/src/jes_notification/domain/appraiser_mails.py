"""Mails to an applicant to be listed as a court's appraiser (review-workflow's
AppraiserApplicationChanged): not considered (with each missing document), qualified
(on the roster), or refused by the committee. Pure: the account's address is passed in."""

from __future__ import annotations

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2
from jes_notification.domain.mails import Mail
from jes_protos import enum_label
from jes_zhtw import court_by_code

TEMPLATES = {
    pb.APPRAISER_APPLICATION_STATE_NOT_CONSIDERED: "appraiser_application_not_considered",
    pb.APPRAISER_APPLICATION_STATE_QUALIFIED: "appraiser_application_qualified",
    pb.APPRAISER_APPLICATION_STATE_REFUSED: "appraiser_application_refused",
}


def application_changed(event: pb.AppraiserApplicationChanged, account_email: str) -> list[Mail]:
    application = event.application
    template = TEMPLATES.get(application.state)
    if template is None or not account_email:
        return []  # handed in complete: nothing to tell yet; or nobody to tell
    return [
        Mail(
            template,
            account_email,
            {
                "name": application.name,
                "court_name": court_by_code(application.court_code).name,
                "applicant_type": application.applicant_type_label,
                "application_id": application.id,
                "missing": list(application.missing),
                "category": enum_label(appraisers_pb2.AppraiserCategory, application.category),
            },
        )
    ]
