"""憑證註冊 and 憑證登入: terms and privacy consent, the card step (the page's script asks
the local signing component to sign identity's challenge; the PIN goes only to
localhost), then the registration form; or the login with a registered card.

The browser session carries a random binding; identity answers a challenge only with
it, so a signature made in one browser does not register or log in another."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from jes.identity.v1 import certificates_pb2 as cpb
from jes_gateway.context import gateway
from jes_gateway.facades.certificates import LOGIN, REGISTER, RENEW
from jes_gateway.limits import certificate_limiter
from jes_gateway.problems import Problem
from jes_gateway.ratelimit import current_client
from jes_gateway.web.account import password_page
from jes_gateway.web.forms import form_problem, invalid
from jes_gateway.web.session import (
    home_for,
    login_required,
    require_user,
    sign_in,
    user_agent,
)

bp = Blueprint("certificates", __name__)

BINDING = "cert_binding"
REGISTRATION = "cert_registration"
CONSENT = "cert_consent"
NO_SIGNATURE = "尚未完成憑證簽章，請輸入 PIN 碼後按「下一步」"
KIND_LABELS = {
    cpb.CERTIFICATE_KIND_NATURAL_PERSON: "自然人憑證",
    cpb.CERTIFICATE_KIND_BUSINESS: "工商憑證",
    cpb.CERTIFICATE_KIND_GOVERNMENT: "政府機關憑證",
    cpb.CERTIFICATE_KIND_ORGANISATION: "組織及團體憑證",
}
FORM_FIELDS = ("account_id", "national_id", "phone", "mobile", "address")
ORGANISATION_FIELDS = ("representative_name", "representative_title", "business_number")


def _binding() -> str:
    if BINDING not in session:
        session[BINDING] = secrets.token_urlsafe(32)
    return str(session[BINDING])


def _card_page(template: str, purpose: int, problem: Problem | None = None) -> Any:
    challenge = gateway().services.certificates.challenge(purpose, _binding())  # type: ignore[arg-type]
    page = render_template(
        template,
        challenge=challenge,
        component_url=gateway().config.hipki_url,
        problem=problem,
    )
    return (page, problem.status) if problem else page


def _signature() -> tuple[bytes, bytes]:
    """The component's answer the page's script put into the form (base64)."""
    try:
        signature = base64.b64decode(request.form.get("signature", ""), validate=True)
        certificate = base64.b64decode(request.form.get("certificate", ""), validate=True)
    except (binascii.Error, ValueError):
        raise invalid({"signature": NO_SIGNATURE}, NO_SIGNATURE) from None
    if not signature:
        raise invalid({"signature": NO_SIGNATURE}, NO_SIGNATURE)
    return signature, certificate


# -- registration -------------------------------------------------------------------------


@bp.get("/register/certificate")
def terms() -> Any:
    return render_template("certificates/terms.html", problem=None)


@bp.post("/register/certificate")
def terms_submit() -> Any:
    if request.form.get("agree") != "yes":
        problem = invalid({"agree": "請勾選同意服務條款及隱私權保護政策"})
        return render_template("certificates/terms.html", problem=problem), 400
    session[CONSENT] = True
    return redirect(url_for("certificates.card"))


@bp.get("/register/certificate/card")
def card() -> Any:
    if not session.get(CONSENT):
        return redirect(url_for("certificates.terms"))
    return _card_page("certificates/card.html", REGISTER)


@bp.post("/register/certificate/card")
def card_submit() -> Any:
    certificate_limiter.check("certificate")
    if not session.get(CONSENT):
        return redirect(url_for("certificates.terms"))
    try:
        signature, certificate = _signature()
        facts = gateway().services.certificates.verify_registration(
            request.form.get("challenge_id", ""),
            _binding(),
            signature,
            certificate,
            current_client(),
        )
    except Problem as error:
        return _card_page("certificates/card.html", REGISTER, form_problem(error))
    session[REGISTRATION] = {
        "challenge_id": request.form.get("challenge_id", ""),
        "kind": int(facts.kind),
        "name": facts.name,
        "authority": facts.authority,
        "business_number": facts.business_number,
    }
    return redirect(url_for("certificates.details"))


def _details_page(
    problem: Problem | None = None, form: dict[str, Any] | None = None, notice: str = ""
) -> Any:
    registration = session.get(REGISTRATION)
    if registration is None:
        return redirect(url_for("certificates.terms"))
    if problem is not None and {"password", "emails"} & set(problem.fields):
        # identity's names for the fields this page calls new_password (password.js's)
        # and email (the verified first address)
        fields = dict(problem.fields)
        for theirs, ours in (("password", "new_password"), ("emails", "email")):
            if theirs in fields:
                fields[ours] = fields.pop(theirs)
        problem = Problem(problem.status, problem.detail, fields)
    return password_page(
        "certificates/details.html",
        problem,
        registration=registration,
        kind_label=KIND_LABELS.get(registration["kind"], ""),
        organisation=registration["kind"] != cpb.CERTIFICATE_KIND_NATURAL_PERSON,
        form=form or {"business_number": registration.get("business_number", "")},
        notice=notice,
        code_sent_to=registration.get("code_sent_to", ""),
        verified_email=registration.get("verified_email", ""),
    )


@bp.get("/register/certificate/details")
def details() -> Any:
    return _details_page()


@bp.post("/register/certificate/details")
def details_submit() -> Any:
    registration = session.get(REGISTRATION)
    if registration is None:
        return redirect(url_for("certificates.terms"))
    action = request.form.get("action", "register")
    if action in ("send_code", "verify_code"):
        return _email_code(registration, action, request.form.get("email", "").strip())
    organisation = registration["kind"] != cpb.CERTIFICATE_KIND_NATURAL_PERSON
    names = FORM_FIELDS + (ORGANISATION_FIELDS if organisation else ())
    form: dict[str, Any] = {name: request.form.get(name, "").strip() for name in names}
    form["extra_emails"] = [e.strip() for e in request.form.getlist("extra_email")[:2]]
    verified = registration.get("verified_email", "")
    if not verified:
        return _details_page(invalid({"email": "請先完成電子郵件認證"}), form)
    emails = [verified, *(e for e in form["extra_emails"] if e)]
    password = request.form.get("new_password", "")
    if password != request.form.get("confirm_password", ""):
        return _details_page(invalid({"confirm_password": "兩次輸入的密碼不一致"}), form)
    try:
        account = gateway().services.certificates.register(
            registration["challenge_id"],
            _binding(),
            emails=emails,
            password=password,
            **{name: form[name] for name in names},
        )
    except Problem as error:
        return _details_page(form_problem(error), form)
    session.pop(REGISTRATION, None)
    session.pop(CONSENT, None)
    return render_template("certificates/done.html", account=account)


def _email_code(registration: dict[str, Any], action: str, email: str) -> Any:
    """發送認證碼 to the first e-mail, or 確定 the code typed from it."""
    codes = gateway().services.registration_codes
    try:
        if action == "send_code":
            codes.send(registration["challenge_id"], email)
            registration["code_sent_to"] = email
            registration.pop("verified_email", None)
            notice = f"認證碼已寄至 {email}，請收信後輸入認證碼（若未收到，請檢查垃圾郵件）"
        else:
            codes.verify(registration["challenge_id"], email, request.form.get("code", ""))
            registration["verified_email"] = email
            notice = f"{email} 已完成認證"
    except Problem as error:
        return _details_page(form_problem(error))
    session[REGISTRATION] = registration
    return _details_page(None, None, notice)


# -- login ----------------------------------------------------------------------------------


@bp.get("/login/certificate")
def login() -> Any:
    return _card_page("certificates/login.html", LOGIN)


@bp.post("/login/certificate")
def login_submit() -> Any:
    certificate_limiter.check("certificate")
    try:
        signature, certificate = _signature()
        reply = gateway().services.certificates.login(
            request.form.get("challenge_id", ""),
            _binding(),
            signature,
            certificate,
            current_client(),
            user_agent(),
        )
    except Problem as error:
        return _card_page("certificates/login.html", LOGIN, form_problem(error))
    user = sign_in(reply)
    return redirect(home_for(user))


# -- a renewed card (換發憑證綁定) ----------------------------------------------------------


@bp.get("/account/certificate")
@login_required("member")
def renew() -> Any:
    return _card_page("certificates/renew.html", RENEW)


@bp.post("/account/certificate")
@login_required("member")
def renew_submit() -> Any:
    certificate_limiter.check("certificate")
    try:
        signature, certificate = _signature()
        facts = gateway().services.certificates.bind_renewed(
            require_user().token,
            request.form.get("challenge_id", ""),
            _binding(),
            signature,
            certificate,
        )
    except Problem as error:
        return _card_page("certificates/renew.html", RENEW, form_problem(error))
    flash(f"已綁定換發的憑證（{facts.name}），之後可用新憑證登入", "ok")
    return redirect(url_for("certificates.renew"))
