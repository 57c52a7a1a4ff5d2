"""Case-progress mails through the service: one notice per follower and entry, batched
into one mail per case and address, never twice, with RFC 8058 one-click unsubscribe,
the daily digest, and what a court system is told became of an entry's mails."""

from __future__ import annotations

import time
from datetime import timedelta

import grpc
import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select, update

from jes.case_sync.v1 import case_events_pb2, cases_pb2
from jes.notification.v1 import notification_pb2 as pb
from jes.notification.v1 import notification_pb2_grpc as pb_grpc
from jes_db import utcnow
from jes_grpckit import field_violations
from jes_notification import notice_composing
from jes_notification.composer import NoticeComposer
from jes_notification.domain.case_notices import BATCH_WINDOW, next_digest_time
from jes_notification.domain.mails import Links
from jes_notification.mail import MailSender
from jes_notification.models import CaseMailSubscription, ProgressNotice
from jes_protos import make_envelope
from support import callers

PUBLIC_URL = "https://jes.example.gov.tw"
LINKS = Links(PUBLIC_URL)


def entry_added(
    entry_id: str = "e-1",
    item: str = "定期言詞辯論",
    posted_on: str = "2012-07-20",
    followers: tuple[str, ...] = ("wang@example.com",),
    case_id: str = "case-1",
    number: int = 992032,
    hearing: cases_pb2.Hearing | None = None,
) -> case_events_pb2.ProgressEntriesAdded:
    """case-sync's event of one new entry."""
    return entries_added(
        [(entry_id, item, posted_on, hearing)], followers=followers, case_id=case_id, number=number
    )


def entries_added(
    entries: list[tuple[str, str, str, cases_pb2.Hearing | None]],
    followers: tuple[str, ...] = ("wang@example.com",),
    case_id: str = "case-1",
    number: int = 992032,
) -> case_events_pb2.ProgressEntriesAdded:
    """case-sync's event of a case's new entries that came in one call: (source id,
    text, posting date, hearing) each."""
    return case_events_pb2.ProgressEntriesAdded(
        case_id=case_id,
        case=case_key(number),
        entries=[
            case_events_pb2.AddedEntry(
                entry=cases_pb2.ProgressEntry(
                    source_entry_id=entry_id, posted_on=posted_on, item=item, hearing=hearing
                ),
                entry_id=f"{case_id}/{entry_id}",
            )
            for entry_id, item, posted_on, hearing in entries
        ],
        followers=[follower(email) for email in followers],
    )


def case_key(number: int = 992032) -> cases_pb2.CaseKey:
    return cases_pb2.CaseKey(
        court_code="CHD",
        category=cases_pb2.CASE_CATEGORY_CRIMINAL,
        year=100,
        word="訴",
        number=number,
    )


def follower(email: str) -> case_events_pb2.Follower:
    return case_events_pb2.Follower(
        follow_id=f"follow-{email.lower()}",
        email=email,
        account_id=f"account-{email.lower()}",
        role=cases_pb2.FOLLOWER_ROLE_PARTY,
    )


def handle(service, event) -> None:
    service.handle(make_envelope(event, source="case-sync", subject=event.case_id))


def compose(service, after: timedelta = BATCH_WINDOW) -> int:
    return notice_composing.compose_due(service.kit.db, LINKS, utcnow() + after)


def settings_token(service, recipient: str = "wang@example.com", case_id: str = "case-1") -> str:
    with service.kit.db.transaction() as session:
        return session.scalars(
            select(CaseMailSubscription.token).where(
                CaseMailSubscription.recipient == recipient,
                CaseMailSubscription.case_id == case_id,
            )
        ).one()


def anonymous(service):
    return service.client(None).stub


def court_system(service, court_code: str = "CHD"):
    return callers.client(
        service.pki, service.addr, pb_grpc.NotificationServiceStub, court_system_of=court_code
    ).stub


def rpc_error(call, *args) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call(*args)
    return raised.value


# -- who is mailed, when ---------------------------------------------------------------------


