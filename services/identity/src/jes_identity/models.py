"""Identity's own tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
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
    """Every login attempt: shown to the user (last success, recent failures) and used
    for lockout after repeated failures."""

    __tablename__ = "login_records"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(String(20), index=True)  # as typed
    success: Mapped[bool]
    # where the attempt came from (the gateway's client address; "" = not given): the
    # lockout counts failures per account id and client
    client_address: Mapped[str] = mapped_column(String(64), default="", server_default="")
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


event_tables = add_event_tables(IdentityBase.metadata)
audit_log = AuditLog(IdentityBase.metadata)
metadata = IdentityBase.metadata
