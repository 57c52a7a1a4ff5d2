"""Identity's tables as contract messages (responses and event payloads), and what the
audit log keeps of them."""

from __future__ import annotations

from typing import Any

from jes.identity.v1 import identity_pb2 as pb
from jes_auth import main_role
from jes_db.audit import Actor
from jes_identity.domain.applications import ApplicationStatus
from jes_identity.models import Account, FirmApplication

STATUS_CODES: dict[ApplicationStatus, pb.ApplicationStatus.ValueType] = {
    ApplicationStatus.PENDING: pb.APPLICATION_STATUS_PENDING,
    ApplicationStatus.ACTIVATED: pb.APPLICATION_STATUS_ACTIVATED,
    ApplicationStatus.REFUSED: pb.APPLICATION_STATUS_REFUSED,
}
STATUSES_BY_CODE = {code: status for status, code in STATUS_CODES.items()}


def application_message(app: FirmApplication) -> pb.FirmApplication:
    status = ApplicationStatus(app.status)
    message = pb.FirmApplication(
        id=app.id,
        court_code=app.court_code,
        company_name=app.company_name,
        contact_person=app.contact_person,
        email=app.email,
        phone=app.phone,
        status=STATUS_CODES[status],
        refusal_reason=app.reason if status == ApplicationStatus.REFUSED else "",
        account_id=app.account.account_id if app.account else "",
        decided_by=app.decided_by,
    )
    message.created_at.FromDatetime(app.created_at)
    if app.decided_at:
        message.decided_at.FromDatetime(app.decided_at)
    return message


def account_message(account: Account) -> pb.Account:
    return pb.Account(
        id=account.id,
        account_id=account.account_id,
        display_name=account.display_name,
        email=account.email,
        roles=account.role_list,
        court_code=account.court_code,
        phone=account.phone,
        contact_person=account.contact_person,
        password_set=account.password_set,
        directory_account=account.directory_account,
        prosecutor_id=account.prosecutor_id,
        sign_in_provider=account.sign_in_provider,
    )


def profile(account: Account) -> dict[str, Any]:
    """What the audit log keeps of an account: never its password hash."""
    return {
        "account_id": account.account_id,
        "display_name": account.display_name,
        "email": account.email,
        "phone": account.phone,
        "contact_person": account.contact_person,
        "roles": account.role_list,
        "court_code": account.court_code,
        "password_set": account.password_set,
        "directory_account": account.directory_account,
        "prosecutor_id": account.prosecutor_id,
        "sign_in_provider": account.sign_in_provider,
    }


def actor_of_account(account: Account) -> Actor:
    return Actor(account_id=account.account_id, role=main_role(account.role_list))
