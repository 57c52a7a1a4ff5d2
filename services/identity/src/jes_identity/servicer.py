"""IdentityService: firm applications and their activation, login, set-password links,
forgot password / account id, personal account maintenance, service tokens, the key set."""

from __future__ import annotations

import hmac
import json
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import identity_pb2_grpc as pb_grpc
from jes_auth import Claims, KeyStore, TokenIssuer
from jes_config import SERVICES
from jes_db import Database, utcnow
from jes_db.audit import Actor
from jes_events import Outbox
from jes_grpckit import (
    FailedPrecondition,
    Forbidden,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unauthenticated,
    current_claims,
    request_id_var,
)
from jes_identity.links import (
    ACTIVATION_LINK_TTL,
    RESET_LINK_TTL,
    RateLimit,
    create_link,
    retire_links,
    token_hash,
)
from jes_identity.models import Account, FirmApplication, LoginRecord, PasswordToken, audit_log
from jes_identity.passwords import PasswordPolicy, hash_password, verify_password
from jes_zhtw import UnknownCourt, court_by_code

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9()+\-# ]{6,40}$")

# Lock an account id out after this many failures within the window (seed 001 shows
# recent failed logins to the user; the limit stops password guessing).
MAX_FAILED_LOGINS = 5
ACCOUNT_ID_MAX = 20  # seed 001: upper-case letters and digits, at most 20
FAILED_LOGIN_WINDOW = timedelta(minutes=15)
EMAIL_MAX = 254
REASON_MAX = 1000

# Forgot password / forgot account id send mails to addresses anyone can type: at most
# this many requests per account id and per e-mail address within the window.
MAIL_REQUESTS_PER_WINDOW = 3
MAIL_REQUEST_WINDOW = timedelta(hours=1)
TOO_MANY_MAIL_REQUESTS = "申請次數過多，請 1 小時後再試"

BAD_INPUT = "資料有誤，請修正後再送出"
LINK_INVALID = "連結無效或已使用"
LINK_EXPIRED = "連結已過期，請使用「忘記密碼」重新申請"
ACTIVATION_PENDING = "請先使用啟用信中的連結設定密碼"

# Who may ask for a service token: the JES services, the gateway, and the courts' own
# systems (in production these also present a client certificate: mutual TLS).
SERVICE_CLIENTS = frozenset([*SERVICES, "gateway", "court-system"])

STATUS = {
    "pending": pb.APPLICATION_STATUS_PENDING,
    "activated": pb.APPLICATION_STATUS_ACTIVATED,
    "refused": pb.APPLICATION_STATUS_REFUSED,
}

STATUS_NAMES = {code: name for name, code in STATUS.items()}

PUBLIC_METHODS = [
    "/jes.identity.v1.IdentityService/ApplyFirmAccount",
    "/jes.identity.v1.IdentityService/Login",
    "/jes.identity.v1.IdentityService/IssueServiceToken",
    "/jes.identity.v1.IdentityService/GetKeySet",
    "/jes.identity.v1.IdentityService/SetPassword",
    "/jes.identity.v1.IdentityService/RequestPasswordReset",
    "/jes.identity.v1.IdentityService/RemindAccountId",
    "/jes.identity.v1.IdentityService/GetPasswordPolicy",
]


def application_message(app: FirmApplication) -> pb.FirmApplication:
    message = pb.FirmApplication(
        id=app.id,
        court_code=app.court_code,
        company_name=app.company_name,
        contact_person=app.contact_person,
        email=app.email,
        phone=app.phone,
        status=STATUS[app.status],
        refusal_reason=app.reason if app.status == "refused" else "",
        account_id=app.account.account_id if app.account else "",
        decided_by=app.decided_by,
    )
    message.created_at.FromDatetime(app.created_at)
    if app.decided_at:
        message.decided_at.FromDatetime(app.decided_at)
    return message


