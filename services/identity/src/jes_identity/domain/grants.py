"""Decision grants: what a binding must name before identity signs one."""

from __future__ import annotations

from jes_auth import DecisionBinding
from jes_domain import InvalidArgument

KINDS = ("photo_set_review", "firm_application")
DECISIONS = ("approve", "reject")


def validate_binding(binding: DecisionBinding) -> DecisionBinding:
    """One decision, named completely (a grant names exactly what it allows)."""
    fields: dict[str, str] = {}
    if binding.kind not in KINDS:
        fields["binding.kind"] = "決定種類須為 photo_set_review 或 firm_application"
    if not binding.target_id.strip():
        fields["binding.target_id"] = "請指定審核對象"
    if binding.kind == "photo_set_review" and not binding.version.strip():
        fields["binding.version"] = "請指定審核的列印版本"
    if binding.decision not in DECISIONS:
        fields["binding.decision"] = "決定須為 approve 或 reject"
    if not binding.decision_id.strip():
        fields["binding.decision_id"] = "請指定決定編號"
    if not binding.court_code.strip():
        fields["binding.court_code"] = "請指定法院"
    if fields:
        raise InvalidArgument("審核決定的授權內容不完整", fields=fields)
    return binding
