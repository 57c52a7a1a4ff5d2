"""PhotoStorageService: photo sets, uploads with derivatives, print = submit."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from prometheus_client import Counter
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes.photo_storage.v1 import photo_storage_pb2_grpc as pb_grpc
from jes.report_render.v1 import report_render_pb2 as render_pb
from jes.report_render.v1 import report_render_pb2_grpc as render_grpc
from jes_db import Database, new_id, utcnow
from jes_events import Outbox
from jes_grpckit import (
    Client,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    current_claims,
    request_id_var,
)
from jes_photo_storage.images import ImageRejected, process
from jes_photo_storage.models import Photo, PhotoSet, Print
from jes_zhtw import CaseNumber, UnknownCourt, court_by_code

log = logging.getLogger("jes.photo_storage")

BUCKET = "photos"

PHOTOS_PROCESSED = Counter(
    "jes_photos_processed_total",
    "Uploaded images processed into derivatives (accepted) or refused (rejected)",
    ["outcome"],
)
PLACEMENT_NAMES = {"indoor": "室內", "outdoor": "室外", "": ""}
PLACEMENTS = {pb.PLACEMENT_INDOOR: "indoor", pb.PLACEMENT_OUTDOOR: "outdoor"}
PLACEMENT_ENUM = {v: k for k, v in PLACEMENTS.items()}
ORIENTATION_ENUM = {
    "landscape": pb.ORIENTATION_LANDSCAPE,
    "portrait": pb.ORIENTATION_PORTRAIT,
}
STATUS_ENUM = {
    "draft": pb.PHOTO_SET_STATUS_DRAFT,
    "submitted": pb.PHOTO_SET_STATUS_SUBMITTED,
    "changed_since_print": pb.PHOTO_SET_STATUS_CHANGED_SINCE_PRINT,
    "rejected": pb.PHOTO_SET_STATUS_REJECTED,
    "approved": pb.PHOTO_SET_STATUS_APPROVED,
}


def case_number_of(photo_set: PhotoSet) -> CaseNumber:
    return CaseNumber(photo_set.case_year, photo_set.case_word, photo_set.case_number)


def photo_message(photo: Photo) -> pb.Photo:
    return pb.Photo(
        id=photo.id,
        photo_set_id=photo.photo_set_id,
        sequence=photo.sequence,
        placement=PLACEMENT_ENUM.get(photo.placement, pb.PLACEMENT_UNSPECIFIED),
        orientation=ORIENTATION_ENUM[photo.orientation],
        auction_target=photo.auction_target,
        description=photo.description,
        remark=photo.remark,
        width=photo.width,
        height=photo.height,
        sha256=photo.sha256,
        original_key=photo.original_key,
        thumbnail_key=photo.thumbnail_key,
        report_key=photo.report_key,
        public_key=photo.public_key,
    )


def set_message(photo_set: PhotoSet, *, with_photos: bool = True) -> pb.PhotoSet:
    message = pb.PhotoSet(
        id=photo_set.id,
        court_code=photo_set.court_code,
        division=photo_set.division,
        case_number=pb.CaseNumber(
            year=photo_set.case_year, word=photo_set.case_word, number=photo_set.case_number
        ),
        batch=photo_set.batch,
        firm_account_id=photo_set.firm_account_id,
        status=STATUS_ENUM[photo_set.status],
        version=photo_set.version,
    )
    message.updated_at.FromDatetime(photo_set.updated_at)
    if with_photos:
        message.photos.extend(photo_message(p) for p in photo_set.photos)
    return message


def fingerprint(photo_set: PhotoSet) -> str:
    """sha256 over everything a print shows, so two prints of one version match."""
    canonical = {
        "set": [
            photo_set.id,
            photo_set.court_code,
            photo_set.division,
            str(case_number_of(photo_set)),
            photo_set.batch,
            photo_set.version,
        ],
        "photos": [
            [p.id, p.sequence, p.sha256, p.placement, p.auction_target, p.description, p.remark]
            for p in photo_set.photos
        ],
    }
    encoded = json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()


class PhotoStorageServicer(pb_grpc.PhotoStorageServiceServicer):
    def __init__(
        self, db: Database, outbox: Outbox, store: Any, render_addr: str, service_token: Any
    ):
        self.db = db
        self.outbox = outbox
        self.store = store
        self.render = Client(
            render_addr, render_grpc.ReportRenderServiceStub, token=service_token, timeout=120
        )

    # -- helpers -------------------------------------------------------------------------

    def _load_for_firm(self, session: Any, photo_set_id: str) -> PhotoSet:
        claims = current_claims()
        photo_set = session.get(PhotoSet, photo_set_id)
        # Another firm's set is reported as missing: its existence is not theirs to know.
        if photo_set is None or (
            not claims.is_service and photo_set.firm_account_id != claims.subject
        ):
            raise NotFound("找不到這組照片")
        return photo_set

    # -- rpcs ----------------------------------------------------------------------------

    def OpenPhotoSet(self, request: pb.OpenPhotoSetRequest, context: object) -> object:
        claims = current_claims()
        claims.require_role("firm")
        problems = {}
        try:
            court_by_code(request.court_code)
        except UnknownCourt:
            problems["court_code"] = "請選擇法院"
        division = request.division.strip()
        if not division or len(division) > 20:
            problems["division"] = "請輸入股別"
        try:
            case = CaseNumber(
                request.case_number.year, request.case_number.word, request.case_number.number
            )
        except ValueError as exc:
            problems["case_number"] = str(exc)
        batch = request.batch or 1
        if not 1 <= batch <= 99:
            problems["batch"] = "批次須為 1 至 99"
        if problems:
            raise InvalidArgument("查詢條件有誤", fields=problems)
        claims.require_court(request.court_code)
        key = {
            "court_code": request.court_code,
            "division": division,
            "case_year": case.year,
            "case_word": case.word,
            "case_number": case.number,
            "batch": batch,
        }
        try:
            with self.db.transaction() as session:
                photo_set = session.scalar(select(PhotoSet).filter_by(**key))
                if photo_set is None:
                    photo_set = PhotoSet(
                        **key, firm_account_id=claims.subject, firm_name=claims.name
                    )
                    session.add(photo_set)
                    session.flush()
                elif photo_set.firm_account_id != claims.subject:
                    raise FailedPrecondition("此案號批次已由其他鑑估價公司建立")
                return set_message(photo_set)
        except IntegrityError:  # created concurrently by another tab: read it back
            return self.OpenPhotoSet(request, context)

    def GetPhotoSet(self, request: pb.GetPhotoSetRequest, context: object) -> object:
        with self.db.transaction() as session:
            return set_message(self._load_for_firm(session, request.photo_set_id))

    def UploadPhoto(self, request: pb.UploadPhotoRequest, context: object) -> object:
        current_claims().require_role("firm")
        with self.db.transaction() as session:
            photo_set = self._load_for_firm(session, request.photo_set_id)
            if photo_set.status == "approved":
                raise FailedPrecondition("已審核通過的照片不可再修改")
        try:
            derived = process(request.content)
        except ImageRejected as exc:
            PHOTOS_PROCESSED.labels("rejected").inc()
            raise InvalidArgument(str(exc), fields={"content": str(exc)}) from exc
        PHOTOS_PROCESSED.labels("accepted").inc()
        photo_id = new_id()
        prefix = f"{request.photo_set_id}/{photo_id}"
        keys = {
            "original_key": f"{prefix}/original",
            "thumbnail_key": f"{prefix}/thumbnail.jpg",
            "report_key": f"{prefix}/report.jpg",
            "public_key": f"{prefix}/public.jpg",
        }
        # Objects first, then the row: a failure leaves unreferenced objects, which we
        # delete here; the reverse order could leave a row pointing at nothing.
        written = []
        try:
            for key, data, content_type in (
                (keys["original_key"], request.content, derived.content_type),
                (keys["thumbnail_key"], derived.thumbnail, "image/jpeg"),
                (keys["report_key"], derived.report, "image/jpeg"),
                (keys["public_key"], derived.public, "image/jpeg"),
            ):
                self.store.put(BUCKET, key, data, content_type)
                written.append(key)
            with self.db.transaction() as session:
                photo_set = self._load_for_firm(session, request.photo_set_id)
                if photo_set.status == "approved":
                    raise FailedPrecondition("已審核通過的照片不可再修改")
                sequence = (
                    session.scalar(
                        select(func.max(Photo.sequence)).where(Photo.photo_set_id == photo_set.id)
                    )
                    or 0
                ) + 1
                photo = Photo(
                    id=photo_id,
                    photo_set_id=photo_set.id,
                    sequence=sequence,
                    placement=PLACEMENTS.get(request.placement, ""),
                    orientation="landscape" if derived.landscape else "portrait",
                    auction_target=request.auction_target.strip(),
                    description=request.description.strip(),
                    remark=request.remark.strip(),
                    width=derived.width,
                    height=derived.height,
                    sha256=derived.sha256,
                    content_type=derived.content_type,
                    **keys,
                )
                session.add(photo)
                self._changed(photo_set)
                session.flush()
                message = photo_message(photo)
                self.outbox.add(
                    session,
                    pb.PhotoUploaded(photo=message, court_code=photo_set.court_code),
                    subject=photo_set.id,
                    trace_id=request_id_var.get(),
                )
        except BaseException:
            for key in written:
                self.store.delete(BUCKET, key)
            raise
        return message

    @staticmethod
    def _changed(photo_set: PhotoSet) -> None:
        """Any change bumps the version; after a print the set must be printed again."""
        photo_set.version += 1
        photo_set.updated_at = utcnow()
        if photo_set.status == "submitted":
            photo_set.status = "changed_since_print"

    def PrintPhotoSet(self, request: pb.PrintPhotoSetRequest, context: object) -> object:
        claims = current_claims()
        claims.require_role("firm")
        with self.db.transaction() as session:
            photo_set = self._load_for_firm(session, request.photo_set_id)
            if not photo_set.photos:
                raise FailedPrecondition("尚未上傳任何照片，無法列印")
            if photo_set.status == "approved":
                raise FailedPrecondition("已審核通過，無需再列印")
            version = photo_set.version
            print_fingerprint = fingerprint(photo_set)
            court = court_by_code(photo_set.court_code)
            render_request = render_pb.RenderPhotoReportRequest(
                photo_set_id=photo_set.id,
                court_name=court.name,
                division=photo_set.division,
                case_number=case_number_of(photo_set).formal(),
                batch=photo_set.batch,
                firm_name=photo_set.firm_name,
                fingerprint=print_fingerprint,
                photos=[
                    render_pb.ReportPhoto(
                        sequence=p.sequence,
                        placement=PLACEMENT_NAMES.get(p.placement, ""),
                        auction_target=p.auction_target,
                        description=p.description,
                        remark=p.remark,
                        image_url=self.store.presigned_get(BUCKET, p.report_key),
                    )
                    for p in photo_set.photos
                ],
            )
        report = self.render.call("RenderPhotoReport", render_request)
        with self.db.transaction() as session:
            photo_set = self._load_for_firm(session, request.photo_set_id)
            if photo_set.version != version:
                # Changed while rendering (another tab): this print shows an old version.
                raise FailedPrecondition("列印期間照片已被修改，請重新列印")
            photo_set.status = "submitted"
            photo_set.updated_at = utcnow()
            session.add(
                Print(
                    photo_set_id=photo_set.id,
                    set_version=version,
                    fingerprint=print_fingerprint,
                    report_id=report.id,
                    pages=report.pages,
                    printed_by=claims.subject,
                )
            )
            message = set_message(photo_set)
            self.outbox.add(
                session,
                pb.PhotoSetSubmitted(
                    photo_set=set_message(photo_set, with_photos=False),
                    report_id=report.id,
                    fingerprint=print_fingerprint,
                ),
                subject=photo_set.id,
                trace_id=request_id_var.get(),
            )
        log.info("photo set %s printed as report %s", request.photo_set_id, report.id)
        return pb.PrintPhotoSetResponse(
            photo_set=message,
            report_id=report.id,
            fingerprint=print_fingerprint,
            pages=report.pages,
        )
