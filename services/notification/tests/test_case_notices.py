"""Case-progress notices' rules without a server or database (domain/case_notices.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from jes_domain import InvalidArgument
from jes_notification.domain import case_notices as rules
from jes_notification.domain.case_notices import (
    BATCH_WINDOW,
    EntryDeliveryStatus,
    MailMode,
    NoticeStatus,
)
from jes_zhtw import format_hearing


def test_one_notice_per_case_entry_and_address_whatever_the_case_of_the_address():
    one = rules.notice_id("case-1", "e-1", "Wang@Example.com")
    assert one == rules.notice_id("case-1", "e-1", " wang@example.com ")
    assert one != rules.notice_id("case-1", "e-2", "wang@example.com")
    assert one != rules.notice_id("case-2", "e-1", "wang@example.com")
    assert one != rules.notice_id("case-1", "e-1", "chen@example.com")


def test_the_same_notices_always_make_the_same_mail_in_any_order():
    assert rules.batch_delivery_id(["n-1", "n-2"]) == rules.batch_delivery_id(["n-2", "n-1"])
    assert rules.batch_delivery_id(["n-1"]) != rules.batch_delivery_id(["n-1", "n-2"])


def test_an_immediate_notice_waits_only_the_batching_window():
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    assert rules.due_at(MailMode.IMMEDIATE, now) == now + BATCH_WINDOW
    assert BATCH_WINDOW <= timedelta(seconds=3)  # a mail within seconds


def test_the_window_runs_from_the_entrys_arrival_at_jes_not_from_this_service_hearing_of_it():
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    # case-sync committed it 1.5 s ago: half a second of the window is left
    arrived = now - timedelta(seconds=1.5)
    assert rules.due_at(MailMode.IMMEDIATE, now, arrived) == arrived + BATCH_WINDOW
    # it spent longer than the window on its way: due at once, not a window more
    assert rules.due_at(MailMode.IMMEDIATE, now, now - timedelta(seconds=30)) == now
    # a stamp ahead of this clock (clocks differ) never stretches the window
    ahead = now + timedelta(seconds=20)
    assert rules.due_at(MailMode.IMMEDIATE, now, ahead) == now + BATCH_WINDOW
    # a digest still waits for its hour
    assert rules.due_at(MailMode.DAILY_DIGEST, now, arrived) == datetime(
        2026, 11, 30, 10, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("now", "digest"),
    [
        # 09:00 Taipei: the same day's 18:00 Taipei (10:00 UTC)
        (datetime(2026, 11, 30, 1, 0, tzinfo=UTC), datetime(2026, 11, 30, 10, 0, tzinfo=UTC)),
        # 18:00 Taipei exactly: the next day's
        (datetime(2026, 11, 30, 10, 0, tzinfo=UTC), datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        # 23:30 UTC on the 30th is 07:30 on 1 December in Taipei: that day's 18:00
        (datetime(2026, 11, 30, 23, 30, tzinfo=UTC), datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
    ],
)
def test_a_digest_notice_waits_for_the_next_18_00_in_taipei(now, digest):
    assert rules.due_at(MailMode.DAILY_DIGEST, now) == digest


def test_an_unsubscribed_address_gets_a_dropped_notice():
    assert rules.status_on_arrival(MailMode.UNSUBSCRIBED) is NoticeStatus.DROPPED
    assert rules.status_on_arrival(MailMode.IMMEDIATE) is NoticeStatus.PENDING
    assert rules.status_on_arrival(MailMode.DAILY_DIGEST) is NoticeStatus.PENDING


def test_a_mail_lists_its_entries_in_posting_order_with_roc_dates():
    arrived = datetime(2026, 11, 30, tzinfo=UTC)
    lines = rules.in_posting_order(
        [
            (date(2012, 7, 20), arrived, "101/08/10 10:00第一法庭言詞辯論", ""),
            (date(2012, 7, 2), arrived + timedelta(seconds=1), "準備程序", ""),
            (date(2012, 7, 4), arrived, "函查", ""),
        ]
    )
    assert [(line.posted_on, line.item) for line in lines] == [
        ("101/07/02", "準備程序"),
        ("101/07/04", "函查"),
        ("101/07/20", "101/08/10 10:00第一法庭言詞辯論"),
    ]


def test_subjects_say_how_many_entries_and_whether_it_is_the_digest():
    assert rules.progress_mail_subject("100.訴.992032", 1, digest=False) == (
        "【司法院】案件進度更新：100.訴.992032"
    )
    assert rules.progress_mail_subject("100.訴.992032", 3, digest=False) == (
        "【司法院】案件進度更新：100.訴.992032（3 筆）"
    )
    assert rules.progress_mail_subject("100.訴.992032", 2, digest=True) == (
        "【司法院】案件進度每日摘要：100.訴.992032（2 筆）"
    )


@pytest.mark.parametrize(
    ("notice", "delivery", "told"),
    [
        ("pending", "", EntryDeliveryStatus.PENDING),
        ("dropped", "", EntryDeliveryStatus.NOT_SENT),
        ("composed", "queued", EntryDeliveryStatus.QUEUED),
        ("composed", "sent", EntryDeliveryStatus.SENT),
        ("composed", "failed", EntryDeliveryStatus.FAILED),
        ("composed", "voided", EntryDeliveryStatus.FAILED),
    ],
)
def test_what_a_court_system_is_told_of_an_entrys_mail(notice, delivery, told):
    assert rules.entry_delivery_status(notice, delivery) is told


def test_a_mode_must_be_chosen():
    assert rules.chosen_mode("daily_digest") is MailMode.DAILY_DIGEST
    with pytest.raises(InvalidArgument) as refused:
        rules.chosen_mode("")
    assert refused.value.fields == {"mode": "請選擇通知方式"}


def test_settings_tokens_are_long_and_random():
    tokens = {rules.new_settings_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(token) >= 40 for token in tokens)
    assert rules.settings_token_problem("") is not None
    assert rules.settings_token_problem("x" * 101) is not None
    assert rules.settings_token_problem(rules.new_settings_token()) is None


def test_a_hearing_is_shown_with_its_absolute_roc_date_weekday_and_place():
    assert format_hearing("2012-08-10T10:00", "第一法庭", "言詞辯論") == (
        "民國 101年 8月10日 星期五 10:00 第一法庭 言詞辯論"
    )
    assert format_hearing("", "第一法庭", "言詞辯論") == ""


def test_corrections_and_withdrawals_say_so():
    assert rules.corrected_item("函查") == "（更正）函查"
    assert rules.withdrawn_item("函查", "誤登") == "（撤回）先前通知的「函查」已撤回，原因：誤登"
    assert rules.withdrawn_item("函查", "") == "（撤回）先前通知的「函查」已撤回"
