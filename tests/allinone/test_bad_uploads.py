"""Bad uploads through the gateway: each gets a clear zh-TW refusal and leaves nothing
behind (no photo row, no object, no version bump)."""

from __future__ import annotations

import struct
import uuid
import zlib

import pytest

from support import flows
from support.allinone import DEMO_PASSWORD
from support.images import jpeg


def png_bomb(side: int = 12_000) -> bytes:
    """A real decompression bomb: a 144-megapixel grey PNG that zlib packs into ~140 kB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    packer = zlib.compressobj(9)
    row = bytes(side + 1)  # filter byte + one byte per grey pixel
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


BAD_UPLOADS = {
    "not an image": (b"%PDF-1.7 this is a document", "photo.jpg", 400, "不是照片"),
    "truncated JPEG": (jpeg(1200, 900)[:6000], "cut.jpg", 400, ""),
    "decompression bomb": (png_bomb(), "bomb.png", 400, "像素"),
    "over the size limit": (b"\xff\xd8\xff" + bytes(31 * 1024 * 1024), "huge.jpg", 413, "30 MB"),
}


@pytest.mark.parametrize("case", BAD_UPLOADS, ids=list(BAD_UPLOADS))
def test_bad_upload_is_refused_and_leaves_nothing(platform: flows.Platform, case: str):
    content, filename, status, words = BAD_UPLOADS[case]
    token = platform.login("DEMOFIRM", DEMO_PASSWORD)
    number = int(uuid.uuid4().int % 900000) + 1
    photo_set = platform.api(
        "POST",
        "/api/v1/photo-sets",
        token,
        json={"division": "甲", "case_number": {"year": 114, "word": "司執", "number": number}},
    ).json()
    reply = platform.api(
        "POST",
        f"/api/v1/photo-sets/{photo_set['id']}/photos",
        token,
        files={"file": (filename, content)},
    )
    assert reply.status_code == status, reply.text
    message = reply.json()["error"]
    assert words in message and any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    after = platform.api("GET", f"/api/v1/photo-sets/{photo_set['id']}", token).json()
    assert after["photo_count"] == 0 and after["version"] == photo_set["version"]
    assert not platform.object_exists("photos", f"{photo_set['id']}/")
