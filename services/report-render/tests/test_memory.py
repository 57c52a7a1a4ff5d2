"""Freed memory goes back to the system where the C library allows it."""

import sys

import pytest

from jes_report_render.memory import release_freed_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_memory_is_returned_on_glibc() -> None:
    rss_before = _rss_kib()
    blocks = [bytearray(64 * 1024) for _ in range(2000)]  # 128 MiB in heap-sized pieces
    for block in blocks:
        block[0] = 1
    pinned = bytearray(64 * 1024)  # allocated after them: the heap's top stays in use
    grown = _rss_kib()
    del blocks
    assert release_freed_memory() is True
    # Most of the 128 MiB is given back (without the trim glibc may keep it for reuse).
    assert _rss_kib() - rss_before < (grown - rss_before) / 2
    del pinned


def _rss_kib() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")
