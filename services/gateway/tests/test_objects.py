"""The folder store's object route (/objects/<bucket>/<key>, all-in-one mode): it serves
only objects inside their bucket, only for URLs signed with the URL signing key, and tells
caches not to keep them (finding 2: it served the token-signing key, identity.db and the
service secret to anyone who could sign a URL, and URLs were signed with the service
secret)."""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from jes_objectstore import FileStore

PRIVATE_KEY = b"-----BEGIN PRIVATE KEY-----\nthe token-signing key\n-----END PRIVATE KEY-----\n"


@pytest.fixture
def data(app: Flask, tmp_path: Path) -> Path:
    """The data folder as the all-in-one leaves it: keys, databases and secrets next to
    the object store's folder, and one photo in the photos bucket."""
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "kid-1.pem").write_bytes(PRIVATE_KEY)
    (tmp_path / "identity.db").write_bytes(b"SQLite format 3\x00accounts")
    store = object_store(app)
    store.ensure_bucket("photos")
    store.put("photos", "set-1/p-1/report.jpg", b"\xff\xd8a photo", "image/jpeg")
    return tmp_path


def object_store(app: Flask) -> FileStore:
    store = app.extensions["jes"].store
    assert isinstance(store, FileStore)
    return store


def signed(secret: bytes, bucket: str, key: str) -> str:
    """The query string of a URL for bucket/key, signed with `secret` the way the folder
    store signs (what anyone holding that secret can make for any key)."""
    expires_at = int(time.time()) + 600
    message = f"{bucket}/{key}:{expires_at}".encode()
    return f"exp={expires_at}&sig={hmac.new(secret, message, hashlib.sha256).hexdigest()}"


def signing_key(app: Flask) -> bytes:
    """The key the gateway's store signs its URLs with."""
    return object_store(app).signing_key


TRAVERSALS = [
    # (path in the URL as sent, bucket and key as the route sees them once decoded)
    ("photos/%2e%2e/%2e%2e/keys/kid-1.pem", "photos", "../../keys/kid-1.pem"),
    ("photos/%2e%2e/%2e%2e/identity.db", "photos", "../../identity.db"),
    ("photos/%2e%2e/%2e%2e/session-key", "photos", "../../session-key"),
    ("photos/%2e%2e/%2e%2e/pki/ca/ca.key", "photos", "../../pki/ca/ca.key"),
    ("photos/%2e%2e/%2e%2e/pki/gateway/tls.key", "photos", "../../pki/gateway/tls.key"),
    ("photos/%2E%2E/%2e%2E/url-signing-key", "photos", "../../url-signing-key"),
    ("%2e%2e/keys/kid-1.pem", "..", "keys/kid-1.pem"),
    ("photos/set-1/%2e%2e/%2e%2e/%2e%2e/keys/kid-1.pem", "photos", "set-1/../../../keys/kid-1.pem"),
    ("photos/%252e%252e/%252e%252e/keys/kid-1.pem", "photos", "%2e%2e/%2e%2e/keys/kid-1.pem"),
    ("photos/.%2fkeys", "photos", "./keys"),
    ("photos/set-1/p-1/report.jpg%00.png", "photos", "set-1/p-1/report.jpg\x00.png"),
    ("photos/..%5c..%5ckeys%5ckid-1.pem", "photos", "..\\..\\keys\\kid-1.pem"),
]


@pytest.mark.parametrize(("path", "bucket", "key"), TRAVERSALS)
def test_paths_out_of_the_bucket_are_not_found_even_when_signed(
    app: Flask, client: FlaskClient, data: Path, path: str, bucket: str, key: str
):
    reply = client.get(f"/objects/{path}?{signed(signing_key(app), bucket, key)}")
    assert reply.status_code == 404
    assert b"PRIVATE KEY" not in reply.data
    assert b"SQLite" not in reply.data
    assert (data / "session-key").read_bytes() not in reply.data
    assert (data / "pki" / "ca" / "ca.key").read_bytes() not in reply.data


