"""Accounts: login names, the ids given to new firm accounts, what a user may change of
their own account, and the role an account acts in."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from jes_config.sign_in import NAME_FROM_DIRECTORY
from jes_domain import InvalidArgument
from jes_identity.domain.validation import (
    BAD_INPUT,
    contact_problems,
    normalize_email,
    required_text_problem,
)

ACCOUNT_ID_MAX = 20  # seed 001: upper-case letters and digits, at most 20
DISPLAY_NAME_MAX = 100
CONTACT_PERSON_MAX = 50
ACTIVE = "active"  # accounts.status of an account that may log in

FIRM_ROLE = "firm"
PROFESSIONAL_ROLE = "professional"  # 律師、會計師、專利師、專利代理人、事務所管理人
# The kind of account a case-progress query account is (案件進度查詢帳號, seed 002): the
# portal's other accounts may bind one (帳號綁定, jes_identity.domain.binding).
PROGRESS_ROLE = "progress"


def normalize_account_id(typed: str) -> str:
    """Login names are upper case; users may type them in any case, with spaces around."""
    return typed.strip().upper()


def is_possible_account_id(account_id: str) -> bool:
    return 0 < len(account_id) <= ACCOUNT_ID_MAX


ACCOUNT_ID_CHARACTERS = re.compile(r"[A-Z0-9]+")
ACCOUNT_ID_TAKEN = "此帳號已有人使用，請換一個"
ID_NUMBER_SHAPE = re.compile(r"[A-Z][A-Z0-9][0-9]{8}")


def account_id_problem(account_id: str) -> str | None:
    """A login name someone chooses (seed 001's 帳號規則): upper-case letters and digits,
    at most 20, and not a national ID or resident certificate number (anything shaped
    like one: a login name is shown where an ID number must not be)."""
    if not account_id:
        return "請輸入帳號"
    if len(account_id) > ACCOUNT_ID_MAX or not ACCOUNT_ID_CHARACTERS.fullmatch(account_id):
        return f"帳號請以大寫英文字母及數字組合，最多 {ACCOUNT_ID_MAX} 個字元"
    if ID_NUMBER_SHAPE.fullmatch(account_id):
        return "請勿使用身分證字號作為帳號"
    return None


# A litigant's case-progress account is opened by the court's approval, not chosen: its
# login name is P and ten digits (told in the activation mail; 忘記帳號 finds it again).
PROGRESS_ACCOUNT_PREFIX = "P"
PROGRESS_ACCOUNT_DIGITS = 10


def progress_account_id(number: int) -> str:
    """P0123456789 for 123456789 (any number below 10**10)."""
    digits = str(number % 10**PROGRESS_ACCOUNT_DIGITS).zfill(PROGRESS_ACCOUNT_DIGITS)
    return PROGRESS_ACCOUNT_PREFIX + digits


def firm_account_prefix(court_code: str) -> str:
    return f"{court_code}F"


def next_firm_account_id(court_code: str, taken: Iterable[str]) -> str:
    """`<court>F<number>`, e.g. TPDF0001: upper-case letters and digits (seed 001), never
    a national ID (those are 10 characters: a letter and 9 digits). `taken`: the ids in
    use that start with the court's prefix; the next number follows the highest."""
    prefix = firm_account_prefix(court_code)
    numbers = [
        int(account_id[len(prefix) :])
        for account_id in taken
        if account_id.startswith(prefix) and account_id[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


@dataclass(frozen=True)
class AccountDetails:
    """What a user may change of their own account, valid and as stored."""

    display_name: str
    email: str
    phone: str
    contact_person: str


def validate_account_update(
    display_name: str,
    email: str,
    phone: str,
    contact_person: str,
    directory_name: str | None = None,
) -> AccountDetails:
    """The new details, or InvalidArgument naming every wrong field. `directory_name`: the
    name a single sign-on account's directory gave, which the update must keep."""
    details = AccountDetails(
        display_name=display_name.strip(),
        email=normalize_email(email),
        phone=phone.strip(),
        contact_person=contact_person.strip(),
    )
    problems: dict[str, str] = {}
    if problem := required_text_problem(details.display_name, "請輸入名稱", DISPLAY_NAME_MAX):
        problems["display_name"] = problem
    elif directory_name is not None and details.display_name != directory_name:
        problems["display_name"] = NAME_FROM_DIRECTORY
    problems.update(contact_problems(details.email, details.phone))
    if len(details.contact_person) > CONTACT_PERSON_MAX:
        problems["contact_person"] = f"不可超過 {CONTACT_PERSON_MAX} 個字"
    if problems:
        raise InvalidArgument(BAD_INPUT, fields=problems)
    return details
