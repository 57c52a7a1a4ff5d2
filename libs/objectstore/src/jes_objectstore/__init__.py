"""Object storage with one interface: MinIO/S3 (distributed) or a local folder (all-in-one).

Both give whole-object atomic writes, and presigned (time-limited) GET URLs. The folder
store's URLs are served by the gateway at /objects/..., signed with a key of their own
(JES_URL_SIGNING_KEY or $JES_DATA_DIR/url-signing-key), never the service secret. Every
folder-store path is confined to its bucket: a key is a plain relative path ("a/b.jpg"; no
"..", ".", empty or absolute parts) and its file, symlinks resolved, lies inside the bucket.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import re
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import parse_qs, quote, urlencode, urlparse

__all__ = [
    "FileStore",
    "MinioStore",
    "ObjectNotFound",
    "ObjectStore",
    "content_disposition",
    "open_store",
]

# bucket names as S3 allows them (and never "." or ".."); keys: plain relative paths
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


COPY_BYTES = 1024 * 1024  # a file is copied into the folder store this much at a time


class ObjectNotFound(KeyError):
    pass


class ObjectStore(Protocol):
    def ensure_bucket(self, bucket: str) -> None: ...
    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> None: ...
    def put_file(
        self, bucket: str, key: str, source: BinaryIO, size: int, content_type: str
    ) -> None:
        """`size` bytes read from `source`'s start, never held whole in memory."""
        ...

    def get(self, bucket: str, key: str) -> bytes: ...
    def exists(self, bucket: str, key: str) -> bool: ...
    def delete(self, bucket: str, key: str) -> None: ...
    def presigned_get(
        self, bucket: str, key: str, expires: timedelta = ..., *, download_name: str = ""
    ) -> str: ...
    def ping(self) -> None: ...


def content_disposition(download_name: str) -> str:
    """`inline` with the file name a download is saved under (RFC 6266): filename* in
    UTF-8 for a name in Chinese, and a plain ASCII filename for old clients."""
    fallback = download_name if download_name.isascii() else "report" + Path(download_name).suffix
    fallback = re.sub(r'[\x00-\x1f\x7f"\\/]', "_", fallback)
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(download_name, safe='')}"


def _check(bucket: str, key: str | None = None) -> None:
    if not _BUCKET.match(bucket):
        raise ValueError(f"bad bucket name {bucket!r}")
    if key is not None and (
        not key
        or "\x00" in key
        or "\\" in key
        or any(part in ("", ".", "..") for part in key.split("/"))
    ):
        raise ValueError(f"bad object key {key!r}")


