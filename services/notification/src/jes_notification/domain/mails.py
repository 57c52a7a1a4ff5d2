"""Which event produces which mail to whom, and what the mail says (its subject, and the
values its template in templates/ is rendered with). Pure: the events are read, nothing
is looked up; what another service knows (a court's clerks, an account's address) is
passed in."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from jes.identity.v1 import identity_pb2, verification_pb2
from jes.review_workflow.v1 import review_workflow_pb2
from jes_protos import enum_label
from jes_zhtw import court_by_code, format_roc_date, format_roc_datetime

SUBJECTS = {
    "firm_application_received": "【司法院】鑑估價公司帳號申請已受理",
    "firm_account_activated": "【司法院】鑑估價公司帳號已啟用，請設定密碼",
    "firm_application_refused": "【司法院】鑑估價公司帳號申請未通過",
    "password_reset_requested": "【司法院】重新設定密碼",
    "account_id_reminder": "【司法院】您的帳號",
    "login_failures_repeated": "【司法院】您的帳號登入失敗次數異常",
    "new_device_logged_in": "【司法院】您的帳號從新的裝置登入",
    "verification_code": "【司法院】電子郵件認證碼",
    "email_changed": "【司法院】您的帳號電子郵件已變更",
    "review_requested": "【司法院】鑑估報告照片待審核：{case_number}",
    "review_approved": "【司法院】鑑估報告照片已通過審核：{case_number}",
    "review_rejected": "【司法院】鑑估報告照片未通過審核：{case_number}",
    "professional_application_received": "【司法院】{kind_label}帳號聲請已受理",
    "professional_account_approved": "【司法院】{kind_label}帳號聲請已核准，請設定密碼啟用",
    "professional_application_refused": "【司法院】{kind_label}帳號聲請未通過",
    # appraiser applications (domain/appraiser_mails.py)
    "appraiser_application_not_considered": "【司法院】鑑定人申請文件不全，不列入評選",
    "appraiser_application_qualified": "【司法院】鑑定人資格評選合格，已列入鑑定人名冊",
    "appraiser_application_refused": "【司法院】鑑定人資格評選未通過",
    # disqualification matters (domain/disqualification_mails.py)
    "disqualification_matter_raised": "【司法院】鑑定人不適任案，請提出書面答辯",
    "disqualification_matter_decided": "【司法院】鑑定人資格審查小組議決結果：{result}",
    # the case-progress service (domain/case_mails.py)
    "follow_activation": "【司法院】案件進度查詢聲請已核准，請設定密碼啟用：{case_number}",
    "follow_approved": "【司法院】案件進度查詢聲請已核准：{case_number}",
    "follow_revoked": "【司法院】案件進度查詢已終止：{case_number}",
    "case_cut_off_started": "【司法院】案件將於 {last_day} 後停止查詢：{case_number}",
    "case_cut_off_stopped": "【司法院】案件查詢期限已取消：{case_number}",
    "case_cut_off_approaching": "【司法院】七日後停止查詢：{case_number}",
    "appraisal_deadline_approaching": "【司法院】鑑定期限將屆：{case_number}{kind_label}",
}

# review-workflow's name for an approved submission (jes.review_workflow.v1.Submission.state)
APPROVED = "approved"


# Where a one-time link's token goes in a queued mail. The token itself is asked of
# identity when the mail is sent (IssuePasswordLink) and put in the mail only, so the
# delivery row keeps the body with this slot, never the token.
LINK_TOKEN_SLOT = "{one-time-token}"  # noqa: S105 (a placeholder, not a secret)


# The templates whose slot takes an e-mail verification code (IssueVerificationCode)
# rather than a one-time link's token (IssuePasswordLink).
CODE_TEMPLATES = frozenset({"verification_code"})


@dataclass(frozen=True)
class Mail:
    """One mail to queue: `template` names both its subject and its body template.
    `link_id` names identity's one-time link whose token fills LINK_TOKEN_SLOT at send
    time ("" = the mail has none)."""

    template: str
    recipient: str
    context: Mapping[str, Any]
    link_id: str = ""

    @property
    def subject(self) -> str:
        return SUBJECTS[self.template].format(**self.context)


def with_link_token(body: str, token: str) -> str:
    """The body as mailed: the one-time token in its slot (the token is url-safe)."""
    return body.replace(LINK_TOKEN_SLOT, quote(token, safe=""))


def delivery_id(event_id: str, recipient: str) -> str:
    """One mail per event and recipient (also its Message-ID): a replayed event adds none."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"jes:{event_id}:{recipient.lower()}"))


