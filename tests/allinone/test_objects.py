"""The folder store's object route of a running all-in-one platform (finding 2): the
token-signing key, identity's database and the secrets next to the objects are out of
reach however the URL is signed, URLs signed with the service secret are refused, and
objects are served for the browser alone."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from support import flows
from support.allinone import DEMO_PASSWORD, running_all_in_one
from support.images import jpeg


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jes-data")


@pytest.fixture(scope="module")
def platform(data: Path) -> Iterator[flows.Platform]:
    with running_all_in_one(data) as platform:
        yield platform


def signed(secret: str, bucket: str, key: str) -> str:
    """A query string for bucket/key as anyone holding `secret` can make it."""
    expires_at = int(time.time()) + 600
    message = f"{bucket}/{key}:{expires_at}".encode()
    return f"exp={expires_at}&sig={hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()}"


def test_secrets_next_to_the_objects_are_out_of_reach(platform: flows.Platform, data: Path):
    [signing_pem] = (data / "keys").glob("*.pem")
    url_signing_key = (data / "url-signing-key").read_text().strip()
    session_key = (data / "session-key").read_text().strip()
    ca_key = (data / "pki" / "ca" / "ca.key").read_bytes()
    assert not (data / "service-secret").exists()  # no secret shared by the services
    kid = signing_pem.name
    for secret in (url_signing_key, session_key):
        for path, bucket, key in [
            (f"photos/%2e%2e/%2e%2e/keys/{kid}", "photos", f"../../keys/{kid}"),
            ("photos/%2e%2e/%2e%2e/identity.db", "photos", "../../identity.db"),
            ("photos/%2e%2e/%2e%2e/session-key", "photos", "../../session-key"),
            ("photos/%2e%2e/%2e%2e/pki/ca/ca.key", "photos", "../../pki/ca/ca.key"),
            ("photos/%2e%2e/%2e%2e/url-signing-key", "photos", "../../url-signing-key"),
            (f"%2e%2e/keys/{kid}", "..", f"keys/{kid}"),
        ]:
            reply = requests.get(
                f"{platform.base_url}/objects/{path}?{signed(secret, bucket, key)}", timeout=10
            )
            assert reply.status_code == 404, path
            assert b"PRIVATE KEY" not in reply.content
            assert b"SQLite" not in reply.content
            assert session_key.encode() not in reply.content
            assert ca_key not in reply.content


def test_photos_are_served_privately_and_only_for_the_signing_key(
    platform: flows.Platform, data: Path
):
    token = platform.login("DEMOFIRM", DEMO_PASSWORD)
    case = {"year": 114, "word": "司執", "number": uuid.uuid4().int % 900000 + 1}
    reply = platform.api(
        "POST", "/api/v1/photo-sets", token, json={"division": "丙", "case_number": case}
    )
    assert reply.status_code == 200, reply.text
    photo_set = reply.json()
    reply = platform.api(
        "POST",
        f"/api/v1/photo-sets/{photo_set['id']}/photos",
        token,
        files={"file": ("photo.jpg", jpeg(800, 600))},
    )
    assert reply.status_code == 201, reply.text
    url = reply.json()["image_url"]

    served = requests.get(url, timeout=10)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["Cache-Control"] == "private, no-store"

    path = urlsplit(url).path  # /objects/photos/<key>
    bucket, key = path.removeprefix("/objects/").split("/", 1)
    session_key = (data / "session-key").read_text().strip()
    forged = requests.get(
        f"{platform.base_url}{path}?{signed(session_key, bucket, key)}", timeout=10
    )
    assert forged.status_code == 404
