"""The login captcha (seed 001: 輸入驗證, six digits): how long a challenge lives and what
an answer looks like. Drawing and speaking the digits is the gateway's job."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

CAPTCHA_LENGTH = 6
CHALLENGE_TTL = timedelta(minutes=5)
_ANSWER = re.compile(rf"^[0-9]{{{CAPTCHA_LENGTH}}}$")


def new_digits() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CAPTCHA_LENGTH))


def answer_matches(answer: str) -> bool:
    """Six ASCII digits (full-width digits are turned into ASCII by the gateway's form)."""
    return bool(_ANSWER.match(answer.strip()))
