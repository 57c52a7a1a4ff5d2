import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from jes_objectstore import FileStore, ObjectNotFound, open_store


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    store = open_store(f"file://{tmp_path}/objects", public_url="http://x", secret="s")
    assert isinstance(store, FileStore)
    store.ensure_bucket("photos")
    return store


def test_put_get_delete(store: FileStore):
    store.put("photos", "set/1/original.jpg", b"abc", "image/jpeg")
    assert store.exists("photos", "set/1/original.jpg")
    assert store.get("photos", "set/1/original.jpg") == b"abc"
    store.delete("photos", "set/1/original.jpg")
    assert not store.exists("photos", "set/1/original.jpg")
    with pytest.raises(ObjectNotFound):
        store.get("photos", "set/1/original.jpg")


def test_write_is_atomic_and_leaves_no_temp_files(store: FileStore, tmp_path: Path):
    store.put("photos", "a.jpg", b"first", "image/jpeg")
    store.put("photos", "a.jpg", b"second", "image/jpeg")
    files = sorted(p.name for p in (tmp_path / "objects" / "photos").iterdir())
    assert files == ["a.jpg"]
    assert store.get("photos", "a.jpg") == b"second"


@pytest.mark.parametrize("key", ["../escape", "/abs", "a/../../b", ""])
def test_keys_cannot_escape_the_bucket(store: FileStore, key: str):
    with pytest.raises(ValueError):
        store.put("photos", key, b"x", "image/jpeg")


def test_presigned_url_verifies_until_it_expires(store: FileStore):
    url = store.presigned_get("photos", "set/1/a.jpg", expires=timedelta(seconds=60))
    parsed = urlparse(url)
    assert parsed.path == "/objects/photos/set/1/a.jpg"
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    assert store.verify_presigned("photos", "set/1/a.jpg", query["exp"], query["sig"])
    assert not store.verify_presigned("photos", "set/1/b.jpg", query["exp"], query["sig"])
    past = str(int(time.time()) - 1)
    assert not store.verify_presigned("photos", "set/1/a.jpg", past, query["sig"])
