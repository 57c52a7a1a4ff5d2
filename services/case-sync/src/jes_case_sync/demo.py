"""Development mode's demo cases (`jes run --dev`, `make run`): two cases of 臺北地院 with
their progress, followed by the demo case-progress account 陳小明 (DEMOPROGRESS), so the
case list, the case pages (the next hearing, what is new) and the notices in the
mailbox can be tried without a court system.

They go through case-sync's own rules, as 臺北地院's system would send them: the entries
by `Ingest`, the follows by `Follows.approve` (identity finds the account by its e-mail
and mails a notice). The entries' dates are counted back from the first start; a later
start finds them and adds nothing.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import grpc
from sqlalchemy import select

from jes.identity.v1 import identity_pb2_grpc
from jes_case_sync.case_store import find_case
from jes_case_sync.domain.cases import CaseKey
from jes_case_sync.domain.changes import ChangeInput, ChangeKind, ValidChange, validate_change
from jes_case_sync.domain.entries import HearingInput, ProgressInput
from jes_case_sync.domain.followers import FollowApplication
from jes_case_sync.identity_port import IdentityPort
from jes_case_sync.models import ProgressEntry
from jes_case_sync.usecases.common import Infrastructure
from jes_case_sync.usecases.follows import AccountOpener, Follows
from jes_case_sync.usecases.ingest import Ingest
from jes_db.audit import Actor

log = logging.getLogger(__name__)

COURT = "TPD"
COURT_SYSTEM = Actor(f"court-system:{COURT}", "court-system")
# identity's demo case-progress account (jes_identity.demo: DEMOPROGRESS 陳小明)
FOLLOWER_EMAIL = "progress@jes.example"
FOLLOWER_NAME = "陳小明"
FOLLOWER_ROLE = "當事人"

CIVIL = CaseKey(COURT, "民事", 115, "訴", 3021)
FAMILY = CaseKey(COURT, "家事", 115, "家親聲", 418)

# (case, source entry id, days before the first start, 登載事項, hearing: days after, time,
# place, kind); the court system's own entry ids, as its system would number them
DemoEntry = tuple[CaseKey, str, int, str, tuple[int, str, str, str] | None]
ENTRIES: tuple[DemoEntry, ...] = (
    (CIVIL, "TPD-115-3021-001", 62, "收案（分案）", None),
    (CIVIL, "TPD-115-3021-002", 55, "命原告補繳裁判費", None),
    (CIVIL, "TPD-115-3021-003", 41, "原告補繳裁判費", None),
    (CIVIL, "TPD-115-3021-004", 30, "被告具狀答辯", None),
    (CIVIL, "TPD-115-3021-005", 21, "準備程序終結", None),
    (FAMILY, "TPD-115-418-001", 35, "收案（分案）", None),
    (FAMILY, "TPD-115-418-002", 18, "函請社工訪視", None),
)
# posted after the follows: new since the account's last visit, and a notice in the mailbox
LATER_ENTRIES: tuple[DemoEntry, ...] = (
    (
        CIVIL,
        "TPD-115-3021-006",
        2,
        "定期言詞辯論",
        (16, "10:30", "第五法庭", "言詞辯論"),
    ),
    (FAMILY, "TPD-115-418-003", 1, "定期調解", (9, "14:00", "家事調解室三", "調解")),
)


def _changes(entries: tuple[DemoEntry, ...], today: date) -> list[ValidChange]:
    changes = []
    for key, source_id, days_ago, item, hearing in entries:
        sent = None
        if hearing is not None:
            days_after, at, place, kind = hearing
            starts = f"{(today + timedelta(days=days_after)).isoformat()}T{at}"
            sent = HearingInput(starts_at=starts, place=place, kind=kind)
        entry = ProgressInput(
            source_entry_id=source_id,
            posted_on=(today - timedelta(days=days_ago)).isoformat(),
            item=item,
            hearing=sent,
        )
        changes.append(validate_change(ChangeInput(key, ChangeKind.POST, entry=entry), today))
    return changes


def _fully_seeded(kit: Any) -> bool:
    """The last step's entry is there: every step before it was done."""
    key, source_id = LATER_ENTRIES[-1][0], LATER_ENTRIES[-1][1]
    with kit.db.transaction() as session:
        case = find_case(session, key)
        return case is not None and (
            session.scalar(
                select(ProgressEntry.id).where(
                    ProgressEntry.case_id == case.id, ProgressEntry.source_entry_id == source_id
                )
            )
            is not None
        )


def seed_demo_cases(kit: Any, open_account: AccountOpener | None = None) -> list[str]:
    """Seed the demo cases into the started case-sync (once); the welcome text's lines.
    `open_account`: identity's OpenProgressAccount over gRPC unless a test gives its own.
    Identity not answering (distributed mode, started before it) leaves the cases without
    their follower and says so; the next start finishes (entries by their ids, follows
    by case and e-mail: nothing twice)."""
    lines = [
        f"Demo cases, followed by DEMOPROGRESS: 臺北地院 {CIVIL.category}"
        f" {CIVIL.case_number.formal()}, {FAMILY.category} {FAMILY.case_number.formal()}"
    ]
    if _fully_seeded(kit):
        return lines
    infra = Infrastructure(kit.db, kit.outbox)
    today = infra.today()
    ingest = Ingest(infra)
    ingest.apply(COURT, _changes(ENTRIES, today), actor=COURT_SYSTEM)
    if open_account is None:
        identity = IdentityPort(kit.client("identity", identity_pb2_grpc.IdentityServiceStub))
        open_account = identity.open_account
    follows = Follows(infra, open_account)
    try:
        for number, key in enumerate((CIVIL, FAMILY), start=1):
            application = FollowApplication(
                key, FOLLOWER_EMAIL, FOLLOWER_ROLE, FOLLOWER_NAME, f"DEMO-{number:03d}"
            )
            follows.approve(application, COURT_SYSTEM)
    except grpc.RpcError as exc:
        log.warning("demo cases: identity did not open the follower's account: %s", exc)
        return [
            "Demo cases of 臺北地院 without their follower (identity did not answer;"
            " the next start adds it)"
        ]
    ingest.apply(COURT, _changes(LATER_ENTRIES, today), actor=COURT_SYSTEM)
    return lines
