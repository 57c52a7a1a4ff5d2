"""Public viewing (俾利民眾查詢): approved sets by court and case number, for anyone."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jes_photo_storage.domain import validation
from jes_photo_storage.domain.status import PhotoSetStatus
from jes_photo_storage.models import PhotoSet
from jes_photo_storage.usecases.common import Parts


def find_public_sets(
    parts: Parts, court_code: str, case_year: int, case_word: str, case_number: int
) -> list[PhotoSet]:
    """The approved sets of one case, by batch; the case number is checked by the same
    rule as when a set is opened."""
    wanted = validation.public_lookup(court_code, case_year, case_word, case_number)
    with parts.db.transaction() as session:
        rows = session.scalars(
            select(PhotoSet)
            .filter_by(
                court_code=wanted.court_code,
                case_year=wanted.case_year,
                case_word=wanted.case_word,
                case_number=wanted.case_number,
                status=str(PhotoSetStatus.APPROVED),
            )
            .options(selectinload(PhotoSet.photos))
            .order_by(PhotoSet.batch, PhotoSet.division)
        ).all()
        return list(rows)
