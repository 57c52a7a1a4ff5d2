"""Certificate registration (憑證註冊) and certificate login (憑證登入)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from jes_gateway.api.schemas.base import Input, Reply

SECRET_HINT = "建立驗證碼時取得的 challenge_secret（驗證碼只接受同一持有人的回覆）"  # noqa: S105 (a description)


class ChallengeInput(Input):
    purpose: Annotated[
        Literal["register", "login", "renew"],
        Field(description="register：憑證註冊；login：憑證登入；renew：換發憑證綁定"),
    ]


class Challenge(Reply):
    challenge_id: str
    text: Annotated[str, Field(description="請以憑證簽署的文字（UTF-8，PKCS#7 附加內容）")]
    expires_in: Annotated[int, Field(description="有效秒數；只能使用一次")]
    challenge_secret: Annotated[str, Field(description="回覆此驗證碼時一併送出；請勿外流")]


class SignedChallengeInput(Input):
    challenge_id: str
    challenge_secret: Annotated[str, Field(description=SECRET_HINT)]
    signature: Annotated[
        str, Field(description="跨平台網頁元件回傳的 signature（Base64 的 PKCS#7）")
    ]
    certificate: Annotated[str, Field(description="元件回傳的 certb64（Base64，選填）")] = ""


class VerifiedCertificate(Reply):
    kind: Annotated[str, Field(description="natural_person、business、government、organisation")]
    kind_label: str
    name: Annotated[str, Field(description="憑證上的姓名或機關（構）、公司名稱")]
    authority: Annotated[str, Field(description="MOICA、MOEACA、GCA、XCA")]
    id_last_four: Annotated[str, Field(description="自然人憑證：身分證字號末四碼")]
    business_number: Annotated[str, Field(description="工商憑證：統一編號")]
    organisation_code: Annotated[str, Field(description="政府機關、組織團體憑證：機關（團體）代碼")]
    expires_in: Annotated[int, Field(description="須在此秒數內完成註冊")]


class EmailCodeInput(Input):
    challenge_id: Annotated[str, Field(description="註冊的驗證碼 id（即註冊識別碼）")]
    email: Annotated[str, Field(description="第一組 E-MAIL")]


class EmailCodeSent(Reply):
    email: str
    resend_after: Annotated[int, Field(description="幾秒後才可重新發送")]


class EmailVerificationInput(EmailCodeInput):
    code: Annotated[str, Field(description="信中的 6 位數認證碼")]


class EmailVerified(Reply):
    email: str


class CertificateRegistrationInput(Input):
    challenge_id: str
    challenge_secret: Annotated[str, Field(description=SECRET_HINT)]
    account_id: Annotated[
        str, Field(description="大寫英文字母及數字，最多 20 位，不可為身分證字號")
    ]
    password: Annotated[str, Field(description="須符合 GET /password-policy 的密碼規則")]
    national_id: Annotated[str, Field(description="自然人憑證必填，末四碼須與憑證相符")] = ""
    phone: str
    mobile: str = ""
    address: str
    emails: Annotated[list[str], Field(description="1 至 3 組；第一組須先完成認證", max_length=3)]
    representative_name: Annotated[str, Field(description="法人、機關、團體必填")] = ""
    representative_title: Annotated[str, Field(description="法人、機關、團體必填")] = ""
    business_number: Annotated[str, Field(description="工商憑證必填，須與憑證相符")] = ""


class RegisteredAccount(Reply):
    account_id: str
    name: str
