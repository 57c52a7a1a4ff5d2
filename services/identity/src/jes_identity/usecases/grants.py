"""Decision grants: the deciding reviewer's access token exchanged for a grant bound to one
recorded decision, which review-workflow presents when it carries the decision out as
itself (possibly after the reviewer's token has expired)."""

from __future__ import annotations

from jes_auth import Claims, DecisionBinding, TokenIssuer
from jes_identity.domain import access
from jes_identity.domain.grants import validate_binding

# The module a grant lets carry the decision out (the only one that records decisions).
CARRIED_OUT_BY = "review-workflow"


class DecisionGrants:
    def __init__(self, issuer: TokenIssuer):
        self.issuer = issuer

    def issue(self, caller: Claims, binding: DecisionBinding) -> str:
        """A grant for the verified reviewer (clerk of that court, or admin) who is the
        caller: subject, roles and court come from their token, never from the request."""
        validate_binding(binding)
        access.require_decider(caller, binding.court_code)
        return self.issuer.issue_decision_grant(caller, binding, actor=CARRIED_OUT_BY)
