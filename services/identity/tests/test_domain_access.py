"""Who may do what, decided on the verified caller alone."""

from __future__ import annotations

import pytest

from jes_auth import Claims
from jes_domain import Forbidden
from jes_identity.domain import access


def user(*roles: str, court_code: str = "TPD") -> Claims:
    return Claims(subject="u-1", kind="user", roles=frozenset(roles), court_code=court_code)


SERVICE = Claims(subject="review-workflow", kind="service")
TPD_CLERK = user("clerk")
TCD_CLERK = user("clerk", court_code="TCD")
ADMIN = user("admin", court_code="")
FIRM = user("firm")


def refusal(decision, *args) -> str:
    with pytest.raises(Forbidden) as refused:
        decision(*args)
    return refused.value.message


# -- listing firm applications --------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "requested", "scope"),
    [
        (TPD_CLERK, "", "TPD"),  # a clerk sees their own court by default
        (TPD_CLERK, "TPD", "TPD"),
        (ADMIN, "", ""),  # every court
        (ADMIN, "TCD", "TCD"),
    ],
)
def test_application_scope(caller, requested, scope):
    assert access.application_court_scope(caller, requested) == scope


def test_a_service_on_its_own_lists_no_applications():
    """Issue 9: a service token listed every firm application. review-workflow lists them
    with the clerk's token it forwards; a service alone has no role."""
    assert refusal(access.application_court_scope, SERVICE, "") == (
        "權限不足：requires one of the roles admin, clerk"
    )


def test_a_clerk_may_not_list_another_courts_applications():
    assert refusal(access.application_court_scope, TCD_CLERK, "TPD") == (
        "權限不足：not in this court's scope"
    )


def test_a_clerk_without_a_court_may_not_list_applications():
    assert refusal(access.application_court_scope, user("clerk", court_code=""), "") == (
        "權限不足：帳號未設定所屬法院"
    )


@pytest.mark.parametrize("caller", [FIRM, user("judge")])
def test_only_court_staff_list_applications(caller):
    assert refusal(access.application_court_scope, caller, "TPD") == (
        "權限不足：requires one of the roles admin, clerk"
    )


# -- deciding, staff lists, accounts for services, own account ------------------------------


@pytest.mark.parametrize("caller", [SERVICE, FIRM, user("judge")])
def test_decisions_are_a_clerks_or_an_admins(caller):
    """The contract lets only review-workflow forward the decider's token; the decider is
    a person, never a service on its own."""
    assert refusal(access.require_decider, caller, "TPD") == (
        "權限不足：法院的決定須經審核流程辦理"
    )
    access.require_decider(TPD_CLERK, "TPD")
    access.require_decider(ADMIN, "TCD")


def test_a_clerk_decides_for_their_own_court_only():
    assert refusal(access.require_decider, TCD_CLERK, "TPD") == (
        "權限不足：not in this court's scope"
    )


def test_court_staff_list():
    access.require_court_staff(TPD_CLERK, "TPD")
    access.require_court_staff(ADMIN, "TCD")
    access.require_court_staff(SERVICE, "TCD")
    assert refusal(access.require_court_staff, TCD_CLERK, "TPD") == (
        "權限不足：not in this court's scope"
    )
    assert refusal(access.require_court_staff, FIRM, "TPD") == (
        "權限不足：requires one of the roles admin, clerk"
    )


@pytest.mark.parametrize("caller", [TPD_CLERK, ADMIN, FIRM])
def test_get_account_is_for_services_only(caller):
    assert refusal(access.require_service, caller) == "權限不足：僅限系統服務呼叫"
    access.require_service(SERVICE)


def test_own_account_is_for_people_only():
    assert refusal(access.require_user, SERVICE) == "權限不足：此功能僅限使用者帳號"
    access.require_user(FIRM)
