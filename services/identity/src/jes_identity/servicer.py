"""IdentityService: firm applications, login, service tokens, the key set."""

from __future__ import annotations

import hmac
import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import identity_pb2_grpc as pb_grpc
from jes_auth import KeyStore, TokenIssuer
from jes_config import SERVICES
from jes_db import Database, utcnow
from jes_events import Outbox
from jes_grpckit import (
    InvalidArgument,
    ResourceExhausted,
    Unauthenticated,
    current_claims,
    request_id_var,
)
from jes_identity.models import Account, FirmApplication, LoginRecord
from jes_identity.passwords import verify_password
from jes_zhtw import UnknownCourt, court_by_code

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9()+\-# ]{6,40}$")

# Lock an account id out after this many failures within the window (seed 001 shows
# recent failed logins to the user; the limit stops password guessing).
MAX_FAILED_LOGINS = 5
ACCOUNT_ID_MAX = 20  # seed 001: upper-case letters and digits, at most 20
FAILED_LOGIN_WINDOW = timedelta(minutes=15)

# Who may ask for a service token: the JES services, the gateway, and the courts' own
# systems (in production these also present a client certificate: mutual TLS).
SERVICE_CLIENTS = frozenset([*SERVICES, "gateway", "court-system"])

STATUS = {
    "pending": pb.APPLICATION_STATUS_PENDING,
    "activated": pb.APPLICATION_STATUS_ACTIVATED,
    "refused": pb.APPLICATION_STATUS_REFUSED,
}

PUBLIC_METHODS = [
    "/jes.identity.v1.IdentityService/ApplyFirmAccount",
    "/jes.identity.v1.IdentityService/Login",
    "/jes.identity.v1.IdentityService/IssueServiceToken",
    "/jes.identity.v1.IdentityService/GetKeySet",
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
    )
    message.created_at.FromDatetime(app.created_at)
    return message


def account_message(account: Account) -> pb.Account:
    return pb.Account(
        id=account.id,
        account_id=account.account_id,
        display_name=account.display_name,
        email=account.email,
        roles=account.role_list,
        court_code=account.court_code,
    )


class IdentityServicer(pb_grpc.IdentityServiceServicer):
    def __init__(self, db: Database, outbox: Outbox, keys: KeyStore, service_secret: str):
        self.db = db
        self.outbox = outbox
        self.keys = keys
        self.issuer = TokenIssuer(keys)
        self.service_secret = service_secret

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
            since = utcnow() - FAILED_LOGIN_WINDOW
            failures = session.scalar(
                select(func.count())
                .select_from(LoginRecord)
                .where(
                    LoginRecord.account_id == account_id,
                    LoginRecord.success.is_(False),
                    LoginRecord.at >= since,
                )
            )
            if (failures or 0) >= MAX_FAILED_LOGINS:
                raise ResourceExhausted("登入失敗次數過多，請 15 分鐘後再試")
            account = session.scalar(select(Account).where(Account.account_id == account_id))
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
