"""Event handlers: each turns an event into queued deliveries, in the consumer's
transaction, so an event is mailed once even when it is delivered twice."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import grpc
from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy.orm import Session

from jes.case_sync.v1 import case_sync_pb2
from jes.events.v1.envelope_pb2 import Envelope
from jes.identity.v1 import identity_pb2, identity_pb2_grpc
from jes.review_workflow.v1 import review_workflow_pb2
from jes_grpckit import Client
from jes_notification.models import Delivery
from jes_protos import open_envelope
from jes_zhtw import CaseNumber, court_by_code, format_roc_date, format_roc_datetime

# Plain-text mails: HTML escaping would corrupt names such as "A&B 估價".
templates = Environment(
    loader=PackageLoader("jes_notification", "templates"),
    autoescape=False,  # noqa: S701
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)

SUBJECTS = {
    "firm_application_received": "【司法院】鑑估價公司帳號申請已受理",
    "firm_account_activated": "【司法院】鑑估價公司帳號已啟用，請設定密碼",
    "firm_application_refused": "【司法院】鑑估價公司帳號申請未通過",
    "password_reset_requested": "【司法院】重新設定密碼",
    "account_id_reminder": "【司法院】您的帳號",
    "review_requested": "【司法院】鑑估報告照片待審核：{case_number}",
    "progress_entry_added": "【司法院】案件進度更新：{case_number}",
    "review_approved": "【司法院】鑑估報告照片已通過審核：{case_number}",
    "review_rejected": "【司法院】鑑估報告照片未通過審核：{case_number}",
}


def delivery_id(event_id: str, recipient: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"jes:{event_id}:{recipient.lower()}"))


def queue(
    session: Session, envelope: Envelope, template: str, recipient: str, **context: Any
) -> None:
    delivery = Delivery(
        id=delivery_id(envelope.id, recipient),
        event_id=envelope.id,
        template=template,
        recipient=recipient,
        subject=SUBJECTS[template].format(**context),
        body=templates.get_template(f"{template}.txt").render(**context),
    )
    session.merge(delivery)  # the same event and recipient twice is one mail


class Handlers:
    def __init__(self, public_url: str, identity: Client):
        self.public_url = public_url
        self.identity = identity

    def mapping(self) -> dict[Any, Callable[[Session, Envelope], None]]:
        return {
            identity_pb2.FirmAccountApplied: self.firm_application_received,
            identity_pb2.FirmAccountActivated: self.firm_account_activated,
            identity_pb2.FirmApplicationRefused: self.firm_application_refused,
            identity_pb2.PasswordResetRequested: self.password_reset_requested,
            identity_pb2.AccountIdReminderRequested: self.account_id_reminder,
            review_workflow_pb2.ReviewRequested: self.review_requested,
            review_workflow_pb2.ReviewDecided: self.review_decided,
            case_sync_pb2.ProgressEntryAdded: self.progress_entry_added,
        }

    def firm_application_received(self, session: Session, envelope: Envelope) -> None:
        app = open_envelope(envelope, identity_pb2.FirmAccountApplied).application
        queue(
            session,
            envelope,
            "firm_application_received",
            app.email,
            contact_person=app.contact_person,
            company_name=app.company_name,
            court_name=court_by_code(app.court_code).name,
            applied_on=format_roc_date(app.created_at.ToDatetime()),
        )

    def set_password_url(self, token: str) -> str:
        return f"{self.public_url}/password/set?token={quote(token, safe='')}"

    def firm_account_activated(self, session: Session, envelope: Envelope) -> None:
        event = open_envelope(envelope, identity_pb2.FirmAccountActivated)
        app = event.application
        queue(
            session,
            envelope,
            "firm_account_activated",
            app.email,
            contact_person=app.contact_person,
            company_name=app.company_name,
            court_name=court_by_code(app.court_code).name,
            account_id=event.account_id,
            set_password_url=self.set_password_url(event.set_password_token),
            expires_at=format_roc_datetime(event.token_expires_at.ToDatetime()),
            forgot_password_url=f"{self.public_url}/password/forgot",
            login_url=f"{self.public_url}/login",
        )

    def firm_application_refused(self, session: Session, envelope: Envelope) -> None:
        app = open_envelope(envelope, identity_pb2.FirmApplicationRefused).application
        queue(
            session,
            envelope,
            "firm_application_refused",
            app.email,
            contact_person=app.contact_person,
            company_name=app.company_name,
            court_name=court_by_code(app.court_code).name,
            applied_on=format_roc_date(app.created_at.ToDatetime()),
            reason=app.refusal_reason,
        )

    def password_reset_requested(self, session: Session, envelope: Envelope) -> None:
        event = open_envelope(envelope, identity_pb2.PasswordResetRequested)
        queue(
            session,
            envelope,
            "password_reset_requested",
            event.email,
            display_name=event.display_name,
            account_id=event.account_id,
            set_password_url=self.set_password_url(event.token),
            expires_at=format_roc_datetime(event.expires_at.ToDatetime()),
            forgot_password_url=f"{self.public_url}/password/forgot",
        )

    def account_id_reminder(self, session: Session, envelope: Envelope) -> None:
        event = open_envelope(envelope, identity_pb2.AccountIdReminderRequested)
        if not event.account_ids:
            return
        queue(
            session,
            envelope,
            "account_id_reminder",
            event.email,
            email=event.email,
            account_ids=list(event.account_ids),
            login_url=f"{self.public_url}/login",
            forgot_password_url=f"{self.public_url}/password/forgot",
        )

    def review_requested(self, session: Session, envelope: Envelope) -> None:
        submission = open_envelope(envelope, review_workflow_pb2.ReviewRequested).submission
        staff = self.identity.call(
            "ListCourtStaff",
            identity_pb2.ListCourtStaffRequest(court_code=submission.court_code, role="clerk"),
        )
        for clerk in staff.accounts:
            queue(
                session,
                envelope,
                "review_requested",
                clerk.email,
                display_name=clerk.display_name,
                case_number=submission.case_number,
                submitted_on=format_roc_datetime(submission.submitted_at.ToDatetime()),
                review_url=f"{self.public_url}/court/reviews",
            )

    def review_decided(self, session: Session, envelope: Envelope) -> None:
        """The firm learns the court's decision on its print; a rejection lists each
        photo's reason and how to fix it."""
        submission = open_envelope(envelope, review_workflow_pb2.ReviewDecided).submission
        recipient = submission.firm_email or self.account_email(submission.firm_account_id)
        if not recipient:
            return  # no address on the print and no such account: nobody to tell
        approved = submission.state == "approved"
        queue(
            session,
            envelope,
            "review_approved" if approved else "review_rejected",
            recipient,
            firm_name=submission.firm_name,
            court_name=court_by_code(submission.court_code).name,
            case_number=submission.case_number,
            batch=submission.batch or 1,
            decided_on=format_roc_datetime(submission.decided_at.ToDatetime()),
            note=submission.note,
            reasons=[
                (r.sequence, f"{r.label}：{r.text}" if r.text else r.label)
                for r in sorted(submission.reasons, key=lambda r: r.sequence)
            ],
            rejected_url=f"{self.public_url}/photos/rejected",
        )

    def account_email(self, account_id: str) -> str:
        """The e-mail identity has for an account ("" when there is no such account)."""
        if not account_id:
            return ""
        try:
            request = identity_pb2.GetAccountRequest(account_id=account_id)
            return str(self.identity.call("GetAccount", request).email)
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.NOT_FOUND:
                return ""
            raise  # identity unavailable: the consumer tries the event again

    def progress_entry_added(self, session: Session, envelope: Envelope) -> None:
        event = open_envelope(envelope, case_sync_pb2.ProgressEntryAdded)
        case = event.case
        case_number = CaseNumber(case.year, case.word, case.number).dotted()
        for email in event.follower_emails:
            queue(
                session,
                envelope,
                "progress_entry_added",
                email,
                court_name=court_by_code(case.court_code).name,
                category=case.category,
                case_number=case_number,
                posted_on=event.entry.posted_on,
                item=event.entry.item,
                query_url=f"{self.public_url}/cases",
            )


def identity_client(addr: str, token: Callable[[], str]) -> Client:
    return Client(addr, identity_pb2_grpc.IdentityServiceStub, token=token, timeout=10)
