"""Test images made on the fly, so no binary fixtures live in the repository."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont


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


def photo_pixels(width: int, height: int, *, seed: int = 0, noise: float = 10.0) -> Image.Image:
    """A picture that compresses like a photo: soft shapes and gradients (the scene) plus
    sensor-like noise (the detail that makes a 12 MP JPEG weigh 3-5 MB at quality 90)."""
    rnd = random.Random(seed)
    small = (max(1, width // 8), max(1, height // 8))
    channels = []
    for _ in range(3):
        linear = Image.linear_gradient("L").rotate(rnd.uniform(0, 360)).resize(small)
        radial = Image.radial_gradient("L").resize(small)
        channels.append(ImageChops.blend(linear, radial, rnd.uniform(0.2, 0.8)))
    scene = Image.merge("RGB", channels)
    draw = ImageDraw.Draw(scene)
    for _ in range(60):
        x, y = rnd.randrange(small[0]), rnd.randrange(small[1])
        side = rnd.randrange(4, max(5, small[0] // 8))
        fill = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        draw.rectangle((x, y, x + side, y + side // 2), fill=fill)
    scene = scene.filter(ImageFilter.GaussianBlur(2)).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    # one noise field, shifted per channel: three times cheaper than three fields
    field = Image.effect_noise((width, height), noise)
    shifts = [(0, 0), (rnd.randrange(width), rnd.randrange(height))]
    shifts.append((rnd.randrange(width), rnd.randrange(height)))
    grain = Image.merge("RGB", [ImageChops.offset(field, dx, dy) for dx, dy in shifts])
    return ImageChops.add(scene, grain, scale=1.0, offset=-128)


def camera_exif(*, orientation: int | None = None, gps: bool = False) -> bytes:
    """EXIF as a phone writes it: make, model, time taken, orientation and GPS."""
    exif = Image.Exif()
    exif[0x010F] = "JESCam"  # Make
    exif[0x0110] = "Model 12"  # Model
    exif[0x0132] = "2024:05:06 10:20:30"  # DateTime
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (25.0, 2.0, 13.5), 3: "E", 4: (121.0, 33.0, 47.25)}
    return exif.tobytes()


def photo_jpeg(
    width: int = 4000,
    height: int = 3000,
    *,
    seed: int = 0,
    noise: float = 10.0,
    orientation: int | None = None,
    gps: bool = False,
    quality: int = 90,
) -> bytes:
    """A JPEG like a phone's: photo-like pixels with camera EXIF (see photo_pixels)."""
    out = io.BytesIO()
    photo_pixels(width, height, seed=seed, noise=noise).save(
        out, "JPEG", quality=quality, exif=camera_exif(orientation=orientation, gps=gps)
    )
    return out.getvalue()


def heic(
    image: Image.Image, *, orientation: int | None = None, gps: bool = False, quality: int = 80
) -> bytes:
    """HEIC as a phone writes it (pillow_heif turns an EXIF orientation into the HEIF
    rotation, as phones do)."""
    import pillow_heif  # a dependency of photo-storage; imported here, where it is used

    out = io.BytesIO()
    heif = pillow_heif.from_pillow(image)
    heif.save(out, quality=quality, exif=camera_exif(orientation=orientation, gps=gps))
    return out.getvalue()


def labelled(label: str, width: int = 1600, height: int = 1200, *, seed: int = 0) -> Image.Image:
    """A photo-like picture with a big label on it, so a person looking at a screenshot
    or a report can tell the photos apart (ASCII only: the default font has no CJK)."""
    image = photo_pixels(width, height, seed=seed, noise=4.0)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=height // 5)
    left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
    x, y = (width - (right - left)) // 2, (height - (bottom - top)) // 2
    pad = height // 30
    draw.rectangle((x - pad, y - pad, x + right - left + pad, y + bottom - top + pad), fill="white")
    draw.text((x - left, y - top), label, font=font, fill="black")
    return image


def labelled_jpeg(
    label: str, width: int = 1600, height: int = 1200, *, seed: int = 0, gps: bool = False
) -> bytes:
    """A labelled picture as a phone's JPEG (camera EXIF, GPS if asked)."""
    out = io.BytesIO()
    labelled(label, width, height, seed=seed).save(
        out, "JPEG", quality=85, exif=camera_exif(gps=gps)
    )
    return out.getvalue()


def labelled_png(label: str, width: int = 1200, height: int = 900, *, seed: int = 0) -> bytes:
    out = io.BytesIO()
    labelled(label, width, height, seed=seed).save(out, "PNG")
    return out.getvalue()


def gif(width: int = 64, height: int = 64) -> bytes:
    """A picture in a format photos are not accepted in."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "GIF")
    return out.getvalue()
