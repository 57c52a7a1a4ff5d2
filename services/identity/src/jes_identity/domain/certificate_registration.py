"""The certificate registration form (seed 001, Step 2/2): the account id, the password,
the national ID (its last four digits must be the card's), phones, address, up to three
e-mails; organisations add the representative and the unified business number."""

from __future__ import annotations

from dataclasses import dataclass

from jes_domain import InvalidArgument
from jes_identity.domain.accounts import account_id_problem, normalize_account_id
from jes_identity.domain.certificates import CertificateKind, VerifiedSigner
from jes_identity.domain.passwords import Policy
from jes_identity.domain.validation import (
    BAD_INPUT,
    BAD_PHONE,
    PHONE,
    email_problem,
    normalize_email,
    required_text_problem,
)
from jes_zhtw import validate_business_number, validate_national_id, validate_resident_certificate

EMAILS_MAX = 3
ADDRESS_MAX = 200
NAME_MAX = 50

CERTIFICATE_ALREADY_REGISTERED = "此憑證已註冊帳號，每一憑證限申請一次"
# the membership role of accounts registered by certificate (民眾 / 法人)
MEMBER_ROLE = "member"


@dataclass(frozen=True)
class CertificateRegistration:
    account_id: str
    password: str
    national_id: str
    phone: str
    mobile: str
    address: str
    emails: tuple[str, ...]
    representative_name: str
    representative_title: str
    business_number: str


def _national_id(typed: str, signer: VerifiedSigner, problems: dict[str, str]) -> str:
    if not typed.strip():
        if signer.profile.kind is CertificateKind.NATURAL_PERSON:
            problems["national_id"] = "請輸入身分證字號"
        return ""
    try:
        value = validate_national_id(typed)
    except ValueError as national:
        try:
            value = validate_resident_certificate(typed)
        except ValueError:
            problems["national_id"] = str(national)
            return ""
    if signer.id_last_four and value[-4:] != signer.id_last_four:
        problems["national_id"] = "身分證字號與憑證不符"
    return value


def _business_number(typed: str, signer: VerifiedSigner, problems: dict[str, str]) -> str:
    if signer.profile.kind is CertificateKind.NATURAL_PERSON:
        return ""
    if not typed.strip():
        if signer.profile.kind is CertificateKind.BUSINESS:
            problems["business_number"] = "請輸入統一編號"
        return ""
    try:
        value = validate_business_number(typed)
    except ValueError as exc:
        problems["business_number"] = str(exc)
        return ""
    if signer.business_number and value != signer.business_number:
        problems["business_number"] = "統一編號與憑證不符"
    return value


def validate_registration(
    signer: VerifiedSigner,
    policy: Policy,
    *,
    account_id: str,
    password: str,
    national_id: str,
    phone: str,
    mobile: str,
    address: str,
    emails: list[str],
    representative_name: str = "",
    representative_title: str = "",
    business_number: str = "",
) -> CertificateRegistration:
    """The form's values as stored, or InvalidArgument naming every wrong field."""
    problems: dict[str, str] = {}
    account_id = normalize_account_id(account_id)
    if problem := account_id_problem(account_id):
        problems["account_id"] = problem
    if problem := policy.problem(password):
        problems["password"] = problem
    national = _national_id(national_id, signer, problems)
    phone, mobile, address = phone.strip(), mobile.strip(), address.strip()
    if not phone:
        problems["phone"] = "請輸入聯絡電話"
    elif not PHONE.match(phone):
        problems["phone"] = BAD_PHONE
    if mobile and not PHONE.match(mobile):
        problems["mobile"] = BAD_PHONE
    if problem := required_text_problem(address, "請輸入通訊地址", ADDRESS_MAX):
        problems["address"] = problem
    cleaned = [normalize_email(e) for e in emails if e.strip()]
    if not cleaned:
        problems["emails"] = "請輸入電子郵件"
    elif len(cleaned) > EMAILS_MAX:
        problems["emails"] = f"電子郵件最多 {EMAILS_MAX} 組"
    elif len(set(cleaned)) != len(cleaned):
        problems["emails"] = "電子郵件重複"
    else:
        for index, email in enumerate(cleaned):
            if problem := email_problem(email):
                problems[f"emails[{index}]"] = problem
    organisation = signer.profile.kind is not CertificateKind.NATURAL_PERSON
    rep_name, rep_title = representative_name.strip(), representative_title.strip()
    if organisation:
        if problem := required_text_problem(rep_name, "請輸入代表人姓名", NAME_MAX):
            problems["representative_name"] = problem
        if problem := required_text_problem(rep_title, "請輸入代表人職稱", NAME_MAX):
            problems["representative_title"] = problem
    business = _business_number(business_number, signer, problems)
    if problems:
        raise InvalidArgument(BAD_INPUT, fields=problems)
    return CertificateRegistration(
        account_id=account_id,
        password=password,
        national_id=national,
        phone=phone,
        mobile=mobile,
        address=address,
        emails=tuple(cleaned),
        representative_name=rep_name if organisation else "",
        representative_title=rep_title if organisation else "",
        business_number=business,
    )


NOT_THE_SAME_HOLDER = "新憑證的持有人與帳號已註冊的憑證不同，無法綁定"


def holder_code(signer: VerifiedSigner) -> str:
    """What names the holder besides the name: the ID's last four digits (MOICA), the
    business number (MOEACA) or the organisation code (GCA, XCA)."""
    if signer.profile.kind is CertificateKind.NATURAL_PERSON:
        return signer.id_last_four
    if signer.profile.kind is CertificateKind.BUSINESS:
        return signer.business_number
    return signer.organisation_code


def same_holder(signer: VerifiedSigner, kind: str, name: str, code: str) -> bool:
    """A renewed card may join an account only if it names whom the registered one
    named: the same kind, name and holder code (none may be missing)."""
    return (
        signer.profile.kind.value == kind
        and signer.name == name
        and bool(code)
        and holder_code(signer) == code
    )
