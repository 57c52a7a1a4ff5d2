"""The password policy (seed 001), configurable per installation. Hashing is not a rule:
it lives in jes_identity.passwords (Argon2id)."""

from __future__ import annotations

import re
from dataclasses import dataclass


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

    def problem(self, password: str) -> str | None:
        """Every problem in one field message, or None."""
        return "；".join(self.problems(password)) or None

    def change_problem(self, new_password: str, current_password: str) -> str | None:
        """A new password must pass the policy and differ from the current one."""
        if problem := self.problem(new_password):
            return problem
        if new_password == current_password:
            return "新密碼不可與目前密碼相同"
        return None
