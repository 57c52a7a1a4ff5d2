"""Account binding (帳號綁定, issue 10 journey 9): a portal account and a case-progress
account (案件進度查詢帳號) are linked once the person proves control of both: signed in
to one, and the other's password or the code mailed to its address. One binding per
account on each side."""

from __future__ import annotations

from collections.abc import Iterable

from jes_domain import AlreadyExists, FailedPrecondition, InvalidArgument
from jes_identity.domain.accounts import PROGRESS_ROLE
from jes_identity.domain.validation import BAD_INPUT

NOT_BINDABLE = "查無可綁定的帳號"
SAME_KIND = "帳號綁定須為一個入口網帳號與一個案件進度查詢帳號"
ALREADY_BOUND = "此帳號已綁定其他帳號，請先解除綁定"
NOT_BOUND = "這兩個帳號沒有綁定"
WRONG_PASSWORD = "密碼不正確"  # noqa: S105 (a message)


def is_progress_account(roles: Iterable[str]) -> bool:
    return PROGRESS_ROLE in set(roles)


def pair(
    mine_id: str, mine_roles: Iterable[str], other_id: str, other_roles: Iterable[str]
) -> tuple[str, str]:
    """(portal account id, progress account id) of the two, or FailedPrecondition when
    they are not one of each kind (or the same account)."""
    mine_progress, other_progress = (
        is_progress_account(mine_roles),
        is_progress_account(other_roles),
    )
    if mine_id == other_id or mine_progress == other_progress:
        raise FailedPrecondition(SAME_KIND, fields={"account_id": SAME_KIND})
    return (other_id, mine_id) if mine_progress else (mine_id, other_id)


def check_proof(password: str, code: str) -> None:
    """Exactly one proof of the other account: its password, or its mailed code."""
    if bool(password) == bool(code.strip()):
        raise InvalidArgument(
            BAD_INPUT, fields={"password": "請輸入另一個帳號的密碼，或寄到其電子郵件的認證碼"}
        )


def check_free(portal_bound: bool, progress_bound: bool) -> None:
    if portal_bound or progress_bound:
        raise AlreadyExists(ALREADY_BOUND, fields={"account_id": ALREADY_BOUND})
