"""Web hygiene (issue 9, finding 4): same-origin redirects after login, security headers,
no caching of anything personal, per-client limits keyed on the real client address."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import grpc
import pytest

from jes.identity.v1 import identity_pb2
from jes_config import ConfigError
from jes_gateway.app import create_app
from jes_gateway.config import GatewayConfig
from jes_gateway.limits import application_limiter, login_limiter
from jes_objectstore import FileStore

TEMPLATES = Path(__file__).parents[1] / "src" / "jes_gateway" / "templates"


def login_reply(roles: tuple[str, ...] = ("firm",)) -> identity_pb2.LoginResponse:
    return identity_pb2.LoginResponse(
        access_token="token-of-TPD0001",
        expires_in_seconds=3600,
        account=identity_pb2.Account(
            account_id="TPD0001", display_name="大華估價", roles=list(roles), court_code="TPD"
        ),
    )


@pytest.fixture
def identity(services):
    services.identity.replies["Login"] = login_reply()
    return services.identity


# -- 1. after login, only same-origin relative paths ------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",  # /%09/evil.example: browsers drop the tab and go to //evil.example
        "/\r/evil.example",  # %0d: was a 500 (a newline in the Location header)
        "/\n/evil.example",
        "/ /evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "/%09/evil.example",  # encoded twice: still refused after decoding
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "/\x00",
        "/\u3000/evil.example",  # ideographic space
    ],
)
def test_login_never_redirects_off_site(client, identity, form_post, target):
    reply = form_post(
        client,
        f"/login?next={quote(target, safe='')}",
        {"account_id": "tpd0001", "password": "Secret123"},
    )
    assert reply.status_code == 302
    assert reply.headers["Location"] == "/portal"  # the landing page: 會員專區


@pytest.mark.parametrize("target", ["/photos/sets/abc?page=2", "/court/reviews", "/account"])
def test_login_goes_back_to_a_same_site_page(client, identity, form_post, target):
    reply = form_post(
        client,
        f"/login?next={quote(target, safe='')}",
        {"account_id": "tpd0001", "password": "Secret123"},
    )
    assert reply.status_code == 302 and reply.headers["Location"] == target


def test_the_api_login_still_answers_a_token(client, identity):
    reply = client.post("/api/v1/sessions", json={"account_id": "TPD0001", "password": "x"})
    assert reply.status_code == 201 and reply.get_json()["access_token"] == "token-of-TPD0001"


# -- 2. security headers ------------------------------------------------------------------------


def csp_of(reply) -> dict[str, str]:
    policy = reply.headers["Content-Security-Policy"]
    return {d.split()[0]: " ".join(d.split()[1:]) for d in policy.split(";") if d.strip()}


@pytest.mark.parametrize("path", ["/", "/login", "/public", "/api/v1/openapi.json", "/nowhere"])
def test_every_answer_has_the_security_headers(client, path):
    reply = client.get(path)
    csp = csp_of(reply)
    assert csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"
    assert "'unsafe-inline'" not in csp.get("script-src", "") + csp.get("style-src", "")
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in reply.headers  # plain HTTP: no HSTS


def test_hsts_only_over_https(client):
    reply = client.get("/", base_url="https://jes.example")
    assert reply.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_a_forwarded_proto_counts_only_from_a_trusted_proxy(client, tmp_path, services):
    spoofed = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in spoofed.headers
    behind = proxied_app(tmp_path, services).test_client()
    reply = behind.get("/", headers={"X-Forwarded-Proto": "https"})
    assert reply.headers["Strict-Transport-Security"].startswith("max-age=")


def test_templates_have_no_inline_scripts_styles_or_handlers():
    """The CSP allows scripts and styles from files only (script-src/style-src 'self')."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert not re.search(r"<style", text), template
        assert not re.search(r"\sstyle=", text), template
        assert not re.search(r"\son[a-z]+=", text), template


# -- 3. nothing personal is cached ------------------------------------------------------------


def test_signed_in_pages_and_api_answers_are_private_no_store(firm, services, identity):
    services.identity.replies["GetMyAccount"] = identity_pb2.Account(
        account_id="TPD0001", display_name="大華估價", roles=["firm"], court_code="TPD"
    )
    page = firm.get("/account")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    answer = firm.post("/api/v1/sessions", json={"account_id": "TPD0001", "password": "x"})
    assert answer.headers["Cache-Control"] == "private, no-store"


