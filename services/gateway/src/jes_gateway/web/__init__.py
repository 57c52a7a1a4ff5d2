"""Pages for people: one blueprint per area."""

from __future__ import annotations

from flask import Blueprint

from jes_gateway.web import account, auth, court, pages, photos, professionals, public

BLUEPRINTS: tuple[Blueprint, ...] = (
    pages.bp,
    auth.bp,
    photos.bp,
    court.bp,
    account.bp,
    public.bp,
    professionals.bp,
)