class FileStore:
    """Objects as files under root/bucket/key; writes go to a temp file and are renamed."""

    def __init__(self, root: Path, *, public_url: str, signing_key: str):
        if not signing_key:
            raise ValueError("the folder store needs a URL signing key")
        self.root = root
        self.public_url = public_url.rstrip("/")
        self.signing_key = signing_key.encode()

    def _path(self, bucket: str, key: str) -> Path:
        """root/bucket/key, refused (ValueError) unless it is inside the bucket once every
        symlink on the way is resolved."""
        _check(bucket, key)
        bucket_root = (self.root / bucket).resolve()
        path = (bucket_root / key).resolve()
        if not path.is_relative_to(bucket_root) or path == bucket_root:
            raise ValueError(f"object key {key!r} leaves its bucket")
        return path

    def object_path(self, bucket: str, key: str) -> Path:
        """The file of an existing object (for serving it); ValueError for a key that is not
        a plain path inside the bucket, ObjectNotFound when there is no such object."""
        path = self._path(bucket, key)
        if not path.is_file():
            raise ObjectNotFound(f"{bucket}/{key}")
        return path

    def ensure_bucket(self, bucket: str) -> None:
        _check(bucket)
        (self.root / bucket).mkdir(parents=True, exist_ok=True)

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> None:
        self.put_file(bucket, key, io.BytesIO(data), len(data), content_type)

    def put_file(
        self, bucket: str, key: str, source: BinaryIO, size: int, content_type: str
    ) -> None:
        # Written beside the object and renamed over it once on disk: a reader sees the
        # old object or the whole new one, never a part.
        path = self._path(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                source.seek(0)
                written = 0
                while written < size and (piece := source.read(min(COPY_BYTES, size - written))):
                    handle.write(piece)
                    written += len(piece)
                if written != size:
                    raise ValueError(f"{bucket}/{key}: {written} bytes read of {size}")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, bucket: str, key: str) -> bytes:
        try:
            return self._path(bucket, key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(f"{bucket}/{key}") from exc

    def exists(self, bucket: str, key: str) -> bool:
        return self._path(bucket, key).is_file()

    def delete(self, bucket: str, key: str) -> None:
        self._path(bucket, key).unlink(missing_ok=True)

    def _signature(self, bucket: str, key: str, expires_at: int, download_name: str = "") -> str:
        message = f"{bucket}/{key}:{expires_at}"
        if download_name:  # signed too: a link cannot be given another name
            message += f":{download_name}"
        return hmac.new(self.signing_key, message.encode(), hashlib.sha256).hexdigest()

    def presigned_get(
        self,
        bucket: str,
        key: str,
        expires: timedelta = timedelta(minutes=15),
        *,
        download_name: str = "",
    ) -> str:
        """A time-limited link; `download_name` is what the file is saved as (served
        with content_disposition(download_name))."""
        _check(bucket, key)
        expires_at = int(time.time() + expires.total_seconds())
        signature = self._signature(bucket, key, expires_at, download_name)
        fields: dict[str, str | int] = {"exp": expires_at, "sig": signature}
        if download_name:
            fields["name"] = download_name
        return f"{self.public_url}/objects/{bucket}/{quote(key)}?{urlencode(fields)}"

    def verify_presigned(
        self, bucket: str, key: str, expires_at: str, signature: str, download_name: str = ""
    ) -> bool:
        try:
            _check(bucket, key)
            deadline = int(expires_at)
        except ValueError:
            return False
        if deadline < time.time():
            return False
        expected = self._signature(bucket, key, deadline, download_name)
        return hmac.compare_digest(expected, signature)

    def ping(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise OSError(f"object store folder {self.root} is not writable")


class MinioStore:
    """`bucket_prefix` (the URL's ?bucket_prefix=) is put before every bucket name, so a
    second platform (a benchmark) can share a MinIO with buckets of its own."""

    def __init__(self, endpoint_url: str, access_key: str, secret_key: str):
        from minio import Minio

        parsed = urlparse(endpoint_url)
        self.bucket_prefix = parse_qs(parsed.query).get("bucket_prefix", [""])[0]
        self.client = Minio(
            parsed.netloc,
            access_key=access_key,
            secret_key=secret_key,
            secure=parsed.scheme == "https",
        )

    def _bucket(self, bucket: str, key: str | None = None) -> str:
        _check(bucket, key)
        return self.bucket_prefix + bucket

    def ensure_bucket(self, bucket: str) -> None:
        bucket = self._bucket(bucket)
        from minio.error import S3Error

        if self.client.bucket_exists(bucket):
            return
        try:
            self.client.make_bucket(bucket)
        except S3Error as exc:  # another replica made it first
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    def put(self, bucket: str, key: str, data: bytes, content_type: str) -> None:
        self.put_file(bucket, key, io.BytesIO(data), len(data), content_type)

    def put_file(
        self, bucket: str, key: str, source: BinaryIO, size: int, content_type: str
    ) -> None:
        bucket = self._bucket(bucket, key)
        source.seek(0)
        self.client.put_object(bucket, key, source, size, content_type=content_type)

    def get(self, bucket: str, key: str) -> bytes:
        bucket = self._bucket(bucket, key)
        from minio.error import S3Error

        try:
            response = self.client.get_object(bucket, key)
        except S3Error as exc:
            if exc.code == "NoSuchKey":
                raise ObjectNotFound(f"{bucket}/{key}") from exc
            raise
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def exists(self, bucket: str, key: str) -> bool:
        bucket = self._bucket(bucket, key)
        from minio.error import S3Error

        try:
            self.client.stat_object(bucket, key)
            return True
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                return False
            raise

    def delete(self, bucket: str, key: str) -> None:
        bucket = self._bucket(bucket, key)
        self.client.remove_object(bucket, key)

    def presigned_get(
        self,
        bucket: str,
        key: str,
        expires: timedelta = timedelta(minutes=15),
        *,
        download_name: str = "",
    ) -> str:
        bucket = self._bucket(bucket, key)
        headers: dict[str, str | list[str] | tuple[str]] | None = None
        if download_name:  # S3 answers with this Content-Disposition (the query is signed)
            headers = {"response-content-disposition": content_disposition(download_name)}
        return self.client.presigned_get_object(
            bucket, key, expires=expires, response_headers=headers
        )

    def ping(self) -> None:
        self.client.list_buckets()


def open_store(
    url: str,
    *,
    access_key: str = "",
    secret_key: str = "",
    public_url: str = "",
    signing_key: str = "",
) -> FileStore | MinioStore:
    """`signing_key` signs the folder store's URLs (PlatformConfig.url_signing_key)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return FileStore(Path(parsed.path), public_url=public_url, signing_key=signing_key)
    if parsed.scheme in ("http", "https"):
        return MinioStore(url, access_key, secret_key)
    raise ValueError(f"unsupported object store URL {url!r}")
