"""PhotoStorageService over gRPC: each method parses its request, calls one use case with
the caller and maps the result to the contract's messages. Rules live in domain/, the
transactions in usecases/; refusals are jes_domain errors, which the server's interceptor
turns into gRPC statuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes.photo_storage.v1 import photo_storage_pb2_grpc as pb_grpc
from jes_auth import TokenVerifier
from jes_domain import InvalidArgument
from jes_grpckit import current_claims, request_id_var
from jes_photo_storage.domain import validation
from jes_photo_storage.domain.review import PhotoRejection
from jes_photo_storage.domain.vocabulary import (
    AUDIT_ACTION_LABELS,
    ORIENTATION_NAMES,
    PLACEMENT_NAMES,
    PROPERTY_TYPE_NAMES,
    STATUS_NAMES,
    view_names,
)
from jes_photo_storage.images import receive
from jes_photo_storage.messages import print_record
from jes_photo_storage.usecases import photos, prints, public, review, sets
from jes_photo_storage.usecases.common import Call, Parts
from jes_servicekit.audit import audit_entry_messages
from jes_servicekit.grants import PHOTO_SET_REVIEW, verified_grant

SERVICE_NAME = "jes.photo_storage.v1.PhotoStorageService"

DECISIONS = {pb.DECISION_APPROVE: True, pb.DECISION_REJECT: False}
MAX_CHUNK_BYTES = 1024 * 1024  # the contract's limit per chunk message


def first_part(requests: Iterator[Any], part: str) -> Any:
    """An upload stream's first message, which describes the file (`part`)."""
    first = next(requests, None)
    if first is None or first.WhichOneof("part") != part:
        raise InvalidArgument("上傳的第一則訊息須說明檔案", fields={part: "必須是串流的第一則訊息"})
    return getattr(first, part)


def chunks(requests: Iterator[Any], part: str) -> Iterator[bytes]:
    """The rest of an upload stream: the file's bytes, chunk by chunk."""
    for message in requests:
        if message.WhichOneof("part") != "chunk":
            raise InvalidArgument("檔案說明只能送一次", fields={part: "只能是串流的第一則訊息"})
        if len(message.chunk) > MAX_CHUNK_BYTES:
            raise InvalidArgument("檔案分段過大", fields={"chunk": "每段至多 1 MiB"})
        yield message.chunk


def caller() -> Call:
    return Call(current_claims(), request_id_var.get())


def photo_fields(
    request: pb.NewPhoto | pb.UpdatePhotoRequest,
) -> photos.PhotoFields:
    return photos.PhotoFields(
        placement=PLACEMENT_NAMES.get(request.placement, ""),
        orientation=ORIENTATION_NAMES.get(request.orientation, ""),
        auction_target=request.auction_target,
        description=request.description,
        remark=request.remark,
        views=view_names(request.views),
        sequence=request.sequence,
    )


