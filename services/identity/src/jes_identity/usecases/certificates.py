"""Certificate registration (憑證註冊) and certificate login (憑證登入).

A challenge is claimed (marked answered) in its own transaction before the signature is
looked at, so a second attempt with it fails whatever became of the first."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jes.identity.v1 import identity_pb2 as pb
from jes_auth import TokenIssuer
from jes_domain import AlreadyExists, FailedPrecondition, InvalidArgument, Unauthenticated
from jes_identity import login_store
from jes_identity.accounts_store import account_by_login_name
from jes_identity.domain import access
from jes_identity.domain import certificates as rules
from jes_identity.domain.access import Caller
from jes_identity.domain.accounts import ACCOUNT_ID_TAKEN, ACTIVE
from jes_identity.domain.audit_actions import (
    ACCOUNT_CERTIFICATE_BOUND,
    ACCOUNT_REGISTERED_BY_CERTIFICATE,
)
from jes_identity.domain.certificate_registration import (
    CERTIFICATE_ALREADY_REGISTERED,
    MEMBER_ROLE,
    NOT_THE_SAME_HOLDER,
    holder_code,
    same_holder,
    validate_registration,
)
from jes_identity.domain.certificates import RevocationStatus, Trust, VerifiedSigner
from jes_identity.domain.passwords import Policy
from jes_identity.domain.sessions import ACCESS_TOKEN_TTL
from jes_identity.messages import account_message, actor_of_account
from jes_identity.models import (
    Account,
    AccountCertificate,
    CertificateAccountProfile,
    CertificateChallenge,
    audit_log,
)
from jes_identity.passwords import hash_password
from jes_identity.usecases.codes import registration_email_verified
from jes_identity.usecases.common import Infrastructure
from jes_identity.usecases.login import LoginResult
from jes_identity.usecases.sessions import issue_access_token, start_session

REGISTER, LOGIN, RENEW = "register", "login", "renew"
CHALLENGE_LIFETIME = timedelta(minutes=5)
TICKET_LIFETIME = timedelta(minutes=30)  # time to fill in the form after the card
CHALLENGE_GONE = "驗證碼已失效或已使用，請重新以憑證簽章"
TICKET_GONE = "憑證驗證已逾時，請重新插入憑證並輸入 PIN 碼驗證"
NOT_REGISTERED = "此憑證尚未註冊帳號，請先至「憑證註冊」申請"
TITLES = {REGISTER: "憑證註冊", LOGIN: "憑證登入", RENEW: "換發憑證綁定"}


class RevocationSource(Protocol):
    def status(self, signer: VerifiedSigner) -> RevocationStatus: ...


def _binding_hash(binding: str) -> str:
    return hashlib.sha256(binding.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IssuedChallenge:
    challenge_id: str
    text: str
    expires_in_seconds: int


@dataclass(frozen=True)
class VerifiedRegistration:
    signer: VerifiedSigner
    ticket_seconds: int


class CertificateLogins:
    def __init__(
        self,
        infra: Infrastructure,
        issuer: TokenIssuer,
        policy: Policy,
        trust: Callable[[], Trust],
        revocation: RevocationSource,
        clock: Callable[[], datetime] = _now,
    ):
        self.infra = infra
        self.issuer = issuer
        self.policy = policy
        self.trust = trust
        self.revocation = revocation
        self.clock = clock

    def issue_challenge(self, purpose: str, session_binding: str) -> IssuedChallenge:
        if purpose not in TITLES:
            raise InvalidArgument("用途不正確", fields={"purpose": "請指定憑證註冊或憑證登入"})
        if not session_binding:
            raise InvalidArgument("缺少瀏覽器工作階段", fields={"session_binding": "必填"})
        now = self.clock()
        nonce = base64.urlsafe_b64encode(secrets.token_bytes(24)).decode().rstrip("=")
        text = f"司法院整合服務入口網 {TITLES[purpose]}\n驗證碼：{nonce}\n時間：{now.isoformat()}"
        with self.infra.db.transaction() as session:
            row = CertificateChallenge(
                purpose=purpose,
                binding_hash=_binding_hash(session_binding),
                text=text,
                created_at=now,
                expires_at=now + CHALLENGE_LIFETIME,
            )
            session.add(row)
            session.flush()
            challenge_id = row.id
        return IssuedChallenge(challenge_id, text, int(CHALLENGE_LIFETIME.total_seconds()))

    def _claim(self, challenge_id: str, purpose: str, session_binding: str) -> str:
        """The challenge's text, once: answered from now on, whatever the outcome."""
        now = self.clock()
        with self.infra.db.transaction() as session:
            row = session.get(CertificateChallenge, challenge_id, with_for_update=True)
            if (
                row is None
                or row.purpose != purpose
                or row.binding_hash != _binding_hash(session_binding)
                or row.answered_at is not None
                or row.expires_at < now
            ):
                raise InvalidArgument(CHALLENGE_GONE, fields={"signature": CHALLENGE_GONE})
            row.answered_at = now
            return row.text

    def _verify(self, text: str, signature: bytes, certificate: bytes | None) -> VerifiedSigner:
        signer = rules.verify_signed_challenge(
            signature, text.encode(), self.trust(), self.clock(), certificate or None
        )
        rules.revocation_problem(self.revocation.status(signer))
        return signer

    @staticmethod
    def _registered(session: Session, signer: VerifiedSigner) -> AccountCertificate | None:
        return session.scalar(
            select(AccountCertificate).where(
                AccountCertificate.issuer_key_id == signer.issuer_key_id,
                AccountCertificate.serial == signer.serial_hex,
            )
        )

    # -- registration ---------------------------------------------------------------------

    def verify_registration(
        self, challenge_id: str, session_binding: str, signature: bytes, certificate: bytes
    ) -> VerifiedRegistration:
        text = self._claim(challenge_id, REGISTER, session_binding)
        signer = self._verify(text, signature, certificate)
        with self.infra.db.transaction() as session:
            if self._registered(session, signer):
                raise AlreadyExists(
                    CERTIFICATE_ALREADY_REGISTERED,
                    fields={"signature": CERTIFICATE_ALREADY_REGISTERED},
                )
            row = session.get(CertificateChallenge, challenge_id)
            assert row is not None
            row.verified_certificate = signer.certificate.public_bytes(Encoding.DER)
            row.ticket_expires_at = self.clock() + TICKET_LIFETIME
        return VerifiedRegistration(signer, int(TICKET_LIFETIME.total_seconds()))

    def register(
        self, challenge_id: str, session_binding: str, form: dict[str, object]
    ) -> pb.Account:
        """The account for the certificate of a verified challenge (its ticket)."""
        now = self.clock()
        with self.infra.db.transaction() as session:
            row = session.get(CertificateChallenge, challenge_id, with_for_update=True)
            if (
                row is None
                or row.purpose != REGISTER
                or row.binding_hash != _binding_hash(session_binding)
                or row.verified_certificate is None
                or row.registered_at is not None
                or row.ticket_expires_at is None
                or row.ticket_expires_at < now
            ):
                raise InvalidArgument(TICKET_GONE, fields={"signature": TICKET_GONE})
            signer = self._signer_of(row.verified_certificate)
            details = validate_registration(signer, self.policy, **form)  # type: ignore[arg-type]
            if self._registered(session, signer):
                raise AlreadyExists(
                    CERTIFICATE_ALREADY_REGISTERED,
                    fields={"signature": CERTIFICATE_ALREADY_REGISTERED},
                )
            if account_by_login_name(session, details.account_id) is not None:
                raise AlreadyExists(ACCOUNT_ID_TAKEN, fields={"account_id": ACCOUNT_ID_TAKEN})
            # the first e-mail, verified by its code under this registration (the
            # challenge id is the registration id of SendVerificationCode)
            registration_email_verified(session, challenge_id, details.emails[0])
            account = Account(
                account_id=details.account_id,
                password_hash=hash_password(details.password),
                display_name=signer.name,
                email=details.emails[0],
                phone=details.phone,
                contact_person=details.representative_name,
                roles=MEMBER_ROLE,
            )
            session.add(account)
            session.flush()
            session.add(self._certificate_row(account, signer))
            session.add(
                CertificateAccountProfile(
                    account_id=account.id,
                    national_id=details.national_id,
                    mobile=details.mobile,
                    address=details.address,
                    other_emails=" ".join(details.emails[1:]),
                    representative_name=details.representative_name,
                    representative_title=details.representative_title,
                    business_number=details.business_number,
                )
            )
            row.registered_at = now
            audit_log.record(
                session,
                actor_of_account(account),
                ACCOUNT_REGISTERED_BY_CERTIFICATE,
                subject_type="account",
                subject_id=account.account_id,
                court_code="",
                before={},
                after={
                    "account_id": account.account_id,
                    "certificate": f"{signer.profile.name} {signer.serial_hex}",
                    "kind": signer.profile.kind.value,
                },
            )
            try:
                session.flush()
            except IntegrityError:  # the same certificate or id, registered meanwhile
                raise AlreadyExists(
                    CERTIFICATE_ALREADY_REGISTERED,
                    fields={"signature": CERTIFICATE_ALREADY_REGISTERED},
                ) from None
            return account_message(account)

    @staticmethod
    def _certificate_row(account: Account, signer: VerifiedSigner) -> AccountCertificate:
        return AccountCertificate(
            account_id=account.id,
            issuer_key_id=signer.issuer_key_id,
            serial=signer.serial_hex,
            kind=signer.profile.kind.value,
            authority=signer.profile.name,
            subject_name=signer.name,
            holder_code=holder_code(signer),
            fingerprint=rules.certificate_fingerprint(signer.certificate),
            not_after=signer.certificate.not_valid_after_utc,
        )

    def _signer_of(self, certificate_der: bytes) -> VerifiedSigner:
        """The facts of a certificate verified at step 1 (read again from its DER)."""
        certificate = x509.load_der_x509_certificate(certificate_der)
        return rules.describe_verified(certificate, self.trust(), self.clock())

    # -- a renewed card ---------------------------------------------------------------------

    def bind_renewed(
        self,
        caller: Caller,
        challenge_id: str,
        session_binding: str,
        signature: bytes,
        certificate: bytes,
    ) -> VerifiedSigner:
        """The new card joins the caller's account if it names the same holder as a
        card already registered to it; audited."""
        access.require_user(caller)
        text = self._claim(challenge_id, RENEW, session_binding)
        signer = self._verify(text, signature, certificate)
        with self.infra.db.transaction() as session:
            account = session.get(Account, caller.subject)
            if account is None or account.status != ACTIVE:
                raise Unauthenticated("帳號已停用或不存在，請重新登入")
            if self._registered(session, signer):
                raise AlreadyExists(
                    CERTIFICATE_ALREADY_REGISTERED,
                    fields={"signature": CERTIFICATE_ALREADY_REGISTERED},
                )
            held = session.scalars(
                select(AccountCertificate).where(AccountCertificate.account_id == account.id)
            ).all()
            if not any(same_holder(signer, c.kind, c.subject_name, c.holder_code) for c in held):
                raise FailedPrecondition(
                    NOT_THE_SAME_HOLDER, fields={"signature": NOT_THE_SAME_HOLDER}
                )
            session.add(self._certificate_row(account, signer))
            audit_log.record(
                session,
                actor_of_account(account),
                ACCOUNT_CERTIFICATE_BOUND,
                subject_type="account",
                subject_id=account.account_id,
                before={},
                after={"certificate": f"{signer.profile.name} {signer.serial_hex}"},
            )
        return signer

    # -- login ----------------------------------------------------------------------------

    def login(
        self,
        challenge_id: str,
        session_binding: str,
        signature: bytes,
        certificate: bytes,
        client_address: str = "",
        user_agent: str = "",
    ) -> LoginResult:
        """A session as a password login starts one (jes_identity.usecases.sessions)."""
        text = self._claim(challenge_id, LOGIN, session_binding)
        signer = self._verify(text, signature, certificate)
        with self.infra.db.transaction() as session:
            registered = self._registered(session, signer)
            account = session.get(Account, registered.account_id) if registered else None
            if account is None or account.status != ACTIVE:
                raise Unauthenticated(NOT_REGISTERED)
            client_address = client_address.strip()[:64]
            login_store.record_attempt(
                session, account.account_id, success=True, client_address=client_address
            )
            started = start_session(session, account, client_address, user_agent)
            message = account_message(account)
            token = issue_access_token(self.issuer, account, started.session_id)
        return LoginResult(
            access_token=token,
            expires_in_seconds=int(ACCESS_TOKEN_TTL.total_seconds()),
            account=message,
            session=started,
        )