def test_stored_objects_are_never_cached_publicly(app, client):
    store = app.extensions["jes"].store
    assert isinstance(store, FileStore)
    for key in ("sets/1/photos/2/report.jpg", "prints/1/report.pdf", "sets/1/photos/2/public.jpg"):
        store.put("photos", key, b"%PDF-1.4 or JPEG bytes", "application/octet-stream")
        url = store.presigned_get("photos", key, expires=timedelta(minutes=5))
        parts = urlsplit(url)
        reply = client.get(f"{parts.path}?{parts.query}")
        assert reply.status_code == 200, url
        assert reply.headers["Cache-Control"] == "private, no-store"


def test_static_files_may_be_cached(client):
    reply = client.get("/static/site.css")
    assert reply.status_code == 200
    assert "no-store" not in reply.headers.get("Cache-Control", "")


# -- 4. per-client limits, keyed on the client behind a trusted proxy -------------------------


def proxied_app(tmp_path, services):
    config = GatewayConfig.load(
        {"JES_DATA_DIR": str(tmp_path), "JES_TRUSTED_PROXIES": "127.0.0.0/8, 10.0.0.0/8"}
    )
    flask_app = create_app(config, backends=services)
    flask_app.config["TESTING"] = True
    return flask_app


def test_the_api_login_is_limited_per_client(client, identity):
    answers = [
        client.post("/api/v1/sessions", json={"account_id": "TPD0001", "password": "x"})
        for _ in range(login_limiter.limit + 1)
    ]
    assert [a.status_code for a in answers[:-1]] == [201] * login_limiter.limit
    refused = answers[-1]
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["error"] == "嘗試次數過多，請稍後再試"


def test_page_and_api_login_share_one_budget(client, identity, form_post, refusal):
    identity.replies["Login"] = refusal(grpc.StatusCode.UNAUTHENTICATED, "帳號或密碼錯誤")
    for _ in range(login_limiter.limit):
        page = form_post(client, "/login", {"account_id": "tpd0001", "password": "x"})
        assert page.status_code == 400
    reply = client.post("/api/v1/sessions", json={"account_id": "TPD0001", "password": "x"})
    assert reply.status_code == 429


def test_a_forwarded_for_header_is_ignored_from_an_untrusted_peer(client, identity):
    for n in range(login_limiter.limit):
        headers = {"X-Forwarded-For": f"203.0.113.{n}"}
        client.post("/api/v1/sessions", json={"account_id": "A", "password": "x"}, headers=headers)
    reply = client.post(
        "/api/v1/sessions",
        json={"account_id": "A", "password": "x"},
        headers={"X-Forwarded-For": "198.51.100.1"},
    )
    assert reply.status_code == 429  # all from 127.0.0.1, whatever the header says


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(tmp_path, services, identity):
    behind = proxied_app(tmp_path, services).test_client()

    def login(forwarded_for: str):
        return behind.post(
            "/api/v1/sessions",
            json={"account_id": "A", "password": "x"},
            headers={"X-Forwarded-For": forwarded_for},
        )

    # the client's own claim (left of the proxies) is not trusted: the rightmost untrusted hop is
    for n in range(login_limiter.limit):
        assert login(f"192.0.2.{n}, 203.0.113.7, 10.1.2.3").status_code == 201
    assert login("192.0.2.99, 203.0.113.7").status_code == 429
    assert login("203.0.113.8").status_code == 201


def test_the_firm_application_is_limited_per_client(client, services):
    services.identity.replies["ApplyFirmAccount"] = identity_pb2.FirmApplication(id="a1")
    body = {
        "court_code": "TPD",
        "company_name": "大華估價",
        "contact_person": "王大明",
        "email": "wang@example.com",
        "phone": "02-23456789",
    }
    answers = [
        client.post("/api/v1/firm-applications", json=body)
        for _ in range(application_limiter.limit + 1)
    ]
    assert [a.status_code for a in answers[:-1]] == [201] * application_limiter.limit
    assert answers[-1].status_code == 429
    assert len(services.identity.requests("ApplyFirmAccount")) == application_limiter.limit


def test_a_malformed_trusted_proxy_list_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="JES_TRUSTED_PROXIES"):
        GatewayConfig.load({"JES_DATA_DIR": str(tmp_path), "JES_TRUSTED_PROXIES": "ingress"})