class PhotoStorageServicer(pb_grpc.PhotoStorageServiceServicer):
    def __init__(self, parts: Parts, verifier: TokenVerifier):
        self.parts = parts
        self.verifier = verifier  # of decision grants (identity's keys)
        self.messages = parts.messages

    # -- sets ------------------------------------------------------------------------------

    def OpenPhotoSet(
        self, request: pb.OpenPhotoSetRequest, context: grpc.ServicerContext
    ) -> pb.PhotoSet:
        wanted = sets.OpenRequest(
            court_code=request.court_code,
            division=request.division,
            case_year=request.case_number.year,
            case_word=request.case_number.word,
            case_number=request.case_number.number,
            batch=request.batch,
            create=request.create,
            confirm_other_division=request.confirm_other_division,
        )
        return self.messages.photo_set(sets.open_set(self.parts, caller(), wanted))

    def GetPhotoSet(
        self, request: pb.GetPhotoSetRequest, context: grpc.ServicerContext
    ) -> pb.PhotoSet:
        photo_set = sets.get_set(self.parts, caller(), request.photo_set_id)
        return self.messages.photo_set(photo_set, page=request.page, page_size=request.page_size)

    def GetPhoto(self, request: pb.GetPhotoRequest, context: grpc.ServicerContext) -> pb.Photo:
        photo, duplicate = sets.get_photo(self.parts, caller(), request.photo_id)
        return self.messages.photo(photo, duplicate=duplicate)

    def ListPhotoSets(
        self, request: pb.ListPhotoSetsRequest, context: grpc.ServicerContext
    ) -> pb.ListPhotoSetsResponse:
        listed = sets.list_sets(
            self.parts,
            caller(),
            court_code=request.court_code,
            statuses=[STATUS_NAMES[s] for s in request.statuses if s in STATUS_NAMES],
            page=request.page,
            page_size=request.page_size,
            case=(
                (
                    request.case_number.year,
                    request.case_number.word,
                    request.case_number.number,
                )
                if request.HasField("case_number")
                else None
            ),
        )
        return pb.ListPhotoSetsResponse(
            photo_sets=[self.messages.photo_set(s, with_photos=False) for s in listed.photo_sets],
            total=listed.total,
            page=listed.page,
            page_count=listed.page_count,
        )

    def UpdatePhotoSet(
        self, request: pb.UpdatePhotoSetRequest, context: grpc.ServicerContext
    ) -> pb.PhotoSet:
        validation.check_property_type(
            not request.property_type or request.property_type in PROPERTY_TYPE_NAMES
        )
        photo_set = sets.update_set(
            self.parts,
            caller(),
            request.photo_set_id,
            request.expected_version,
            PROPERTY_TYPE_NAMES.get(request.property_type, ""),
        )
        return self.messages.photo_set(photo_set)

    # -- photos ----------------------------------------------------------------------------

    def UploadPhoto(
        self, requests: Iterator[pb.UploadPhotoRequest], context: grpc.ServicerContext
    ) -> pb.Photo:
        new = first_part(requests, "photo")
        with receive(chunks(requests, "photo")) as upload:
            photo, duplicate = photos.upload(
                self.parts,
                caller(),
                new.photo_set_id,
                new.expected_version or None,  # 0 = no check
                photo_fields(new),
                upload,
            )
        return self.messages.photo(photo, duplicate=duplicate)

    def UpdatePhoto(
        self, request: pb.UpdatePhotoRequest, context: grpc.ServicerContext
    ) -> pb.Photo:
        """The edit form sends every field; sequence 0 and orientation unspecified keep
        the current ones."""
        photo, duplicate = photos.update(
            self.parts, caller(), request.photo_id, request.expected_version, photo_fields(request)
        )
        return self.messages.photo(photo, duplicate=duplicate)

    def ReplacePhotoImage(
        self, requests: Iterator[pb.ReplacePhotoImageRequest], context: grpc.ServicerContext
    ) -> pb.Photo:
        replacement = first_part(requests, "image")
        with receive(chunks(requests, "image")) as upload:
            photo, duplicate = photos.replace_image(
                self.parts, caller(), replacement.photo_id, replacement.expected_version, upload
            )
        return self.messages.photo(photo, duplicate=duplicate)

    def DeletePhoto(
        self, request: pb.DeletePhotoRequest, context: grpc.ServicerContext
    ) -> pb.PhotoSet:
        photo_set = photos.delete(self.parts, caller(), request.photo_id, request.expected_version)
        return self.messages.photo_set(photo_set)

    def ReorderPhotos(
        self, request: pb.ReorderPhotosRequest, context: grpc.ServicerContext
    ) -> pb.PhotoSet:
        photo_set = photos.reorder(
            self.parts,
            caller(),
            request.photo_set_id,
            request.expected_version,
            list(request.photo_ids),
        )
        return self.messages.photo_set(photo_set)

    # -- print = submit --------------------------------------------------------------------

    def PrintPhotoSet(
        self, request: pb.PrintPhotoSetRequest, context: grpc.ServicerContext
    ) -> pb.PrintPhotoSetResponse:
        printed = prints.print_set(
            self.parts,
            caller(),
            request.photo_set_id,
            request.expected_version or None,  # 0 = no check
        )
        return pb.PrintPhotoSetResponse(
            photo_set=self.messages.photo_set(printed.photo_set),
            report_id=printed.report_id,
            fingerprint=printed.fingerprint,
            pages=printed.pages,
            report_url=printed.report_url,
        )

    def ListPrints(
        self, request: pb.ListPrintsRequest, context: grpc.ServicerContext
    ) -> pb.ListPrintsResponse:
        listed = prints.list_prints(self.parts, caller(), request.photo_set_id)
        return pb.ListPrintsResponse(prints=[print_record(row, url) for row, url in listed])

    def DiffPrints(
        self, request: pb.DiffPrintsRequest, context: grpc.ServicerContext
    ) -> pb.DiffPrintsResponse:
        changes = prints.diff_prints(
            self.parts,
            caller(),
            request.photo_set_id,
            request.from_fingerprint,
            request.to_fingerprint,
        )
        return pb.DiffPrintsResponse(changes=[self.messages.change(c) for c in changes])

    def GetPhotoSetHistory(
        self, request: pb.GetPhotoSetHistoryRequest, context: grpc.ServicerContext
    ) -> pb.GetPhotoSetHistoryResponse:
        records = prints.history(self.parts, caller(), request.photo_set_id)
        return pb.GetPhotoSetHistoryResponse(
            entries=audit_entry_messages(records, AUDIT_ACTION_LABELS)
        )

    # -- the court's decision --------------------------------------------------------------

    def ApplyReviewDecision(
        self, request: pb.ApplyReviewDecisionRequest, context: grpc.ServicerContext
    ) -> pb.PhotoSet:
        # Review-workflow calls as itself; who decided is the clerk (or admin) the grant
        # names, for exactly this decision.
        grant = verified_grant(
            self.verifier,
            request.decision_grant,
            current_claims(),
            kind=PHOTO_SET_REVIEW,
            target_id=request.photo_set_id,
            version=request.fingerprint,
            decision={pb.DECISION_APPROVE: "approve", pb.DECISION_REJECT: "reject"}.get(
                request.decision, ""
            ),
            decision_id=request.decision_id,
        )
        decision = review.Decision(
            photo_set_id=request.photo_set_id,
            court_code=grant.binding.court_code,
            decision_id=request.decision_id,
            approve=DECISIONS.get(request.decision),
            fingerprint=request.fingerprint,
            note=request.note,
            rejections=[
                PhotoRejection(r.photo_id, r.reason, r.reason_code) for r in request.rejections
            ],
        )
        reviewer = Call(grant.decider, request_id_var.get())
        return self.messages.photo_set(review.apply_decision(self.parts, reviewer, decision))

    # -- public ----------------------------------------------------------------------------

    def FindPublicPhotoSets(
        self, request: pb.FindPublicPhotoSetsRequest, context: grpc.ServicerContext
    ) -> pb.FindPublicPhotoSetsResponse:
        found = public.find_public_sets(
            self.parts,
            request.court_code,
            request.case_number.year,
            request.case_number.word,
            request.case_number.number,
        )
        return pb.FindPublicPhotoSetsResponse(
            photo_sets=[self.messages.public_photo_set(s) for s in found]
        )
