"""Pages for people: one blueprint per area."""

from __future__ import annotations

from flask import Blueprint

from jes_gateway.web import account, auth, binding, court, devices, pages, photos, public, sso

BLUEPRINTS: tuple[Blueprint, ...] = (
    pages.bp,
    auth.bp,
    photos.bp,
    court.bp,
    account.bp,
    devices.bp,
    binding.bp,
    public.bp,
    sso.bp,
)
