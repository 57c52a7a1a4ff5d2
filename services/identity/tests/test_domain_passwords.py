"""The password rules a new password meets (the policy itself: test_passwords.py)."""

from __future__ import annotations

from jes_identity.domain.passwords import PasswordPolicy

POLICY = PasswordPolicy()


def test_every_problem_in_one_field_message():
    assert POLICY.problem("abc") == (
        "密碼長度須為 8 至 64 個字元；密碼須同時包含大寫及小寫英文字母；密碼須包含數字"
    )
    assert POLICY.problem("Firm1234!") is None


def test_a_new_password_differs_from_the_current_one():
    assert POLICY.change_problem("Firm1234!", "Firm1234!") == "新密碼不可與目前密碼相同"
    assert POLICY.change_problem("Firm5678!", "Firm1234!") is None


def test_the_policy_comes_before_the_repeat():
    assert POLICY.change_problem("short", "short") == POLICY.problem("short")


def test_rules_and_summary_follow_a_tightened_policy():
    policy = PasswordPolicy(min_length=12, max_length=20, symbols="!")
    assert policy.rules()[0] == "長度 12 至 20 個字元"
    assert policy.rules()[-1] == "只能使用英文字母、數字及符號 !"
    assert "12 至 20" in policy.summary()