def test_every_follower_is_mailed_once_the_batching_window_closes(service):
    handle(service, entry_added(followers=("wang@example.com", "Chen@Example.com")))
    assert compose(service, after=timedelta(0)) == 0  # still inside the window
    assert service.deliveries() == []
    assert compose(service) == 2
    assert sorted(m.recipient for m in service.deliveries()) == [
        "chen@example.com",
        "wang@example.com",
    ]


def test_the_window_starts_when_case_sync_committed_the_entry(service):
    """An event that took 1.5 s to get here (relay, Kafka, a consumer's backlog) leaves
    half a second of the 2 s window: the wait on the way is not added to the window."""
    event = entry_added()
    committed = utcnow() - timedelta(seconds=1.5)
    service.handle(make_envelope(event, source="case-sync", subject="case-1", time=committed))
    with service.kit.db.transaction() as session:
        [due_at] = session.scalars(select(ProgressNotice.due_at))
    assert abs((due_at - (committed + BATCH_WINDOW)).total_seconds()) < 0.01
    assert compose(service, after=timedelta(seconds=0.6)) == 1


def test_entries_that_arrive_together_for_one_case_go_in_one_mail(service):
    handle(service, entry_added("e-3", "101/08/10 10:00第一法庭言詞辯論", "2012-07-20"))
    handle(service, entry_added("e-1", "準備程序", "2012-07-02"))
    handle(service, entry_added("e-2", "函查", "2012-07-04"))
    handle(service, entry_added("x-1", "調查證據", "2012-07-04", case_id="case-2", number=5))
    assert compose(service) == 2
    [one_case] = [m for m in service.deliveries() if "992032" in m.subject]
    assert one_case.subject == "【司法院】案件進度更新：100.訴.992032（3 筆）"
    assert "法院：臺灣彰化地方法院\n案類：刑事\n" in one_case.body
    assert "案號：100.訴.992032（100年度訴字第992032號）\n" in one_case.body
    assert (
        "登載日期：101/07/02\n登載事項：準備程序\n\n"
        "登載日期：101/07/04\n登載事項：函查\n\n"
        "登載日期：101/07/20\n登載事項：101/08/10 10:00第一法庭言詞辯論\n"
    ) in one_case.body
    assert "仍以法院傳票或通知書等為準" in one_case.body


def test_a_calls_new_entries_in_one_event_are_one_mail_to_each_follower(service):
    handle(
        service,
        entries_added(
            [
                ("e-2", "函查", "2012-07-04", None),
                ("e-1", "準備程序", "2012-07-02", None),
                ("e-3", "言詞辯論終結", "2012-07-20", None),
            ],
            followers=("wang@example.com", "chen@example.com"),
        ),
    )
    with service.kit.db.transaction() as session:
        notices = session.scalars(select(ProgressNotice)).all()
    assert len(notices) == 6  # one per entry and follower
    assert compose(service) == 2
    for mail in service.deliveries():
        assert mail.subject == "【司法院】案件進度更新：100.訴.992032（3 筆）"
        assert (
            "登載日期：101/07/02\n登載事項：準備程序\n\n"
            "登載日期：101/07/04\n登載事項：函查\n\n"
            "登載日期：101/07/20\n登載事項：言詞辯論終結\n"
        ) in mail.body


def test_an_older_case_syncs_event_of_one_entry_is_still_mailed_and_never_twice(service):
    """Events case-sync sent before ProgressEntriesAdded may still be on the topic after
    an upgrade: each is one entry (the oldest name only the addresses)."""
    older = case_events_pb2.ProgressEntryAdded(
        case_id="case-1",
        case=case_key(),
        entry=cases_pb2.ProgressEntry(
            source_entry_id="e-1", posted_on="2012-07-02", item="準備程序"
        ),
        entry_id="case-1/e-1",
        follower_emails=["Wang@Example.com"],
    )
    publish_entries(service, [older, older])
    assert service.consumer.run_once(timeout=2.0) == 2
    handle(service, entry_added("e-1", "準備程序", "2012-07-02"))  # the same entry again
    assert compose(service) == 1
    [mail] = service.deliveries()
    assert mail.recipient == "wang@example.com"
    assert "登載事項：準備程序\n" in mail.body
    with service.kit.db.transaction() as session:
        assert len(session.scalars(select(ProgressNotice)).all()) == 1


