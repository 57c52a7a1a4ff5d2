"""Issue 3's whole photo journey in distributed mode: every service in its own process
on real Kafka, MinIO and PostgreSQL (see support/journey.py)."""

from __future__ import annotations

from support import journey
from support.distributed import FIRM, Distributed


def test_apply_activate_upload_print_reject_fix_reprint_approve_public(distributed: Distributed):
    journey.photo_journey(
        distributed.platform(),
        clerk=("ITCLERK", FIRM[1]),
        other_clerk=("ITKLDCLERK", FIRM[1]),
    )
