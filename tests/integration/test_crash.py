"""kill -9 the notification service in the middle of a burst of 200 events; after a
restart every e-mail arrives exactly once in the recipient's mailbox: none is lost, none is
doubled (mail is identified by its Message-ID, derived from the notices it carries). The
burst is one entry on each of 200 cases the same person follows: entries of one case
pushed together go in one mail, so 200 cases make 200 mails to count."""

from __future__ import annotations

import time
import uuid

from jes.case_sync.v1 import case_sync_pb2, cases_pb2
from jes_config import DEFAULT_MAIL_CONNECTIONS
from support.distributed import Distributed
from support.processes import wait_until

BURST = 200


def test_notification_killed_mid_burst_loses_and_duplicates_nothing(distributed: Distributed):
    platform = distributed.platform()
    client = platform.court_system("KLD")  # Keelung's system, for Keelung's cases
    follower = f"crash-{uuid.uuid4().hex[:10]}@example.com"
    number = int(uuid.uuid4().int % 900000) + 1
    cases = [
        cases_pb2.CaseKey(
            court_code="KLD",
            category=cases_pb2.CASE_CATEGORY_CRIMINAL,
            year=112,
            word="易",
            number=(number + i) % 900000 + 1,
        )
        for i in range(BURST)
    ]
    for case in cases:
        client.call(
            "ApproveFollow",
            case_sync_pb2.ApproveFollowRequest(
                case=case, email=follower, role=cases_pb2.FOLLOWER_ROLE_DEFENDER
            ),
        )
    entries = [
        case_sync_pb2.CaseChange(
            case=case,
            post=cases_pb2.ProgressEntry(
                source_entry_id=f"burst-{number}-{i}",
                posted_on="2026-11-21",
                item=f"進行事項 第{i}筆",
            ),
            batch_id=f"crash-{number}",
            sequence=i + 1,
        )
        for i, case in enumerate(cases)
    ]
    reply = client.stub.IngestProgress(iter(entries), timeout=120, metadata=client.metadata())
    assert (reply.received, reply.created) == (BURST, BURST)

    def notices() -> list[dict]:
        # The entries' notices: the follows' approval mails (the first one with the
        # activation link) come before them and are not what this test counts.
        return [
            m
            for m in platform.mails_to(follower)
            if m["subject"].startswith("【司法院】案件進度更新：")
        ]

    notification = distributed.processes["notification"]
    # Kill it while it is sending: some mails are out, most are not.
    wait_until(
        lambda: len(notices()) >= 10,
        timeout=180,
        every=0.02,
        what="the first mails of the burst",
    )
    notification.kill()
    sent_before_kill = len(notices())
    assert sent_before_kill < BURST, "the burst finished before the kill; test proves nothing"

    notification.start()
    wait_until(
        lambda: len({m["message_id"] for m in notices()}) >= BURST,
        timeout=180,
        what=f"all {BURST} mails after the restart",
    )
    time.sleep(3)  # anything sent twice would arrive now
    deliveries = notices()
    mailbox = {m["message_id"]: m for m in deliveries}  # what a mail client shows
    items = sorted(
        line.removeprefix("登載事項：")
        for m in mailbox.values()
        for line in m["body"].splitlines()
        if line.startswith("登載事項：")
    )
    assert items == sorted(f"進行事項 第{i}筆" for i in range(BURST)), "lost or doubled"
    # SMTP has no idempotent submit: a mail the server accepted just before the kill,
    # but that was not yet recorded as sent, goes again after the restart with the same
    # Message-ID, and mailboxes show it once. The sender sends over several connections
    # at once (JES_MAIL_CONNECTIONS, not set here: the default), each recording a mail
    # as sent before it sends the next: at most the one in flight on each may be resent.
    resent = len(deliveries) - len(mailbox)
    assert resent <= DEFAULT_MAIL_CONNECTIONS, (
        f"{resent} mails went over SMTP twice; at most one in flight per connection "
        f"({DEFAULT_MAIL_CONNECTIONS}) may"
    )
