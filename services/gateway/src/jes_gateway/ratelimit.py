"""Per-client request limits for the endpoints that guess at secrets (login, reset codes).

identity already locks an account after repeated failures; this limit stops one client
from trying many accounts. It is per gateway process: with N replicas a client gets at
most N times the limit, which still stops guessing at scale (sharing the counts across
replicas is left to issue 9's shared-limits work). The client is the peer's address, or
behind a trusted proxy (JES_TRUSTED_PROXIES) the address it forwarded.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from flask import abort, request

from jes_gateway.context import gateway
from jes_gateway.edge import client_address


class RateLimiter:
    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ):
        self.limit = limit
        self.window = window_seconds
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients so memory stays bounded
                self._hits = {
                    k: v for k, v in self._hits.items() if v and v[-1] > now - self.window
                }
            return True

    def check(self, scope: str) -> None:
        """Abort with 429 when this client went over the limit for `scope`."""
        client = client_address(request, gateway().config.trusted_proxies)
        if not self.allow(f"{scope}:{client}"):
            abort(429, description="嘗試次數過多，請稍後再試")