@dataclass(frozen=True)
class Links:
    """The gateway's pages a mail links to."""

    public_url: str

    @property
    def set_password(self) -> str:
        """The set-password page with the slot its one-time token fills when sent."""
        return f"{self.public_url}/password/set?token={LINK_TOKEN_SLOT}"

    @property
    def forgot_password(self) -> str:
        return f"{self.public_url}/password/forgot"

    @property
    def login(self) -> str:
        return f"{self.public_url}/login"

    @property
    def reviews(self) -> str:
        return f"{self.public_url}/court/reviews"

    @property
    def rejected_photos(self) -> str:
        return f"{self.public_url}/photos/rejected"

    @property
    def cases(self) -> str:
        return f"{self.public_url}/cases"

    def case_page(self, case_id: str) -> str:
        return f"{self.public_url}/cases/{quote(case_id, safe='')}"

    def case_mail_settings(self, token: str) -> str:
        """The page to choose the daily digest or stop a case's mails (a button, no login)."""
        return f"{self.public_url}/notices/settings?token={quote(token, safe='')}"

    def one_click_unsubscribe(self, token: str) -> str:
        """RFC 8058: mail clients POST here; opening it shows a page with a button."""
        return f"{self.public_url}/notices/unsubscribe?token={quote(token, safe='')}"

    @property
    def register_professional(self) -> str:
        return f"{self.public_url}/register/professional"

    @property
    def reprint_professional(self) -> str:
        """Where an applicant prints the application form again."""
        return f"{self.public_url}/register/professional/reprint"


# -- identity's events: to the applicant or account holder ------------------------------------


def firm_application_received(event: identity_pb2.FirmAccountApplied) -> list[Mail]:
    """Anyone may apply, naming any address: so the court's mail to that address carries
    nothing the applicant typed (no name, no text, no link), only fixed text, the court's
    name and the application's id and date."""
    app = event.application
    return [
        Mail(
            "firm_application_received",
            app.email,
            {
                "application_id": app.id,
                "court_name": court_by_code(app.court_code).name,
                "applied_on": format_roc_date(app.created_at.ToDatetime()),
            },
        )
    ]


def firm_account_activated(event: identity_pb2.FirmAccountActivated, links: Links) -> list[Mail]:
    app = event.application
    return [
        Mail(
            "firm_account_activated",
            app.email,
            {
                "contact_person": app.contact_person,
                "company_name": app.company_name,
                "court_name": court_by_code(app.court_code).name,
                "account_id": event.account_id,
                "set_password_url": links.set_password,
                "expires_at": format_roc_datetime(event.token_expires_at.ToDatetime()),
                "forgot_password_url": links.forgot_password,
                "login_url": links.login,
            },
            link_id=event.set_password_link_id,
        )
    ]


def firm_application_refused(event: identity_pb2.FirmApplicationRefused) -> list[Mail]:
    """Like the acknowledgement, to an address anyone may have typed: nothing the
    applicant typed, only fixed text, the court, the application's id and date and the
    clerk's reason."""
    app = event.application
    return [
        Mail(
            "firm_application_refused",
            app.email,
            {
                "application_id": app.id,
                "court_name": court_by_code(app.court_code).name,
                "applied_on": format_roc_date(app.created_at.ToDatetime()),
                "reason": app.refusal_reason,
            },
        )
    ]


def password_reset_requested(
    event: identity_pb2.PasswordResetRequested, links: Links
) -> list[Mail]:
    return [
        Mail(
            "password_reset_requested",
            event.email,
            {
                "display_name": event.display_name,
                "account_id": event.account_id,
                "set_password_url": links.set_password,
                "expires_at": format_roc_datetime(event.expires_at.ToDatetime()),
                "forgot_password_url": links.forgot_password,
            },
            link_id=event.link_id,
        )
    ]


def account_id_reminder(event: identity_pb2.AccountIdReminderRequested, links: Links) -> list[Mail]:
    """No account has that address: nothing is sent (the page says the same either way)."""
    if not event.account_ids:
        return []
    return [
        Mail(
            "account_id_reminder",
            event.email,
            {
                "email": event.email,
                "account_ids": list(event.account_ids),
                "login_url": links.login,
                "forgot_password_url": links.forgot_password,
            },
        )
    ]


def login_failures_repeated(event: identity_pb2.LoginFailuresRepeated, links: Links) -> list[Mail]:
    return [
        Mail(
            "login_failures_repeated",
            event.email,
            {
                "display_name": event.display_name,
                "account_id": event.account_id,
                "failures": event.failures,
                "at": format_roc_datetime(event.at.ToDatetime()),
                "client_address": event.last_client_address or "不明",
                "forgot_password_url": links.forgot_password,
            },
        )
    ]


def verification_code(event: verification_pb2.VerificationCodeRequested) -> list[Mail]:
    """The code itself is asked of identity when the mail goes out (its slot here), so
    the queued mail holds none."""
    return [
        Mail(
            "verification_code",
            event.email,
            {
                "code": LINK_TOKEN_SLOT,
                "purpose": enum_label(verification_pb2.VerificationPurpose, event.purpose),
                "account_id": event.account_id,
                "expires_at": format_roc_datetime(event.expires_at.ToDatetime()),
            },
            link_id=event.code_id,
        )
    ]


