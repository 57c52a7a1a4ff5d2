"""What the gateway does at its edge, for every request: who the client is (the peer, or
the address a trusted proxy forwarded), whether it came over HTTPS, the request id, refusing
text that JSON can carry but no service can (a lone UTF-16 surrogate), and the security and
cache headers of every answer."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response

from jes_grpckit.logs import new_request_id

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# A request id we pass on (logs, gRPC metadata, the answer's header): short and plain ASCII.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
UNREADABLE_TEXT = "資料含有無法辨識的字元，請修正後再送出"
HSTS = "max-age=31536000; includeSubDomains"
PRIVATE = "private, no-store"


def parse_networks(value: str) -> tuple[Network, ...]:
    """`JES_TRUSTED_PROXIES`: CIDRs or addresses, comma- or space-separated (ValueError if not)."""
    return tuple(
        ipaddress.ip_network(part, strict=False) for part in re.split(r"[\s,]+", value) if part
    )


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: Any, proxies: Iterable[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


def from_trusted_proxy(req: Request, proxies: tuple[Network, ...]) -> bool:
    return _trusted(_address(req.remote_addr or ""), proxies)


def client_address(req: Request, proxies: tuple[Network, ...]) -> str:
    """The peer's address; behind trusted proxies, the rightmost X-Forwarded-For hop that is
    not itself a trusted proxy (everything left of it is the client's own claim)."""
    peer = req.remote_addr or ""
    if not from_trusted_proxy(req, proxies):
        return peer
    hops = [hop.strip() for hop in ",".join(req.headers.getlist("X-Forwarded-For")).split(",")]
    for hop in reversed([h for h in hops if h]):
        address = _address(hop)
        if address is None:
            return peer  # a malformed chain: count it against the proxy, not a made-up client
        if not _trusted(address, proxies):
            return str(address)
    return peer


def is_https(req: Request, proxies: tuple[Network, ...]) -> bool:
    if req.scheme == "https":
        return True
    if not from_trusted_proxy(req, proxies):
        return False
    forwarded = req.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return forwarded == "https"


def request_id(req: Request) -> str:
    """The caller's X-Request-ID when it is a plain short token; a new one otherwise."""
    sent = req.headers.get("X-Request-ID", "")
    return sent if REQUEST_ID.fullmatch(sent) else new_request_id()


def _encodable(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_encodable(v) for v in value)
    return True


def unreadable_json(app: Flask, req: Request) -> bool:
    """A JSON body whose text is not Unicode (lone surrogates, as \\ud800 or raw bytes):
    every service would fail to encode it, so it is refused before anything is called."""
    if not req.is_json:
        return False
    data = req.get_data(cache=True)
    if not data:
        return False
    try:
        parsed = app.json.loads(data)
    except ValueError:
        return False  # not JSON at all: the schema's own refusal says so
    return not _encodable(parsed)


def content_security_policy(object_store_url: str) -> str:
    """Scripts, styles and everything else from this site only; photos also from the object
    store when it is a separate server (presigned URLs); never framed."""
    images = ["'self'", "data:"]
    store = urlsplit(object_store_url)
    if store.scheme in ("http", "https") and store.netloc:
        images.append(f"{store.scheme}://{store.netloc}")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(images)}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def secure(response: Response, *, policy: str, https: bool, public: bool) -> None:
    """The headers every answer carries; only truly public files may be cached."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if not public:
        headers["Cache-Control"] = PRIVATE
        headers.pop("Expires", None)
