"""The login captcha as people see and hear it (seed 001: 輸入驗證, six digits).

identity makes the challenge (its digits, single use, 5 minutes; it keeps only a hash) and
decides when a login needs one. The gateway draws the digits (the `captcha` package's
ImageCaptcha) and, for people who cannot read the picture (WCAG 2.2 SC 3.3.8), speaks
them in Mandarin: the package's AudioCaptcha mixes recordings of 零 … 九 made once with
espeak-ng (scripts/make_captcha_voices.py) with its noise. The audio is fetched later
than the page, so the page's audio link carries the digits encrypted with a key derived
from the gateway's secret (Fernet: only a gateway can read it, and only for 5 minutes).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from captcha.audio import AudioCaptcha
from captcha.image import ImageCaptcha
from cryptography.fernet import Fernet, InvalidToken

from jes.identity.v1 import identity_pb2 as pb

VOICES = Path(__file__).parent / "captcha_voices"
AUDIO_TTL_SECONDS = 300
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class Challenge:
    """What a login form or an API client gets: the id to send back, the picture, the
    audio token and when it expires."""

    id: str
    image_data_url: str  # data:image/png;base64,...
    audio_token: str
    expires_at: datetime


@cache
def _image() -> ImageCaptcha:
    return ImageCaptcha(width=220, height=80)


@cache
def _audio() -> AudioCaptcha:
    return AudioCaptcha(voicedir=str(VOICES))


def _fernet(secret_key: str) -> Fernet:
    key = hashlib.sha256(f"jes-captcha-audio:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def draw(digits: str) -> str:
    png = _image().generate(digits, format="png").getvalue()
    return "data:image/png;base64," + base64.b64encode(png).decode()


def present(challenge: pb.LoginChallenge, secret_key: str) -> Challenge:
    return Challenge(
        id=challenge.id,
        image_data_url=draw(challenge.digits),
        audio_token=_fernet(secret_key).encrypt(challenge.digits.encode()).decode(),
        expires_at=challenge.expires_at.ToDatetime(tzinfo=UTC),
    )


def speak(audio_token: str, secret_key: str) -> bytes | None:
    """The WAV of the digits in the token; None when the token is not one of ours or is
    older than the challenge could be."""
    try:
        digits = _fernet(secret_key).decrypt(audio_token.encode(), ttl=AUDIO_TTL_SECONDS)
    except (InvalidToken, ValueError):
        return None
    return bytes(_audio().generate(digits.decode()))


def typed_answer(value: str) -> str:
    """What a person typed, as identity compares it: full-width digits and spaces allowed."""
    return "".join(value.translate(FULL_WIDTH_DIGITS).split())
