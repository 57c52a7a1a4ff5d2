"""Files sent on a client-streaming RPC: a first message that describes the file, then its
bytes chunk by chunk, read from the file as the call goes, so no side ever holds the
whole file in one message (photo-storage's UploadPhoto and ReplacePhotoImage)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, TypeVar

CHUNK_BYTES = 256 * 1024  # well under the contracts' 1 MiB a chunk

Message = TypeVar("Message")


def file_stream(
    first: Message,
    source: IO[bytes] | bytes,
    chunk: Callable[[bytes], Message],
    *,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[Message]:
    """`first`, then `chunk(piece)` for each piece of `source` (a file read from where it
    stands, or bytes)."""
    yield first
    if isinstance(source, bytes):
        for start in range(0, len(source), chunk_bytes):
            yield chunk(source[start : start + chunk_bytes])
        return
    while piece := source.read(chunk_bytes):
        yield chunk(piece)
