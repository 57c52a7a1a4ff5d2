"""Pages for people: one blueprint per area."""

from __future__ import annotations

from flask import Blueprint

from jes_gateway.web import (
    account,
    appraisal_work,
    appraiser_applications,
    appraisers,
    auth,
    binding,
    cases,
    certificates,
    court,
    court_follows,  # noqa: F401  (adds the follow approvals to court.bp)
    devices,
    disqualification,
    feeds,
    notices,
    pages,
    photo_edit,  # noqa: F401  (adds one photo's routes to photos.bp)
    photos,
    portal,
    professionals,
    public,
    sso,
)

BLUEPRINTS: tuple[Blueprint, ...] = (
    pages.bp,
    auth.bp,
    portal.bp,
    photos.bp,  # with photo_edit's routes on it
    court.bp,
    account.bp,
    devices.bp,
    binding.bp,
    public.bp,
    sso.bp,
    certificates.bp,
    professionals.bp,
    appraisers.bp,
    appraiser_applications.bp,
    disqualification.bp,
    appraisal_work.bp,
    notices.bp,
    cases.bp,
    feeds.bp,
)