def test_the_same_entry_is_never_mailed_twice_to_the_same_person(service, sender, transport):
    handle(service, entry_added("e-1"))
    compose(service)
    assert sender.run_once() == 1
    # case-sync's event again (a new envelope: a retry of its outbox) and the court
    # system's reconciliation re-sending the entry
    handle(service, entry_added("e-1"))
    handle(service, entry_added("e-1", followers=("WANG@example.com",)))
    assert compose(service) == 0
    assert sender.run_once() == 0
    assert len(transport.sent) == 1


def test_a_composer_that_crashes_mid_mail_leaves_the_notices_for_the_next_try(service, monkeypatch):
    handle(service, entry_added("e-1"))
    handle(service, entry_added("e-2", "函查"))

    def crash(*args, **kwargs):
        raise RuntimeError("killed while composing")

    # after the mail's row went in, before its notices were marked
    monkeypatch.setattr(notice_composing, "_mark_many", crash)
    with pytest.raises(RuntimeError):
        compose(service)
    assert service.deliveries() == []
    monkeypatch.undo()
    assert compose(service) == 1
    [mail] = service.deliveries()
    assert "（2 筆）" in mail.subject


def test_a_composer_that_lost_the_race_queues_nothing(service):
    """Two replicas compose the same notices: the mail is the same delivery (its id comes
    from the notices), and the loser's transaction rolls back."""
    handle(service, entry_added("e-1"))
    with service.kit.db.transaction() as session:
        [notice] = session.scalars(select(ProgressNotice))
        subscription_id = notice.subscription_id
    now = utcnow() + BATCH_WINDOW
    assert notice_composing._compose_one(service.kit.db, LINKS, subscription_id, now) == 1
    assert notice_composing._compose_one(service.kit.db, LINKS, subscription_id, now) == 0
    assert len(service.deliveries()) == 1


def test_a_burst_over_many_cases_is_composed_in_few_transactions(service):
    """Each mail in a transaction of its own queued every mail behind the others for the
    database's write lock, and cost five statements (seven with its savepoint): a backlog
    of cases is composed in chunks, each in a few statements whatever its size."""
    for number in range(30):
        handle(
            service,
            entry_added(f"e-{number}", case_id=f"case-{number}", number=number + 1),
        )
        handle(service, entry_added(f"f-{number}", case_id=f"case-{number}", number=number + 1))
    transactions: list[int] = []
    statements: list[str] = []
    engine = service.kit.db.engine
    sqlalchemy_event.listen(engine, "begin", lambda _c: transactions.append(1))
    sqlalchemy_event.listen(
        engine, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql)
    )
    assert compose(service) == 30
    assert len(transactions) <= 2  # the due list, then one chunk
    # the due list; a savepoint, the settings, the notices, the mails, the marks, release
    statements = [sql for sql in statements if not sql.startswith("BEGIN")]  # SQLite's
    assert len(statements) <= 7, statements
    mails = service.deliveries()
    assert len(mails) == 30 and all("（2 筆）" in mail.subject for mail in mails)
    with service.kit.db.transaction() as session:
        assert {n.status for n in session.scalars(select(ProgressNotice))} == {"composed"}


def test_a_lost_race_for_one_case_does_not_hold_back_the_others(service, monkeypatch):
    """Another composer took case 1's notice between this one's read and its marks: the
    chunk goes back to its savepoint and is composed mail by mail, case 1's left out."""
    for number in range(3):
        handle(service, entry_added(f"e-{number}", case_id=f"case-{number}", number=number + 1))
    mark_many, mark = notice_composing._mark_many, notice_composing._mark

    def another_composer_took_case_1(session, marks):
        session.execute(
            update(ProgressNotice)
            .where(ProgressNotice.source_entry_id == "e-1")
            .values(status="composed")
        )
        mark_many(session, marks)

    def taken_for_case_1(session, notices, status, delivery_id):
        if any(notice.source_entry_id == "e-1" for notice in notices):
            raise notice_composing.NoticesTaken("another composer took these notices")
        mark(session, notices, status, delivery_id)

    monkeypatch.setattr(notice_composing, "_mark_many", another_composer_took_case_1)
    monkeypatch.setattr(notice_composing, "_mark", taken_for_case_1)
    assert compose(service) == 2
    assert sorted(m.subject for m in service.deliveries()) == [
        "【司法院】案件進度更新：100.訴.000001",
        "【司法院】案件進度更新：100.訴.000003",
    ]


