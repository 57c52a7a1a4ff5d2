"""A set's photos: how many it may hold, and how sequences shift when one is inserted,
moved or removed (sequences always run 1..n without gaps)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from jes_domain import ResourceExhausted

MAX_PHOTOS_PER_SET = 500


class Sequenced(Protocol):
    sequence: int


class Hashed(Protocol):
    id: str
    sha256: str


S = TypeVar("S", bound=Sequenced)


def by_sequence(photos: Iterable[S]) -> list[S]:
    return sorted(photos, key=lambda p: p.sequence)


def has_twin(photo: Hashed, photos: Iterable[Hashed]) -> bool:
    """Another photo of the set shows the same image (the same hash): a likely mistake
    the firm is shown."""
    return any(p.sha256 == photo.sha256 and p.id != photo.id for p in photos)


def check_room(count: int) -> None:
    """Another photo fits into a set holding `count`."""
    if count >= MAX_PHOTOS_PER_SET:
        raise ResourceExhausted(f"每組照片最多 {MAX_PHOTOS_PER_SET} 張")


def make_room(photos: Iterable[Sequenced], sequence: int) -> None:
    """Inserting at `sequence` moves that photo and those behind it one back."""
    for other in photos:
        if other.sequence >= sequence:
            other.sequence += 1


def close_gap(photos: Iterable[Sequenced], removed: Sequenced) -> None:
    """Removing a photo moves those behind it one forward."""
    for other in photos:
        if other.sequence > removed.sequence:
            other.sequence -= 1


def move(photos: Iterable[Sequenced], photo: Sequenced, new_sequence: int) -> None:
    """Moves one photo to new_sequence; the photos in between shift by one."""
    old_sequence = photo.sequence
    for other in photos:
        if other is photo:
            continue
        if new_sequence < old_sequence and new_sequence <= other.sequence < old_sequence:
            other.sequence += 1
        elif old_sequence < new_sequence and old_sequence < other.sequence <= new_sequence:
            other.sequence -= 1
    photo.sequence = new_sequence
