"""CaseSyncService: progress entries pushed by court systems, and their followers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import case_sync_pb2_grpc as pb_grpc
from jes_case_sync.models import Case, Follower, ProgressEntry
from jes_db import Database, utcnow
from jes_events import Outbox
from jes_grpckit import InvalidArgument, NotFound, current_claims, request_id_var
from jes_zhtw import COURT_CODES, CaseNumber

CATEGORIES = ("民事", "刑事", "家事", "行政")
FOLLOWER_ROLES = ("當事人", "法定代理人", "訴訟代理人", "辯護人")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_case_key(key: pb.CaseKey) -> dict[str, str]:
    problems = {}
    # Exact codes only: "tpd" would be stored as a second case that TPD's followers miss.
    if key.court_code not in COURT_CODES:
        problems["case.court_code"] = "法院代碼不正確"
    if key.category not in CATEGORIES:
        problems["case.category"] = "案件類別須為民事、刑事、家事或行政"
    try:
        CaseNumber(key.year, key.word, key.number)
    except ValueError as exc:
        problems["case.number"] = str(exc)
    return problems


def find_case(session: Session, key: pb.CaseKey, *, create: bool) -> Case | None:
    fields = {
        "court_code": key.court_code,
        "category": key.category,
        "year": key.year,
        "word": key.word,
        "number": key.number,
    }
    case = session.scalar(select(Case).filter_by(**fields))
    if case is None and create:
        case = Case(**fields)
        session.add(case)
        session.flush()
    return case


class CaseSyncServicer(pb_grpc.CaseSyncServiceServicer):
    def __init__(self, db: Database, outbox: Outbox):
        self.db = db
        self.outbox = outbox

    def _push(self, request: pb.PushProgressRequest) -> pb.PushProgressResponse:
        problems = check_case_key(request.case)
        try:
            posted_on = date.fromisoformat(request.entry.posted_on)
            # fromisoformat also takes 20241120 and 2024-W47-3; the event carries the text
            if posted_on.isoformat() != request.entry.posted_on:
                raise ValueError(request.entry.posted_on)
        except ValueError:
            problems["entry.posted_on"] = "登載日期須為 YYYY-MM-DD"
        if not request.entry.item.strip():
            problems["entry.item"] = "登載事項不可空白"
        if not request.entry.source_entry_id.strip():
            problems["entry.source_entry_id"] = "缺少來源編號"
        if problems:
            raise InvalidArgument("進度資料有誤", fields=problems)
        with self.db.transaction() as session:
            case = find_case(session, request.case, create=True)
            assert case is not None
            known = session.scalar(
                select(ProgressEntry).where(
                    ProgressEntry.case_id == case.id,
                    ProgressEntry.source_entry_id == request.entry.source_entry_id,
                )
            )
            if known is not None:  # a court system re-sent it: nothing new to announce
                return pb.PushProgressResponse(case_id=case.id, created=False)
            session.add(
                ProgressEntry(
                    case_id=case.id,
                    source_entry_id=request.entry.source_entry_id,
                    posted_on=posted_on,
                    item=request.entry.item.strip(),
                )
            )
            followers = session.scalars(
                select(Follower.email).where(Follower.case_id == case.id).order_by(Follower.email)
            ).all()
            event = pb.ProgressEntryAdded(
                case_id=case.id,
                case=request.case,
                entry=request.entry,
                follower_emails=list(followers),
            )
            event.ingested_at.FromDatetime(utcnow())
            self.outbox.add(session, event, subject=case.id, trace_id=request_id_var.get())
            return pb.PushProgressResponse(case_id=case.id, created=True)

    def PushProgress(self, request: pb.PushProgressRequest, context: object) -> object:
        current_claims().require_role("court-system")
        return self._push(request)

    def IngestProgress(self, requests: Iterator[pb.PushProgressRequest], context: object) -> object:
        current_claims().require_role("court-system")
        received = created = 0
        for request in requests:
            received += 1
            created += int(self._push(request).created)
        return pb.IngestProgressResponse(received=received, created=created)

    def AddFollower(self, request: pb.AddFollowerRequest, context: object) -> object:
        current_claims().require_role("court-system")
        problems = check_case_key(request.case)
        email = request.email.strip().lower()
        if not EMAIL.match(email):
            problems["email"] = "電子郵件格式不正確"
        if request.role not in FOLLOWER_ROLES:
            problems["role"] = "身分須為當事人、法定代理人、訴訟代理人或辯護人"
        if problems:
            raise InvalidArgument("追蹤申請資料有誤", fields=problems)
        with self.db.transaction() as session:
            case = find_case(session, request.case, create=True)
            assert case is not None
            follower = session.scalar(
                select(Follower).where(Follower.case_id == case.id, Follower.email == email)
            )
            if follower is None:
                follower = Follower(case_id=case.id, email=email, role=request.role)
                session.add(follower)
                session.flush()
            return pb.AddFollowerResponse(follower_id=follower.id)

    def ListProgress(self, request: pb.ListProgressRequest, context: object) -> object:
        current_claims().require_role("court-system", "admin")
        with self.db.transaction() as session:
            case = find_case(session, request.case, create=False)
            if case is None:
                raise NotFound("查無此案件")
            entries = session.scalars(
                select(ProgressEntry)
                .where(ProgressEntry.case_id == case.id)
                .order_by(ProgressEntry.posted_on.desc(), ProgressEntry.ingested_at.desc())
                .limit(request.limit or 3)
            ).all()
            return pb.ListProgressResponse(
                entries=[
                    pb.ProgressEntry(
                        source_entry_id=e.source_entry_id,
                        posted_on=e.posted_on.isoformat(),
                        item=e.item,
                    )
                    for e in entries
                ]
            )
