"""One-time links that set a password: how long each kind lives and when one may be
used."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from jes_domain import FailedPrecondition


class LinkPurpose(StrEnum):
    ACTIVATION = "activation"  # mailed when a firm's application is approved
    RESET = "reset"  # forgot password


LINK_TTL = {
    LinkPurpose.ACTIVATION: timedelta(hours=72),
    LinkPurpose.RESET: timedelta(hours=1),
}
ACTIVATION_LINK_TTL = LINK_TTL[LinkPurpose.ACTIVATION]
RESET_LINK_TTL = LINK_TTL[LinkPurpose.RESET]

LINK_INVALID = "連結無效或已使用"
LINK_EXPIRED = "連結已過期，請使用「忘記密碼」重新申請"
ACTIVATION_PENDING = "請先使用啟用信中的連結設定密碼"


def check_link(*, used: bool, account_active: bool, expires_at: datetime, now: datetime) -> None:
    """FailedPrecondition unless the link is unused, belongs to an active account and has
    not expired. An unknown link gets LINK_INVALID too: the same answer as a used one."""
    if used or not account_active:
        raise FailedPrecondition(LINK_INVALID)
    if expires_at <= now:
        raise FailedPrecondition(LINK_EXPIRED)
