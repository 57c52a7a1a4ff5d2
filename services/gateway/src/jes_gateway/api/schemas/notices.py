"""A case's mail settings, reached by the token in a case-progress mail's links."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from jes_gateway.api.schemas.base import Input, Query, Reply
from jes_gateway.presentation.case_mail import NO_MODE, NO_TOKEN

TOKEN_HINT = "通知信連結中的 token 參數"  # noqa: S105 (a description)
MODE_HINT = (
    "immediate：有新進度即通知；daily_digest：每日摘要（每天 18 時）；unsubscribed：不再通知"
)


class CaseMailSettingsQuery(Query):
    messages: ClassVar[dict[str, str]] = {"token": NO_TOKEN}
    token: Annotated[str, Field(description=TOKEN_HINT, min_length=1, max_length=100)]


class CaseMailModeInput(Input):
    messages: ClassVar[dict[str, str]] = {"token": NO_TOKEN, "mode": NO_MODE}
    token: Annotated[str, Field(description=TOKEN_HINT, min_length=1, max_length=100)]
    mode: Annotated[
        Literal["immediate", "daily_digest", "unsubscribed"], Field(description=MODE_HINT)
    ]


class CaseMailSettings(Reply):
    case_id: str
    court_code: str
    court_name: str
    category: Annotated[str, Field(description="民事、家事、刑事、行政")]
    case_number: Annotated[str, Field(description="如 100.訴.992032")]
    case_number_formal: Annotated[str, Field(description="如 100年度訴字第992032號")]
    recipient: Annotated[str, Field(description="通知信箱（部分遮蔽）")]
    mode: Annotated[str, Field(description=MODE_HINT)]
    mode_label: str
