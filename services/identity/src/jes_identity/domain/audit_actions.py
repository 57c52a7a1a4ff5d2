"""The audit actions identity records, with their zh-TW labels (kept next to the service
that records them; passed to jes_servicekit.audit.audit_entry_messages wherever identity
returns audit entries)."""

from __future__ import annotations

from jes_identity.domain.applications import ApplicationStatus

ACCOUNT_CREATED = "account.created"
ACCOUNT_UPDATED = "account.updated"
ACCOUNT_PASSWORD_SET = "account.password_set"  # noqa: S105 (an action name)
ACCOUNT_PASSWORD_CHANGED = "account.password_changed"  # noqa: S105 (an action name)
ACCOUNT_REGISTERED_BY_CERTIFICATE = "account.registered_by_certificate"
ACCOUNT_CERTIFICATE_BOUND = "account.certificate_bound"
ACCOUNT_SESSIONS_ENDED = "account.sessions_ended"
ACCOUNT_EMAIL_CHANGED = "account.email_changed"
ACCOUNT_BOUND = "account.bound"
ACCOUNT_UNBOUND = "account.unbound"
APPLICATION_ACTIVATED = "firm_application.activated"
APPLICATION_REFUSED = "firm_application.refused"

ACTION_LABELS: dict[str, str] = {
    ACCOUNT_CREATED: "建立帳號",
    ACCOUNT_UPDATED: "修改帳號資料",
    ACCOUNT_PASSWORD_SET: "設定密碼",
    ACCOUNT_PASSWORD_CHANGED: "變更密碼",
    ACCOUNT_REGISTERED_BY_CERTIFICATE: "憑證註冊帳號",
    ACCOUNT_CERTIFICATE_BOUND: "綁定換發的憑證",
    ACCOUNT_SESSIONS_ENDED: "登出其他裝置",
    ACCOUNT_EMAIL_CHANGED: "變更電子郵件",
    ACCOUNT_BOUND: "帳號綁定",
    ACCOUNT_UNBOUND: "解除帳號綁定",
    APPLICATION_ACTIVATED: "開通鑑估價公司帳號",
    APPLICATION_REFUSED: "不予開通帳號申請",
}


def application_decided(status: ApplicationStatus) -> str:
    """The action recorded when an application reaches `status` (activated or refused)."""
    return {
        ApplicationStatus.ACTIVATED: APPLICATION_ACTIVATED,
        ApplicationStatus.REFUSED: APPLICATION_REFUSED,
    }[status]