def test_an_absolute_path_is_not_found_even_when_signed(
    app: Flask, client: FlaskClient, data: Path
):
    key = str(data / "keys" / "kid-1.pem")  # /tmp/.../keys/kid-1.pem
    reply = client.get(
        f"/objects/photos/{key}?{signed(signing_key(app), 'photos', key)}",
        follow_redirects=True,
    )
    assert reply.status_code == 404
    assert b"PRIVATE KEY" not in reply.data


def test_a_symlink_out_of_the_bucket_is_not_followed(app: Flask, client: FlaskClient, data: Path):
    (data / "objects" / "photos" / "set-1" / "keys").symlink_to(data / "keys")
    key = "set-1/keys/kid-1.pem"
    reply = client.get(f"/objects/photos/{key}?{signed(signing_key(app), 'photos', key)}")
    assert reply.status_code == 404
    assert b"PRIVATE KEY" not in reply.data


def test_a_url_signed_with_the_session_key_is_refused(app: Flask, client: FlaskClient, data: Path):
    session_key = app.extensions["jes"].config.secret_key.encode()
    key = "set-1/p-1/report.jpg"
    reply = client.get(f"/objects/photos/{key}?{signed(session_key, 'photos', key)}")
    assert reply.status_code == 404
    assert reply.data != b"\xff\xd8a photo"


def test_the_store_signs_with_its_own_key_kept_in_the_data_folder(app: Flask, data: Path):
    key_file = data / "url-signing-key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert signing_key(app) == key_file.read_text().strip().encode()
    assert signing_key(app) != (data / "session-key").read_text().strip().encode()


def test_a_presigned_object_is_served_privately(app: Flask, client: FlaskClient, data: Path):
    url = object_store(app).presigned_get("photos", "set-1/p-1/report.jpg")
    reply = client.get(url.removeprefix("http://127.0.0.1:8080"))
    assert reply.status_code == 200
    assert reply.data == b"\xff\xd8a photo"
    assert reply.headers["Cache-Control"] == "private, no-store"


def test_an_expired_or_unsigned_url_is_not_found(app: Flask, client: FlaskClient, data: Path):
    key = "set-1/p-1/report.jpg"
    assert client.get(f"/objects/photos/{key}").status_code == 404
    past = int(time.time()) - 1
    message = f"photos/{key}:{past}".encode()
    sig = hmac.new(signing_key(app), message, hashlib.sha256).hexdigest()
    assert client.get(f"/objects/photos/{key}?exp={past}&sig={sig}").status_code == 404


def test_a_download_is_saved_under_the_name_the_url_was_signed_with(
    app: Flask, client: FlaskClient, data: Path
):
    name = "114年度司執字第12345號_批次1_版本7.pdf"
    url = object_store(app).presigned_get("photos", "set-1/p-1/report.jpg", download_name=name)
    path = url.removeprefix("http://127.0.0.1:8080")
    reply = client.get(path)
    assert reply.status_code == 200
    assert reply.headers["Content-Disposition"] == (
        "inline; filename=\"report.pdf\"; filename*=UTF-8''" + quote(name, safe="")
    )
    assert reply.headers["Cache-Control"] == "private, no-store"
    # another name than the signed one is not served
    assert client.get(path.replace("%E6%9C%AC7.pdf", "%E6%9C%AC8.pdf")).status_code == 404
    # a link without a name: the object's own file name, as before
    plain = object_store(app).presigned_get("photos", "set-1/p-1/report.jpg")
    reply = client.get(plain.removeprefix("http://127.0.0.1:8080"))
    assert reply.headers["Content-Disposition"] == "inline; filename=report.jpg"


def test_the_session_key_is_the_gateways_own_and_private(app: Flask, data: Path):
    """The cookie-signing key used to default to the secret every service shared; it is
    generated for the gateway alone now (0600), unless JES_SECRET_KEY gives one."""
    key_file = data / "session-key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert app.extensions["jes"].config.secret_key == key_file.read_text().strip()
    assert len(app.extensions["jes"].config.secret_key) >= 32
    assert not (data / "service-secret").exists()
    assert (data / "pki" / "gateway" / "tls.key").stat().st_mode & 0o777 == 0o600
