"""The role that names a person in audit logs, one rule for every service."""

from __future__ import annotations

import pytest

from jes_auth import main_role


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (["firm"], "firm"),
        (["judge", "clerk"], "clerk"),
        (["clerk", "admin"], "admin"),
        (["progress", "firm"], "firm"),  # a firm account bound to a case-progress account
        (["committee-member", "judicial-officer"], "judicial-officer"),
        (["professional"], "professional"),
        (["auditor"], "user"),
        ([], "user"),
    ],
)
def test_main_role(roles, expected):
    assert main_role(roles) == expected
