"""Photo objects in the object store: derivatives written before the database commit and
deleted again if it fails; objects a change makes unreferenced deleted only after it. So
no row ever points at a missing object and no object is left behind."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from prometheus_client import Counter as MetricCounter

from jes_domain import InvalidArgument
from jes_objectstore import ObjectStore
from jes_photo_storage.images import ImageRejected, Upload, process
from jes_photo_storage.models import Photo

log = logging.getLogger("jes.photo_storage")

BUCKET = "photos"

PHOTOS_PROCESSED = MetricCounter(
    "jes_photos_processed_total",
    "Uploaded images processed into derivatives (accepted) or refused (rejected)",
    ["outcome"],
)


@dataclass
class StoredImage:
    """An uploaded image's objects, written but not yet referenced by a committed row."""

    keys: dict[str, str]
    content_type: str
    width: int
    height: int
    sha256: str
    landscape: bool


class PhotoObjects:
    def __init__(self, store: ObjectStore):
        self.store = store

    def url(self, key: str) -> str:
        return self.store.presigned_get(BUCKET, key) if key else ""

    def store_image(self, prefix: str, upload: Upload) -> StoredImage:
        """Decode, make the derivatives and write every object under `prefix`."""
        try:
            derived = process(upload)
        except ImageRejected as exc:
            PHOTOS_PROCESSED.labels("rejected").inc()
            raise InvalidArgument(str(exc), fields={"file": str(exc)}) from exc
        PHOTOS_PROCESSED.labels("accepted").inc()
        content_type = derived.stored_content_type or derived.content_type
        keys = {
            "original_key": f"{prefix}/original",
            "thumbnail_key": f"{prefix}/thumbnail.jpg",
            "report_key": f"{prefix}/report.jpg",
            "public_key": f"{prefix}/public.jpg",
        }
        written: list[str] = []
        try:
            if derived.stored_original is None:  # the upload itself, copied from its spool
                self.store.put_file(
                    BUCKET, keys["original_key"], upload.file, upload.size, content_type
                )
            else:  # HEIC, kept as JPEG
                self.store.put(BUCKET, keys["original_key"], derived.stored_original, content_type)
            written.append(keys["original_key"])
            for key, data in (
                (keys["thumbnail_key"], derived.thumbnail),
                (keys["report_key"], derived.report),
                (keys["public_key"], derived.public),
            ):
                self.store.put(BUCKET, key, data, "image/jpeg")
                written.append(key)
        except BaseException:
            self.delete(written)
            raise
        return StoredImage(
            keys=keys,
            content_type=content_type,
            width=derived.width,
            height=derived.height,
            sha256=derived.sha256,
            landscape=derived.landscape,
        )

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            try:
                self.store.delete(BUCKET, key)
            except Exception:  # the change itself stands; a leftover object is only logged
                log.exception("could not delete object %s/%s", BUCKET, key)

    @contextmanager
    def until_commit(self, image: StoredImage) -> Iterator[None]:
        """Deletes the new objects again if the block (the transaction) fails."""
        try:
            yield
        except BaseException:
            self.delete(list(image.keys.values()))
            raise


def no_longer_needed(photo: Photo) -> list[str]:
    """An image's objects once it is replaced or deleted; a printed thumbnail stays,
    because that print's snapshot (and so DiffPrints) still shows it."""
    keys = [photo.original_key, photo.report_key, photo.public_key]
    if not photo.image_printed:
        keys.append(photo.thumbnail_key)
    return keys
