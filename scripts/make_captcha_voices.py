"""Record the digits 0-9 in Mandarin for the login captcha's audio alternative.

    .venv/bin/python scripts/make_captcha_voices.py

Speaks each digit (零 一 二 ... 九) with Debian's espeak-ng (voice cmn) and writes it in
the format the `captcha` package's AudioCaptcha mixes: 8 kHz, mono, unsigned 8-bit PCM,
one folder per digit, into services/gateway/src/jes_gateway/captcha_voices/. The files
are committed, so no installation needs espeak-ng; run this again only to change them.
"""

from __future__ import annotations

import array
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VOICES = ROOT / "services" / "gateway" / "src" / "jes_gateway" / "captcha_voices"
DIGITS = "零一二三四五六七八九"
RATE = 8000  # what captcha.audio mixes


def speak(text: str) -> tuple[array.array, int]:
    """16-bit mono samples and their rate, as espeak-ng speaks `text`."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "digit.wav"
        subprocess.run(
            ["espeak-ng", "-v", "cmn", "-s", "130", "-w", str(out), text],
            check=True,
        )
        with wave.open(str(out)) as source:
            assert source.getnchannels() == 1 and source.getsampwidth() == 2
            samples = array.array("h", source.readframes(source.getnframes()))
            return samples, source.getframerate()


def to_8khz_unsigned_8bit(samples: array.array, rate: int) -> bytes:
    """Linear-interpolated resampling to 8 kHz, then 8-bit unsigned (128 = silence),
    louder so the quieter half of the 8-bit range is not lost."""
    peak = max(1, max(abs(s) for s in samples))
    gain = 0.9 * 32767 / peak
    count = int(len(samples) * RATE / rate)
    out = bytearray(count)
    for i in range(count):
        position = i * rate / RATE
        left = int(position)
        right = min(left + 1, len(samples) - 1)
        fraction = position - left
        value = (samples[left] * (1 - fraction) + samples[right] * fraction) * gain
        out[i] = max(0, min(255, int(128 + value / 256)))
    return bytes(out)


def main() -> None:
    for digit, word in enumerate(DIGITS):
        samples, rate = speak(word)
        folder = VOICES / str(digit)
        folder.mkdir(parents=True, exist_ok=True)
        with wave.open(str(folder / "cmn.wav"), "wb") as target:
            target.setnchannels(1)
            target.setsampwidth(1)
            target.setframerate(RATE)
            target.writeframes(to_8khz_unsigned_8bit(samples, rate))
        print(f"{digit} {word}: {folder / 'cmn.wav'}", file=sys.stderr)


if __name__ == "__main__":
    main()
