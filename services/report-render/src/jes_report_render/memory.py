"""Giving freed memory back to the system between the steps of a render.

Preparing a report's photos decodes and scales each one (1-6 MB of pixels apiece on four
threads); when they are freed, glibc keeps the pages in its arenas for reuse, so the
process stays ~80 MiB larger while wkhtmltopdf (~90 MiB) runs beside it. Trimming the
heaps before starting wkhtmltopdf lowered the peak of the process tree for a 100-photo
report from 283-315 MiB to 221-242 MiB (bench/bench_report_pdf.py, 30 November 2026).
"""

from __future__ import annotations

import ctypes
import sys
from functools import cache
from typing import Any


@cache
def _libc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.malloc_trim  # noqa: B018 (glibc only: musl has none)
    except (OSError, AttributeError):
        return None
    return libc


def release_freed_memory() -> bool:
    """Return the heaps' free pages to the system (glibc's malloc_trim); False where the C
    library has no such call."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