def test_a_date_that_is_not_a_date_is_refused_with_the_reason(service):
    from jes_domain import InvalidArgument

    with pytest.raises(InvalidArgument) as refused:
        handle(service, entry_added(posted_on="101/07/20"))
    assert "登載日期" in refused.value.message
    assert service.deliveries() == []


def test_the_composer_mails_within_seconds_of_the_event(service, transport):
    sender = MailSender(service.kit.db, transport, "no-reply@jes.example", poll=0.2)
    composer = NoticeComposer(service.kit.db, LINKS, on_composed=sender.notify, poll=5)
    sender.start()
    composer.start()
    try:
        started = time.monotonic()
        handle(service, entry_added("e-1"))
        composer.notify()  # as the handlers do once the consumer's transaction commits
        while not transport.sent and time.monotonic() - started < 10:
            time.sleep(0.05)
        assert transport.sent, "no mail within 10 s"
        assert time.monotonic() - started < BATCH_WINDOW.total_seconds() + 2
    finally:
        composer.stop()
        sender.stop()


# -- one-click unsubscribe and the daily digest ------------------------------------------------


def test_each_mail_carries_rfc_8058_one_click_unsubscribe_for_its_case(service, sender, transport):
    handle(service, entry_added("e-1"))
    compose(service)
    sender.run_once()
    [message] = transport.sent
    token = settings_token(service)
    assert message["List-Unsubscribe"] == f"<{PUBLIC_URL}/notices/unsubscribe?token={token}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = message.get_content()
    assert f"改為每日摘要或停止通知本案：{PUBLIC_URL}/notices/settings?token={token}\n" in body
    # one token per case and address
    handle(service, entry_added("x-1", case_id="case-2", number=5))
    assert settings_token(service, case_id="case-2") != token


def test_unsubscribing_stops_the_cases_mails_and_drops_the_waiting_ones(service):
    handle(service, entry_added("e-1"))
    token = settings_token(service)
    settings = anonymous(service).SetCaseMailMode(
        pb.SetCaseMailModeRequest(token=token, mode=pb.CASE_MAIL_MODE_UNSUBSCRIBED)
    )
    assert settings.mode == pb.CASE_MAIL_MODE_UNSUBSCRIBED
    assert settings.case_number == "100.訴.992032"
    assert settings.recipient == "w****@example.com"
    handle(service, entry_added("e-2"))
    assert compose(service) == 0
    assert service.deliveries() == []
    # other followers of the case, and the address's other cases, still get theirs
    handle(service, entry_added("e-3", followers=("chen@example.com", "wang@example.com")))
    handle(service, entry_added("x-1", case_id="case-2", number=5))
    compose(service)
    assert sorted((m.recipient, m.subject) for m in service.deliveries()) == [
        ("chen@example.com", "【司法院】案件進度更新：100.訴.992032"),
        ("wang@example.com", "【司法院】案件進度更新：100.訴.000005"),
    ]


def test_unsubscribing_twice_is_the_same_as_once_and_the_address_may_come_back(service):
    handle(service, entry_added("e-1"))
    token = settings_token(service)
    stub = anonymous(service)
    for _ in range(2):
        stub.SetCaseMailMode(
            pb.SetCaseMailModeRequest(token=token, mode=pb.CASE_MAIL_MODE_UNSUBSCRIBED)
        )
    stub.SetCaseMailMode(pb.SetCaseMailModeRequest(token=token, mode=pb.CASE_MAIL_MODE_IMMEDIATE))
    handle(service, entry_added("e-2", "函查"))
    compose(service)
    [mail] = service.deliveries()
    assert "登載事項：函查\n" in mail.body and "定期言詞辯論" not in mail.body


