"""Report-render's rules without a renderer or server (the page layout has its own tests
in test_layout.py)."""

from __future__ import annotations

import pytest

from jes_domain import InvalidArgument
from jes_report_render.domain.reports import (
    BUCKET,
    URL_LIFETIME,
    ReportKind,
    object_key,
    require_photos,
)


def test_a_report_needs_a_photo():
    require_photos(1)
    with pytest.raises(InvalidArgument) as refused:
        require_photos(0)
    assert refused.value.message == "沒有照片可列印"
    assert refused.value.fields == {"photos": "至少需要一張照片"}


def test_every_render_is_kept_under_its_own_key():
    assert object_key(ReportKind.PHOTO_REPORT, "set-1", "r-1") == "photo_report/set-1/r-1.pdf"
    assert object_key(ReportKind.PHOTO_REPORT, "set-1", "r-2") != object_key(
        ReportKind.PHOTO_REPORT, "set-1", "r-1"
    )
    assert BUCKET == "reports"


def test_a_link_to_a_report_lives_ten_minutes():
    assert URL_LIFETIME.total_seconds() == 600


# -- who gets a report's link ----------------------------------------------------------------


def test_a_reports_link_goes_to_its_firm_its_courts_clerks_admins_and_services():
    from jes_auth import Claims
    from jes_domain import NotFound
    from jes_report_render.domain.access import Owner, require_report_reader

    owner = Owner(account_id="firm-1", court_code="TPD")

    def person(subject: str, role: str, court: str = "TPD") -> Claims:
        return Claims(subject=subject, kind="user", roles=frozenset([role]), court_code=court)

    for allowed in (
        person("firm-1", "firm"),
        person("clerk-9", "clerk"),
        person("admin", "admin", ""),
        Claims(subject="photo-storage", kind="service"),
    ):
        require_report_reader(allowed, owner)
    for refused in (
        person("firm-2", "firm"),  # another firm of the same court
        person("kld-clerk", "clerk", "KLD"),  # a clerk of another court
        person("firm-1", "clerk", "KSD"),
    ):
        with pytest.raises(NotFound):
            require_report_reader(refused, owner)
    with pytest.raises(NotFound):  # a report from before owners were kept: services only
        require_report_reader(person("firm-1", "firm"), Owner("", ""))
