"""A login session as people see it in the list of their sessions (pages and the API):
when, from where, and which browser on which system (read from the User-Agent)."""

from __future__ import annotations

import re
from typing import Any

from jes.identity.v1 import sessions_pb2 as spb
from jes_gateway.presentation.roc import roc_datetime
from jes_gateway.presentation.shapes import iso

# Most specific first: Edge and Opera also say "Chrome", Chrome also says "Safari".
BROWSERS = (
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"OPR/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/")),
)
SYSTEMS = (
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("Linux", re.compile(r"Linux|X11")),
)
UNKNOWN_BROWSER = "不明的瀏覽器或程式"


def browser_label(user_agent: str) -> str:
    """ "Chrome 131（Windows）", or the program's own name ("curl/8.0"), or 不明."""
    browser = next(
        (f"{name} {m.group(1)}" for name, pattern in BROWSERS if (m := pattern.search(user_agent))),
        "",
    )
    system = next((name for name, pattern in SYSTEMS if pattern.search(user_agent)), "")
    if browser:
        return f"{browser}（{system}）" if system else browser
    if user_agent.strip():
        return user_agent.strip().split()[0][:60]
    return UNKNOWN_BROWSER


def session_row(info: spb.SessionInfo) -> dict[str, Any]:
    """What a page shows of one session."""
    return {
        "id": info.id,
        "created": roc_datetime(info.created_at),
        "last_activity": roc_datetime(info.last_activity_at),
        "address": info.client_address or "不明",
        "browser": browser_label(info.user_agent),
        "current": info.current,
    }


def session_json(info: spb.SessionInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "created_at": iso(info.created_at),
        "last_activity_at": iso(info.last_activity_at),
        "idle_expires_at": iso(info.idle_expires_at),
        "absolute_expires_at": iso(info.absolute_expires_at),
        "client_address": info.client_address,
        "user_agent": info.user_agent,
        "browser": browser_label(info.user_agent),
        "current": info.current,
    }
