"""Identity's own tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from jes_db import TYPE_ANNOTATION_MAP, new_id, utcnow
from jes_db.audit import AuditLog
from jes_events import add_event_tables


class IdentityBase(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Account(IdentityBase):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(String(20), unique=True)  # the login name
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None until set by link
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    contact_person: Mapped[str] = mapped_column(String(50), default="")
    roles: Mapped[str] = mapped_column(String(200))  # space-separated: firm clerk admin ...
    court_code: Mapped[str] = mapped_column(String(3), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Failed logins before this moment no longer count toward the lockout (set when the
    # password is set through a link); the records stay, so the user still sees them.
    failures_cleared_at: Mapped[datetime | None]
    # single sign-on accounts (ExternalIdentity): what the provider's claims said
    directory_account: Mapped[str] = mapped_column(String(100), default="", server_default="")
    prosecutor_id: Mapped[str] = mapped_column(String(40), default="", server_default="")
    sign_in_provider: Mapped[str] = mapped_column(String(40), default="", server_default="")

    @property
    def role_list(self) -> list[str]:
        return self.roles.split()

    @property
    def password_set(self) -> bool:
        return self.password_hash is not None


Index("ix_accounts_court_roles", Account.court_code, Account.roles)


class FirmApplication(IdentityBase):
    __tablename__ = "firm_applications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    company_name: Mapped[str] = mapped_column(String(100))
    contact_person: Mapped[str] = mapped_column(String(50))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str] = mapped_column(String(36), default="")  # the clerk's login name

    account: Mapped[Account | None] = relationship()


class ProfessionalApplication(IdentityBase):
    """A professional's application (seed 001's 聲請單). The `live_*` columns hold the
    national ID, licence and chosen account id while the application is live (submitted,
    approved, activated) and are emptied (NULL) when it is refused: their unique
    constraints stop a second live application naming them, even two sent at once."""

    __tablename__ = "professional_applications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[str] = mapped_column(String(20))  # the login name asked for
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(10))
    national_id: Mapped[str] = mapped_column(String(10))
    is_resident_certificate: Mapped[bool] = mapped_column(default=False)
    birth_date: Mapped[date]
    licence_number: Mapped[str] = mapped_column(String(40), default="")
    association: Mapped[str] = mapped_column(String(100), default="")
    office_name: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254))
    fax: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str] = mapped_column(String(36), default="")  # the admin's login name
    activated_at: Mapped[datetime | None]
    account_ref: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    live_national_id: Mapped[str | None] = mapped_column(String(10), unique=True)
    live_licence: Mapped[str | None] = mapped_column(String(64), unique=True)
    live_account_id: Mapped[str | None] = mapped_column(String(20), unique=True)

    account: Mapped[Account | None] = relationship()


class PasswordToken(IdentityBase):
    """A one-time link to set a password: activation (72 h) or reset (1 h). Only the
    SHA-256 of the token is stored; the raw token travels once, in the mail."""

    __tablename__ = "password_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # activation, reset
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]  # also set when a newer link or password replaces it


class RateLimitHit(IdentityBase):
    """One request counted against a rate limit (forgot password / forgot account id).
    Kept in the database so every identity process sees the same counts; the key is a
    hash, so the table holds no e-mail addresses."""

    __tablename__ = "rate_limit_hits"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_rate_limit_hits_key_at", RateLimitHit.key_hash, RateLimitHit.at)


class LoginRecord(IdentityBase):
    """Every login attempt: shown to the user (last success, recent failures) and counted
    by the brute-force rules (domain.login_guard)."""

    __tablename__ = "login_records"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(String(20), index=True)  # as typed
    success: Mapped[bool]
    # where the attempt came from (the gateway's client address; "" = not given): the
    # untrusted lane counts failures per account id and client
    client_address: Mapped[str] = mapped_column(String(64), default="", server_default="")
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # refused before the password was checked (a wait, a missing or wrong captcha): shown
    # to the owner, never counted as a failure
    refused: Mapped[bool] = mapped_column(default=False, server_default="0")
    # the trusted device the attempt came with ("" = none): its lane counts only these
    device_id: Mapped[str] = mapped_column(String(36), default="", server_default="")
    # "login", or "password_change" (a signed-in user's wrong current password)
    kind: Mapped[str] = mapped_column(String(20), default="login", server_default="login")


Index("ix_login_records_address_at", LoginRecord.client_address, LoginRecord.at)


class TrustedDevice(IdentityBase):
    """A browser (or program) that logged in to the account: its device token lets it keep
    logging in while others guess the password (OWASP device cookies). Only the SHA-256 of
    the token is stored; the token lives in the device's cookie."""

    __tablename__ = "trusted_devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    client_address: Mapped[str] = mapped_column(String(64), default="")  # when first seen


