"""The rotation log's tamper evidence: each entry's hash covers the previous entry's
hash and the entry's own content (canonical JSON), so changing, removing or reordering
any entry breaks every link after it. One chain per court."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(content: Mapping[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(content)).encode("utf-8")).hexdigest()


@dataclass
class Linked:
    sequence: int
    prev_hash: str
    hash: str
    content: dict[str, Any]


def chain(prev_hash: str, contents: Sequence[dict[str, Any]]) -> list[Linked]:
    """Link `contents` (each with its `sequence`) after an entry whose hash is `prev_hash`."""
    linked = []
    for content in contents:
        digest = entry_hash(prev_hash, content)
        linked.append(Linked(content["sequence"], prev_hash, digest, content))
        prev_hash = digest
    return linked


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    broken_at: int | None  # the sequence of the first entry that does not link


def verify(entries: Sequence[Linked], start_hash: str = GENESIS) -> ChainCheck:
    """Every entry, oldest first, must link to the one before and hash to what it says;
    sequences run 1, 2, 3, ... without gaps."""
    prev_hash = start_hash
    for expected_sequence, entry in enumerate(entries, start=1):
        if (
            entry.sequence != expected_sequence
            or entry.content.get("sequence") != entry.sequence
            or entry.prev_hash != prev_hash
            or entry_hash(prev_hash, entry.content) != entry.hash
        ):
            return ChainCheck(False, expected_sequence - 1, entry.sequence)
        prev_hash = entry.hash
    return ChainCheck(True, len(entries), None)
