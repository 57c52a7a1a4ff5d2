"""The court's decision on a print, as review-workflow carries it here with the decision
grant of the clerk who made it: the reviewer is the grant's clerk (the `Call`'s claims),
never a field of the request."""

from __future__ import annotations

from dataclasses import dataclass

from jes_db import utcnow
from jes_domain import NotFound
from jes_photo_storage.domain import access, review
from jes_photo_storage.domain.status import Event, after_decision
from jes_photo_storage.models import AppliedDecision, PhotoSet
from jes_photo_storage.usecases.common import (
    SET_NOT_FOUND,
    Call,
    Parts,
    audit,
    state_of_set,
    with_photos,
)


@dataclass(frozen=True)
class Decision:
    photo_set_id: str
    court_code: str  # the court the decision (its grant) is for
    decision_id: str  # review-workflow's; a retry repeats it
    approve: bool | None  # None: neither approve nor reject was chosen
    fingerprint: str  # of the print the clerk decided on
    note: str
    rejections: list[review.PhotoRejection]


def apply_decision(parts: Parts, call: Call, decision: Decision) -> PhotoSet:
    """Approve (the set locks) or reject (with reasons per photo) the set's current print;
    applying the same decision again answers as the first time did."""
    access.require_reviewer(call.claims)
    reviewer = call.claims.display_id
    review.check_decision(decision.decision_id, decision.approve is not None)
    with parts.db.transaction() as session:
        photo_set = session.get(PhotoSet, decision.photo_set_id, with_for_update=True)
        if photo_set is None:
            raise NotFound(SET_NOT_FOUND)
        access.require_decision_court(decision.court_code, photo_set.court_code)
        access.require_reviewer_of(call.claims, photo_set.court_code)
        applied = session.get(AppliedDecision, decision.decision_id)
        if applied is not None:  # a retry: already done
            review.check_same_set(applied.photo_set_id, photo_set.id)
            return with_photos(photo_set)
        approve = bool(decision.approve)
        decided = after_decision(
            state_of_set(photo_set),
            Event.APPROVE if approve else Event.REJECT,
            decided_fingerprint=decision.fingerprint,
            last_fingerprint=photo_set.last_fingerprint,
        )
        photos = {p.id: p for p in photo_set.photos}
        rejections = (
            {} if approve else review.rejection_reasons(decision.rejections, photos, decision.note)
        )
        before = {"status": photo_set.status}
        photo_set.status, photo_set.changed_since_print = (
            decided.status,
            decided.changed_since_print,
        )
        photo_set.review_note = decision.note.strip()
        for photo_id, photo in photos.items():
            photo.rejection_reason = rejections.get(photo_id, "")
        # A decision is a change too: the firm's open tabs reload, and a reprint of an
        # unchanged rejected set is a new version with its own fingerprint.
        photo_set.version += 1
        photo_set.updated_at = utcnow()
        session.add(
            AppliedDecision(
                decision_id=decision.decision_id,
                photo_set_id=photo_set.id,
                fingerprint=decision.fingerprint,
                decision="approve" if approve else "reject",
            )
        )
        audit(
            session,
            call,
            photo_set,
            "photo_set.approved" if approve else "photo_set.rejected",
            before=before,
            after={
                "status": photo_set.status,
                "decision_id": decision.decision_id,
                "fingerprint": decision.fingerprint,
                "reviewer_account_id": reviewer,
                "note": photo_set.review_note,
                "rejections": [
                    {"photo_id": photo_id, "sequence": photos[photo_id].sequence, "reason": reason}
                    for photo_id, reason in rejections.items()
                ],
            },
        )
        return with_photos(photo_set)
