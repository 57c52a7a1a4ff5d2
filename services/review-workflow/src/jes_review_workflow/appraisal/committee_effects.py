"""What a committee's decision changes, inside the decision's transaction: a qualified
applicant enrolled on the roster (or the application refused), a disqualified appraiser
barred for the court's years, and the appraiser told of a disqualification matter."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2
from jes_auth import Claims
from jes_events import Outbox
from jes_grpckit import request_id_var
from jes_review_workflow.application_models import AppraiserApplicationRow, CommitteeMatterRow
from jes_review_workflow.appraisal import applications, common, roster
from jes_review_workflow.appraisal.applications import message_of as application_message_of
from jes_review_workflow.appraisal.committee_messages import appraiser_told
from jes_review_workflow.appraisal.committee_reading import message_of
from jes_review_workflow.appraisal.messages import roster_entry
from jes_review_workflow.domain.appraisal import committee as rules
from jes_review_workflow.domain.appraisal.applications import ApplicationState
from jes_review_workflow.domain.appraisal.committee import MatterKind
from jes_review_workflow.domain.appraisal.court_rules import rules_for
from jes_review_workflow.domain.appraisal.rotation import Category, Standing
from jes_review_workflow.models import Appraiser


def qualification_decided(
    session: Session, outbox: Outbox, claims: Claims, matter: CommitteeMatterRow, passed: bool
) -> None:
    application = session.get(AppraiserApplicationRow, matter.subject_id, with_for_update=True)
    assert application is not None
    if passed:
        entry = roster.enrol(
            session,
            outbox,
            claims,
            application.court_code,
            Category(application.category),
            application.name,
            application.applicant_account_id,
            f"{common.today().isoformat()} 鑑定人資格審查小組評選合格（申請案 {application.id}）",
        )
        application.roster_entry_id = entry.id
    application.state = (ApplicationState.QUALIFIED if passed else ApplicationState.REFUSED).value
    outbox.add(
        session,
        pb.AppraiserApplicationChanged(application=application_message_of(session, application)),
        subject=application.id,
        trace_id=request_id_var.get(),
    )


def disqualify(session: Session, outbox: Outbox, matter: CommitteeMatterRow, day: date) -> None:
    appraiser = common.appraiser_in_court(
        session, matter.court_code, matter.subject_id, for_update=True
    )
    years = rules_for(matter.court_code, day).disqualification.reapply_bar_years
    numbers = "、".join(f"第{g}款" for g in matter.grounds)
    appraiser.standing = Standing.DISQUALIFIED.value
    appraiser.until = rules.bar_until(day, years)
    appraiser.standing_reason = f"鑑定人資格審查小組議決不適任（第十二點{numbers}）"
    applications.applications_disqualified(session, appraiser.id)
    outbox.add(
        session,
        appraisers_pb2.RosterChanged(entry=roster_entry(appraiser, day)),
        subject=appraiser.id,
        trace_id=request_id_var.get(),
    )


def tell_appraiser(session: Session, outbox: Outbox, matter: CommitteeMatterRow) -> None:
    """The appraiser hears of the matter raised against them and of its result."""
    appraiser = session.get(Appraiser, matter.subject_id)
    assert appraiser is not None
    event = appraiser_told(message_of(session, matter), appraiser, bool(matter.passed))
    outbox.add(session, event, subject=matter.id, trace_id=request_id_var.get())


def application_state(
    session: Session, matter: CommitteeMatterRow, state: ApplicationState
) -> None:
    if matter.kind == MatterKind.QUALIFICATION.value:
        application = session.get(AppraiserApplicationRow, matter.subject_id)
        assert application is not None
        application.state = state.value
