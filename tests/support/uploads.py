"""photo-storage's upload streams, as the gateway's facade sends them: the file's
description first, then its bytes in chunks."""

from __future__ import annotations

from collections.abc import Iterator

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_grpckit.streams import file_stream


def upload_requests(new: pb.NewPhoto, content: bytes) -> Iterator[pb.UploadPhotoRequest]:
    return file_stream(
        pb.UploadPhotoRequest(photo=new), content, lambda piece: pb.UploadPhotoRequest(chunk=piece)
    )


def replace_requests(
    image: pb.ImageReplacement, content: bytes
) -> Iterator[pb.ReplacePhotoImageRequest]:
    return file_stream(
        pb.ReplacePhotoImageRequest(image=image),
        content,
        lambda piece: pb.ReplacePhotoImageRequest(chunk=piece),
    )
