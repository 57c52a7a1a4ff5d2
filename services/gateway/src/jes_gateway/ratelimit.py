"""Per-client request limits for the endpoints that guess at secrets or send mail (login,
reset and reminder mails, set-password links, firm applications, public lookups).

identity locks an account after repeated failures; these limits stop one client from
trying many accounts or sending court mail at will. They are counted in the gateway's
database (jes_db.ratelimit: SQLite in all-in-one, PostgreSQL with JES_DATABASE_URL in
Kubernetes), so every gateway replica shares one budget per client. The client is the
peer's address, or behind a trusted proxy (JES_TRUSTED_PROXIES) the address it forwarded;
an IPv6 client counts by its /64 (one subscriber's whole prefix). Limits are keyed on the
client only, never on an account someone else names: an attacker spends their own budget
and cannot lock a real user out.
"""

from __future__ import annotations

import ipaddress

from flask import abort, request

from jes_db.ratelimit import SlidingWindow
from jes_gateway.context import gateway
from jes_gateway.edge import client_address

TOO_MANY = "嘗試次數過多，請稍後再試"


def client_key(address: str) -> str:
    """The address limits count by: an IPv4 address, or an IPv6 address's /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def current_client() -> str:
    """The client of this request as limits and identity's lockout count it."""
    return client_key(client_address(request, gateway().config.trusted_proxies))


class RateLimiter:
    """At most `limit` requests per client within `window_seconds`, in every scope it checks."""

    def __init__(self, limit: int, window_seconds: int):
        self.limit = limit
        self.window = SlidingWindow(limit, window_seconds)

    def check(self, scope: str, key: str | None = None) -> None:
        """Abort with 429 when this client (or `key`, what else the budget is kept by)
        went over the limit for `scope`."""
        if not gateway().limits.hit(f"{scope}:{key or current_client()}", self.window):
            abort(429, description=TOO_MANY)