def test_the_daily_digest_collects_the_days_entries_into_one_mail_at_18_00(service):
    handle(service, entry_added("e-1"))
    token = settings_token(service)
    anonymous(service).SetCaseMailMode(
        pb.SetCaseMailModeRequest(token=token, mode=pb.CASE_MAIL_MODE_DAILY_DIGEST)
    )
    handle(service, entry_added("e-2", "函查"))
    assert compose(service, after=timedelta(minutes=1)) == 0
    digest_at = next_digest_time(utcnow())
    assert notice_composing.compose_due(service.kit.db, LINKS, digest_at) == 1
    [mail] = service.deliveries()
    assert mail.subject == "【司法院】案件進度每日摘要：100.訴.992032（2 筆）"
    assert "以下是您追蹤的案件今天的 2 筆進行事項（每日摘要）。" in mail.body


def test_leaving_the_digest_mails_the_waiting_entries_at_once(service):
    handle(service, entry_added("e-1"))
    token = settings_token(service)
    stub = anonymous(service)
    stub.SetCaseMailMode(
        pb.SetCaseMailModeRequest(token=token, mode=pb.CASE_MAIL_MODE_DAILY_DIGEST)
    )
    stub.SetCaseMailMode(pb.SetCaseMailModeRequest(token=token, mode=pb.CASE_MAIL_MODE_IMMEDIATE))
    assert compose(service) == 1


def test_settings_are_read_by_the_token_alone(service):
    handle(service, entry_added("e-1"))
    settings = anonymous(service).GetCaseMailSettings(
        pb.GetCaseMailSettingsRequest(token=settings_token(service))
    )
    assert (settings.court_code, settings.category, settings.case_number) == (
        "CHD",
        "刑事",
        "100.訴.992032",
    )
    assert settings.mode == pb.CASE_MAIL_MODE_IMMEDIATE
    assert settings.case_id == "case-1"


@pytest.mark.parametrize(
    ("token", "code"),
    [("", grpc.StatusCode.INVALID_ARGUMENT), ("no-such-token", grpc.StatusCode.NOT_FOUND)],
)
def test_a_bad_token_is_refused_in_zh_tw_and_changes_nothing(service, token, code):
    handle(service, entry_added("e-1"))
    stub = anonymous(service)
    error = rpc_error(
        stub.SetCaseMailMode,
        pb.SetCaseMailModeRequest(token=token, mode=pb.CASE_MAIL_MODE_UNSUBSCRIBED),
    )
    assert error.code() == code and "連結" in error.details()
    assert compose(service) == 1


def test_a_mode_must_be_chosen(service):
    handle(service, entry_added("e-1"))
    error = rpc_error(
        anonymous(service).SetCaseMailMode,
        pb.SetCaseMailModeRequest(token=settings_token(service)),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "請選擇通知方式" in error.details()


# -- what a court system is told ---------------------------------------------------------------


def test_a_court_system_sees_what_became_of_each_followers_mail(service, sender):
    followers = ("wang@example.com", "chen@example.com", "lin@example.com")
    handle(service, entry_added("e-0", followers=("lin@example.com",)))
    anonymous(service).SetCaseMailMode(
        pb.SetCaseMailModeRequest(
            token=settings_token(service, "lin@example.com"),
            mode=pb.CASE_MAIL_MODE_UNSUBSCRIBED,
        )
    )
    handle(service, entry_added("e-1", followers=followers))
    stub = court_system(service)
    request = pb.ListEntryDeliveriesRequest(court_code="CHD", source_entry_id="e-1")
    reply = stub.ListEntryDeliveries(request)
    assert reply.case_id == "case-1"
    assert [(d.recipient, d.status) for d in reply.deliveries] == [
        ("chen@example.com", pb.ENTRY_DELIVERY_STATUS_PENDING),
        ("lin@example.com", pb.ENTRY_DELIVERY_STATUS_NOT_SENT),
        ("wang@example.com", pb.ENTRY_DELIVERY_STATUS_PENDING),
    ]
    compose(service)
    sender.run_once()
    sender.run_once()
    reply = stub.ListEntryDeliveries(request)
    sent = {d.recipient: d for d in reply.deliveries}
    assert sent["wang@example.com"].status == pb.ENTRY_DELIVERY_STATUS_SENT
    assert sent["wang@example.com"].message_id.endswith("@jes>")
    assert sent["wang@example.com"].HasField("sent_at")
    assert sent["lin@example.com"].message_id == ""
    assert sent["wang@example.com"].follow_id == "follow-wang@example.com"


def test_a_court_system_asks_only_about_its_own_courts_entries(service):
    handle(service, entry_added("e-1"))
    request = pb.ListEntryDeliveriesRequest(court_code="CHD", source_entry_id="e-1")
    error = rpc_error(court_system(service, "TPD").ListEntryDeliveries, request)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    error = rpc_error(anonymous(service).ListEntryDeliveries, request)
    assert error.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED)


