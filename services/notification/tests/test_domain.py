"""Notification's rules without a server or database: which event produces which mail to
whom, and a delivery's states with its retry schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jes.identity.v1 import identity_pb2
from jes.review_workflow.v1 import review_workflow_pb2
from jes_domain import InvalidArgument
from jes_notification.domain import case_notices, deliveries, mails
from jes_notification.domain.deliveries import DeliveryStatus
from jes_notification.domain.mails import Links, Mail

LINKS = Links("https://jes.example.gov.tw")


def application(**overrides) -> identity_pb2.FirmApplication:
    app = identity_pb2.FirmApplication(
        id="app-1",
        court_code="TPD",
        company_name="大華不動產估價師事務所",
        contact_person="王大明",
        email="wang@example.com",
        **overrides,
    )
    app.created_at.FromDatetime(datetime(2024, 11, 20, 17, 30, tzinfo=UTC))
    return app


def decided(state: str, email: str = "dahua@example.com", account_id: str = "KLDF001"):
    submission = review_workflow_pb2.Submission(
        id="sub-1",
        court_code="KLD",
        case_number="107年度司執字第999號",
        state=state,
        firm_email=email,
        firm_account_id=account_id,
        firm_name="大華",
        reasons=[
            review_workflow_pb2.PhotoReason(sequence=2, label="光線不足", text=""),
            review_workflow_pb2.PhotoReason(sequence=1, label="照片模糊不清", text="太暗"),
        ],
    )
    submission.decided_at.FromDatetime(datetime(2024, 11, 20, 6, 0, tzinfo=UTC))
    return review_workflow_pb2.ReviewDecided(submission=submission)


def recipients(to_send: list[Mail]) -> list[tuple[str, str]]:
    return [(mail.template, mail.recipient) for mail in to_send]


# -- which event, which mail, to whom ---------------------------------------------------------


def test_identity_events_go_to_the_applicant_or_account_holder():
    app = application(refusal_reason="資料不符")
    assert recipients(
        mails.firm_application_received(identity_pb2.FirmAccountApplied(application=app))
    ) == [("firm_application_received", "wang@example.com")]
    activated = mails.firm_account_activated(
        identity_pb2.FirmAccountActivated(
            application=app, account_id="TPDF001", set_password_link_id="link-7"
        ),
        LINKS,
    )
    assert recipients(activated) == [("firm_account_activated", "wang@example.com")]
    assert activated[0].link_id == "link-7"
    url = activated[0].context["set_password_url"]
    assert url == "https://jes.example.gov.tw/password/set?token={one-time-token}"
    assert mails.with_link_token(url, "a/b c") == (
        "https://jes.example.gov.tw/password/set?token=a%2Fb%20c"
    )
    [refused] = mails.firm_application_refused(identity_pb2.FirmApplicationRefused(application=app))
    assert (refused.recipient, refused.context["reason"]) == ("wang@example.com", "資料不符")
    reset = identity_pb2.PasswordResetRequested(email="lin@example.com", link_id="link-8")
    assert recipients(mails.password_reset_requested(reset, LINKS)) == [
        ("password_reset_requested", "lin@example.com")
    ]
    assert mails.password_reset_requested(reset, LINKS)[0].link_id == "link-8"


def test_an_account_id_reminder_only_when_the_address_has_accounts():
    asked = identity_pb2.AccountIdReminderRequested(email="w@example.com")
    assert mails.account_id_reminder(asked, LINKS) == []
    asked.account_ids.append("TPDF001")
    [mail] = mails.account_id_reminder(asked, LINKS)
    assert (mail.recipient, mail.context["account_ids"]) == ("w@example.com", ["TPDF001"])


def test_a_review_request_goes_to_every_clerk_of_the_court():
    event = review_workflow_pb2.ReviewRequested(
        submission=review_workflow_pb2.Submission(
            court_code="TPD", case_number="107年度司執字第1號"
        )
    )
    clerks = [
        identity_pb2.Account(email="lin@tpd.example", display_name="林書記官"),
        identity_pb2.Account(email="chen@tpd.example", display_name="陳書記官"),
    ]
    to_send = mails.review_requested(event, clerks, LINKS)
    assert recipients(to_send) == [
        ("review_requested", "lin@tpd.example"),
        ("review_requested", "chen@tpd.example"),
    ]
    assert to_send[0].subject == "【司法院】鑑估報告照片待審核：107年度司執字第1號"
    assert mails.review_requested(event, [], LINKS) == []


def test_a_decision_goes_to_the_print_address_else_the_account_address():
    assert mails.account_to_ask_for(decided("approved")) == ""
    assert mails.account_to_ask_for(decided("approved", email="")) == "KLDF001"
    assert mails.account_to_ask_for(decided("approved", email="", account_id="")) == ""
    assert recipients(mails.review_decided(decided("approved"), "", LINKS)) == [
        ("review_approved", "dahua@example.com")
    ]
    assert recipients(
        mails.review_decided(decided("rejected", email=""), "office@dahua.example", LINKS)
    ) == [("review_rejected", "office@dahua.example")]
    assert mails.review_decided(decided("approved", email=""), "", LINKS) == []


def test_a_rejection_lists_each_photos_reason_in_order():
    [mail] = mails.review_decided(decided("rejected"), "", LINKS)
    assert mail.context["reasons"] == [(1, "照片模糊不清：太暗"), (2, "光線不足")]
    assert mail.subject == "【司法院】鑑估報告照片未通過審核：107年度司執字第999號"


@pytest.mark.parametrize("word", ["ABC", "訴訴訴訴訴訴訴", "年度司執字第"])
def test_progress_of_a_case_number_no_service_accepts_is_refused_with_the_reason(word):
    with pytest.raises(InvalidArgument) as refused:
        case_notices.dotted_case_number("case-1", 113, word, 9)
    assert "case-1" in refused.value.message and "案號字別錯誤" in refused.value.message


def test_one_delivery_per_event_and_recipient():
    assert mails.delivery_id("e-1", "A@x.example") == mails.delivery_id("e-1", "a@x.example")
    assert mails.delivery_id("e-1", "a@x.example") != mails.delivery_id("e-2", "a@x.example")


def test_every_subject_has_a_template():
    from importlib.resources import files

    templates = files("jes_notification") / "templates"
    # case-progress mails take their subject from domain/case_notices.py (a count, a digest)
    assert {*mails.SUBJECTS, "case_progress"} == {
        entry.name.removesuffix(".txt")
        for entry in templates.iterdir()
        if not entry.name.startswith("_")  # partials (_case.txt) other templates include
    }


# -- a delivery's states ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempts_before", "max_attempts", "status", "attempts", "retry_after"),
    [
        (0, 8, DeliveryStatus.QUEUED, 1, timedelta(seconds=2)),
        (1, 8, DeliveryStatus.QUEUED, 2, timedelta(seconds=4)),
        (6, 8, DeliveryStatus.QUEUED, 7, timedelta(seconds=128)),
        (7, 8, DeliveryStatus.FAILED, 8, timedelta(seconds=256)),
        (8, 100, DeliveryStatus.QUEUED, 9, timedelta(minutes=5)),
        (0, 1, DeliveryStatus.FAILED, 1, timedelta(seconds=2)),
    ],
)
def test_a_refused_delivery_is_retried_with_backoff_until_the_last_attempt(
    attempts_before, max_attempts, status, attempts, retry_after
):
    attempt = deliveries.after_failure(attempts_before, max_attempts)
    assert (attempt.status, attempt.attempts, attempt.retry_after) == (
        status,
        attempts,
        retry_after,
    )


def test_an_accepted_delivery_is_sent_and_only_queued_ones_are_sendable():
    assert deliveries.after_sending(2) == deliveries.Attempt(DeliveryStatus.SENT, 3)
    assert deliveries.SENDABLE == {DeliveryStatus.QUEUED}
    assert [s.value for s in DeliveryStatus] == ["queued", "sent", "failed", "voided"]
    assert deliveries.after_link_gone(1) == deliveries.Attempt(DeliveryStatus.VOIDED, 1)


def test_listing_limits_and_recipient_filter():
    assert [deliveries.listed_count(n) for n in (0, 10, 1000)] == [50, 10, 500]
    assert deliveries.recipient_filter(" Wang@Example.com ") == "wang@example.com"
