"""Appraiser rows as the contract's messages."""

from __future__ import annotations

from datetime import date

from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes_review_workflow.appraisal.common import member_of
from jes_review_workflow.domain.appraisal.disqualification import AuctionResult
from jes_review_workflow.domain.appraisal.rotation import Category, LogKind, Standing
from jes_review_workflow.models import AppraisalAssignment, Appraiser, RotationLogRow

CATEGORY = {
    Category.REAL_ESTATE: pb.APPRAISER_CATEGORY_REAL_ESTATE,
    Category.OTHER_PROPERTY: pb.APPRAISER_CATEGORY_OTHER_PROPERTY,
}
CATEGORY_OF = {v: k for k, v in CATEGORY.items()}
STANDING = {
    Standing.ACTIVE: pb.APPRAISER_STANDING_ACTIVE,
    Standing.SUSPENDED: pb.APPRAISER_STANDING_SUSPENDED,
    Standing.DISQUALIFIED: pb.APPRAISER_STANDING_DISQUALIFIED,
}
STANDING_OF = {v: k for k, v in STANDING.items()}
AUCTION_RESULT = {
    AuctionResult.UNSOLD: pb.AUCTION_RESULT_UNSOLD,
    AuctionResult.SOLD: pb.AUCTION_RESULT_SOLD,
    AuctionResult.TAKEN_OVER: pb.AUCTION_RESULT_TAKEN_OVER,
}
LOG_KIND = {
    LogKind.ASSIGNED: pb.ROTATION_LOG_KIND_ASSIGNED,
    LogKind.SKIPPED: pb.ROTATION_LOG_KIND_SKIPPED,
    LogKind.EXCEPTION: pb.ROTATION_LOG_KIND_EXCEPTION,
    LogKind.REPLACED: pb.ROTATION_LOG_KIND_REPLACED,
}


def iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def roster_entry(row: Appraiser, today: date) -> pb.RosterEntry:
    return pb.RosterEntry(
        id=row.id,
        court_code=row.court_code,
        category=CATEGORY[Category(row.category)],
        name=row.name,
        account_id=row.account_id,
        position=row.position,
        standing=STANDING[Standing(row.standing)],
        standing_today=STANDING[member_of(row).standing_on(today)],
        until=iso(row.until),
        standing_reason=row.standing_reason,
        last_turn=row.last_turn,
        qualification=row.qualification,
    )


def assignment_message(
    row: AppraisalAssignment, appraiser_name: str, ground_label: str = ""
) -> pb.Assignment:
    return pb.Assignment(
        id=row.id,
        court_code=row.court_code,
        category=CATEGORY[Category(row.category)],
        case_number=row.case_number,
        division=row.division,
        appraiser_id=row.appraiser_id,
        appraiser_name=appraiser_name,
        off_rotation=row.off_rotation,
        ground=row.ground,
        ground_label=ground_label,
        reason=row.reason,
        assigned_by=row.assigned_by,
        approved_by=row.approved_by,
        assigned_on=iso(row.assigned_on),
        skips=[pb.SkippedAppraiser(**skip) for skip in row.skips],
        replaced=row.replaced,
        replaced_reason=row.replaced_reason,
        refund_owed=row.refund_owed,
    )


def log_entry(row: RotationLogRow) -> pb.RotationLogEntry:
    return pb.RotationLogEntry(
        sequence=row.sequence,
        kind=LOG_KIND[LogKind(row.kind)],
        content_json=row.content,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
