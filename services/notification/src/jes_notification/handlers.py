"""Event handlers: each turns an event into queued deliveries, in the consumer's
transaction, so an event is mailed once even when it is delivered twice. Which mail goes
to whom is decided in domain/mails.py; here it is rendered and queued."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any, TypeVar, cast

import grpc
from google.protobuf.message import Message
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session

from jes.case_sync.v1 import case_events_pb2
from jes.events.v1.envelope_pb2 import Envelope
from jes.identity.v1 import identity_pb2, identity_pb2_grpc, verification_pb2
from jes.review_workflow.v1 import (
    appraisal_work_pb2,
    appraiser_applications_pb2,
    review_workflow_pb2,
)
from jes_domain import FailedPrecondition
from jes_grpckit import Client
from jes_notification import progress_notices
from jes_notification.domain import (
    appraisal_mails,
    appraiser_mails,
    case_mails,
    disqualification_mails,
    mails,
)
from jes_notification.domain.mails import Links, Mail, delivery_id
from jes_notification.models import Delivery
from jes_notification.rendering import templates
from jes_protos import open_envelope

__all__ = ["Handlers", "delivery_id", "link_issuer", "queue"]

EventT = TypeVar("EventT", bound=Message)
IdentityClient = Client[identity_pb2_grpc.IdentityServiceStub]


def event_of(envelope: Envelope, event_class: type[EventT]) -> EventT:
    return cast(EventT, open_envelope(envelope, event_class))


def queue(session: Session, envelope: Envelope, mail: Mail) -> None:
    delivery = Delivery(
        id=delivery_id(envelope.id, mail.recipient),
        event_id=envelope.id,
        template=mail.template,
        recipient=mail.recipient,
        subject=mail.subject,
        body=templates.get_template(f"{mail.template}.txt").render(**mail.context),
        link_id=mail.link_id,
    )
    session.merge(delivery)  # the same event and recipient twice is one mail


def after_commit(session: Session, call: Callable[[], None]) -> None:
    """`call` once the session's transaction commits (not if it rolls back)."""
    sqlalchemy_event.listen(session, "after_commit", lambda _session: call(), once=True)


