"""The password policy, configurable per installation (JES_PASSWORD_POLICY): by default
ASVS 4.0.3 level 2 (at least 12 characters, long passphrases of any characters, common
and guessable passwords refused); a court may keep the seed portal's rule instead. Both
answer the same questions (rules, summary, problems), so every form shows the policy in
force. Hashing is not a rule: it lives in jes_identity.passwords (Argon2id)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

ASVS_L2 = "asvs-l2"
SEED = "seed"
POLICY_NAMES = (ASVS_L2, SEED)


class Policy(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def min_length(self) -> int: ...
    @property
    def max_length(self) -> int: ...
    @property
    def symbols(self) -> str: ...

    def rules(self) -> list[str]: ...
    def summary(self) -> str: ...
    def problems(self, password: str) -> list[str]: ...
    def problem(self, password: str) -> str | None: ...
    def change_problem(self, new_password: str, current_password: str) -> str | None: ...


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of the leaked-password corpora zxcvbn bundles
    (no network: ASVS 2.1.7 asks for a check against breached passwords)."""
    return frozenset(FREQUENCY_LISTS["passwords"])


COMMON = "此密碼太常見或容易猜到（曾出現在外洩密碼清單），請改用較長、不常見的詞組"


@dataclass(frozen=True)
class PassphrasePolicy:
    """ASVS 4.0.3 level 2 (V2.1): at least 12 characters (2.1.1), up to 128 so long
    passphrases fit (2.1.2), any printable character including spaces and Chinese
    (2.1.4), no composition rules (2.1.9), common, breached or easily guessed passwords
    refused (2.1.7)."""

    kind: str = ASVS_L2
    min_length: int = 12
    max_length: int = 128
    symbols: str = ""  # any character

    def rules(self) -> list[str]:
        return [
            f"長度 {self.min_length} 至 {self.max_length} 個字元",
            "可使用任何字元（含空格及中文），建議以數個詞組成好記的長密碼",
            "不可使用常見、曾外洩或容易猜到的密碼",
        ]

    def summary(self) -> str:
        return (
            f"密碼須為 {self.min_length} 至 {self.max_length} 個字元，可使用任何字元，"
            "不可使用常見或容易猜到的密碼"
        )

    def problems(self, password: str) -> list[str]:
        # counted as people see characters (NFC), as ASVS 2.1.1 asks
        length = len(unicodedata.normalize("NFC", password))
        if not self.min_length <= length <= self.max_length:
            return [f"密碼長度須為 {self.min_length} 至 {self.max_length} 個字元"]
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in password):
            return ["密碼不可包含控制字元"]
        if password.lower() in common_passwords() or zxcvbn(password[:72])["score"] < 3:
            return [COMMON]
        return []

    def problem(self, password: str) -> str | None:
        return "；".join(self.problems(password)) or None

    def change_problem(self, new_password: str, current_password: str) -> str | None:
        if problem := self.problem(new_password):
            return problem
        if new_password == current_password:
            return "新密碼不可與目前密碼相同"
        return None


@dataclass(frozen=True)
class PasswordPolicy:
    """The seed portal's rule (seed 001): upper- and lower-case letters, digits and
    @!?.()~. A court chooses it with JES_PASSWORD_POLICY=seed (8 to 12 characters, as
    the portal capped it); tests and courts may tighten it further."""

    min_length: int = 8
    max_length: int = 64
    symbols: str = "@!?.()~"
    kind: str = SEED

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


def policy_named(name: str) -> Policy:
    """The installation's policy: ASVS level 2 by default, or the seed portal's rule."""
    if name == SEED:
        return PasswordPolicy(min_length=8, max_length=12)
    return PassphrasePolicy()
