"""Journey 9 (issue 10) in all-in-one mode: 帳號綁定 of a portal account and a
case-progress account (the demo DEMOPROGRESS); the journeys are in
support/binding_journeys.py, shared with distributed mode."""

from __future__ import annotations

from support import flows
from support.allinone import DEMO_PASSWORD
from support.binding_journeys import (
    bind_on_the_page_with_the_other_password_and_unbind,
    bind_through_the_api_with_the_mailed_code,
)


def test_bind_on_the_page_with_the_other_password_and_unbind(platform: flows.Platform):
    bind_on_the_page_with_the_other_password_and_unbind(
        platform, ("TPDCLERK", DEMO_PASSWORD), ("DEMOPROGRESS", DEMO_PASSWORD, "陳小明")
    )


def test_bind_through_the_api_with_the_mailed_code(platform: flows.Platform):
    bind_through_the_api_with_the_mailed_code(
        platform, ("TPDCLERK", DEMO_PASSWORD), ("DEMOPROGRESS", DEMO_PASSWORD)
    )
