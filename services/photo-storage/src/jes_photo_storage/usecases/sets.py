"""Opening, reading, listing and describing photo sets."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from jes_domain import FailedPrecondition, NotFound
from jes_photo_storage.domain import access, validation
from jes_photo_storage.domain.status import PhotoSetStatus
from jes_photo_storage.models import Photo, PhotoSet
from jes_photo_storage.usecases.common import (
    PHOTO_NOT_FOUND,
    Call,
    Parts,
    readable_set,
    record_change,
    set_to_change,
    with_photos,
)

LIST_PAGE_SIZE = 20
MAX_LIST_PAGE_SIZE = 100


@dataclass(frozen=True)
class OpenRequest:
    court_code: str  # "" = the firm's own court
    division: str
    case_year: int
    case_word: str
    case_number: int
    batch: int  # 0 = 1
    create: bool
    confirm_other_division: bool = False


def open_set(parts: Parts, call: Call, wanted: OpenRequest) -> PhotoSet:
    """The firm's set of one case batch; created when asked (and not there yet)."""
    claims = access.require_firm(call.claims)
    key = validation.set_key(
        wanted.court_code,
        wanted.division,
        wanted.case_year,
        wanted.case_word,
        wanted.case_number,
        wanted.batch,
        own_court=claims.court_code,
    )
    access.require_own_court(claims, key.court_code)
    try:
        with parts.db.transaction() as session:
            photo_set = session.scalar(select(PhotoSet).filter_by(**key.as_columns()))
            if photo_set is not None and not access.owns(claims, photo_set):
                if wanted.create:
                    raise FailedPrecondition("此案號批次已由其他鑑估價公司建立")
                photo_set = None
            if photo_set is None:
                if not wanted.create:
                    raise NotFound("查無此案號批次的照片")
                if not wanted.confirm_other_division:
                    others = session.scalars(
                        select(PhotoSet.division).where(
                            PhotoSet.court_code == key.court_code,
                            PhotoSet.case_year == key.case_year,
                            PhotoSet.case_word == key.case_word,
                            PhotoSet.case_number == key.case_number,
                            PhotoSet.firm_account_id == claims.subject,
                            PhotoSet.division != key.division,
                        )
                    ).all()
                    validation.check_no_other_division(key.division, others)
                photo_set = PhotoSet(
                    **key.as_columns(), firm_account_id=claims.subject, firm_name=claims.name
                )
                session.add(photo_set)
                session.flush()
            return with_photos(photo_set)
    except IntegrityError:  # created concurrently by another tab: read it back
        return open_set(parts, call, wanted)


def get_set(parts: Parts, call: Call, photo_set_id: str) -> PhotoSet:
    with parts.db.transaction() as session:
        return with_photos(readable_set(session, call, photo_set_id))


def get_photo(parts: Parts, call: Call, photo_id: str) -> tuple[Photo, bool]:
    """The photo, and whether another photo of its set shows the same image."""
    with parts.db.transaction() as session:
        photo = session.get(Photo, photo_id)
        if photo is None:
            raise NotFound(PHOTO_NOT_FOUND)
        try:
            readable_set(session, call, photo.photo_set_id)
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
        return photo, bool(twins)


@dataclass(frozen=True)
class SetPage:
    photo_sets: list[PhotoSet]
    total: int
    page: int
    page_count: int


def list_sets(
    parts: Parts,
    call: Call,
    *,
    court_code: str,
    statuses: list[PhotoSetStatus],
    page: int,
    page_size: int,
    case: tuple[int, str, int] | None = None,
) -> SetPage:
    """The sets the caller may read, newest change first; `page` beyond the last shows
    the last."""
    claims = access.require_reader(call.claims)
    scope = access.list_scope(claims, court_code)
    query = select(PhotoSet)
    if scope.court_code is not None:
        query = query.where(PhotoSet.court_code == scope.court_code)
    if scope.firm_account_id is not None:
        query = query.where(PhotoSet.firm_account_id == scope.firm_account_id)
    if statuses:
        query = query.where(PhotoSet.status.in_([str(s) for s in statuses]))
    if case is not None:
        year, word, number = case
        query = query.where(
            PhotoSet.case_year == year,
            PhotoSet.case_word == validation.normalized_word(word),
            PhotoSet.case_number == number,
        )
    page_size = min(page_size or LIST_PAGE_SIZE, MAX_LIST_PAGE_SIZE)
    with parts.db.transaction() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        page_count = max(1, math.ceil(total / page_size))
        page = min(max(page, 1), page_count)
        rows = session.scalars(
            query.options(selectinload(PhotoSet.photos))
            .order_by(PhotoSet.updated_at.desc(), PhotoSet.id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).all()
        return SetPage(list(rows), total, page, page_count)


def update_set(
    parts: Parts, call: Call, photo_set_id: str, expected_version: int, property_type: str
) -> PhotoSet:
    """The set's property type (which drives the checklist); saving it unchanged voids
    nothing."""
    with parts.db.transaction() as session:
        photo_set = set_to_change(session, call, photo_set_id, expected_version)
        if photo_set.property_type != property_type:
            before = {"property_type": photo_set.property_type}
            photo_set.property_type = property_type
            record_change(
                parts,
                session,
                call,
                photo_set,
                "photo_set.updated",
                before=before,
                after={"property_type": property_type},
            )
        return with_photos(photo_set)
