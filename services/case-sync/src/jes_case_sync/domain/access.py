"""Who may read which case, and who may change what.

A litigant (a case-progress account, or a portal account bound to one) reads only the
cases they follow; a prosecutor only the cases whose court data name their prosecutor
id; a clerk and a court's system only their court's cases. Anything else is NOT_FOUND,
the same answer as for a case that does not exist (a reader learns nothing of others).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from jes_auth import Claims

# a case-progress account, or a portal account that may have one bound (帳號綁定)
LITIGANT_ROLES = ("progress", "member", "professional", "firm")


class ReaderKind(StrEnum):
    LITIGANT = "litigant"
    PROSECUTOR = "prosecutor"
    CLERK = "clerk"
    COURT_SYSTEM = "court_system"


@dataclass(frozen=True)
class Reader:
    kind: ReaderKind
    subject: str  # the account (Account.id) or the court system's court
    account_ids: tuple[str, ...] = ()  # whose follows the reader holds
    prosecutor_id: str = ""
    court_code: str = ""


def reader_kind(claims: Claims) -> ReaderKind | None:
    """The kind of reader a caller is (court system, clerk, prosecutor, litigant)."""
    if claims.kind == "court-system":
        return ReaderKind.COURT_SYSTEM
    if claims.has_role("clerk"):
        return ReaderKind.CLERK
    if claims.has_role("prosecutor"):
        return ReaderKind.PROSECUTOR
    if claims.has_role(*LITIGANT_ROLES):
        return ReaderKind.LITIGANT
    return None


def may_read(
    reader: Reader, court_code: str, follows: bool, prosecutor_ids: Collection[str]
) -> bool:
    """`follows`: one of the reader's accounts has an active follow of the case."""
    if reader.kind in (ReaderKind.CLERK, ReaderKind.COURT_SYSTEM):
        return bool(reader.court_code) and reader.court_code == court_code
    if reader.kind is ReaderKind.PROSECUTOR:
        return bool(reader.prosecutor_id) and reader.prosecutor_id in prosecutor_ids
    return follows


def require_court_system(claims: Claims) -> None:
    claims.require_role("court-system")


def require_court_staff_of(claims: Claims, court_code: str) -> None:
    """A court system for its own court (checked against its certificate before the
    handler), or a clerk of that court."""
    if claims.kind == "court-system":
        return
    claims.require_role("clerk")
    claims.require_court(court_code)


def require_progress_reader(claims: Claims) -> None:
    claims.require_role("court-system", "admin")
