"""Password hashing (Argon2id) and the configurable password policy."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters

# A hash of nothing useful: verifying against it costs the same time as a real check,
# so unknown accounts cannot be told apart by timing.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class PasswordPolicy:
    """The portal's rule (seed 001): upper- and lower-case letters, digits and @!?.()~.
    The old portal capped passwords at 12; we default to 8..64 and let courts tighten it."""

    min_length: int = 8
    max_length: int = 64
    symbols: str = "@!?.()~"

    def rules(self) -> list[str]:
        """The requirements as forms show them, one line each (zh-TW)."""
        return [
            f"長度 {self.min_length} 至 {self.max_length} 個字元",
            "須同時包含英文大寫及小寫字母",
            "須包含數字",
            f"只能使用英文字母、數字及符號 {self.symbols}",
        ]

    def summary(self) -> str:
        return (
            f"密碼須為 {self.min_length} 至 {self.max_length} 個字元，同時包含英文大寫、"
            f"小寫字母及數字，可使用符號 {self.symbols}"
        )

    def problems(self, password: str) -> list[str]:
        found = []
        if not self.min_length <= len(password) <= self.max_length:
            found.append(f"密碼長度須為 {self.min_length} 至 {self.max_length} 個字元")
        allowed = re.compile(f"^[A-Za-z0-9{re.escape(self.symbols)}]*$")
        if not allowed.match(password):
            found.append(f"密碼只能包含英文大小寫字母、數字及 {self.symbols}")
        if not re.search("[A-Z]", password) or not re.search("[a-z]", password):
            found.append("密碼須同時包含大寫及小寫英文字母")
        if not re.search("[0-9]", password):
            found.append("密碼須包含數字")
        return found
