"""The REST/JSON API under /api/v1: one module per resource."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask
from pydantic import ValidationError

from jes_gateway.api import (
    accounts,
    appraisal_work,
    appraiser_applications,
    appraisers,
    audit,
    bindings,
    cases,
    certificates,
    firm_applications,
    login,
    notices,
    openapi,
    photo_sets,
    photos,
    prints,
    professional_applications,
    public,
    sessions,
    submissions,
)

BLUEPRINTS: tuple[Blueprint, ...] = (
    sessions.bp,
    login.bp,
    accounts.bp,
    bindings.bp,
    firm_applications.bp,
    professional_applications.bp,
    photo_sets.bp,
    photos.bp,
    prints.bp,
    submissions.bp,
    audit.bp,
    public.bp,
    certificates.bp,
    appraisers.bp,
    appraiser_applications.bp,
    appraisal_work.bp,
    notices.bp,
    cases.bp,
    openapi.bp,
)


def register(app: Flask) -> None:
    """The API's blueprints, and its answer to a body that fails its schema in a handler."""
    from jes_gateway.api.spec import problem_of

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    @app.errorhandler(ValidationError)
    def _invalid(invalid: ValidationError) -> Any:
        return problem_of(invalid).response()
