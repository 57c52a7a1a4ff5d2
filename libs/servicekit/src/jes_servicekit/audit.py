"""Audit entries between the shared table (jes_db.audit) and the contract (jes.audit.v1)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from google.protobuf.timestamp_pb2 import Timestamp

from jes.audit.v1 import audit_pb2
from jes_auth import Claims, main_role
from jes_db.audit import Actor, AuditRecord


def actor_of(claims: Claims) -> Actor:
    """The caller as the audit log names it: login name and main role, the service, or
    the court system (by its court)."""
    if claims.is_service:
        return Actor.service(claims.subject)
    if claims.kind == "court-system":
        return Actor(account_id=f"court-system:{claims.subject}", role="court-system")
    role = main_role(claims.roles)
    return Actor(account_id=claims.display_id, role=role)


def audit_entry_messages(
    records: Iterable[AuditRecord], labels: Mapping[str, str] | None = None
) -> list[audit_pb2.AuditEntry]:
    """`labels`: the zh-TW label of each action, kept next to the service that records it."""
    labels = labels or {}
    messages = []
    for record in records:
        at = Timestamp()
        at.FromDatetime(record.at)
        messages.append(
            audit_pb2.AuditEntry(
                id=record.id,
                at=at,
                actor_account_id=record.actor_account_id,
                actor_role=record.actor_role,
                action=record.action,
                subject_type=record.subject_type,
                subject_id=record.subject_id,
                court_code=record.court_code,
                before_json=record.before_json,
                after_json=record.after_json,
                action_label=labels.get(record.action, ""),
            )
        )
    return messages
