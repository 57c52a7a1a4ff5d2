"""Private feed addresses: a secret token per reader and case; only its hash is kept, so
a copy of the database gives no feed away. Revoking one ends it at once."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32
MAX_FEEDS_PER_CASE = 5
FEED_NOT_FOUND = "查無此訂閱網址"


def new_feed_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