def account_message(account: Account) -> pb.Account:
    return pb.Account(
        id=account.id,
        account_id=account.account_id,
        display_name=account.display_name,
        email=account.email,
        roles=account.role_list,
        court_code=account.court_code,
        phone=account.phone,
        contact_person=account.contact_person,
        password_set=account.password_set,
    )


def profile(account: Account) -> dict[str, Any]:
    """What the audit log keeps of an account: never its password hash."""
    return {
        "account_id": account.account_id,
        "display_name": account.display_name,
        "email": account.email,
        "phone": account.phone,
        "contact_person": account.contact_person,
        "roles": account.role_list,
        "court_code": account.court_code,
        "password_set": account.password_set,
    }


def actor_of_account(account: Account) -> Actor:
    role = next((r for r in ("admin", "clerk", "judge", "firm") if r in account.role_list), "user")
    return Actor(account_id=account.account_id, role=role)


def failed_logins(session: Session, account_id: str, account: Account | None) -> int:
    """Recent failures of a login name that count toward the lockout."""
    since = utcnow() - FAILED_LOGIN_WINDOW
    if account is not None and account.failures_cleared_at and account.failures_cleared_at > since:
        since = account.failures_cleared_at
    count = session.scalar(
        select(func.count())
        .select_from(LoginRecord)
        .where(
            LoginRecord.account_id == account_id,
            LoginRecord.success.is_(False),
            LoginRecord.at >= since,
        )
    )
    return count or 0