class Handlers:
    def __init__(
        self,
        public_url: str,
        identity: IdentityClient,
        *,
        on_queued: Callable[[], None] | None = None,
        on_noticed: Callable[[], None] | None = None,
    ):
        self.links = Links(public_url)
        self.identity = identity
        # Called once the transaction that queued mail commits (MailSender.notify), so the
        # mail goes out at once instead of at the sender's next poll.
        self.on_queued = on_queued
        # Called once a transaction that recorded progress notices commits
        # (NoticeComposer.notify), so the composer learns when the next batch falls due.
        self.on_noticed = on_noticed

    def batch_mapping(self) -> dict[Any, Callable[[Session, list[Envelope]], None]]:
        """The events applied a poll's run at a time (EventConsumer's batch handlers)."""
        return {
            case_events_pb2.ProgressEntriesAdded: self.progress_entries_added,
            case_events_pb2.ProgressEntryAdded: self.progress_entry_added_many,
        }

    def mapping(self) -> dict[Any, Callable[[Session, Envelope], None]]:
        return {
            identity_pb2.FirmAccountApplied: self.firm_application_received,
            identity_pb2.FirmAccountActivated: self.firm_account_activated,
            identity_pb2.FirmApplicationRefused: self.firm_application_refused,
            identity_pb2.PasswordResetRequested: self.password_reset_requested,
            identity_pb2.AccountIdReminderRequested: self.account_id_reminder,
            identity_pb2.LoginFailuresRepeated: self.login_failures_repeated,
            identity_pb2.NewDeviceLoggedIn: self.new_device_logged_in,
            verification_pb2.VerificationCodeRequested: self.verification_code,
            verification_pb2.EmailChanged: self.email_changed,
            identity_pb2.ProfessionalApplicationSubmitted: self.professional_received,
            identity_pb2.ProfessionalAccountApproved: self.professional_approved,
            identity_pb2.ProfessionalApplicationRefused: self.professional_refused,
            review_workflow_pb2.ReviewRequested: self.review_requested,
            review_workflow_pb2.ReviewDecided: self.review_decided,
            appraiser_applications_pb2.AppraiserApplicationChanged: self.appraiser_application,
            appraisal_work_pb2.AppraisalDeadlineApproaching: self.appraisal_deadline_approaching,
            appraiser_applications_pb2.DisqualificationMatterChanged: self.disqualification,
            case_events_pb2.ProgressEntriesAdded: self.progress_entries_added_one,
            case_events_pb2.ProgressEntryAdded: self.progress_entry_added,
            case_events_pb2.ProgressEntryCorrected: self.progress_entry_corrected,
            case_events_pb2.ProgressEntryWithdrawn: self.progress_entry_withdrawn,
            case_events_pb2.CaseStatusChanged: self.case_status_changed,
            case_events_pb2.CaseCutOffApproaching: self.case_cut_off_approaching,
            case_events_pb2.CaseCutOffReached: self.case_cut_off_reached,
            case_events_pb2.FollowApproved: self.follow_approved,
            case_events_pb2.FollowRevoked: self.follow_revoked,
        }

    def _queue_all(self, session: Session, envelope: Envelope, to_send: list[Mail]) -> None:
        for mail in to_send:
            queue(session, envelope, mail)
        if to_send and self.on_queued is not None:
            after_commit(session, self.on_queued)

    def firm_application_received(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, identity_pb2.FirmAccountApplied)
        self._queue_all(session, envelope, mails.firm_application_received(event))

    def firm_account_activated(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, identity_pb2.FirmAccountActivated)
        self._queue_all(session, envelope, mails.firm_account_activated(event, self.links))

    def firm_application_refused(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, identity_pb2.FirmApplicationRefused)
        self._queue_all(session, envelope, mails.firm_application_refused(event))

    def password_reset_requested(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, identity_pb2.PasswordResetRequested)
        self._queue_all(session, envelope, mails.password_reset_requested(event, self.links))

    def account_id_reminder(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, identity_pb2.AccountIdReminderRequested)
        self._queue_all(session, envelope, mails.account_id_reminder(event, self.links))

    def login_failures_repeated(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, identity_pb2.LoginFailuresRepeated)
        self._queue_all(session, envelope, mails.login_failures_repeated(event, self.links))

    def new_device_logged_in(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, identity_pb2.NewDeviceLoggedIn)
        self._queue_all(session, envelope, mails.new_device_logged_in(event, self.links))

    def verification_code(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, verification_pb2.VerificationCodeRequested)
        self._queue_all(session, envelope, mails.verification_code(event))

    def email_changed(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, verification_pb2.EmailChanged)
        self._queue_all(session, envelope, mails.email_changed(event, self.links))

    def professional_received(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, identity_pb2.ProfessionalApplicationSubmitted)
        to_send = mails.professional_application_received(event, self.links)
        self._queue_all(session, envelope, to_send)

    def professional_approved(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, identity_pb2.ProfessionalAccountApproved)
        self._queue_all(session, envelope, mails.professional_account_approved(event, self.links))

    def professional_refused(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, identity_pb2.ProfessionalApplicationRefused)
        to_send = mails.professional_application_refused(event, self.links)
        self._queue_all(session, envelope, to_send)

    def review_requested(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, review_workflow_pb2.ReviewRequested)
        staff = self.identity.stub.ListCourtStaff(
            identity_pb2.ListCourtStaffRequest(court_code=event.submission.court_code, role="clerk")
        )
        self._queue_all(
            session, envelope, mails.review_requested(event, staff.accounts, self.links)
        )

    def review_decided(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, review_workflow_pb2.ReviewDecided)
        account_email = self.account_email(mails.account_to_ask_for(event))
        self._queue_all(session, envelope, mails.review_decided(event, account_email, self.links))

    def appraiser_application(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, appraiser_applications_pb2.AppraiserApplicationChanged)
        if event.application.state not in appraiser_mails.TEMPLATES:
            return
        email = self.account_email(event.application.applicant_account_id)
        self._queue_all(session, envelope, appraiser_mails.application_changed(event, email))

    def appraisal_deadline_approaching(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, appraisal_work_pb2.AppraisalDeadlineApproaching)
        email = self.account_email(event.appraiser_account_id)
        to_send = appraisal_mails.deadline_approaching(event, email, self.links)
        self._queue_all(session, envelope, to_send)

    def disqualification(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, appraiser_applications_pb2.DisqualificationMatterChanged)
        if event.matter.state not in disqualification_mails.TEMPLATES:
            return
        email = self.account_email(event.appraiser_account_id)
        to_send = disqualification_mails.matter_changed(event, email, self.links)
        self._queue_all(session, envelope, to_send)

    def account_email(self, account_id: str) -> str:
        """The e-mail identity has for an account ("" when there is no such account)."""
        if not account_id:
            return ""
        try:
            request = identity_pb2.GetAccountRequest(account_id=account_id)
            return str(self.identity.stub.GetAccount(request).email)
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.NOT_FOUND:
                return ""
            raise  # identity unavailable: the consumer tries the event again

    def progress_entries_added_one(self, session: Session, envelope: Envelope) -> None:
        """A notice per follower and entry; the composer mails them, batched, once they
        fall due."""
        self.progress_entries_added(session, [envelope])

    def progress_entries_added(self, session: Session, envelopes: list[Envelope]) -> None:
        """A poll's run of new entries together: a few statements, not a few per entry."""
        self._record_added(session, envelopes, case_events_pb2.ProgressEntriesAdded)

    def progress_entry_added(self, session: Session, envelope: Envelope) -> None:
        """An older case-sync's event of one entry (still on the topic after an upgrade)."""
        self.progress_entry_added_many(session, [envelope])

    def progress_entry_added_many(self, session: Session, envelopes: list[Envelope]) -> None:
        self._record_added(session, envelopes, case_events_pb2.ProgressEntryAdded)

    def _record_added(
        self,
        session: Session,
        envelopes: list[Envelope],
        event_class: type[case_events_pb2.ProgressEntriesAdded]
        | type[case_events_pb2.ProgressEntryAdded],
    ) -> None:
        events: list[progress_notices.AddedEvent] = [event_of(e, event_class) for e in envelopes]
        # when case-sync committed each (an envelope without a time: now)
        arrived_at = [
            e.time.ToDatetime(tzinfo=UTC) if e.HasField("time") else None for e in envelopes
        ]
        self._noticed(
            session, progress_notices.record_progress_of_many(session, events, None, arrived_at)
        )

    def progress_entry_corrected(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, case_events_pb2.ProgressEntryCorrected)
        self._noticed(session, progress_notices.record_correction(session, event))

    def progress_entry_withdrawn(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, case_events_pb2.ProgressEntryWithdrawn)
        self._noticed(session, progress_notices.record_withdrawal(session, event))

    def _noticed(self, session: Session, waiting: int) -> None:
        if waiting and self.on_noticed is not None:
            after_commit(session, self.on_noticed)

    def case_status_changed(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, case_events_pb2.CaseStatusChanged)
        unsubscribed = progress_notices.unsubscribed_emails(session, event.case_id)
        to_send = case_mails.cut_off_started(event, unsubscribed, self.links)
        to_send += case_mails.cut_off_stopped(event, unsubscribed, self.links)
        self._queue_all(session, envelope, to_send)

    def case_cut_off_approaching(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, case_events_pb2.CaseCutOffApproaching)
        unsubscribed = progress_notices.unsubscribed_emails(session, event.case_id)
        to_send = case_mails.cut_off_approaching(event, unsubscribed, self.links)
        self._queue_all(session, envelope, to_send)

    def case_cut_off_reached(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, case_events_pb2.CaseCutOffReached)
        progress_notices.drop_waiting(session, event.case_id)

    def follow_approved(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, case_events_pb2.FollowApproved)
        self._queue_all(session, envelope, case_mails.follow_approved(event, self.links))

    def follow_revoked(self, session: Session, envelope: Envelope) -> None:
        event = event_of(envelope, case_events_pb2.FollowRevoked)
        progress_notices.drop_waiting(session, event.case_id, [event.follow_id])
        self._queue_all(session, envelope, case_mails.follow_revoked(event, self.links))


def link_issuer(identity: IdentityClient) -> Callable[[str, str], str]:
    """For the mail sender: what fills a mail's slot, asked of identity at send time: a
    one-time link's token (IssuePasswordLink) or, for a code mail (mails.CODE_TEMPLATES),
    an e-mail verification code (IssueVerificationCode). One identity no longer gives
    (used, expired, replaced) is `FailedPrecondition`; identity being away is the RpcError
    (retried)."""

    def issue(link_id: str, template: str) -> str:
        try:
            if template in mails.CODE_TEMPLATES:
                code_request = verification_pb2.IssueVerificationCodeRequest(code_id=link_id)
                return str(identity.stub.IssueVerificationCode(code_request).code)
            request = identity_pb2.IssuePasswordLinkRequest(link_id=link_id)
            return str(identity.stub.IssuePasswordLink(request).token)
        except grpc.RpcError as error:
            code = error.code() if isinstance(error, grpc.Call) else None
            if code in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND):
                raise FailedPrecondition(str(error.details())) from None
            raise

    return issue
