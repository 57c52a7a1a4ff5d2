"""Mails to an appraiser about a disqualification matter (review-workflow's
DisqualificationMatterChanged): the matter raised against them, with its grounds, the
evidence and where to reply in writing; then the committee's result (disqualified, with
the last day of the bar on reapplying, or not). Sent to their portal account's address."""

from __future__ import annotations

from datetime import date

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes_notification.domain.mails import Links, Mail
from jes_zhtw import court_by_code, format_roc_date

RAISED = "disqualification_matter_raised"
DECIDED = "disqualification_matter_decided"
TEMPLATES = {
    pb.COMMITTEE_MATTER_STATE_DRAFTED: RAISED,
    pb.COMMITTEE_MATTER_STATE_DECIDED: DECIDED,
}


def matter_changed(event: pb.DisqualificationMatterChanged, email: str, links: Links) -> list[Mail]:
    matter = event.matter
    template = TEMPLATES.get(matter.state)
    if template is None or not email:
        return []  # put to the vote: nothing new for them; or nobody to tell
    barred = format_roc_date(date.fromisoformat(event.barred_until)) if event.barred_until else ""
    return [
        Mail(
            template,
            email,
            {
                "name": matter.subject_name,
                "court_name": court_by_code(matter.court_code).name,
                "grounds": list(zip(matter.grounds, matter.ground_labels, strict=True)),
                "numbers": "、".join(f"第{g}款" for g in matter.grounds),
                "evidence": matter.evidence.splitlines(),
                "reply_url": f"{links.public_url}/committee/matters/{matter.id}/reply",
                "passed": matter.passed,
                "result": "不適任" if matter.passed else "未議決不適任",
                "barred_until": barred,
            },
        )
    ]
