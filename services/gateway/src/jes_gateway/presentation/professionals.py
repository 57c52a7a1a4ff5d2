"""Professional registration as pages and the API show it: the form's fields and their
zh-TW labels (written once, for the web form, the API and the printed form), the
contract's vocabularies by name, and the printable form's lines."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from jes.identity.v1 import identity_pb2 as pb
from jes_gateway.presentation.roc import roc_date
from jes_gateway.presentation.vocabulary import api_names, labels_by_name, name_of
from jes_zhtw import to_roc_year

KINDS: dict[str, pb.ProfessionKind.ValueType] = api_names(
    pb.ProfessionKind, "PROFESSION_KIND_", unspecified=False
)
KIND_LABELS = labels_by_name(pb.ProfessionKind, KINDS)  # lawyer -> 律師, ...
GENDERS: dict[str, pb.Gender.ValueType] = api_names(pb.Gender, "GENDER_", unspecified=False)
GENDER_LABELS = labels_by_name(pb.Gender, GENDERS)
STATUSES: dict[str, pb.ProfessionalApplicationStatus.ValueType] = api_names(
    pb.ProfessionalApplicationStatus, "PROFESSIONAL_APPLICATION_STATUS_", unspecified=False
)
STATUS_LABELS = labels_by_name(pb.ProfessionalApplicationStatus, STATUSES)

# The form's text fields in the order of the seed's 聲請單, with their labels.
FIELD_LABELS: dict[str, str] = {
    "kind": "聲請人身分別",
    "account_id": "網站登入帳號",
    "name": "聲請人姓名",
    "gender": "性別",
    "national_id": "身分證字號",
    "birth_date": "出生年月日",
    "licence_number": "證書字號",
    "association": "所屬公會",
    "office_name": "事務所名稱",
    "address": "通訊地址",
    "phone": "聯絡電話",
    "mobile": "行動電話",
    "email": "電子郵件",
    "fax": "傳真",
}
TEXT_FIELDS = tuple(name for name in FIELD_LABELS if name not in ("kind", "gender"))
RESIDENT_LABEL = "外來人口統一證號"

SERVICE_NAME = "司法院整合服務入口網"
FORM_TITLE = "司法院電子化服務聲請單"
FORM_NOTES = (
    "本聲請表請以 A4 紙張列印，經聲請人親自簽名或蓋章後，連同證書（或事務所證明文件）影本"
    "寄送司法院資訊處審核。",
    "審核通過後，系統會以電子郵件寄送帳號啟用連結至上列電子信箱，請於期限內設定密碼。",
    "一人限申請一個帳號；資料如有變更，請於登入後修改基本資料。",
)
FORM_SIGNATURES = ("聲請人簽名或蓋章",)


def form_message(values: Mapping[str, Any]) -> pb.ProfessionalApplicationForm:
    """The contract's form from posted names; an unknown kind or gender is left
    unspecified, which identity refuses with its own zh-TW message."""
    return pb.ProfessionalApplicationForm(
        kind=KINDS.get(str(values.get("kind", "")), pb.PROFESSION_KIND_UNSPECIFIED),
        gender=GENDERS.get(str(values.get("gender", "")), pb.GENDER_UNSPECIFIED),
        is_resident_certificate=bool(values.get("is_resident_certificate")),
        **{name: str(values.get(name, "")) for name in TEXT_FIELDS},
    )


def birth_date_shown(iso: str) -> str:
    """民國 61年 12月18日 for 1972-12-18 (a birthday's weekday says nothing; "" when none)."""
    if not iso:
        return ""
    born = date.fromisoformat(iso)
    return f"民國 {to_roc_year(born.year)}年 {born.month}月{born.day}日"


def printable_lines(app: pb.ProfessionalApplication) -> list[tuple[str, str]]:
    """The printed form's lines: label and value, as the applicant gave them."""
    form = app.form
    id_label = RESIDENT_LABEL if form.is_resident_certificate else FIELD_LABELS["national_id"]
    values = {
        "kind": KIND_LABELS.get(name_of(KINDS, form.kind), ""),
        "gender": GENDER_LABELS.get(name_of(GENDERS, form.gender), ""),
        "birth_date": birth_date_shown(form.birth_date),
        **{name: getattr(form, name) for name in TEXT_FIELDS if name != "birth_date"},
    }
    lines = [("聲請服務", SERVICE_NAME)]
    for name, label in FIELD_LABELS.items():
        lines.append((id_label if name == "national_id" else label, values[name]))
    return lines


def printable_form(app: pb.ProfessionalApplication) -> dict[str, Any]:
    """What report-render is given to print the application form."""
    return {
        "title": FORM_TITLE,
        "reference": app.id,
        "applied_on": roc_date(app.created_at),
        "lines": printable_lines(app),
        "notes": FORM_NOTES,
        "signatures": FORM_SIGNATURES,
    }


def download_name(app: pb.ProfessionalApplication) -> str:
    return f"聲請單_{app.id}.pdf"