class LoginChallenge(IdentityBase):
    """A 6-digit captcha for one login attempt: single use, a few minutes. Only a hash of
    the answer (with the challenge id) is stored; the digits go once to the gateway,
    which draws and speaks them."""

    __tablename__ = "login_challenges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    answer_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class ExternalIdentity(IdentityBase):
    """An account's identity at an OpenID provider: the provider's issuer and its stable
    subject, never an e-mail address or a username (those change hands)."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_external_identity"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship()


class SignInFlow(IdentityBase):
    """One started sign-in at a provider: the state (only its SHA-256), the nonce and the
    PKCE verifier, used once and only for minutes."""

    __tablename__ = "sign_in_flows"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    provider: Mapped[str] = mapped_column(String(40))
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(128))
    redirect_uri: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class CertificateChallenge(IdentityBase):
    """A text for a card to sign (certificate registration or login): single use, a few
    minutes, answerable only from the browser session that asked for it (its binding is
    stored hashed). After a registration's signature is verified, the row is the ticket
    for the form (`verified_*`), until `ticket_expires_at`."""

    __tablename__ = "certificate_challenges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    purpose: Mapped[str] = mapped_column(String(20))  # register, login
    binding_hash: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]  # the one attempt to sign it was made
    verified_certificate: Mapped[bytes | None]  # DER of the card certificate that passed
    ticket_expires_at: Mapped[datetime | None]
    registered_at: Mapped[datetime | None]


class AccountCertificate(IdentityBase):
    """A card certificate registered to an account: one certificate, one account
    (unique on the issuing CA's key identifier and the serial number)."""

    __tablename__ = "account_certificates"
    __table_args__ = (UniqueConstraint("issuer_key_id", "serial", name="uq_certificate"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    issuer_key_id: Mapped[str] = mapped_column(String(128))
    serial: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # natural_person, business, ...
    authority: Mapped[str] = mapped_column(String(20))  # MOICA, MOEACA, GCA, XCA
    subject_name: Mapped[str] = mapped_column(String(200))
    # what names the holder besides the name: the ID's last four digits (MOICA), the
    # business number (MOEACA) or the organisation code (GCA, XCA); a renewed card must
    # carry the same
    holder_code: Mapped[str] = mapped_column(String(20), default="")
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the DER
    not_after: Mapped[datetime]
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)


class CertificateAccountProfile(IdentityBase):
    """What a certificate registration adds to an account (seed 001's form)."""

    __tablename__ = "certificate_account_profiles"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    national_id: Mapped[str] = mapped_column(String(10), default="")
    mobile: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    other_emails: Mapped[str] = mapped_column(Text, default="")  # space-separated, 0-2
    representative_name: Mapped[str] = mapped_column(String(50), default="")
    representative_title: Mapped[str] = mapped_column(String(50), default="")
    business_number: Mapped[str] = mapped_column(String(8), default="")


class EmailCode(IdentityBase):
    """A 6-digit e-mail verification code (jes_identity.domain.codes). Only a salted
    SHA-256 of the code is kept: 10^6 codes are no secret against the hash, so what guards
    a code is its 10-minute life and its 5 tries; the hash keeps it out of sight at rest.
    The code itself is made when the mail is sent (IssueVerificationCode)."""

    __tablename__ = "email_codes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    purpose: Mapped[str] = mapped_column(String(20))
    # the subject: an account, or a registration not yet an account (exactly one is set)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    registration_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    verified_at: Mapped[datetime | None]  # the right code was typed
    consumed_at: Mapped[datetime | None]  # what it verified has been used (single use)
    retired_at: Mapped[datetime | None]  # replaced by a newer code, or out of tries


class LoginSession(IdentityBase):
    """A server-side session, started by a login (jes_identity.domain.sessions). The
    gateway holds "<id>.<secret>"; only the secret's SHA-256 is kept."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    absolute_expires_at: Mapped[datetime]
    idle_seconds: Mapped[int] = mapped_column(default=1800)  # the idle timeout it started with
    client_address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str] = mapped_column(String(20), default="")


class AccountBinding(IdentityBase):
    """A portal account bound to a case-progress account (帳號綁定); one per account on
    each side. Unbinding deletes the row; the audit log keeps both."""

    __tablename__ = "account_bindings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    portal_account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), unique=True)
    progress_account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    proof: Mapped[str] = mapped_column(String(20))  # password or email_code

    portal: Mapped[Account] = relationship(foreign_keys=[portal_account_id])
    progress: Mapped[Account] = relationship(foreign_keys=[progress_account_id])


class ProgressAccountEmail(IdentityBase):
    """The case-progress account of each e-mail (seed 002: one account per applicant's
    address); its primary key stops two approvals at once from opening two."""

    __tablename__ = "progress_account_emails"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)  # lower case
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), unique=True)


event_tables = add_event_tables(IdentityBase.metadata)
audit_log = AuditLog(IdentityBase.metadata)
metadata = IdentityBase.metadata