def email_changed(event: verification_pb2.EmailChanged, links: Links) -> list[Mail]:
    """To the old address only (the new one proved itself with its code): if the owner did
    not change it, they learn it here, with where to act. An account's first address (a
    judge's, made by single sign-on without one) has no old address to tell."""
    if not event.old_email:
        return []
    return [
        Mail(
            "email_changed",
            event.old_email,
            {
                "display_name": event.display_name,
                "account_id": event.account_id,
                "new_email": masked_email(event.new_email),
                "changed_at": format_roc_datetime(event.changed_at.ToDatetime()),
                "forgot_password_url": links.forgot_password,
            },
        )
    ]


def new_device_logged_in(event: identity_pb2.NewDeviceLoggedIn, links: Links) -> list[Mail]:
    return [
        Mail(
            "new_device_logged_in",
            event.email,
            {
                "display_name": event.display_name,
                "account_id": event.account_id,
                "at": format_roc_datetime(event.at.ToDatetime()),
                "client_address": event.client_address or "不明",
                "forgot_password_url": links.forgot_password,
            },
        )
    ]


def masked_email(email: str) -> str:
    """a****@example.com: enough for the owner to recognise, little for anyone else."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}****@{domain}" if domain else "****"


# -- professional registration: to the applicant ------------------------------------------------


def profession_label(notice: identity_pb2.ProfessionalApplicationNotice) -> str:
    return enum_label(identity_pb2.ProfessionKind, notice.kind)


def professional_application_received(
    event: identity_pb2.ProfessionalApplicationSubmitted, links: Links
) -> list[Mail]:
    """As for firms: anyone may apply naming any address, so this mail carries nothing
    the applicant typed, only fixed text, the profession, the number and the date."""
    app = event.application
    return [
        Mail(
            "professional_application_received",
            app.email,
            {
                "kind_label": profession_label(app),
                "application_id": app.id,
                "applied_on": format_roc_date(app.created_at.ToDatetime()),
                "reprint_url": links.reprint_professional,
            },
        )
    ]


def professional_account_approved(
    event: identity_pb2.ProfessionalAccountApproved, links: Links
) -> list[Mail]:
    """After an administrator checked the application: the account id and the one-time
    activation link (the same set-password link as a firm's)."""
    app = event.application
    return [
        Mail(
            "professional_account_approved",
            app.email,
            {
                "name": app.name,
                "kind_label": profession_label(app),
                "account_id": app.account_id,
                "set_password_url": links.set_password,
                "expires_at": format_roc_datetime(event.token_expires_at.ToDatetime()),
                "forgot_password_url": links.forgot_password,
                "login_url": links.login,
            },
            link_id=event.set_password_link_id,
        )
    ]


def professional_application_refused(
    event: identity_pb2.ProfessionalApplicationRefused, links: Links
) -> list[Mail]:
    """Like the acknowledgement: nothing the applicant typed, and the reason."""
    app = event.application
    return [
        Mail(
            "professional_application_refused",
            app.email,
            {
                "kind_label": profession_label(app),
                "application_id": app.id,
                "applied_on": format_roc_date(app.created_at.ToDatetime()),
                "reason": app.refusal_reason,
                "register_url": links.register_professional,
            },
        )
    ]


# -- review-workflow's events ---------------------------------------------------------------


def review_requested(
    event: review_workflow_pb2.ReviewRequested,
    clerks: Sequence[identity_pb2.Account],
    links: Links,
) -> list[Mail]:
    """Every clerk of the submission's court is told."""
    submission = event.submission
    return [
        Mail(
            "review_requested",
            clerk.email,
            {
                "display_name": clerk.display_name,
                "case_number": submission.case_number,
                "submitted_on": format_roc_datetime(submission.submitted_at.ToDatetime()),
                "review_url": links.reviews,
            },
        )
        for clerk in clerks
    ]


def account_to_ask_for(event: review_workflow_pb2.ReviewDecided) -> str:
    """The firm's account whose address a decision goes to, when the print has none
    ("" = no need to ask, or no account to ask about)."""
    submission = event.submission
    return "" if submission.firm_email else submission.firm_account_id


def review_decided(
    event: review_workflow_pb2.ReviewDecided, account_email: str, links: Links
) -> list[Mail]:
    """The firm learns the court's decision on its print, at the print's address or else
    its account's; a rejection lists each photo's reason."""
    submission = event.submission
    recipient = submission.firm_email or account_email
    if not recipient:
        return []  # no address on the print and no such account: nobody to tell
    approved = submission.state == APPROVED
    return [
        Mail(
            "review_approved" if approved else "review_rejected",
            recipient,
            {
                "firm_name": submission.firm_name,
                "court_name": court_by_code(submission.court_code).name,
                "case_number": submission.case_number,
                "batch": submission.batch or 1,
                "decided_on": format_roc_datetime(submission.decided_at.ToDatetime()),
                "note": submission.note,
                "reasons": [
                    (r.sequence, f"{r.label}：{r.text}" if r.text else r.label)
                    for r in sorted(submission.reasons, key=lambda r: r.sequence)
                ],
                "rejected_url": links.rejected_photos,
            },
        )
    ]