def test_an_entry_id_is_required(service):
    request = pb.ListEntryDeliveriesRequest(court_code="CHD", source_entry_id=" ")
    error = rpc_error(court_system(service).ListEntryDeliveries, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "進行事項編號" in error.details()


# -- a burst through the consumer ------------------------------------------------------------


def publish_entries(service, events) -> None:
    from jes_servicekit import topic_of

    for event in events:
        envelope = make_envelope(event, source="case-sync", subject=event.case_id)
        value = envelope.SerializeToString()
        service.kit.bus.publish(topic_of("case-sync"), envelope.subject, value)


def a_burst(entries: int = 23, cases: int = 5) -> list[case_events_pb2.ProgressEntriesAdded]:
    return [
        entry_added(
            f"e-{n}",
            case_id=f"case-{n % cases}",
            number=n % cases + 1,
            followers=("wang@example.com", f"lin{n % cases}@example.com"),
        )
        for n in range(entries)
    ]


def test_a_poll_of_new_entries_is_recorded_in_a_few_statements(service):
    """One by one, 23 entries cost 179 statements (a lookup per notice and per
    subscription, an insert each): a poll's run is recorded together."""
    publish_entries(service, a_burst())
    statements: list[str] = []
    sqlalchemy_event.listen(
        service.kit.db.engine,
        "before_cursor_execute",
        lambda _conn, _cursor, statement, *_: statements.append(statement),
    )
    assert service.consumer.run_once(timeout=2.0) == 23
    assert len(statements) <= 12, statements
    with service.kit.db.transaction() as session:
        assert len(session.scalars(select(ProgressNotice)).all()) == 46
        assert len(session.scalars(select(CaseMailSubscription)).all()) == 10
    assert compose(service) == 10  # one mail per case and address

    # redelivered (the offset lost): nothing twice
    publish_entries(service, a_burst())
    assert service.consumer.run_once(timeout=2.0) == 23
    with service.kit.db.transaction() as session:
        assert len(session.scalars(select(ProgressNotice)).all()) == 46


def test_a_bad_entry_in_a_poll_is_refused_alone(service):
    events = a_burst(6, cases=2)
    events[3].entries[0].entry.posted_on = "2012/07/20"
    publish_entries(service, events)
    done = 0
    while done < 6:
        got = service.consumer.run_once(timeout=2.0)
        assert got
        done += got
    with service.kit.db.transaction() as session:
        recorded = {n.source_entry_id for n in session.scalars(select(ProgressNotice))}
    assert recorded == {"e-0", "e-1", "e-2", "e-4", "e-5"}


# -- a case's mails, for its court's system (ListCaseDeliveries) ------------------------------


def case_request(number: int = 992032, **fields) -> pb.ListCaseDeliveriesRequest:
    key = case_key(number)
    for name, value in fields.items():
        setattr(key, name, value)
    return pb.ListCaseDeliveriesRequest(case=key)


def test_a_court_system_sees_each_followers_mails_about_its_case(service, sender):
    handle(service, entry_added("e-1", followers=("wang@example.com", "chen@example.com")))
    handle(service, entry_added("e-2", followers=("wang@example.com", "chen@example.com")))
    compose(service)
    sender.run_once()
    sender.run_once()
    anonymous(service).SetCaseMailMode(
        pb.SetCaseMailModeRequest(
            token=settings_token(service, "chen@example.com"), mode=pb.CASE_MAIL_MODE_UNSUBSCRIBED
        )
    )
    handle(service, entry_added("e-3", followers=("wang@example.com", "chen@example.com")))
    # another case of the same court: not listed
    handle(service, entry_added("x-1", case_id="case-2", number=5))
    reply = court_system(service).ListCaseDeliveries(case_request())
    assert reply.case_id == "case-1"
    chen, wang = reply.followers
    assert (wang.recipient, wang.mode, wang.follow_id) == (
        "wang@example.com",
        pb.CASE_MAIL_MODE_IMMEDIATE,
        "follow-wang@example.com",
    )
    # the entry still in its batching window on top, then the mail that carried e-1 and e-2
    assert [(m.status, list(m.source_entry_ids), m.message_id) for m in wang.mails] == [
        (pb.ENTRY_DELIVERY_STATUS_PENDING, ["e-3"], ""),
        (pb.ENTRY_DELIVERY_STATUS_SENT, ["e-1", "e-2"], wang.mails[1].message_id),
    ]
    assert wang.mails[1].message_id.endswith("@jes>") and wang.mails[1].HasField("sent_at")
    assert wang.mails[1].attempts == 1
    assert chen.mode == pb.CASE_MAIL_MODE_UNSUBSCRIBED
    assert [(m.status, list(m.source_entry_ids)) for m in chen.mails] == [
        (pb.ENTRY_DELIVERY_STATUS_NOT_SENT, ["e-3"]),
        (pb.ENTRY_DELIVERY_STATUS_SENT, ["e-1", "e-2"]),
    ]
    # the Message-ID is the one the mail carried, and the entry query agrees with it
    by_entry = court_system(service).ListEntryDeliveries(
        pb.ListEntryDeliveriesRequest(court_code="CHD", source_entry_id="e-1")
    )
    assert {d.recipient: d.message_id for d in by_entry.deliveries}["wang@example.com"] == (
        wang.mails[1].message_id
    )
    [mail] = [m for m in service.deliveries() if m.recipient == "wang@example.com"]
    assert wang.mails[1].message_id == f"<{mail.id}@jes>"


def test_the_newest_mails_first_as_many_as_asked(service, sender):
    for n in range(3):
        handle(service, entry_added(f"e-{n}"))
        compose(service, after=BATCH_WINDOW + timedelta(minutes=n))
    request = case_request()
    request.mails_per_follower = 2
    [wang] = court_system(service).ListCaseDeliveries(request).followers
    assert [list(m.source_entry_ids) for m in wang.mails] == [["e-2"], ["e-1"]]
    assert {m.status for m in wang.mails} == {pb.ENTRY_DELIVERY_STATUS_QUEUED}


def test_a_new_follow_of_the_same_address_is_the_one_a_court_system_sees(service):
    handle(service, entry_added("e-1"))
    refollowed = entry_added("e-2")
    refollowed.followers[0].follow_id = "follow-2"  # revoked, then approved again
    handle(service, refollowed)
    # an older event, naming the address alone, leaves the follow as it is
    older = case_events_pb2.ProgressEntryAdded(
        case_id="case-1",
        case=case_key(),
        entry=cases_pb2.ProgressEntry(source_entry_id="e-3", posted_on="2024-11-20", item="x"),
        follower_emails=["wang@example.com"],
    )
    handle(service, older)
    [wang] = court_system(service).ListCaseDeliveries(case_request()).followers
    assert (wang.recipient, wang.follow_id) == ("wang@example.com", "follow-2")
    with service.kit.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CaseMailSubscription)) == 1


