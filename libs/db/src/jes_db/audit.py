"""An audit log table any service can add to its own database.

Entries are written in the same transaction as the change they describe, so the log
never claims a change that did not commit, and no committed change goes unlogged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, MetaData, String, Table, Text, func, insert, select
from sqlalchemy.orm import Session

from jes_db import UTCDateTime, new_id, utcnow


@dataclass(frozen=True)
class Actor:
    """Who did it: a login name and role, or a service."""

    account_id: str
    role: str

    @classmethod
    def service(cls, name: str) -> Actor:
        return cls(account_id=f"service:{name}", role="service")


@dataclass(frozen=True)
class AuditRecord:
    id: str
    at: datetime
    actor_account_id: str
    actor_role: str
    action: str
    subject_type: str
    subject_id: str
    court_code: str
    before_json: str
    after_json: str


def _as_json(state: Mapping[str, Any] | None) -> str:
    if state is None:
        return ""
    return json.dumps(state, ensure_ascii=False, sort_keys=True, default=str)


class AuditLog:
    """`audit_log` on a service's own metadata (its migrations create the table)."""

    def __init__(self, metadata: MetaData) -> None:
        self.table = Table(
            "audit_log",
            metadata,
            Column("id", String(36), primary_key=True),
            Column("at", UTCDateTime(), nullable=False),
            Column("actor_account_id", String(100), nullable=False),
            Column("actor_role", String(30), nullable=False),
            Column("action", String(60), nullable=False),
            Column("subject_type", String(40), nullable=False),
            Column("subject_id", String(64), nullable=False),
            Column("court_code", String(3), nullable=False, default=""),
            Column("before_json", Text, nullable=False, default=""),
            Column("after_json", Text, nullable=False, default=""),
            Index("ix_audit_log_subject", "subject_id", "at"),
            Index("ix_audit_log_court", "court_code", "at"),
        )

    def record(
        self,
        session: Session,
        actor: Actor,
        action: str,
        *,
        subject_type: str,
        subject_id: str,
        court_code: str = "",
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> str:
        entry_id = new_id()
        session.execute(
            insert(self.table).values(
                id=entry_id,
                at=utcnow(),
                actor_account_id=actor.account_id,
                actor_role=actor.role,
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                court_code=court_code,
                before_json=_as_json(before),
                after_json=_as_json(after),
            )
        )
        return entry_id

    def entries(
        self,
        session: Session,
        *,
        subject_ids: Sequence[str] = (),
        court_code: str = "",
        newest_first: bool = False,
        limit: int = 0,
        offset: int = 0,
    ) -> list[AuditRecord]:
        query = self._filtered(select(self.table), subject_ids, court_code)
        order = self.table.c.at.desc() if newest_first else self.table.c.at.asc()
        query = query.order_by(order, self.table.c.id)
        if limit:
            query = query.limit(limit).offset(offset)
        return [AuditRecord(**row._mapping) for row in session.execute(query)]

    def count(
        self, session: Session, *, subject_ids: Sequence[str] = (), court_code: str = ""
    ) -> int:
        query = self._filtered(
            select(func.count()).select_from(self.table), subject_ids, court_code
        )
        return int(session.execute(query).scalar_one())

    def _filtered(self, query: Any, subject_ids: Sequence[str], court_code: str) -> Any:
        if subject_ids:
            query = query.where(self.table.c.subject_id.in_(list(subject_ids)))
        if court_code:
            query = query.where(self.table.c.court_code == court_code)
        return query
