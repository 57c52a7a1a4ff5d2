"""Journeys 7 and 8 in distributed mode (identity with PostgreSQL, events on Kafka)
against this checkout's Keycloak and directory, which `infra.sh up` starts."""

from __future__ import annotations

import pytest

from support import sso_journeys
from support.distributed import Distributed


def test_a_judges_first_visit_creates_the_account_and_later_visits_go_straight_in(
    distributed: Distributed,
):
    sso_journeys.judge_first_and_later_visits(distributed.platform())


def test_a_prosecutor_signs_in_through_the_single_window(distributed: Distributed):
    sso_journeys.prosecutor_signs_in(distributed.platform())


@pytest.mark.parametrize(("provider", "user", "reason"), sso_journeys.REFUSED)
def test_people_the_rules_refuse_get_no_account(distributed: Distributed, provider, user, reason):
    sso_journeys.refused_without_account(distributed.base_url, provider, user, reason)


def test_a_callback_brought_to_another_browser_is_refused(distributed: Distributed):
    sso_journeys.callback_in_another_browser_is_refused(distributed.base_url)
