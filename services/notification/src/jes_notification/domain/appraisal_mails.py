"""The appraiser's reminder before a last day (review-workflow's
AppraisalDeadlineApproaching): what is due, for which case, by which day (ROC dates), and
where to see their work. Sent to the address of the appraiser's portal account."""

from __future__ import annotations

from datetime import date

from jes.review_workflow.v1 import appraisal_work_pb2
from jes_notification.domain.mails import Links, Mail
from jes_zhtw import court_by_code, format_roc_date

TEMPLATE = "appraisal_deadline_approaching"


def deadline_approaching(
    event: appraisal_work_pb2.AppraisalDeadlineApproaching, email: str, links: Links
) -> list[Mail]:
    if not email:
        return []  # no portal account, or no address on it: the division's list shows it
    item = event.item
    return [
        Mail(
            TEMPLATE,
            email,
            {
                "appraiser_name": item.appraiser_name,
                "court_name": court_by_code(item.court_code).name,
                "case_number": item.case_number,
                "division": item.division,
                "kind_label": item.kind_label,
                "subject": item.subject,
                "start": format_roc_date(date.fromisoformat(item.start)),
                "days": item.days,
                "last_day": format_roc_date(date.fromisoformat(item.last_day)),
                "work_url": f"{links.public_url}/appraisers/my-work",
            },
        )
    ]
