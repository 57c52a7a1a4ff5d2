"""Test images made on the fly, so no binary fixtures live in the repository."""

from __future__ import annotations

import io

from PIL import Image


def jpeg(
    width: int = 1200,
    height: int = 900,
    *,
    color: tuple[int, int, int] = (90, 120, 150),
    orientation: int | None = None,
    gps: bool = False,
    quality: int = 85,
) -> bytes:
    image = Image.new("RGB", (width, height), color)
    # some structure, so encoders and hashes see a real picture
    for x in range(0, width, max(1, width // 16)):
        image.paste((255 - color[0], color[1], 255 - color[2]), (x, 0, x + 3, height))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (25.0, 2.0, 0.0), 3: "E", 4: (121.0, 33.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif.tobytes() if len(exif) else b"")
    return out.getvalue()


def png(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 30)).save(out, "PNG")
    return out.getvalue()
