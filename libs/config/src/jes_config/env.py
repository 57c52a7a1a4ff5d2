"""Reading settings from the environment: each problem collected, all reported at once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse


class ConfigError(Exception):
    """One or more settings are missing or malformed."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n  " + "\n  ".join(problems))


class Env:
    """Reads typed settings from an environment mapping, collecting every error."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        self.environ = os.environ if environ is None else environ
        self.problems: list[str] = []

    def string(self, name: str, default: str | None = None) -> str:
        value = self.environ.get(name, "").strip()
        if value:
            return value
        if default is None:
            self.problems.append(f"{name} is required")
            return ""
        return default

    def integer(
        self, name: str, default: int, *, lo: int | None = None, hi: int | None = None
    ) -> int:
        raw = self.environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(f"{name} must be a whole number, got {raw!r}")
            return default
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.problems.append(f"{name} must be between {lo} and {hi}, got {value}")
        return value

    def url(self, name: str, default: str | None, schemes: tuple[str, ...]) -> str:
        value = self.string(name, default)
        if value and urlparse(value).scheme not in schemes:
            allowed = ", ".join(f"{s}://" for s in schemes)
            self.problems.append(f"{name} must start with one of {allowed}; got {value!r}")
        return value

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.string(name, default)
        if value not in choices:
            self.problems.append(f"{name} must be one of {', '.join(choices)}; got {value!r}")
        return value

    def file(self, name: str) -> str:
        """An optional path to a file that must exist (a CA, a certificate, a key)."""
        value = self.string(name, "")
        if value and not Path(value).is_file():
            self.problems.append(f"{name}: no such file {value!r}")
        return value

    def pair(self, first: str, first_value: str, second: str, second_value: str) -> None:
        if bool(first_value) != bool(second_value):
            self.problems.append(f"{first} and {second} go together")

    def flag(self, name: str) -> bool:
        """A yes/no setting: 1/true/yes or 0/false/no (empty = no)."""
        raw = self.environ.get(name, "").strip().lower()
        if raw in ("", "0", "false", "no"):
            return False
        if raw in ("1", "true", "yes"):
            return True
        self.problems.append(f"{name} must be 1 or 0, got {raw!r}")
        return False

    def check(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)
