"""PhotoStorageService: photo sets, uploads with derivatives, edits, print = submit,
the court's decisions, the audit log and the public lookup.

Rules every change follows:

* Only the firm that owns a set (in its own court) changes it; the caller names the set
  version it saw (expected_version) and a stale one is ABORTED.
* An approved set is locked.
* Objects are written before the database commit and deleted again if the commit fails;
  objects a change makes unreferenced are deleted only after the commit. So no row ever
  points at a missing object and no object is left behind.
* After the first print every change voids the print (status changed_since_print, or
  rejected stays rejected) and is audit-logged with its before and after.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from prometheus_client import Counter as MetricCounter
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes.photo_storage.v1 import photo_storage_pb2_grpc as pb_grpc
from jes.report_render.v1 import report_render_pb2 as render_pb
from jes.report_render.v1 import report_render_pb2_grpc as render_grpc
from jes_auth import Claims
from jes_db import Database, new_id, utcnow
from jes_db.audit import Actor
from jes_events import Outbox
from jes_grpckit import (
    Aborted,
    Client,
    FailedPrecondition,
    Forbidden,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    current_claims,
    request_id_var,
)
from jes_photo_storage.checklist import checklist
from jes_photo_storage.images import ImageRejected, process
from jes_photo_storage.models import AppliedDecision, Photo, PhotoSet, Print, audit_log
from jes_photo_storage.snapshots import EDITABLE_FIELDS, diff, photo_snapshot
from jes_photo_storage.vocabulary import (
    AUDIT_ACTION_LABELS,
    ORIENTATION_LABELS,
    ORIENTATION_NAMES,
    ORIENTATIONS,
    PLACEMENT_LABELS,
    PLACEMENT_NAMES,
    PLACEMENTS,
    PROPERTY_TYPE_NAMES,
    PROPERTY_TYPES,
    STATUS_NAMES,
    STATUSES,
    VIEW_NAMES,
    VIEWS,
    views_from_text,
    views_to_text,
)
from jes_servicekit.audit import actor_of, audit_entry_messages
from jes_zhtw import UnknownCourt, court_by_code, to_roc_year, to_taipei

log = logging.getLogger("jes.photo_storage")

BUCKET = "photos"
SERVICE_NAME = "jes.photo_storage.v1.PhotoStorageService"
# Called without a token (public viewing); every other method needs one.
PUBLIC_METHODS = [f"/{SERVICE_NAME}/FindPublicPhotoSets"]
# The only service that may apply the court's decisions (its service token's subject).
REVIEW_SERVICE = "review-workflow"

MAX_PHOTOS_PER_SET = 500
MAX_DIVISION = 20
MAX_CASE_WORD = 10
MAX_CASE_NUMBER = 9_999_999
MAX_BATCH = 99
MAX_AUCTION_TARGET = 100
MAX_DESCRIPTION = 300
MAX_REMARK = 300
LIST_PAGE_SIZE = 20
MAX_LIST_PAGE_SIZE = 100

STALE_VERSION = "此案件已在其他視窗或由他人修改，請重新整理後再試"
LOCKED = "已通過法院審核的案件無法再修改"
ALREADY_SUBMITTED = "此版本已列印送出"
CHANGED_AFTER_PRINT = "廠商已於列印後修改此案件，請待重新列印後再審"
SET_NOT_FOUND = "找不到這組照片"
PHOTO_NOT_FOUND = "找不到這張照片"

# Case words are Han characters (司執, 訴); Latin letters are accepted for the few
# systems that use them. NFKC first, so full-width letters count as Latin.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CASE_WORD = re.compile(f"[{_CJK}A-Za-z]{{1,{MAX_CASE_WORD}}}")

PHOTOS_PROCESSED = MetricCounter(
    "jes_photos_processed_total",
    "Uploaded images processed into derivatives (accepted) or refused (rejected)",
    ["outcome"],
)


# -- validation -------------------------------------------------------------------------


def current_roc_year() -> int:
    return to_roc_year(to_taipei(utcnow()).year)


def case_number_problems(case: pb.CaseNumber) -> tuple[dict[str, str], str]:
    """Per-field problems of a case number, and its normalized word."""
    problems = {}
    newest = current_roc_year() + 1
    if not 1 <= case.year <= newest:
        problems["case_number.year"] = f"年度須為 1 至 {newest} 的民國年"
    word = unicodedata.normalize("NFKC", case.word).strip()
    if not word:
        problems["case_number.word"] = "請輸入字別"
    elif not CASE_WORD.fullmatch(word):
        problems["case_number.word"] = f"字別須為 1 至 {MAX_CASE_WORD} 個中文字或英文字母"
    if not 1 <= case.number <= MAX_CASE_NUMBER:
        problems["case_number.number"] = f"號數須為 1 至 {MAX_CASE_NUMBER}"
    return problems, word


def formal_case_number(photo_set: PhotoSet) -> str:
    """107年度司執字第999號."""
    return f"{photo_set.case_year}年度{photo_set.case_word}字第{photo_set.case_number}號"


def text_problems(**texts: tuple[str, int, str]) -> dict[str, str]:
    """texts: field → (value, limit, label); too long → a zh-TW problem for that field."""
    return {
        name: f"{label}最多 {limit} 個字"
        for name, (value, limit, label) in texts.items()
        if len(value) > limit
    }


def photo_text_problems(auction_target: str, description: str, remark: str) -> dict[str, str]:
    return text_problems(
        auction_target=(auction_target, MAX_AUCTION_TARGET, "拍賣標的"),
        description=(description, MAX_DESCRIPTION, "說明"),
        remark=(remark, MAX_REMARK, "備註"),
    )


def view_names(views: Any) -> list[str]:
    return [VIEW_NAMES[v] for v in views if v in VIEW_NAMES]


# -- who may do what ----------------------------------------------------------------------


def firm_caller() -> Claims:
    """Only firms change photo sets (not clerks, not services)."""
    claims = current_claims()
    if claims.is_service or not claims.has_role("firm"):
        raise Forbidden("只有鑑估價公司可以維護照片")
    return claims


def owns(claims: Claims, photo_set: PhotoSet) -> bool:
    return photo_set.firm_account_id == claims.subject and photo_set.court_code == (
        claims.court_code
    )


def reader() -> Claims:
    """Firms (own sets), court staff (their court's), admins, and review-workflow."""
    claims = current_claims()
    if claims.is_service:
        if claims.subject != REVIEW_SERVICE:
            raise Forbidden("此服務無權查詢照片")
    elif not claims.has_role("firm", "clerk", "admin"):
        raise Forbidden("無權查詢照片")
    return claims


def may_read(claims: Claims, photo_set: PhotoSet) -> bool:
    if claims.is_service or claims.has_role("admin"):
        return True
    if claims.has_role("clerk"):
        return photo_set.court_code == claims.court_code
    return owns(claims, photo_set)


@dataclass
class StoredImage:
    """An uploaded image's objects, written but not yet referenced by a committed row."""

    keys: dict[str, str]
    content_type: str
    width: int
    height: int
    sha256: str
    landscape: bool


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

    # -- loading with authorization ------------------------------------------------------

    def _readable_set(self, session: Session, photo_set_id: str) -> PhotoSet:
        claims = reader()
        photo_set = session.get(PhotoSet, photo_set_id)
        # Someone else's set is reported as missing: its existence is not theirs to know.
        if photo_set is None or not may_read(claims, photo_set):
            raise NotFound(SET_NOT_FOUND)
        return photo_set

    def _set_to_change(
        self, session: Session, photo_set_id: str, expected_version: int | None
    ) -> PhotoSet:
        """The caller's own set, locked for this transaction; None = no version check."""
        claims = firm_caller()
        # FOR UPDATE (PostgreSQL): two changes of one set queue, so the version check holds.
        photo_set = session.get(PhotoSet, photo_set_id, with_for_update=True)
        if photo_set is None or not owns(claims, photo_set):
            raise NotFound(SET_NOT_FOUND)
        if photo_set.status == "approved":
            raise FailedPrecondition(LOCKED)
        if expected_version is not None and photo_set.version != expected_version:
            raise Aborted(STALE_VERSION)
        return photo_set

    def _photo_to_change(
        self, session: Session, photo_id: str, expected_version: int
    ) -> tuple[PhotoSet, Photo]:
        firm_caller()
        photo = session.get(Photo, photo_id)
        if photo is None:
            raise NotFound(PHOTO_NOT_FOUND)
        try:
            photo_set = self._set_to_change(session, photo.photo_set_id, expected_version)
        except NotFound:
            raise NotFound(PHOTO_NOT_FOUND) from None
        return photo_set, photo

    # -- messages ------------------------------------------------------------------------

    def _url(self, key: str) -> str:
        return self.store.presigned_get(BUCKET, key) if key else ""

    def _photo_message(self, photo: Photo, *, duplicate: bool = False) -> pb.Photo:
        return pb.Photo(
            id=photo.id,
            photo_set_id=photo.photo_set_id,
            sequence=photo.sequence,
            placement=PLACEMENTS.get(photo.placement, pb.PLACEMENT_UNSPECIFIED),
            orientation=ORIENTATIONS.get(photo.orientation, pb.ORIENTATION_UNSPECIFIED),
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
            views=[VIEWS[name] for name in views_from_text(photo.views)],
            duplicate=duplicate,
            rejection_reason=photo.rejection_reason,
            thumbnail_url=self._url(photo.thumbnail_key),
            image_url=self._url(photo.report_key),
            public_url=self._url(photo.public_key),
            content_type=photo.content_type,
        )

    def _set_message(
        self,
        photo_set: PhotoSet,
        *,
        with_photos: bool = True,
        page: int = 0,
        page_size: int = 0,
    ) -> pb.PhotoSet:
        """The set; with its photos (one page when page_size > 0) and its checklist."""
        # Sorted here: sequences may have changed in this session after the list loaded.
        photos = sorted(photo_set.photos, key=lambda p: p.sequence)
        message = pb.PhotoSet(
            id=photo_set.id,
            court_code=photo_set.court_code,
            division=photo_set.division,
            case_number=pb.CaseNumber(
                year=photo_set.case_year, word=photo_set.case_word, number=photo_set.case_number
            ),
            batch=photo_set.batch,
            firm_account_id=photo_set.firm_account_id,
            status=STATUSES[photo_set.status],
            version=photo_set.version,
            firm_name=photo_set.firm_name,
            property_type=PROPERTY_TYPES.get(photo_set.property_type, 0),
            photo_count=len(photos),
            changed_since_print=photo_set.changed_since_print,
            last_fingerprint=photo_set.last_fingerprint,
            review_note=photo_set.review_note,
            case_number_text=formal_case_number(photo_set),
        )
        message.updated_at.FromDatetime(photo_set.updated_at)
        if photo_set.last_printed_at is not None:
            message.last_printed_at.FromDatetime(photo_set.last_printed_at)
        if not with_photos:
            return message
        shown = photos
        message.page_count = 1
        if page_size > 0:
            message.page_count = max(1, math.ceil(len(photos) / page_size))
            # A page beyond the last (e.g. after deleting its only photo) shows the last.
            message.page = min(max(page, 1), message.page_count)
            shown = photos[(message.page - 1) * page_size : message.page * page_size]
        hashes = Counter(p.sha256 for p in photos)
        message.photos.extend(self._photo_message(p, duplicate=hashes[p.sha256] > 1) for p in shown)
        message.checklist.extend(
            checklist(photo_set.property_type, (views_from_text(p.views) for p in photos))
        )
        return message

    def _public_set_message(self, photo_set: PhotoSet) -> pb.PhotoSet:
        """For anyone: the case and the public copies, nothing about the firm or the review."""
        photos = sorted(photo_set.photos, key=lambda p: p.sequence)
        return pb.PhotoSet(
            id=photo_set.id,
            court_code=photo_set.court_code,
            division=photo_set.division,
            case_number=pb.CaseNumber(
                year=photo_set.case_year, word=photo_set.case_word, number=photo_set.case_number
            ),
            batch=photo_set.batch,
            status=STATUSES[photo_set.status],
            photo_count=len(photos),
            case_number_text=formal_case_number(photo_set),
            photos=[
                pb.Photo(
                    id=p.id,
                    photo_set_id=p.photo_set_id,
                    sequence=p.sequence,
                    placement=PLACEMENTS.get(p.placement, pb.PLACEMENT_UNSPECIFIED),
                    orientation=ORIENTATIONS.get(p.orientation, pb.ORIENTATION_UNSPECIFIED),
                    auction_target=p.auction_target,
                    description=p.description,
                    width=p.width,
                    height=p.height,
                    public_url=self._url(p.public_key),
                )
                for p in photos
            ],
        )

    # -- changes: version, status, event, audit -------------------------------------------

    def _changed(
        self,
        session: Session,
        photo_set: PhotoSet,
        action: str,
        *,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """Every change bumps the version; after a print it voids the print and is logged."""
        photo_set.version += 1
        photo_set.updated_at = utcnow()
        if not photo_set.last_fingerprint:  # a draft: nothing submitted, nothing to log
            return
        photo_set.changed_since_print = True
        # A rejected set stays in the firm's rejected queue until it is printed again.
        if photo_set.status == "submitted":
            photo_set.status = "changed_since_print"
            # Once per print: later edits find the status already changed.
            self.outbox.add(
                session,
                pb.PhotoSetChangedAfterPrint(
                    photo_set=self._set_message(photo_set, with_photos=False),
                    fingerprint=photo_set.last_fingerprint,
                ),
                subject=photo_set.id,
                trace_id=request_id_var.get(),
            )
        self._audit(session, photo_set, action, before=before, after=after)

    def _audit(
        self,
        session: Session,
        photo_set: PhotoSet,
        action: str,
        *,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        actor: Actor | None = None,
    ) -> None:
        audit_log.record(
            session,
            actor or actor_of(current_claims()),
            action,
            subject_type="photo_set",
            subject_id=photo_set.id,
            court_code=photo_set.court_code,
            before=before,
            after=after,
        )

    # -- objects -------------------------------------------------------------------------

    def _store_image(self, prefix: str, content: bytes) -> StoredImage:
        """Decode, make the derivatives and write every object under `prefix`."""
        try:
            derived = process(content)
        except ImageRejected as exc:
            PHOTOS_PROCESSED.labels("rejected").inc()
            raise InvalidArgument(str(exc), fields={"file": str(exc)}) from exc
        PHOTOS_PROCESSED.labels("accepted").inc()
        # HEIC originals come back as JPEG to store, when images.py provides them.
        original = getattr(derived, "stored_original", None) or content
        content_type = getattr(derived, "stored_content_type", None) or derived.content_type
        keys = {
            "original_key": f"{prefix}/original",
            "thumbnail_key": f"{prefix}/thumbnail.jpg",
            "report_key": f"{prefix}/report.jpg",
            "public_key": f"{prefix}/public.jpg",
        }
        written: list[str] = []
        try:
            for key, data, object_type in (
                (keys["original_key"], original, content_type),
                (keys["thumbnail_key"], derived.thumbnail, "image/jpeg"),
                (keys["report_key"], derived.report, "image/jpeg"),
                (keys["public_key"], derived.public, "image/jpeg"),
            ):
                self.store.put(BUCKET, key, data, object_type)
                written.append(key)
        except BaseException:
            self._delete_objects(written)
            raise
        return StoredImage(
            keys=keys,
            content_type=content_type,
            width=derived.width,
            height=derived.height,
            sha256=derived.sha256,
            landscape=derived.landscape,
        )

    def _delete_objects(self, keys: list[str]) -> None:
        for key in keys:
            try:
                self.store.delete(BUCKET, key)
            except Exception:  # the change itself stands; a leftover object is only logged
                log.exception("could not delete object %s/%s", BUCKET, key)

    @contextmanager
    def _objects_until_commit(self, keys: list[str]) -> Iterator[None]:
        """Deletes the new objects again if the block (the transaction) fails."""
        try:
            yield
        except BaseException:
            self._delete_objects(keys)
            raise

    @staticmethod
    def _objects_no_longer_needed(photo: Photo) -> list[str]:
        """An image's objects once it is replaced or deleted; a printed thumbnail stays,
        because that print's snapshot (and so DiffPrints) still shows it."""
        keys = [photo.original_key, photo.report_key, photo.public_key]
        if not photo.image_printed:
            keys.append(photo.thumbnail_key)
        return keys

    # -- sets ----------------------------------------------------------------------------

    def OpenPhotoSet(self, request: pb.OpenPhotoSetRequest, context: object) -> object:
        claims = firm_caller()
        court_code = request.court_code.strip().upper() or claims.court_code
        problems = {}
        try:
            court_by_code(court_code)
        except UnknownCourt:
            problems["court_code"] = "請選擇法院" if not court_code else "找不到此法院"
        division = request.division.strip()
        if not division:
            problems["division"] = "請輸入股別"
        elif len(division) > MAX_DIVISION:
            problems["division"] = f"股別最多 {MAX_DIVISION} 個字"
        case_problems, word = case_number_problems(request.case_number)
        problems.update(case_problems)
        batch = request.batch or 1
        if not 1 <= batch <= MAX_BATCH:
            problems["batch"] = f"批次須為 1 至 {MAX_BATCH}"
        if problems:
            raise InvalidArgument("查詢條件有誤", fields=problems)
        if court_code != claims.court_code:
            raise Forbidden("只能查詢或新增所屬法院的案件")
        key = {
            "court_code": court_code,
            "division": division,
            "case_year": request.case_number.year,
            "case_word": word,
            "case_number": request.case_number.number,
            "batch": batch,
        }
        try:
            with self.db.transaction() as session:
                photo_set = session.scalar(select(PhotoSet).filter_by(**key))
                if photo_set is not None and not owns(claims, photo_set):
                    if request.create:
                        raise FailedPrecondition("此案號批次已由其他鑑估價公司建立")
                    photo_set = None
                if photo_set is None:
                    if not request.create:
                        raise NotFound("查無此案號批次的照片")
                    photo_set = PhotoSet(
                        **key, firm_account_id=claims.subject, firm_name=claims.name
                    )
                    session.add(photo_set)
                    session.flush()
                return self._set_message(photo_set)
        except IntegrityError:  # created concurrently by another tab: read it back
            return self.OpenPhotoSet(request, context)

    def GetPhotoSet(self, request: pb.GetPhotoSetRequest, context: object) -> object:
        with self.db.transaction() as session:
            photo_set = self._readable_set(session, request.photo_set_id)
            return self._set_message(photo_set, page=request.page, page_size=request.page_size)

    def GetPhoto(self, request: pb.GetPhotoRequest, context: object) -> object:
        with self.db.transaction() as session:
            photo = session.get(Photo, request.photo_id)
            if photo is None:
                raise NotFound(PHOTO_NOT_FOUND)
            try:
                self._readable_set(session, photo.photo_set_id)
            except NotFound:
                raise NotFound(PHOTO_NOT_FOUND) from None
            twins = session.scalar(
                select(func.count())
                .select_from(Photo)
                .where(
                    Photo.photo_set_id == photo.photo_set_id,
                    Photo.sha256 == photo.sha256,
                    Photo.id != photo.id,
                )
            )
            return self._photo_message(photo, duplicate=bool(twins))

    def ListPhotoSets(self, request: pb.ListPhotoSetsRequest, context: object) -> object:
        claims = reader()
        query = select(PhotoSet)
        if claims.is_service or claims.has_role("admin"):
            if request.court_code:
                query = query.where(PhotoSet.court_code == request.court_code)
        elif claims.has_role("clerk"):
            if request.court_code and request.court_code != claims.court_code:
                raise Forbidden("只能查詢所屬法院的案件")
            query = query.where(PhotoSet.court_code == claims.court_code)
        else:
            query = query.where(
                PhotoSet.firm_account_id == claims.subject,
                PhotoSet.court_code == claims.court_code,
            )
        statuses = [STATUS_NAMES[s] for s in request.statuses if s in STATUS_NAMES]
        if statuses:
            query = query.where(PhotoSet.status.in_(statuses))
        page_size = min(request.page_size or LIST_PAGE_SIZE, MAX_LIST_PAGE_SIZE)
        with self.db.transaction() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            page_count = max(1, math.ceil(total / page_size))
            page = min(max(request.page, 1), page_count)
            rows = session.scalars(
                query.options(selectinload(PhotoSet.photos))
                .order_by(PhotoSet.updated_at.desc(), PhotoSet.id)
                .limit(page_size)
                .offset((page - 1) * page_size)
            ).all()
            return pb.ListPhotoSetsResponse(
                photo_sets=[self._set_message(row, with_photos=False) for row in rows],
                total=total,
                page=page,
                page_count=page_count,
            )

    def UpdatePhotoSet(self, request: pb.UpdatePhotoSetRequest, context: object) -> object:
        if request.property_type and request.property_type not in PROPERTY_TYPE_NAMES:
            raise InvalidArgument("資料有誤", fields={"property_type": "請選擇標的類型"})
        property_type = PROPERTY_TYPE_NAMES.get(request.property_type, "")
        with self.db.transaction() as session:
            photo_set = self._set_to_change(session, request.photo_set_id, request.expected_version)
            if photo_set.property_type != property_type:  # saving unchanged voids nothing
                before = {"property_type": photo_set.property_type}
                photo_set.property_type = property_type
                self._changed(
                    session,
                    photo_set,
                    "photo_set.updated",
                    before=before,
                    after={"property_type": property_type},
                )
            return self._set_message(photo_set)

    # -- photos --------------------------------------------------------------------------

    def UploadPhoto(self, request: pb.UploadPhotoRequest, context: object) -> object:
        expected_version = request.expected_version or None  # 0 = no check
        auction_target = request.auction_target.strip()
        description = request.description.strip()
        remark = request.remark.strip()
        problems = photo_text_problems(auction_target, description, remark)
        if request.sequence < 0:
            problems["sequence"] = "序號須為正整數"
        if problems:
            raise InvalidArgument("照片資料有誤", fields=problems)
        # Cheap checks before the expensive decoding; repeated in the transaction below.
        with self.db.transaction() as session:
            photo_set = self._set_to_change(session, request.photo_set_id, expected_version)
            self._check_room(session, photo_set)
        photo_id = new_id()
        image = self._store_image(f"{request.photo_set_id}/{photo_id}", request.content)
        with self._objects_until_commit(list(image.keys.values())):
            with self.db.transaction() as session:
                photo_set = self._set_to_change(session, request.photo_set_id, expected_version)
                count = self._check_room(session, photo_set)
                sequence = request.sequence or count + 1
                if sequence > count + 1:
                    raise InvalidArgument(
                        "照片資料有誤", fields={"sequence": f"序號須為 1 至 {count + 1}"}
                    )
                for other in photo_set.photos:  # inserting at N moves N.. one back
                    if other.sequence >= sequence:
                        other.sequence += 1
                orientation = ORIENTATION_NAMES.get(request.orientation) or (
                    "landscape" if image.landscape else "portrait"
                )
                photo = Photo(
                    id=photo_id,
                    sequence=sequence,
                    placement=PLACEMENT_NAMES.get(request.placement, ""),
                    orientation=orientation,
                    auction_target=auction_target,
                    description=description,
                    remark=remark,
                    views=views_to_text(view_names(request.views)),
                    width=image.width,
                    height=image.height,
                    sha256=image.sha256,
                    content_type=image.content_type,
                    **image.keys,
                )
                photo_set.photos.append(photo)
                session.flush()
                self._changed(
                    session, photo_set, "photo.uploaded", before=None, after=photo_fields(photo)
                )
                message = self._photo_message(
                    photo,
                    duplicate=any(
                        p.sha256 == photo.sha256 and p.id != photo.id for p in photo_set.photos
                    ),
                )
                self.outbox.add(
                    session,
                    pb.PhotoUploaded(photo=message, court_code=photo_set.court_code),
                    subject=photo_set.id,
                    trace_id=request_id_var.get(),
                )
        return message

    @staticmethod
    def _check_room(session: Session, photo_set: PhotoSet) -> int:
        count = session.scalar(
            select(func.count()).select_from(Photo).where(Photo.photo_set_id == photo_set.id)
        )
        if count >= MAX_PHOTOS_PER_SET:
            raise ResourceExhausted(f"每組照片最多 {MAX_PHOTOS_PER_SET} 張")
        return int(count)

    def UpdatePhoto(self, request: pb.UpdatePhotoRequest, context: object) -> object:
        """The edit form sends every field; sequence 0 and orientation unspecified keep
        the current ones."""
        auction_target = request.auction_target.strip()
        description = request.description.strip()
        remark = request.remark.strip()
        problems = photo_text_problems(auction_target, description, remark)
        if request.sequence < 0:
            problems["sequence"] = "序號須為正整數"
        if problems:
            raise InvalidArgument("照片資料有誤", fields=problems)
        with self.db.transaction() as session:
            photo_set, photo = self._photo_to_change(
                session, request.photo_id, request.expected_version
            )
            count = len(photo_set.photos)
            if request.sequence > count:
                raise InvalidArgument("照片資料有誤", fields={"sequence": f"序號須為 1 至 {count}"})
            wanted = {
                "placement": PLACEMENT_NAMES.get(request.placement, ""),
                "orientation": ORIENTATION_NAMES.get(request.orientation) or photo.orientation,
                "auction_target": auction_target,
                "description": description,
                "remark": remark,
                "views": views_to_text(view_names(request.views)),
            }
            before = {"photo_id": photo.id, "sequence": photo.sequence}
            after = dict(before)
            for name, value in wanted.items():
                if getattr(photo, name) != value:
                    before[name] = audit_value(name, getattr(photo, name))
                    after[name] = audit_value(name, value)
                    setattr(photo, name, value)
            new_sequence = request.sequence or photo.sequence
            if new_sequence != photo.sequence:
                move(photo_set.photos, photo, new_sequence)
                after["sequence"] = new_sequence
            if before != after:  # saving an unchanged form voids nothing
                self._changed(session, photo_set, "photo.updated", before=before, after=after)
            hashes = Counter(p.sha256 for p in photo_set.photos)
            return self._photo_message(photo, duplicate=hashes[photo.sha256] > 1)

    def ReplacePhotoImage(self, request: pb.ReplacePhotoImageRequest, context: object) -> object:
        """New image for a photo; its fields and sequence stay, its orientation follows
        the new image."""
        with self.db.transaction() as session:
            photo_set, photo = self._photo_to_change(
                session, request.photo_id, request.expected_version
            )
            photo_set_id = photo_set.id
        # A folder of its own: the new image never overwrites what the committed row
        # (or a print's snapshot) points at.
        image = self._store_image(f"{photo_set_id}/{request.photo_id}/{new_id()}", request.content)
        with self._objects_until_commit(list(image.keys.values())):
            with self.db.transaction() as session:
                photo_set, photo = self._photo_to_change(
                    session, request.photo_id, request.expected_version
                )
                old_objects = self._objects_no_longer_needed(photo)
                before = image_fields(photo)
                for name, key in image.keys.items():
                    setattr(photo, name, key)
                photo.width, photo.height = image.width, image.height
                photo.sha256 = image.sha256
                photo.content_type = image.content_type
                photo.orientation = "landscape" if image.landscape else "portrait"
                photo.image_printed = False
                self._changed(
                    session,
                    photo_set,
                    "photo.image_replaced",
                    before=before,
                    after=image_fields(photo),
                )
                hashes = Counter(p.sha256 for p in photo_set.photos)
                message = self._photo_message(photo, duplicate=hashes[photo.sha256] > 1)
        self._delete_objects(old_objects)  # only now that no row points at them
        return message

    def DeletePhoto(self, request: pb.DeletePhotoRequest, context: object) -> object:
        with self.db.transaction() as session:
            photo_set, photo = self._photo_to_change(
                session, request.photo_id, request.expected_version
            )
            old_objects = self._objects_no_longer_needed(photo)
            before = photo_fields(photo)
            for other in photo_set.photos:
                if other.sequence > photo.sequence:
                    other.sequence -= 1
            photo_set.photos.remove(photo)  # delete-orphan: the row goes at the flush
            self._changed(session, photo_set, "photo.deleted", before=before, after=None)
            message = self._set_message(photo_set)
        self._delete_objects(old_objects)
        return message

    def ReorderPhotos(self, request: pb.ReorderPhotosRequest, context: object) -> object:
        with self.db.transaction() as session:
            photo_set = self._set_to_change(session, request.photo_set_id, request.expected_version)
            photos = sorted(photo_set.photos, key=lambda p: p.sequence)
            by_id = {p.id: p for p in photos}
            wanted = list(request.photo_ids)
            if len(wanted) != len(photos) or set(wanted) != set(by_id):
                raise InvalidArgument(
                    "照片順序有誤", fields={"photo_ids": "請列出此案件的每張照片各一次"}
                )
            before = [p.id for p in photos]
            if wanted != before:
                for sequence, photo_id in enumerate(wanted, start=1):
                    by_id[photo_id].sequence = sequence
                self._changed(
                    session,
                    photo_set,
                    "photo_set.reordered",
                    before={"order": before},
                    after={"order": wanted},
                )
            return self._set_message(photo_set)

    # -- print = submit ------------------------------------------------------------------

    def PrintPhotoSet(self, request: pb.PrintPhotoSetRequest, context: object) -> object:
        claims = firm_caller()
        expected_version = request.expected_version or None  # 0 = no check
        with self.db.transaction() as session:
            photo_set = self._set_to_change(session, request.photo_set_id, expected_version)
            self._check_printable(photo_set)
            version = photo_set.version
            photos = sorted(photo_set.photos, key=lambda p: p.sequence)
            print_fingerprint = fingerprint(photo_set, photos)
            render_request = render_pb.RenderPhotoReportRequest(
                photo_set_id=photo_set.id,
                court_name=court_by_code(photo_set.court_code).name,
                division=photo_set.division,
                case_number=formal_case_number(photo_set),
                batch=photo_set.batch,
                firm_name=photo_set.firm_name,
                fingerprint=print_fingerprint,
                set_version=version,
                printed_by=claims.subject,
                photos=[
                    render_pb.ReportPhoto(
                        sequence=p.sequence,
                        placement=PLACEMENT_LABELS.get(p.placement, ""),
                        orientation=ORIENTATION_LABELS.get(p.orientation, ""),
                        auction_target=p.auction_target,
                        description=p.description,
                        remark=p.remark,
                        image_url=self.store.presigned_get(BUCKET, p.report_key),
                    )
                    for p in photos
                ],
            )
        report = self.render.call("RenderPhotoReport", render_request)
        with self.db.transaction() as session:
            photo_set = self._set_to_change(session, request.photo_set_id, None)
            if photo_set.version != version:
                # Changed while rendering (another tab): this print shows an old version.
                raise FailedPrecondition("列印期間照片已被修改，請重新列印")
            self._check_printable(photo_set)  # another tab may have printed it meanwhile
            photos = sorted(photo_set.photos, key=lambda p: p.sequence)
            previous_fingerprint = photo_set.last_fingerprint
            before = {"status": photo_set.status, "fingerprint": previous_fingerprint}
            now = utcnow()
            photo_set.status = "submitted"
            photo_set.changed_since_print = False
            photo_set.last_fingerprint = print_fingerprint
            photo_set.last_printed_at = now
            photo_set.review_note = ""  # the last decision's note and reasons are answered
            photo_set.updated_at = now
            for photo in photos:
                photo.rejection_reason = ""
                photo.image_printed = True
            session.add(
                Print(
                    photo_set_id=photo_set.id,
                    set_version=version,
                    fingerprint=print_fingerprint,
                    report_id=report.id,
                    pages=report.pages,
                    printed_by=claims.subject,
                    photo_count=len(photos),
                    snapshot_json=json.dumps(
                        [photo_snapshot(p) for p in photos], ensure_ascii=False
                    ),
                    created_at=now,
                )
            )
            self._audit(
                session,
                photo_set,
                "photo_set.printed",
                before=before,
                after={
                    "status": "submitted",
                    "fingerprint": print_fingerprint,
                    "report_id": report.id,
                    "pages": report.pages,
                    "version": version,
                    "photo_count": len(photos),
                },
            )
            message = self._set_message(photo_set)
            self.outbox.add(
                session,
                pb.PhotoSetSubmitted(
                    photo_set=self._set_message(photo_set, with_photos=False),
                    report_id=report.id,
                    fingerprint=print_fingerprint,
                    previous_fingerprint=previous_fingerprint,
                    pages=report.pages,
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
            report_url=self._report_urls([report.id]).get(report.id, ""),
        )

    @staticmethod
    def _check_printable(photo_set: PhotoSet) -> None:
        if not photo_set.photos:
            raise FailedPrecondition("尚未上傳任何照片，無法列印")
        # Printed and unchanged since: the court already has exactly this version.
        if photo_set.status == "submitted":
            raise FailedPrecondition(ALREADY_SUBMITTED)

    def _report_urls(self, report_ids: list[str]) -> dict[str, str]:
        """Presigned report URLs from report-render; a failure leaves them empty, since the
        print itself (or the list of prints) stands without them."""
        urls = {}
        try:
            for report_id in report_ids:
                reply = self.render.call(
                    "GetReportUrl", render_pb.GetReportUrlRequest(report_id=report_id)
                )
                urls[report_id] = reply.url
        except grpc.RpcError as exc:
            log.warning("no report URL from report-render: %s", exc.code())
        return urls

    def ListPrints(self, request: pb.ListPrintsRequest, context: object) -> object:
        with self.db.transaction() as session:
            photo_set = self._readable_set(session, request.photo_set_id)
            prints = session.scalars(
                select(Print)
                .where(Print.photo_set_id == photo_set.id)
                .order_by(Print.created_at.desc(), Print.set_version.desc())
            ).all()
        urls = self._report_urls([p.report_id for p in prints])
        records = []
        for row in prints:
            record = pb.PrintRecord(
                id=row.id,
                photo_set_id=row.photo_set_id,
                set_version=row.set_version,
                fingerprint=row.fingerprint,
                report_id=row.report_id,
                pages=row.pages,
                printed_by=row.printed_by,
                report_url=urls.get(row.report_id, ""),
                photo_count=row.photo_count,
            )
            record.printed_at.FromDatetime(row.created_at)
            records.append(record)
        return pb.ListPrintsResponse(prints=records)

    def DiffPrints(self, request: pb.DiffPrintsRequest, context: object) -> object:
        with self.db.transaction() as session:
            photo_set = self._readable_set(session, request.photo_set_id)
            before = self._snapshot_of_print(session, photo_set, request.from_fingerprint)
            if request.to_fingerprint:
                after = self._snapshot_of_print(session, photo_set, request.to_fingerprint)
            else:
                after = [
                    photo_snapshot(p) for p in sorted(photo_set.photos, key=lambda p: p.sequence)
                ]
        return pb.DiffPrintsResponse(
            changes=[
                pb.PhotoChange(
                    photo_id=change.photo_id,
                    change=change.change,
                    sequence_before=change.sequence_before,
                    sequence_after=change.sequence_after,
                    fields=change.fields,
                    summary=change.summary,
                    thumbnail_url=self._url(change.thumbnail_key),
                )
                for change in diff(before, after)
            ]
        )

    @staticmethod
    def _snapshot_of_print(
        session: Session, photo_set: PhotoSet, print_fingerprint: str
    ) -> list[dict[str, Any]]:
        if not print_fingerprint:
            raise InvalidArgument("請指定要比較的列印版本", fields={"from_fingerprint": "必填"})
        row = session.scalar(
            select(Print)
            .where(Print.photo_set_id == photo_set.id, Print.fingerprint == print_fingerprint)
            .order_by(Print.created_at.desc())
            .limit(1)
        )
        if row is None:
            raise NotFound("找不到此列印版本")
        snapshot: list[dict[str, Any]] = json.loads(row.snapshot_json)
        return snapshot

    def GetPhotoSetHistory(self, request: pb.GetPhotoSetHistoryRequest, context: object) -> object:
        with self.db.transaction() as session:
            photo_set = self._readable_set(session, request.photo_set_id)
            records = audit_log.entries(session, subject_ids=[photo_set.id])
        return pb.GetPhotoSetHistoryResponse(
            entries=audit_entry_messages(records, AUDIT_ACTION_LABELS)
        )

    # -- the court's decision ------------------------------------------------------------

    def ApplyReviewDecision(
        self, request: pb.ApplyReviewDecisionRequest, context: object
    ) -> object:
        claims = current_claims()
        if not (claims.is_service and claims.subject == REVIEW_SERVICE):
            raise Forbidden("只有審核服務可以登錄法院的審核結果")
        problems = {}
        if not request.decision_id:
            problems["decision_id"] = "必填"
        if request.decision not in (pb.DECISION_APPROVE, pb.DECISION_REJECT):
            problems["decision"] = "請選擇通過或不通過"
        if problems:
            raise InvalidArgument("審核資料有誤", fields=problems)
        with self.db.transaction() as session:
            photo_set = session.get(PhotoSet, request.photo_set_id, with_for_update=True)
            if photo_set is None:
                raise NotFound(SET_NOT_FOUND)
            applied = session.get(AppliedDecision, request.decision_id)
            if applied is not None:  # a retry: already done, answer as the first time did
                if applied.photo_set_id != photo_set.id:
                    raise InvalidArgument(
                        "審核資料有誤", fields={"decision_id": "此編號已用於其他案件"}
                    )
                return self._set_message(photo_set)
            self._check_reviewable(photo_set, request.fingerprint)
            photos = {p.id: p for p in photo_set.photos}
            approve = request.decision == pb.DECISION_APPROVE
            rejections: dict[str, str] = {}
            if not approve:
                for rejection in request.rejections:
                    if rejection.photo_id not in photos:
                        raise InvalidArgument(
                            "審核資料有誤", fields={"rejections": "退回理由所指的照片不在此案件"}
                        )
                    reason = rejection.reason.strip() or rejection.reason_code
                    earlier = rejections.get(rejection.photo_id)
                    rejections[rejection.photo_id] = f"{earlier}；{reason}" if earlier else reason
                if not rejections and not request.note.strip():
                    raise InvalidArgument(
                        "審核資料有誤", fields={"rejections": "不通過時請說明理由"}
                    )
            before = {"status": photo_set.status}
            photo_set.status = "approved" if approve else "rejected"
            photo_set.review_note = request.note.strip()
            for photo_id, photo in photos.items():
                photo.rejection_reason = rejections.get(photo_id, "")
            # A decision is a change too: the firm's open tabs reload, and a reprint of an
            # unchanged rejected set is a new version with its own fingerprint.
            photo_set.version += 1
            photo_set.updated_at = utcnow()
            session.add(
                AppliedDecision(
                    decision_id=request.decision_id,
                    photo_set_id=photo_set.id,
                    fingerprint=request.fingerprint,
                    decision="approve" if approve else "reject",
                )
            )
            self._audit(
                session,
                photo_set,
                "photo_set.approved" if approve else "photo_set.rejected",
                # The clerk decided; review-workflow only carried the decision here.
                actor=Actor(request.reviewer_account_id, "clerk")
                if request.reviewer_account_id
                else None,
                before=before,
                after={
                    "status": photo_set.status,
                    "decision_id": request.decision_id,
                    "fingerprint": request.fingerprint,
                    "reviewer_account_id": request.reviewer_account_id,
                    "note": photo_set.review_note,
                    "rejections": [
                        {
                            "photo_id": photo_id,
                            "sequence": photos[photo_id].sequence,
                            "reason": reason,
                        }
                        for photo_id, reason in rejections.items()
                    ],
                },
            )
            return self._set_message(photo_set)

    @staticmethod
    def _check_reviewable(photo_set: PhotoSet, print_fingerprint: str) -> None:
        """Only the set's current, unchanged submission can be decided."""
        if photo_set.status == "approved":
            raise FailedPrecondition("此案件已通過審核")
        if photo_set.status == "draft":
            raise FailedPrecondition("此案件尚未列印送出")
        if photo_set.status == "rejected" and not photo_set.changed_since_print:
            raise FailedPrecondition("此案件已退回，請待廠商重新列印後再審")
        if (
            photo_set.status != "submitted"
            or photo_set.changed_since_print
            or print_fingerprint != photo_set.last_fingerprint
        ):
            raise FailedPrecondition(CHANGED_AFTER_PRINT)

    # -- public --------------------------------------------------------------------------

    def FindPublicPhotoSets(
        self, request: pb.FindPublicPhotoSetsRequest, context: object
    ) -> object:
        court_code = request.court_code.strip().upper()
        problems = {}
        try:
            court_by_code(court_code)
        except UnknownCourt:
            problems["court_code"] = "請選擇法院" if not court_code else "找不到此法院"
        case_problems, word = case_number_problems(request.case_number)
        problems.update(case_problems)
        if problems:
            raise InvalidArgument("查詢條件有誤", fields=problems)
        with self.db.transaction() as session:
            rows = session.scalars(
                select(PhotoSet)
                .filter_by(
                    court_code=court_code,
                    case_year=request.case_number.year,
                    case_word=word,
                    case_number=request.case_number.number,
                    status="approved",
                )
                .order_by(PhotoSet.batch, PhotoSet.division)
            ).all()
            return pb.FindPublicPhotoSetsResponse(
                photo_sets=[self._public_set_message(row) for row in rows]
            )


# -- module helpers ------------------------------------------------------------------------


def fingerprint(photo_set: PhotoSet, photos: list[Photo]) -> str:
    """sha256 over everything a print shows (and each image's hash, in order), so two
    prints match exactly when they show the same thing."""
    canonical = {
        "set": [
            photo_set.id,
            photo_set.court_code,
            photo_set.division,
            formal_case_number(photo_set),
            photo_set.batch,
            photo_set.firm_name,
            photo_set.version,
        ],
        "photos": [
            [
                p.id,
                p.sequence,
                p.sha256,
                p.placement,
                p.orientation,
                p.auction_target,
                p.description,
                p.remark,
            ]
            for p in photos
        ],
    }
    encoded = json.dumps(canonical, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()


def move(photos: list[Photo], photo: Photo, new_sequence: int) -> None:
    """Moves one photo to new_sequence; the photos in between shift by one."""
    old_sequence = photo.sequence
    for other in photos:
        if other is photo:
            continue
        if new_sequence < old_sequence and new_sequence <= other.sequence < old_sequence:
            other.sequence += 1
        elif old_sequence < new_sequence and old_sequence < other.sequence <= new_sequence:
            other.sequence -= 1
    photo.sequence = new_sequence


def audit_value(name: str, value: Any) -> Any:
    return views_from_text(value) if name == "views" else value


def photo_fields(photo: Photo) -> dict[str, Any]:
    """A photo as the audit log shows it."""
    fields = {name: audit_value(name, getattr(photo, name)) for name in EDITABLE_FIELDS}
    return {"photo_id": photo.id, "sequence": photo.sequence, **fields, "sha256": photo.sha256}


def image_fields(photo: Photo) -> dict[str, Any]:
    return {
        "photo_id": photo.id,
        "sequence": photo.sequence,
        "sha256": photo.sha256,
        "width": photo.width,
        "height": photo.height,
        "orientation": photo.orientation,
    }
