"""Issue 3's whole photo journey in all-in-one mode (see support/journey.py)."""

from __future__ import annotations

from support import journey
from support.allinone import DEMO_PASSWORD


def test_apply_activate_upload_print_reject_fix_reprint_approve_public(platform):
    journey.photo_journey(
        platform, clerk=("TPDCLERK", DEMO_PASSWORD), other_clerk=("KLDCLERK", DEMO_PASSWORD)
    )
