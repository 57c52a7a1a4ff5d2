"""A delivery (one e-mail) and its states.

queued ──accepted by the mail server──▶ sent
   │ ───refused, attempts left──▶ queued (again after a backoff)
   ├───refused, last attempt──▶ failed
   └───its one-time link was used, expired or replaced before it went out──▶ voided
       (nothing to send: a newer mail carries the link that counts)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(minutes=5)
DEFAULT_LISTED = 50
MAX_LISTED = 500


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    VOIDED = "voided"


@dataclass(frozen=True)
class Attempt:
    """What one attempt to send leaves: the status, the attempts so far, and when to try
    again (only for a queued delivery)."""

    status: DeliveryStatus
    attempts: int
    retry_after: timedelta | None = None


# Only a queued delivery is sent; sent, failed and voided are final.
SENDABLE = frozenset({DeliveryStatus.QUEUED})


def after_sending(attempts: int) -> Attempt:
    """The mail server accepted the mail (of a sendable delivery)."""
    return Attempt(DeliveryStatus.SENT, attempts + 1)


def after_failure(attempts: int, max_attempts: int = MAX_ATTEMPTS) -> Attempt:
    """The mail server refused (or was away): again after a backoff that doubles up to
    five minutes, until the last attempt."""
    attempts += 1
    if attempts >= max_attempts:
        return Attempt(DeliveryStatus.FAILED, attempts, backoff(attempts))
    return Attempt(DeliveryStatus.QUEUED, attempts, backoff(attempts))


def after_link_gone(attempts: int) -> Attempt:
    """identity has no token for the mail's one-time link any more (used, expired, or
    replaced by a newer request): the mail is not sent."""
    return Attempt(DeliveryStatus.VOIDED, attempts)


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=2**attempts))


def listed_count(limit: int) -> int:
    """How many deliveries a listing shows (0 = 50, at most 500)."""
    return min(limit or DEFAULT_LISTED, MAX_LISTED)


def recipient_filter(recipient: str) -> str:
    """Recipients are kept in lower case."""
    return recipient.strip().lower()
