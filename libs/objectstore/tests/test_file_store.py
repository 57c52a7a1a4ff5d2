import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from jes_objectstore import FileStore, ObjectNotFound, content_disposition, open_store


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    store = open_store(f"file://{tmp_path}/objects", public_url="http://x", signing_key="s")
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


@pytest.mark.parametrize(
    "key", ["./a", "a/./b", "a//b", "a/", "a/..", "..", "a\x00b", "a\\..\\..\\b"]
)
def test_keys_are_plain_relative_paths(store: FileStore, key: str):
    with pytest.raises(ValueError):
        store.put("photos", key, b"x", "image/jpeg")
    with pytest.raises(ValueError):
        store.presigned_get("photos", key)


@pytest.mark.parametrize("bucket", ["..", ".", "a/b", "Photos", ""])
def test_bucket_names_are_checked(store: FileStore, bucket: str):
    with pytest.raises(ValueError):
        store.get(bucket, "a.jpg")


def test_a_symlink_out_of_the_bucket_is_not_followed(store: FileStore, tmp_path: Path):
    outside = tmp_path / "keys"
    outside.mkdir()
    (outside / "signing.pem").write_bytes(b"PRIVATE KEY")
    (tmp_path / "objects" / "photos" / "set").mkdir()
    (tmp_path / "objects" / "photos" / "set" / "keys").symlink_to(outside)
    with pytest.raises(ValueError):
        store.get("photos", "set/keys/signing.pem")
    with pytest.raises(ValueError):
        store.object_path("photos", "set/keys/signing.pem")
    with pytest.raises(ValueError):
        store.put("photos", "set/keys/new.pem", b"x", "text/plain")
    assert not (outside / "new.pem").exists()


def test_object_path_is_the_file_inside_its_bucket(store: FileStore, tmp_path: Path):
    store.put("photos", "set/1/a.jpg", b"abc", "image/jpeg")
    path = store.object_path("photos", "set/1/a.jpg")
    assert path == (tmp_path / "objects" / "photos" / "set" / "1" / "a.jpg").resolve()
    with pytest.raises(ObjectNotFound):
        store.object_path("photos", "set/1/missing.jpg")
    with pytest.raises(ObjectNotFound):
        store.object_path("photos", "set/1")  # a folder is no object


def test_a_presigned_url_of_a_bad_key_never_verifies(store: FileStore):
    expires_at = int(time.time()) + 60
    signature = store._signature("photos", "../../keys/k.pem", expires_at)
    assert not store.verify_presigned("photos", "../../keys/k.pem", str(expires_at), signature)


def test_urls_are_signed_with_the_signing_key_only(tmp_path: Path):
    with pytest.raises(ValueError):
        FileStore(tmp_path, public_url="http://x", signing_key="")
    one = FileStore(tmp_path, public_url="http://x", signing_key="k" * 32)
    other = FileStore(tmp_path, public_url="http://x", signing_key="j" * 32)
    query = {k: v[0] for k, v in parse_qs(urlparse(one.presigned_get("photos", "a")).query).items()}
    assert one.verify_presigned("photos", "a", query["exp"], query["sig"])
    assert not other.verify_presigned("photos", "a", query["exp"], query["sig"])


def test_a_presigned_url_can_name_the_download(store: FileStore):
    name = "114年度司執字第12345號_批次1_版本7.pdf"
    url = store.presigned_get("reports", "r/1.pdf", download_name=name)
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert query["name"] == name
    assert store.verify_presigned("reports", "r/1.pdf", query["exp"], query["sig"], name)
    # the name is signed: another one, or none, does not verify
    assert not store.verify_presigned("reports", "r/1.pdf", query["exp"], query["sig"], "x.pdf")
    assert not store.verify_presigned("reports", "r/1.pdf", query["exp"], query["sig"])


def test_content_disposition_names_the_file_in_utf8_with_an_ascii_fallback():
    value = content_disposition("114年度司執字第12345號_批次1_版本7.pdf")
    assert value == (
        'inline; filename="report.pdf"; '
        "filename*=UTF-8''114%E5%B9%B4%E5%BA%A6%E5%8F%B8%E5%9F%B7%E5%AD%97%E7%AC%AC"
        "12345%E8%99%9F_%E6%89%B9%E6%AC%A11_%E7%89%88%E6%9C%AC7.pdf"
    )
    assert content_disposition('a"b\\c.pdf') == (
        "inline; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%5Cc.pdf"
    )


def test_a_minio_url_can_name_a_bucket_prefix():
    """A second platform on the same MinIO (the distributed upload benchmark) keeps to
    buckets of its own; names are still checked before the prefix goes on."""
    from jes_objectstore import MinioStore, open_store

    store = open_store("http://127.0.0.1:9/?bucket_prefix=bench-", access_key="a", secret_key="b")
    assert isinstance(store, MinioStore)
    assert store._bucket("photos", "a/b.jpg") == "bench-photos"
    assert open_store("http://127.0.0.1:9", access_key="a", secret_key="b")._bucket("photos") == (
        "photos"
    )
    with pytest.raises(ValueError):
        store._bucket("photos", "../x")