def test_a_case_nobody_follows_lists_nobody(service):
    reply = court_system(service).ListCaseDeliveries(case_request(number=7))
    assert (reply.case_id, list(reply.followers)) == ("", [])


def test_a_court_system_asks_only_about_its_own_courts_cases(service):
    handle(service, entry_added("e-1"))
    error = rpc_error(court_system(service, "TPD").ListCaseDeliveries, case_request())
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    error = rpc_error(anonymous(service).ListCaseDeliveries, case_request())
    assert error.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"category": cases_pb2.CASE_CATEGORY_UNSPECIFIED}, "case.category", "請指定案類"),
        ({"category": cases_pb2.CASE_CATEGORY_JUVENILE}, "case.category", "請指定案類"),
        ({"year": 0}, "case.year", "案號年度錯誤"),
        ({"number": 0}, "case.number", "案號號數錯誤"),
        ({"word": ""}, "case.word", "字別"),
    ],
)
def test_a_bad_case_key_is_refused_with_its_field(service, fields, field, words):
    error = rpc_error(court_system(service).ListCaseDeliveries, case_request(**fields))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert words in error.details()
    assert field in field_violations(error)


@pytest.mark.parametrize("count", [-1, 101])
def test_mails_per_follower_out_of_range_is_refused(service, count):
    request = case_request()
    request.mails_per_follower = count
    error = rpc_error(court_system(service).ListCaseDeliveries, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "mails_per_follower" in field_violations(error)


def test_only_each_followers_newest_mails_are_read(service):
    """A follower with more mails than asked for: the query itself keeps each follower's
    newest `mails_per_follower` (the entries still waiting on top, however old), and only
    their notices are loaded, not every notice of every follower of the case."""
    both = ("wang@example.com", "chen@example.com")
    for n in range(4):
        handle(service, entry_added(f"e-{n}", followers=both if n else both[:1]))
        compose(service, after=BATCH_WINDOW + timedelta(minutes=n))
    anonymous(service).SetCaseMailMode(
        pb.SetCaseMailModeRequest(
            token=settings_token(service, "chen@example.com"), mode=pb.CASE_MAIL_MODE_UNSUBSCRIBED
        )
    )
    handle(service, entry_added("e-4", followers=both))
    with service.kit.db.transaction() as session:  # wang's waiting entry, older than his mails
        session.execute(
            update(ProgressNotice)
            .where(ProgressNotice.source_entry_id == "e-4", ProgressNotice.status == "pending")
            .values(created_at=utcnow() - timedelta(days=1))
        )
    loaded: list[str] = []

    def count(notice: ProgressNotice, context: object) -> None:
        loaded.append(notice.source_entry_id)

    request = case_request()
    request.mails_per_follower = 2
    sqlalchemy_event.listen(ProgressNotice, "load", count)
    try:
        chen, wang = court_system(service).ListCaseDeliveries(request).followers
    finally:
        sqlalchemy_event.remove(ProgressNotice, "load", count)
    assert [(m.status, list(m.source_entry_ids)) for m in wang.mails] == [
        (pb.ENTRY_DELIVERY_STATUS_PENDING, ["e-4"]),
        (pb.ENTRY_DELIVERY_STATUS_QUEUED, ["e-3"]),
    ]
    assert [(m.status, list(m.source_entry_ids)) for m in chen.mails] == [
        (pb.ENTRY_DELIVERY_STATUS_NOT_SENT, ["e-4"]),
        (pb.ENTRY_DELIVERY_STATUS_QUEUED, ["e-3"]),
    ]
    assert sorted(loaded) == ["e-3", "e-3", "e-4", "e-4"]  # of 9 notices
    # asked for more than there are: all of them, the newest first
    chen, wang = court_system(service).ListCaseDeliveries(case_request()).followers
    assert [list(m.source_entry_ids) for m in wang.mails] == [
        ["e-4"],
        ["e-3"],
        ["e-2"],
        ["e-1"],
        ["e-0"],
    ]
    assert [list(m.source_entry_ids) for m in chen.mails] == [["e-4"], ["e-3"], ["e-2"], ["e-1"]]
