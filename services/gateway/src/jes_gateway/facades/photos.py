"""photo-storage: photo sets, photos, prints and their history, and the public lookup.

Every call but the public lookup carries the caller's own token: photo-storage decides
what the caller may see and change. Changes carry `expected_version`, the set version the
caller last saw (0 = do not check, where photo-storage allows it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO

from jes.audit.v1.audit_pb2 import AuditEntry
from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes.photo_storage.v1.photo_storage_pb2_grpc import PhotoStorageServiceStub
from jes_gateway.facades.base import Facade
from jes_grpckit.streams import file_stream
from jes_zhtw import CaseNumber

PRINT_TIMEOUT_SECONDS = 300  # a report of many photos takes a while to render


@dataclass
class PhotoFields:
    """What a firm says about one photo; an upload and an update both send all of it."""

    placement: pb.Placement.ValueType = pb.PLACEMENT_UNSPECIFIED
    orientation: pb.Orientation.ValueType = pb.ORIENTATION_UNSPECIFIED
    auction_target: str = ""
    description: str = ""
    remark: str = ""
    sequence: int = 0  # 0 = after the last photo (upload) / keep it (update)
    views: list[pb.View.ValueType] = field(default_factory=list)


class PhotosFacade(Facade[PhotoStorageServiceStub]):
    def list_sets(
        self,
        token: str,
        *,
        statuses: Sequence[pb.PhotoSetStatus.ValueType] = (),
        page: int = 1,
        page_size: int = 0,
        case: CaseNumber | None = None,
    ) -> pb.ListPhotoSetsResponse:
        """The caller's sets; `case`: only those of this case number (every 股別, 批次)."""
        request = pb.ListPhotoSetsRequest(statuses=statuses, page=page, page_size=page_size)
        if case is not None:
            request.case_number.CopyFrom(
                pb.CaseNumber(year=case.year, word=case.word, number=case.number)
            )
        return self._rpc(token).ListPhotoSets(request)

    def open_set(
        self,
        token: str,
        *,
        division: str,
        year: int,
        word: str,
        number: int,
        batch: int = 1,
        create: bool = True,
        court_code: str = "",
        confirm_other_division: bool = False,
    ) -> pb.PhotoSet:
        return self._rpc(token).OpenPhotoSet(
            pb.OpenPhotoSetRequest(
                court_code=court_code,
                division=division,
                case_number=pb.CaseNumber(year=year, word=word, number=number),
                batch=batch,
                create=create,
                confirm_other_division=confirm_other_division,
            )
        )

    def get_set(self, token: str, set_id: str, *, page: int = 0, page_size: int = 0) -> pb.PhotoSet:
        """The set; page_size 0 = every photo, page_size 1 = the header and one photo."""
        return self._rpc(token).GetPhotoSet(
            pb.GetPhotoSetRequest(photo_set_id=set_id, page=page, page_size=page_size)
        )

    def set_header(self, token: str, set_id: str) -> pb.PhotoSet:
        """Status, version and counts, without every photo's URLs."""
        return self.get_set(token, set_id, page=1, page_size=1)

    def get_photo(self, token: str, photo_id: str) -> pb.Photo:
        return self._rpc(token).GetPhoto(pb.GetPhotoRequest(photo_id=photo_id))

    def set_property_type(
        self, token: str, set_id: str, property_type: pb.PropertyType.ValueType, version: int
    ) -> pb.PhotoSet:
        return self._rpc(token).UpdatePhotoSet(
            pb.UpdatePhotoSetRequest(
                photo_set_id=set_id, expected_version=version, property_type=property_type
            )
        )

    def upload_photo(
        self,
        token: str,
        set_id: str,
        fields: PhotoFields,
        *,
        content: IO[bytes] | bytes,
        filename: str,
        version: int = 0,
    ) -> pb.Photo:
        """`content`: the uploaded file (read from where it stands, chunk by chunk)."""
        new = pb.NewPhoto(
            photo_set_id=set_id,
            filename=filename,
            placement=fields.placement,
            orientation=fields.orientation,
            auction_target=fields.auction_target,
            description=fields.description,
            remark=fields.remark,
            sequence=fields.sequence,
            views=fields.views,
            expected_version=version,
        )
        return self._rpc(token).UploadPhoto(
            file_stream(
                pb.UploadPhotoRequest(photo=new),
                content,
                lambda piece: pb.UploadPhotoRequest(chunk=piece),
            )
        )

    def update_photo(
        self, token: str, photo_id: str, fields: PhotoFields, version: int
    ) -> pb.Photo:
        return self._rpc(token).UpdatePhoto(
            pb.UpdatePhotoRequest(
                photo_id=photo_id,
                expected_version=version,
                sequence=fields.sequence,
                placement=fields.placement,
                orientation=fields.orientation,
                auction_target=fields.auction_target,
                description=fields.description,
                remark=fields.remark,
                views=fields.views,
            )
        )

    def replace_image(
        self,
        token: str,
        photo_id: str,
        *,
        content: IO[bytes] | bytes,
        filename: str,
        version: int,
    ) -> pb.Photo:
        image = pb.ImageReplacement(photo_id=photo_id, expected_version=version, filename=filename)
        return self._rpc(token).ReplacePhotoImage(
            file_stream(
                pb.ReplacePhotoImageRequest(image=image),
                content,
                lambda piece: pb.ReplacePhotoImageRequest(chunk=piece),
            )
        )

    def delete_photo(self, token: str, photo_id: str, version: int) -> pb.PhotoSet:
        return self._rpc(token).DeletePhoto(
            pb.DeletePhotoRequest(photo_id=photo_id, expected_version=version)
        )

    def reorder(
        self, token: str, set_id: str, photo_ids: Sequence[str], version: int
    ) -> pb.PhotoSet:
        return self._rpc(token).ReorderPhotos(
            pb.ReorderPhotosRequest(
                photo_set_id=set_id, expected_version=version, photo_ids=photo_ids
            )
        )

    def print_set(self, token: str, set_id: str, version: int = 0) -> pb.PrintPhotoSetResponse:
        return self._rpc(token).PrintPhotoSet(
            pb.PrintPhotoSetRequest(photo_set_id=set_id, expected_version=version),
            timeout=PRINT_TIMEOUT_SECONDS,
        )

    def prints(self, token: str, set_id: str) -> list[pb.PrintRecord]:
        return list(self._rpc(token).ListPrints(pb.ListPrintsRequest(photo_set_id=set_id)).prints)

    def diff(
        self, token: str, set_id: str, from_fingerprint: str, to_fingerprint: str = ""
    ) -> list[pb.PhotoChange]:
        """What changed between two prints; to "" = the set as it is now."""
        reply = self._rpc(token).DiffPrints(
            pb.DiffPrintsRequest(
                photo_set_id=set_id,
                from_fingerprint=from_fingerprint,
                to_fingerprint=to_fingerprint,
            )
        )
        return list(reply.changes)

    def history(self, token: str, set_id: str) -> list[AuditEntry]:
        reply = self._rpc(token).GetPhotoSetHistory(
            pb.GetPhotoSetHistoryRequest(photo_set_id=set_id)
        )
        return list(reply.entries)

    def find_public(
        self, court_code: str, *, year: int, word: str, number: int
    ) -> list[pb.PhotoSet]:
        """Approved sets of one case, as the public may see them (no token)."""
        reply = self._rpc().FindPublicPhotoSets(
            pb.FindPublicPhotoSetsRequest(
                court_code=court_code,
                case_number=pb.CaseNumber(year=year, word=word, number=number),
            )
        )
        return list(reply.photo_sets)
