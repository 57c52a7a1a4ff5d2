"""The login captcha and the caller's login records."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from jes_gateway.api.schemas.base import Reply


class Captcha(Reply):
    id: Annotated[str, Field(description="登入時以 captcha_id 送回")]
    image: Annotated[str, Field(description="6 位數字的圖片（data:image/png;base64,…）")]
    audio_url: Annotated[str, Field(description="同一組數字的國語語音（audio/wav），5 分鐘內有效")]
    expires_at: Annotated[str, Field(description="到期時間（ISO 8601，UTC）")]


class LoginAttempt(Reply):
    at: Annotated[str, Field(description="時間（ISO 8601，UTC）")]
    at_text: Annotated[str, Field(description="民國日期時間（臺北時間）")]
    client_address: Annotated[str, Field(description="來源位址（空字串：不明）")]
    success: bool
    refused: Annotated[bool, Field(description="嘗試過於頻繁或缺少驗證碼，未檢查密碼")]


class LoginHistory(Reply):
    previous_success: Annotated[
        LoginAttempt | None, Field(description="本次之前最近一次登入成功（首次登入時為 null）")
    ]
    recent_failures: Annotated[list[LoginAttempt], Field(description="自該次登入後的失敗")]
    failure_count: Annotated[int, Field(description="自該次登入後的失敗次數")]
    attempts: Annotated[list[LoginAttempt], Field(description="最近的登入嘗試，新的在前")]
