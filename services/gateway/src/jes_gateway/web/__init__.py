"""Pages for people: one blueprint per area."""

from __future__ import annotations

from flask import Blueprint

from jes_gateway.web import account, auth, certificates, court, pages, photos, public

BLUEPRINTS: tuple[Blueprint, ...] = (
    pages.bp,
    auth.bp,
    photos.bp,
    court.bp,
    account.bp,
    public.bp,
    certificates.bp,
)
