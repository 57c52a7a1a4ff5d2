"""Links for templates, remembered: every page's layout builds the same dozen links
(the menu, the static files), and Flask's url_for costs tens of microseconds each
(py-spy: 5 % of the gateway's CPU on a case page). A link with no values other than a
static file's name is built once per endpoint and script root; any other goes to
url_for as before."""

from __future__ import annotations

from typing import Any

from flask import request, url_for

_built: dict[tuple[str, str, str], str] = {}


def page_url_for(endpoint: str, **values: Any) -> str:
    filename = values.get("filename", "") if endpoint == "static" else ""
    if endpoint.startswith(".") or len(values) > (1 if filename else 0):
        return url_for(endpoint, **values)
    key = (request.script_root, endpoint, str(filename))
    url = _built.get(key)
    if url is None:
        url = _built[key] = url_for(endpoint, **values)
    return url
