"""Every audit action identity records has its zh-TW label next to identity
(jes_identity.domain.audit_actions), for wherever its audit entries are shown."""

from __future__ import annotations

import ast
from pathlib import Path

from jes.identity.v1 import binding_pb2 as bpb
from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import sessions_pb2 as spb
from jes.identity.v1 import verification_pb2 as vpb
from jes_identity.domain import audit_actions
from jes_identity.domain.applications import ApplicationStatus
from jes_identity.domain.audit_actions import ACTION_LABELS, application_decided
from jes_servicekit.audit import audit_entry_messages

from .certificate_portal import Portal, component, portal, revocation, trust_env

__all__ = ["component", "portal", "revocation", "trust_env"]  # fixtures used here

SOURCE = Path(audit_actions.__file__).parents[1]


def test_every_action_constant_has_a_label():
    constants = {
        value
        for name, value in vars(audit_actions).items()
        if name.isupper() and isinstance(value, str)
    }
    assert constants == set(ACTION_LABELS)
    assert all(label.strip() for label in ACTION_LABELS.values())


def test_every_decided_status_has_an_action():
    for status in (ApplicationStatus.ACTIVATED, ApplicationStatus.REFUSED):
        assert application_decided(status) in ACTION_LABELS


def test_actions_are_recorded_only_through_the_constants():
    """No `audit_log.record(session, actor, "literal", ...)` that could miss a label."""
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and len(node.args) >= 3
            ):
                action = node.args[2]
                assert not isinstance(action, ast.Constant | ast.JoinedStr), (
                    f"{path.name}:{node.lineno} records a literal action"
                )


def test_recorded_actions_are_labelled(portal: Portal):
    """Through the service: activation, refusal, setting, updating and changing, and a
    registration by certificate."""
    service = portal.service
    portal.registered_with(portal.revocation.pki.card(id_last_four="6789"))
    member = service.login("WANG2025", "Secret123!").access_token
    portal.bind_renewed(portal.revocation.pki.card(id_last_four="6789"), member)
    service.add_account("TPDCLERK", roles=["clerk"], court_code="TPD")
    approved = service.apply()
    service.decide(approved.id, approve=True)
    refused = service.apply(email="other@example.com")
    service.decide(refused.id, approve=False, reason="資料不全")
    [(_, activated)] = service.events(pb.FirmAccountActivated)
    service.client().call(
        "SetPassword",
        pb.SetPasswordRequest(
            token=service.link_token(activated.set_password_link_id), new_password="Newpass123!"
        ),
    )
    me = service.client(service.login(activated.account_id, "Newpass123!").access_token)
    me.call(
        "UpdateMyAccount",
        pb.UpdateMyAccountRequest(
            display_name="大華", email="a@example.com", phone="02-1234-5678", contact_person=""
        ),
    )
    me.call(
        "ChangePassword",
        pb.ChangePasswordRequest(current_password="Newpass123!", new_password="Changed123!"),
    )
    [code_event] = [  # the code sent to the new address (the registration had one too)
        event
        for _, event in service.events(vpb.VerificationCodeRequested)
        if event.purpose == vpb.VERIFICATION_PURPOSE_EMAIL_CHANGE
    ]
    code = service.as_service("notification").call(
        "IssueVerificationCode", vpb.IssueVerificationCodeRequest(code_id=code_event.code_id)
    )
    me.call("ConfirmEmailChange", vpb.ConfirmEmailChangeRequest(code=code.code))
    service.add_account("PROGRESS01", roles=["progress"], court_code="")
    me.call("BindAccount", bpb.BindAccountRequest(account_id="PROGRESS01", password="Firm1234!"))
    me.call("UnbindAccount", bpb.UnbindAccountRequest(account_id="PROGRESS01"))
    me.call("EndMySessions", spb.EndMySessionsRequest(all=True))
    records = service.audit()
    assert {r.action for r in records} == set(ACTION_LABELS)
    entries = audit_entry_messages(records, ACTION_LABELS)
    assert all(entry.action_label == ACTION_LABELS[entry.action] for entry in entries)
