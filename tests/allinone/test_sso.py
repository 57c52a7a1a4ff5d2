"""Journeys 7 and 8 in all-in-one mode against a real Keycloak (deploy/local/keycloak.sh:
the courts realm federating the slapd directory of test judges, and the ministry's
single window): judges' first and later visits, prosecutors, and the refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import case_journeys, flows, sso_journeys
from support.allinone import running_all_in_one
from support.keycloak import sso_providers


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[flows.Platform]:
    with (
        sso_providers() as settings,
        running_all_in_one(tmp_path_factory.mktemp("jes-sso"), settings=settings) as platform,
    ):
        yield platform


def test_a_judges_first_visit_creates_the_account_and_later_visits_go_straight_in(platform):
    sso_journeys.judge_first_and_later_visits(platform)


def test_a_prosecutor_signs_in_through_the_single_window(platform):
    sso_journeys.prosecutor_signs_in(platform)


def test_a_prosecutor_reads_the_cases_naming_them_without_applying(platform):
    case_journeys.prosecutor_reads_the_cases_naming_them(platform)


@pytest.mark.parametrize(("provider", "user", "reason"), sso_journeys.REFUSED)
def test_people_the_rules_refuse_get_no_account(platform, provider, user, reason):
    sso_journeys.refused_without_account(platform.base_url, provider, user, reason)


def test_a_callback_brought_to_another_browser_is_refused(platform):
    sso_journeys.callback_in_another_browser_is_refused(platform.base_url)
