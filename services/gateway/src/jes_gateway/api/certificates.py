"""憑證註冊 and 憑證登入 for programs: a challenge, the card's PKCS#7 over it (made by the
local signing component on the user's machine), the first e-mail's code, the account;
or a session for a registered card. A program has no browser session: the challenge is
bound to the `challenge_secret` handed out with it instead."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from flask import Blueprint, jsonify, request

from jes.identity.v1 import certificates_pb2 as cpb
from jes_gateway.api.common import PREFIX, bearer_token, refuse, services
from jes_gateway.api.schemas.accounts import Session
from jes_gateway.api.schemas.certificates import (
    CertificateRegistrationInput,
    Challenge,
    ChallengeInput,
    EmailCodeInput,
    EmailCodeSent,
    EmailVerificationInput,
    EmailVerified,
    RegisteredAccount,
    SignedChallengeInput,
    VerifiedCertificate,
)
from jes_gateway.api.spec import PUBLIC, answers, api
from jes_gateway.facades.certificates import LOGIN, REGISTER, RENEW
from jes_gateway.limits import certificate_limiter
from jes_gateway.presentation.shapes import iso
from jes_gateway.ratelimit import current_client

bp = Blueprint("api_certificates", __name__, url_prefix=PREFIX)
TAG = "憑證註冊與登入"
NOT_BASE64 = "請送出 Base64 編碼的簽章"
KINDS = {
    cpb.CERTIFICATE_KIND_NATURAL_PERSON: ("natural_person", "自然人憑證"),
    cpb.CERTIFICATE_KIND_BUSINESS: ("business", "工商憑證"),
    cpb.CERTIFICATE_KIND_GOVERNMENT: ("government", "政府機關憑證"),
    cpb.CERTIFICATE_KIND_ORGANISATION: ("organisation", "組織及團體憑證"),
}


def _decoded(json: SignedChallengeInput) -> tuple[bytes, bytes]:
    try:
        signature = base64.b64decode(json.signature, validate=True)
        certificate = base64.b64decode(json.certificate, validate=True)
    except (binascii.Error, ValueError):
        refuse({"signature": NOT_BASE64})
    if not signature:
        refuse({"signature": NOT_BASE64})
    return signature, certificate


@bp.post("/certificate-challenges")
@api.validate(resp=answers(201, Challenge, 400), tags=[TAG], security=PUBLIC)
def challenge(json: ChallengeInput) -> Any:
    """建立憑證簽章用的驗證碼（單次使用，數分鐘內有效）"""
    secret = secrets.token_urlsafe(32)
    purpose = {"register": REGISTER, "login": LOGIN, "renew": RENEW}[json.purpose]
    issued = services().certificates.challenge(purpose, secret)
    return jsonify(
        challenge_id=issued.challenge_id,
        text=issued.text,
        expires_in=issued.expires_in_seconds,
        challenge_secret=secret,
    ), 201


@bp.post("/certificate-registrations/verification")
@api.validate(resp=answers(200, VerifiedCertificate, 400, 409, 429), tags=[TAG], security=PUBLIC)
def verify(json: SignedChallengeInput) -> Any:
    """憑證註冊第一步：驗證憑證簽章，取得憑證上的資料"""
    certificate_limiter.check("certificate")
    signature, certificate = _decoded(json)
    facts = services().certificates.verify_registration(
        json.challenge_id, json.challenge_secret, signature, certificate, current_client()
    )
    return jsonify(_facts(facts))


def _facts(facts: cpb.VerifiedCertificate) -> dict[str, Any]:
    kind, label = KINDS.get(facts.kind, ("", ""))
    return dict(
        kind=kind,
        kind_label=label,
        name=facts.name,
        authority=facts.authority,
        id_last_four=facts.id_last_four,
        business_number=facts.business_number,
        organisation_code=facts.organisation_code,
        expires_in=facts.expires_in_seconds,
    )


@bp.post("/account/certificates")
@api.validate(resp=answers(201, VerifiedCertificate, 400, 401, 403, 409, 429), tags=[TAG])
def bind_renewed(json: SignedChallengeInput) -> Any:
    """綁定換發的憑證（須與已註冊憑證為同一持有人；以 purpose=renew 的驗證碼簽章）"""
    certificate_limiter.check("certificate")
    signature, certificate = _decoded(json)
    facts = services().certificates.bind_renewed(
        bearer_token(), json.challenge_id, json.challenge_secret, signature, certificate
    )
    return jsonify(_facts(facts)), 201


@bp.post("/certificate-registrations/email-codes")
@api.validate(resp=answers(202, EmailCodeSent, 400, 429), tags=[TAG], security=PUBLIC)
def send_code(json: EmailCodeInput) -> Any:
    """寄送 6 位數認證碼到第一組 E-MAIL"""
    sent = services().registration_codes.send(json.challenge_id, json.email)
    return jsonify(email=sent.email, resend_after=sent.resend_after_seconds), 202


@bp.post("/certificate-registrations/email-verifications")
@api.validate(resp=answers(200, EmailVerified, 400, 429), tags=[TAG], security=PUBLIC)
def verify_code(json: EmailVerificationInput) -> Any:
    """輸入信中的認證碼，完成 E-MAIL 認證"""
    verified = services().registration_codes.verify(json.challenge_id, json.email, json.code)
    return jsonify(email=verified.email)


@bp.post("/certificate-registrations")
@api.validate(resp=answers(201, RegisteredAccount, 400, 409, 429), tags=[TAG], security=PUBLIC)
def register(json: CertificateRegistrationInput) -> Any:
    """憑證註冊第二步：建立帳號"""
    account = services().certificates.register(
        json.challenge_id,
        json.challenge_secret,
        emails=json.emails,
        account_id=json.account_id,
        password=json.password,
        national_id=json.national_id,
        phone=json.phone,
        mobile=json.mobile,
        address=json.address,
        representative_name=json.representative_name,
        representative_title=json.representative_title,
        business_number=json.business_number,
    )
    return jsonify(account_id=account.account_id, name=account.display_name), 201


@bp.post("/certificate-sessions")
@api.validate(resp=answers(201, Session, 400, 401, 429), tags=[TAG], security=PUBLIC)
def login(json: SignedChallengeInput) -> Any:
    """以已註冊的憑證登入（取代密碼）"""
    certificate_limiter.check("certificate")
    signature, certificate = _decoded(json)
    reply = services().certificates.login(
        json.challenge_id,
        json.challenge_secret,
        signature,
        certificate,
        current_client(),
        request.headers.get("User-Agent", "")[:200],
    )
    return jsonify(
        access_token=reply.access_token,
        expires_in=reply.expires_in_seconds,
        refresh_token=reply.session_token,
        session_id=reply.session_id,
        idle_expires_at=iso(reply.idle_expires_at),
        absolute_expires_at=iso(reply.absolute_expires_at),
        account={
            "account_id": reply.account.account_id,
            "name": reply.account.display_name,
            "roles": list(reply.account.roles),
            "court_code": reply.account.court_code,
        },
    ), 201
