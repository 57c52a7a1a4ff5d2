"""case-sync's other events through the service: corrections and withdrawals of entries,
the cut-off (when its clock starts, seven days before, when it is reached), and follows
approved (the activation link the first time) or ended."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from jes.case_sync.v1 import case_events_pb2, cases_pb2
from jes.notification.v1 import notification_pb2 as pb
from jes_db import utcnow
from jes_notification import notice_composing
from jes_notification.domain.case_notices import BATCH_WINDOW
from jes_notification.domain.mails import Links
from jes_notification.models import CaseMailSubscription
from jes_protos import make_envelope

PUBLIC_URL = "https://jes.example.gov.tw"
LINKS = Links(PUBLIC_URL)
WANG, CHEN = "wang@example.com", "chen@example.com"


def case_key() -> cases_pb2.CaseKey:
    return cases_pb2.CaseKey(
        court_code="CHD",
        category=cases_pb2.CASE_CATEGORY_CRIMINAL,
        year=100,
        word="訴",
        number=992032,
    )


def follower(email: str) -> case_events_pb2.Follower:
    return case_events_pb2.Follower(follow_id=f"follow-{email}", email=email, account_id="a")


def handle(service, event) -> None:
    service.handle(make_envelope(event, source="case-sync", subject="case-1"))


def entry(source_entry_id: str = "e-1", item: str = "函查", **fields) -> cases_pb2.ProgressEntry:
    return cases_pb2.ProgressEntry(
        source_entry_id=source_entry_id, posted_on="2012-07-04", item=item, **fields
    )


def added(*emails: str, **entry_fields) -> case_events_pb2.ProgressEntriesAdded:
    return case_events_pb2.ProgressEntriesAdded(
        case_id="case-1",
        case=case_key(),
        entries=[case_events_pb2.AddedEntry(entry=entry(**entry_fields), entry_id="entry-1")],
        followers=[follower(e) for e in emails or (WANG,)],
    )


def compose(service) -> int:
    return notice_composing.compose_due(service.kit.db, LINKS, utcnow() + BATCH_WINDOW)


def bodies(service) -> list[str]:
    return [d.body for d in service.deliveries()]


def unsubscribe(service, email: str) -> None:
    with service.kit.db.transaction() as session:
        token = session.scalars(
            select(CaseMailSubscription.token).where(CaseMailSubscription.recipient == email)
        ).one()
    service.client(None).stub.SetCaseMailMode(
        pb.SetCaseMailModeRequest(token=token, mode=pb.CASE_MAIL_MODE_UNSUBSCRIBED)
    )


# -- an entry's hearing, corrections and withdrawals ------------------------------------------


def test_an_entry_that_sets_a_hearing_shows_it_with_an_absolute_roc_date(service):
    hearing = cases_pb2.Hearing(starts_at="2012-08-10T10:00", place="第一法庭", kind="言詞辯論")
    handle(service, added(item="定期言詞辯論", hearing=hearing))
    compose(service)
    [body] = bodies(service)
    assert (
        "登載事項：定期言詞辯論\n庭期：民國 101年 8月10日 星期五 10:00 第一法庭 言詞辯論\n" in body
    )


def test_a_correction_before_the_mail_went_out_is_mailed_as_corrected(service):
    handle(service, added(item="函查"))
    corrected = case_events_pb2.ProgressEntryCorrected(
        case_id="case-1",
        case=case_key(),
        entry_id="entry-1",
        entry=entry(item="函詢"),
        previous=entry(item="函查"),
        followers=[follower(WANG)],
    )
    handle(service, corrected)
    compose(service)
    [body] = bodies(service)
    assert "登載事項：函詢\n" in body and "函查" not in body


def test_a_correction_after_the_mail_is_told_once_more(service):
    handle(service, added(item="函查"))
    compose(service)
    corrected = case_events_pb2.ProgressEntryCorrected(
        case_id="case-1",
        case=case_key(),
        entry_id="entry-1",
        entry=entry(item="函詢"),
        previous=entry(item="函查"),
        followers=[follower(WANG)],
    )
    corrected.corrected_at.FromDatetime(datetime(2026, 11, 30, 8, tzinfo=UTC))
    handle(service, corrected)
    handle(service, corrected)  # redelivered: told once
    compose(service)
    assert len(service.deliveries()) == 2
    assert any("登載事項：（更正）函詢\n" in body for body in bodies(service))


def test_a_withdrawn_entry_not_yet_mailed_is_never_mailed(service):
    handle(service, added(item="函查"))
    withdrawn = case_events_pb2.ProgressEntryWithdrawn(
        case_id="case-1", case=case_key(), entry_id="entry-1", entry=entry(), reason="誤登"
    )
    handle(service, withdrawn)
    assert compose(service) == 0
    assert service.deliveries() == []


def test_a_withdrawn_entry_already_mailed_is_followed_by_a_withdrawal_notice(service):
    handle(service, added(item="函查"))
    compose(service)
    withdrawn = case_events_pb2.ProgressEntryWithdrawn(
        case_id="case-1", case=case_key(), entry_id="entry-1", entry=entry(), reason="誤登"
    )
    handle(service, withdrawn)
    compose(service)
    assert any("（撤回）先前通知的「函查」已撤回，原因：誤登" in body for body in bodies(service))


# -- the cut-off ------------------------------------------------------------------------------


def status_changed(cut_off_on: str = "2026-03-01", warn_on: str = "2026-02-22"):
    return case_events_pb2.CaseStatusChanged(
        case_id="case-1",
        case=case_key(),
        status=cases_pb2.CASE_STATUS_APPEALED,
        previous_status=cases_pb2.CASE_STATUS_PENDING,
        effective_on="2026-01-01",
        cut_off_on=cut_off_on,
        warn_on=warn_on,
        followers=[follower(WANG), follower(CHEN)],
    )


def test_followers_are_told_when_the_clock_starts_with_the_last_day(service):
    handle(service, added(WANG, CHEN))
    unsubscribe(service, CHEN)  # who stopped the case's mails gets none about it
    handle(service, status_changed())
    [mail] = [d for d in service.deliveries() if d.template == "case_cut_off_started"]
    assert mail.recipient == WANG
    assert mail.subject == "【司法院】案件將於 115/02/28 後停止查詢：100.訴.992032"
    assert "您追蹤的案件已送上訴（民國 115年 1月1日 星期四）。\n" in mail.body
    assert "本案可查詢至 民國 115年 2月28日 星期六 為止" in mail.body
    assert "系統會在 民國 115年 2月22日 星期日 再提醒您一次。\n" in mail.body


def test_a_status_change_that_starts_no_clock_mails_nothing(service):
    handle(service, status_changed(cut_off_on="", warn_on=""))
    assert service.deliveries() == []


def clock_stopped(status=cases_pb2.CASE_STATUS_PENDING, previous_cut_off_on="2026-03-01"):
    return case_events_pb2.CaseStatusChanged(
        case_id="case-1",
        case=case_key(),
        status=status,
        previous_status=cases_pb2.CASE_STATUS_APPEALED,
        effective_on="2026-01-20",
        previous_cut_off_on=previous_cut_off_on,
        followers=[follower(WANG), follower(CHEN)],
    )


def stopped_mails(service) -> list:
    return [d for d in service.deliveries() if d.template == "case_cut_off_stopped"]


def test_followers_told_the_clock_started_are_told_it_stopped(service):
    handle(service, added(WANG, CHEN))
    unsubscribe(service, CHEN)
    handle(service, status_changed())
    handle(service, clock_stopped())  # back from appeal: the case is queryable again
    [mail] = stopped_mails(service)
    assert mail.recipient == WANG
    assert mail.subject == "【司法院】案件查詢期限已取消：100.訴.992032"
    assert "您追蹤的案件狀態變更為「審理中」（民國 115年 1月20日 星期二）。\n" in mail.body
    assert "案號：100.訴.992032（100年度訴字第992032號）\n" in mail.body
    assert "先前通知本案可查詢至 民國 115年 2月28日 星期六 為止；" in mail.body
    assert "這個期限已取消，本案繼續提供查詢" in mail.body
    assert f"{PUBLIC_URL}/cases/case-1" in mail.body


def test_the_clock_stopped_mail_goes_once(service):
    stop = make_envelope(clock_stopped(), source="case-sync", subject="case-1")
    service.handle(stop)
    service.handle(stop)  # the same event redelivered
    # a later change that stops no running clock (審理中 to 已結案) tells nobody again
    handle(
        service,
        clock_stopped(status=cases_pb2.CASE_STATUS_CLOSED, previous_cut_off_on=""),
    )
    assert sorted(m.recipient for m in stopped_mails(service)) == [CHEN, WANG]


def test_closing_a_case_whose_clock_ran_stops_it_too(service):
    handle(service, clock_stopped(status=cases_pb2.CASE_STATUS_CLOSED))
    assert {m.subject for m in stopped_mails(service)} == {
        "【司法院】案件查詢期限已取消：100.訴.992032"
    }
    assert all("狀態變更為「已結案」" in m.body for m in stopped_mails(service))


def test_a_clock_restarted_by_a_new_status_is_a_new_start_not_a_stop(service):
    restarted = status_changed(cut_off_on="2026-05-01", warn_on="2026-04-24")
    restarted.previous_cut_off_on = "2026-03-01"
    handle(service, restarted)
    assert stopped_mails(service) == []
    assert {d.template for d in service.deliveries()} == {"case_cut_off_started"}


def test_seven_days_before_the_cut_off_followers_are_warned(service):
    approaching = case_events_pb2.CaseCutOffApproaching(
        case_id="case-1",
        case=case_key(),
        status=cases_pb2.CASE_STATUS_ARCHIVED,
        cut_off_on="2026-03-01",
        followers=[follower(WANG)],
    )
    handle(service, approaching)
    [mail] = service.deliveries()
    assert mail.subject == "【司法院】七日後停止查詢：100.訴.992032"
    assert "您追蹤的案件（已歸檔）將於七日後停止提供查詢。\n" in mail.body
    assert "本案可查詢至 民國 115年 2月28日 星期六 為止" in mail.body


def test_at_the_cut_off_waiting_notices_are_never_mailed(service):
    handle(service, added(WANG))
    reached = case_events_pb2.CaseCutOffReached(
        case_id="case-1", case=case_key(), cut_off_on="2026-03-01", follow_ids=[f"follow-{WANG}"]
    )
    handle(service, reached)
    assert compose(service) == 0


# -- follows ----------------------------------------------------------------------------------


def approved(activation_link_id: str = "") -> case_events_pb2.FollowApproved:
    return case_events_pb2.FollowApproved(
        follow_id="follow-1",
        case_id="case-1",
        case=case_key(),
        email=WANG,
        role=cases_pb2.FOLLOWER_ROLE_PARTY,
        account_id="account-1",
        account_username="P0000000001",
        activation_link_id=activation_link_id,
        applicant_name="王小明",
    )


def test_the_first_approval_mails_the_activation_link_made_at_send_time(service, sender, transport):
    handle(service, approved(activation_link_id="link-1"))
    [delivery] = service.deliveries()
    assert delivery.subject == "【司法院】案件進度查詢聲請已核准，請設定密碼啟用：100.訴.992032"
    assert "{one-time-token}" in delivery.body  # the token is never stored
    assert "您的帳號：P0000000001\n" in delivery.body
    assert "您以當事人身分聲請" in delivery.body
    sender.run_once()
    [message] = transport.sent
    [token] = service.identity.issued_tokens
    assert f"{PUBLIC_URL}/password/set?token={token}\n" in message.get_content()


def test_a_later_approval_only_says_so(service):
    handle(service, approved())
    [delivery] = service.deliveries()
    assert delivery.subject == "【司法院】案件進度查詢聲請已核准：100.訴.992032"
    assert delivery.link_id == ""
    assert "請以您原有的帳號（P0000000001）及密碼登入查詢" in delivery.body


def test_an_ended_follow_gets_no_more_of_the_cases_mails(service):
    handle(service, added(WANG))
    revoked = case_events_pb2.FollowRevoked(
        follow_id=f"follow-{WANG}", case_id="case-1", case=case_key(), email=WANG, reason="撤回聲請"
    )
    handle(service, revoked)
    assert compose(service) == 0
    [mail] = service.deliveries()
    assert mail.template == "follow_revoked" and "原因：撤回聲請\n" in mail.body


def test_dates_are_never_relative(service):
    """Absolute ROC dates only (CourtListener's users ask for them): no 'in two weeks'."""
    handle(service, status_changed())
    for body in bodies(service):
        assert "週後" not in body and "天後" not in body
