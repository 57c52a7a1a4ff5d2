"""A case's mail settings (notification's CaseMailSettings) as pages and the API show
them: the case number both ways, the court's name, the mode's name and zh-TW label from
the contract."""

from __future__ import annotations

from dataclasses import dataclass

from jes.notification.v1 import notification_pb2 as pb
from jes_gateway.presentation.vocabulary import api_names, labels_by_name, name_of
from jes_zhtw import court_by_code, parse_case_number

MAIL_MODES: dict[str, pb.CaseMailMode.ValueType] = api_names(
    pb.CaseMailMode, "CASE_MAIL_MODE_", unspecified=False
)
MAIL_MODE_LABELS = labels_by_name(pb.CaseMailMode, MAIL_MODES)
UNSUBSCRIBED = pb.CASE_MAIL_MODE_UNSUBSCRIBED
NO_MODE = "請選擇通知方式：有新進度即通知、每日摘要或不再通知"
NO_TOKEN = "連結不完整，請使用通知信中的完整連結"  # noqa: S105 (a message)
MAX_TOKEN = 100


@dataclass(frozen=True)
class CaseMailView:
    case_id: str
    court_code: str
    court_name: str
    category: str
    case_number: str
    case_number_formal: str
    recipient: str
    mode: str
    mode_label: str


def case_mail_view(settings: pb.CaseMailSettings) -> CaseMailView:
    mode = name_of(MAIL_MODES, settings.mode)
    return CaseMailView(
        case_id=settings.case_id,
        court_code=settings.court_code,
        court_name=court_by_code(settings.court_code).name,
        category=settings.category,
        case_number=settings.case_number,
        case_number_formal=parse_case_number(settings.case_number).formal(),
        recipient=settings.recipient,
        mode=mode,
        mode_label=MAIL_MODE_LABELS.get(mode, ""),
    )


def token_problem(token: str) -> str | None:
    """A link's token that cannot be one (none, or far too long) is refused here."""
    return NO_TOKEN if not token or len(token) > MAX_TOKEN else None


def mode_value(name: str) -> pb.CaseMailMode.ValueType | None:
    return MAIL_MODES.get(name)