def next_firm_account_id(session: Session, court_code: str) -> str:
    """`<court>F<number>`, e.g. TPDF0001: upper-case letters and digits (seed 001), never
    a national ID (those are 10 characters: a letter and 9 digits)."""
    prefix = f"{court_code}F"
    taken = session.scalars(
        select(Account.account_id).where(Account.account_id.like(f"{prefix}%"))
    ).all()
    numbers = [int(a[len(prefix) :]) for a in taken if a[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def check_contact(email: str, phone: str, problems: dict[str, str]) -> None:
    if not email:
        problems["email"] = "請輸入電子郵件"
    elif len(email) > EMAIL_MAX or not EMAIL.match(email):
        problems["email"] = "電子郵件格式不正確"
    if not phone:
        problems["phone"] = "請輸入電話"
    elif not PHONE.match(phone):
        problems["phone"] = "電話格式不正確"


def timestamp(message: Any, when: datetime) -> Any:
    message.FromDatetime(when)
    return message


class IdentityServicer(pb_grpc.IdentityServiceServicer):
    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        keys: KeyStore,
        service_secret: str,
        policy: PasswordPolicy | None = None,
    ):
        self.db = db
        self.outbox = outbox
        self.keys = keys
        self.issuer = TokenIssuer(keys)
        self.service_secret = service_secret
        self.policy = policy or PasswordPolicy()
        self.mail_requests = RateLimit(
            MAIL_REQUESTS_PER_WINDOW, MAIL_REQUEST_WINDOW, TOO_MANY_MAIL_REQUESTS
        )

    def ApplyFirmAccount(self, request: pb.ApplyFirmAccountRequest, context: object) -> object:
        problems: dict[str, str] = {}
        try:
            court_by_code(request.court_code)
        except UnknownCourt:
            problems["court_code"] = "請選擇所屬法院"
        fields = {
            "company_name": (request.company_name.strip(), "請輸入公司名稱", 100),
            "contact_person": (request.contact_person.strip(), "請輸入聯絡人", 50),
        }
        for name, (value, message, limit) in fields.items():
            if not value:
                problems[name] = message
            elif len(value) > limit:
                problems[name] = f"不可超過 {limit} 個字"
        if not EMAIL.match(request.email.strip()):
            problems["email"] = "電子郵件格式不正確"
        if not PHONE.match(request.phone.strip()):
            problems["phone"] = "電話格式不正確"
        if problems:
            raise InvalidArgument("申請資料有誤，請修正後再送出", fields=problems)
        with self.db.transaction() as session:
            app = FirmApplication(
                court_code=request.court_code,
                company_name=request.company_name.strip(),
                contact_person=request.contact_person.strip(),
                email=request.email.strip().lower(),
                phone=request.phone.strip(),
                status="pending",
                created_at=utcnow(),
            )
            session.add(app)
            session.flush()
            message = application_message(app)
            self.outbox.add(
                session,
                pb.FirmAccountApplied(application=message),
                subject=app.id,
                trace_id=request_id_var.get(),
            )
        return message

    def Login(self, request: pb.LoginRequest, context: object) -> object:
        account_id = request.account_id.strip().upper()
        if not 0 < len(account_id) <= ACCOUNT_ID_MAX:
            verify_password(None, request.password)  # same time as a real check
            raise Unauthenticated("帳號或密碼錯誤")
        with self.db.transaction() as session:
            account = session.scalar(select(Account).where(Account.account_id == account_id))
            if failed_logins(session, account_id, account) >= MAX_FAILED_LOGINS:
                raise ResourceExhausted("登入失敗次數過多，請 15 分鐘後再試")
            if account is not None and account.status == "active" and not account.password_set:
                verify_password(None, request.password)  # same time as a real check
                raise FailedPrecondition(ACTIVATION_PENDING)
            ok = (
                verify_password(account.password_hash if account else None, request.password)
                and account is not None
                and account.status == "active"
            )
            session.add(LoginRecord(account_id=account_id, success=ok, at=utcnow()))
        if not ok or account is None:
            raise Unauthenticated("帳號或密碼錯誤")
        token = self.issuer.issue(
            account.id,
            roles=account.role_list,
            court_code=account.court_code,
            name=account.display_name,
            username=account.account_id,
        )
        return pb.LoginResponse(
            access_token=token,
            expires_in_seconds=int(self.issuer.ttl.total_seconds()),
            account=account_message(account),
        )

    def IssueServiceToken(self, request: pb.IssueServiceTokenRequest, context: object) -> object:
        known = request.service_name in SERVICE_CLIENTS
        if not known or not hmac.compare_digest(request.secret, self.service_secret):
            raise Unauthenticated("服務憑證錯誤")
        ttl = timedelta(minutes=10)
        token = self.issuer.issue(request.service_name, kind="service", ttl=ttl)
        return pb.IssueServiceTokenResponse(
            access_token=token, expires_in_seconds=int(ttl.total_seconds())
        )

    def GetKeySet(self, request: pb.GetKeySetRequest, context: object) -> object:
        return pb.GetKeySetResponse(jwks_json=json.dumps(self.keys.jwks()))

    def ListCourtStaff(self, request: pb.ListCourtStaffRequest, context: object) -> object:
        claims = current_claims()
        claims.require_court(request.court_code)
        claims.require_role("admin", "clerk")
        role = request.role or "clerk"
        with self.db.transaction() as session:
            accounts = session.scalars(
                select(Account)
                .where(Account.court_code == request.court_code, Account.status == "active")
                .order_by(Account.account_id)
            ).all()
        return pb.ListCourtStaffResponse(
            accounts=[account_message(a) for a in accounts if role in a.role_list]
        )

    # -- firm applications (court decisions are recorded by review-workflow) -----------------

    def ListFirmApplications(
        self, request: pb.ListFirmApplicationsRequest, context: object
    ) -> object:
        claims = current_claims()
        claims.require_role("admin", "clerk")
        court_code = request.court_code.strip().upper()
        if not (claims.is_service or claims.has_role("admin")):
            court_code = court_code or claims.court_code
            if not court_code:
                raise Forbidden("權限不足：帳號未設定所屬法院")
            claims.require_court(court_code)
        query = select(FirmApplication).order_by(FirmApplication.created_at, FirmApplication.id)
        if court_code:
            query = query.where(FirmApplication.court_code == court_code)
        if request.status:
            query = query.where(FirmApplication.status == STATUS_NAMES.get(request.status, ""))
        with self.db.transaction() as session:
            applications = [application_message(a) for a in session.scalars(query)]
        return pb.ListFirmApplicationsResponse(applications=applications)

    def DecideFirmApplication(
        self, request: pb.DecideFirmApplicationRequest, context: object
    ) -> object:
        claims = current_claims()
        if not claims.is_service:
            raise Forbidden("權限不足：法院的決定須經審核流程辦理")
        reason = request.reason.strip()
        decided_by = request.decided_by.strip()
        problems: dict[str, str] = {}
        if not request.approve and not reason:
            problems["reason"] = "請填寫駁回理由"
        elif len(reason) > REASON_MAX:
            problems["reason"] = f"駁回理由不可超過 {REASON_MAX} 個字"
        if not 0 < len(decided_by) <= 36:
            problems["decided_by"] = "缺少決定者帳號"
        if problems:
            raise InvalidArgument(BAD_INPUT, fields=problems)
        # Two decisions on different applications of one court may pick the same new
        # account id at once; the unique constraint stops the second, which tries again.
        for attempt in range(3):
            try:
                return self._decide(request.application_id, request.approve, reason, decided_by)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _decide(self, application_id: str, approve: bool, reason: str, decided_by: str) -> object:
        wanted = "activated" if approve else "refused"
        with self.db.transaction() as session:
            app = session.scalar(
                select(FirmApplication)
                .where(FirmApplication.id == application_id)
                .with_for_update()
            )
            if app is None:
                raise NotFound("查無此帳號申請")
            if app.status == wanted:
                return application_message(app)  # a retry: already done, nothing more
            if app.status != "pending":
                done = "啟用" if app.status == "activated" else "駁回"
                raise FailedPrecondition(f"此申請已{done}，不能再變更")
            decider = session.scalar(
                select(Account).where(
                    or_(Account.account_id == decided_by.upper(), Account.id == decided_by)
                )
            )
            actor = actor_of_account(decider) if decider else Actor(decided_by, "clerk")
            app.status = wanted
            app.decided_at = utcnow()
            app.decided_by = actor.account_id
            if approve:
                event = self._activate(session, app, actor)
            else:
                app.reason = reason
                session.flush()
                event = pb.FirmApplicationRefused(application=application_message(app))
            audit_log.record(
                session,
                actor,
                f"firm_application.{wanted}",
                subject_type="firm_application",
                subject_id=app.id,
                court_code=app.court_code,
                before={"status": "pending"},
                after={
                    "status": wanted,
                    "account_id": app.account.account_id if app.account else "",
                    "reason": app.reason,
                    "decided_by": app.decided_by,
                },
            )
            self.outbox.add(session, event, subject=app.id, trace_id=request_id_var.get())
            return application_message(app)

    def _activate(self, session: Session, app: FirmApplication, actor: Actor) -> Any:
        """The firm's account, without a usable password, and the event that mails it a
        one-time link to set one."""
        account = Account(
            account_id=next_firm_account_id(session, app.court_code),
            password_hash=None,
            display_name=app.company_name,
            email=app.email,
            phone=app.phone,
            contact_person=app.contact_person,
            roles="firm",
            court_code=app.court_code,
            status="active",
            created_at=utcnow(),
        )
        session.add(account)
        session.flush()
        app.account = account
        raw_token, expires_at = create_link(session, account, "activation", ACTIVATION_LINK_TTL)
        audit_log.record(
            session,
            actor,
            "account.created",
            subject_type="account",
            subject_id=account.account_id,
            court_code=account.court_code,
            after=profile(account),
        )
        session.flush()
        return pb.FirmAccountActivated(
            application=application_message(app),
            account_id=account.account_id,
            set_password_token=raw_token,
            token_expires_at=timestamp(pb.FirmAccountActivated().token_expires_at, expires_at),
        )

    # -- one-time links, forgot password, forgot account id ---------------------------------

    def SetPassword(self, request: pb.SetPasswordRequest, context: object) -> object:
        problems = self.policy.problems(request.new_password)
        with self.db.transaction() as session:
            link = session.scalar(
                select(PasswordToken)
                .where(PasswordToken.token_hash == token_hash(request.token))
                .with_for_update()
            )
            account = session.get(Account, link.account_id) if link else None
            if link is None or link.used_at is not None or account is None:
                raise FailedPrecondition(LINK_INVALID)
            if account.status != "active":
                raise FailedPrecondition(LINK_INVALID)
            if link.expires_at <= utcnow():
                raise FailedPrecondition(LINK_EXPIRED)
            if problems:
                raise InvalidArgument(BAD_INPUT, fields={"new_password": "；".join(problems)})
            before = profile(account)
            account.password_hash = hash_password(request.new_password)
            account.failures_cleared_at = utcnow()
            retire_links(session, account)  # this link and any other outstanding one
            audit_log.record(
                session,
                actor_of_account(account),
                "account.password_set",
                subject_type="account",
                subject_id=account.account_id,
                court_code=account.court_code,
                before=before,
                after={**profile(account), "link": link.purpose},
            )
            return pb.SetPasswordResponse(account_id=account.account_id)

    def RequestPasswordReset(
        self, request: pb.RequestPasswordResetRequest, context: object
    ) -> object:
        account_id = request.account_id.strip().upper()
        email = request.email.strip().lower()
        problems: dict[str, str] = {}
        if not account_id:
            problems["account_id"] = "請輸入帳號"
        elif len(account_id) > ACCOUNT_ID_MAX:
            problems["account_id"] = "帳號格式不正確"
        if len(email) > EMAIL_MAX or not EMAIL.match(email):
            problems["email"] = "電子郵件格式不正確"
        if problems:
            raise InvalidArgument(BAD_INPUT, fields=problems)
        with self.db.transaction() as session:
            # counted whether or not the account exists: the reply must not tell
            self.mail_requests.hit(session, [f"reset:account:{account_id}", f"reset:email:{email}"])
            account = session.scalar(
                select(Account).where(Account.account_id == account_id, Account.status == "active")
            )
            if account is not None and account.email.lower() == email:
                retire_links(session, account, "reset")
                raw_token, expires_at = create_link(session, account, "reset", RESET_LINK_TTL)
                event = pb.PasswordResetRequested(
                    account_id=account.account_id,
                    email=account.email,
                    display_name=account.display_name,
                    token=raw_token,
                )
                event.expires_at.FromDatetime(expires_at)
                self.outbox.add(session, event, subject=account.id, trace_id=request_id_var.get())
        return pb.RequestPasswordResetResponse()

    def RemindAccountId(self, request: pb.RemindAccountIdRequest, context: object) -> object:
        email = request.email.strip().lower()
        if len(email) > EMAIL_MAX or not EMAIL.match(email):
            raise InvalidArgument(BAD_INPUT, fields={"email": "電子郵件格式不正確"})
        with self.db.transaction() as session:
            self.mail_requests.hit(session, [f"remind:email:{email}"])
            account_ids = session.scalars(
                select(Account.account_id)
                .where(func.lower(Account.email) == email, Account.status == "active")
                .order_by(Account.account_id)
            ).all()
            if account_ids:
                self.outbox.add(
                    session,
                    pb.AccountIdReminderRequested(email=email, account_ids=account_ids),
                    subject=email,
                    trace_id=request_id_var.get(),
                )
        return pb.RemindAccountIdResponse()

    # -- personal account maintenance (個人帳號維護) -------------------------------------

    def _my_account(self, session: Session, claims: Claims) -> Account:
        if claims.is_service:
            raise Forbidden("權限不足：此功能僅限使用者帳號")
        account = session.get(Account, claims.subject)
        if account is None or account.status != "active":
            raise Unauthenticated("帳號已停用或不存在，請重新登入")
        return account

    def GetMyAccount(self, request: pb.GetMyAccountRequest, context: object) -> object:
        claims = current_claims()
        with self.db.transaction() as session:
            return account_message(self._my_account(session, claims))

    def UpdateMyAccount(self, request: pb.UpdateMyAccountRequest, context: object) -> object:
        claims = current_claims()
        display_name = request.display_name.strip()
        email = request.email.strip().lower()
        phone = request.phone.strip()
        contact_person = request.contact_person.strip()
        problems: dict[str, str] = {}
        if not display_name:
            problems["display_name"] = "請輸入名稱"
        elif len(display_name) > 100:
            problems["display_name"] = "不可超過 100 個字"
        check_contact(email, phone, problems)
        if len(contact_person) > 50:
            problems["contact_person"] = "不可超過 50 個字"
        if problems:
            raise InvalidArgument(BAD_INPUT, fields=problems)
        with self.db.transaction() as session:
            account = self._my_account(session, claims)
            before = profile(account)
            account.display_name = display_name
            account.email = email
            account.phone = phone
            account.contact_person = contact_person
            after = profile(account)
            if after != before:
                audit_log.record(
                    session,
                    actor_of_account(account),
                    "account.updated",
                    subject_type="account",
                    subject_id=account.account_id,
                    court_code=account.court_code,
                    before=before,
                    after=after,
                )
            return account_message(account)

    def ChangePassword(self, request: pb.ChangePasswordRequest, context: object) -> object:
        claims = current_claims()
        problems: dict[str, str] = {}
        policy_problems = self.policy.problems(request.new_password)
        if policy_problems:
            problems["new_password"] = "；".join(policy_problems)
        elif request.new_password == request.current_password:
            problems["new_password"] = "新密碼不可與目前密碼相同"  # noqa: S105 (a message)
        with self.db.transaction() as session:
            account = self._my_account(session, claims)
            if failed_logins(session, account.account_id, account) >= MAX_FAILED_LOGINS:
                raise ResourceExhausted("密碼錯誤次數過多，請 15 分鐘後再試")
            right = verify_password(account.password_hash, request.current_password)
            if not right:
                # a wrong current password is a password guess, like a failed login
                session.add(LoginRecord(account_id=account.account_id, success=False, at=utcnow()))
                problems["current_password"] = "目前密碼不正確"  # noqa: S105 (a message)
            elif not problems:
                account.password_hash = hash_password(request.new_password)
                retire_links(session, account)
                audit_log.record(
                    session,
                    actor_of_account(account),
                    "account.password_changed",
                    subject_type="account",
                    subject_id=account.account_id,
                    court_code=account.court_code,
                    after={"password_changed": True},
                )
        if problems:  # raised after the commit, so the failed attempt stays recorded
            raise InvalidArgument(BAD_INPUT, fields=problems)
        return pb.ChangePasswordResponse()

    def GetPasswordPolicy(
        self, request: pb.GetPasswordPolicyRequest, context: object
    ) -> pb.PasswordPolicy:
        return pb.PasswordPolicy(
            min_length=self.policy.min_length,
            max_length=self.policy.max_length,
            symbols=self.policy.symbols,
            summary=self.policy.summary(),
            rules=self.policy.rules(),
        )

    def GetAccount(self, request: pb.GetAccountRequest, context: object) -> object:
        if not current_claims().is_service:
            raise Forbidden("權限不足：僅限系統服務呼叫")
        # Other services know an account by its login name or by the token subject (id).
        wanted = request.account_id.strip()
        with self.db.transaction() as session:
            account = session.scalar(
                select(Account).where(
                    or_(Account.account_id == wanted.upper(), Account.id == wanted)
                )
            )
            if account is None:
                raise NotFound("查無此帳號")
            return account_message(account)
