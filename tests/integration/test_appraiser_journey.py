"""An appraiser's whole journey in distributed mode: every service in its own process on
real Kafka, MinIO, PostgreSQL (over TLS) and the SMTP sink (the journey itself is
support/appraiser_journeys.py, as in all-in-one). Here also what only the real parts
show: the application's documents and the report's PDF as MinIO objects, the office
rules taking turns on PostgreSQL's advisory lock when two applications are handed in at
once, and the reminder sweep sending one reminder when it runs twice or in two
processes at once."""

from __future__ import annotations

import subprocess
import threading
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from jes.events.v1.envelope_pb2 import Envelope
from jes.review_workflow.v1.appraisal_work_pb2 import AppraisalDeadlineApproaching
from jes_zhtw import format_roc_date
from jes_zhtw.ids import is_valid_national_id
from support.appraiser_journeys import (
    APPLICATION,
    Keelung,
    application_to_roster_to_report_to_disqualification,
    call,
    the_mail,
    upload_documents,
)
from support.distributed import Distributed, pg_url, rows
from support.processes import PYTHON, ROOT

PASSWORD = "Keelung-Appraisal-Journey-2026!"
SWEEP = ROOT / "tests" / "support" / "reminder_sweep.py"
# (account id, name, role) of Keelung's people; the mail addresses are this run's own,
# since the SMTP sink keeps every earlier run's mails
PEOPLE = {
    "appraiser": ("ITKLDAPPR", "整合測試李估價師", "appraiser"),
    "chief": ("ITKLDCHIEF", "整合測試張科長", "records-chief"),
    "judge": ("ITKLDJUDGE", "整合測試李庭長", "chief-judge"),
    "member1": ("ITKLDMEMBER1", "整合測試周委員", "committee-member"),
    "member2": ("ITKLDMEMBER2", "整合測試吳委員", "committee-member"),
    "clerk": ("ITKLDAPCLERK", "整合測試林書記官", "clerk"),
    "officer": ("ITKLDOFFICER", "整合測試王司法事務官", "judicial-officer"),
}
REMINDER = "【司法院】鑑定期限將屆：115年度司執字第1002號繳納鑑定費用"
# three applicants for offices at one address: one handed in, two handing in at once
RACERS = ("ITKLDRACE0", "ITKLDRACE1", "ITKLDRACE2")


def mail_of(account_id: str, run: str) -> str:
    return f"{account_id.lower()}-{run}@integration.example"


@pytest.fixture(scope="module")
def keelung(distributed: Distributed) -> Keelung:
    from jes_db import Database
    from jes_identity.app import ensure_account

    run = uuid.uuid4().hex[:10]
    db = Database(pg_url(distributed.infra, "identity"))
    people = [*PEOPLE.values(), *((r, f"整合測試估價師{r[-1]}", "appraiser") for r in RACERS)]
    for account_id, name, role in people:
        ensure_account(
            db,
            account_id=account_id,
            password=PASSWORD,
            display_name=name,
            email=mail_of(account_id, run),
            roles=[role],
            court_code="KLD",
        )
    db.dispose()
    return Keelung(
        accounts={role: account for role, (account, _, _) in PEOPLE.items()},
        password=PASSWORD,
        appraiser_email=mail_of(PEOPLE["appraiser"][0], run),
    )


def sweep(distributed: Distributed, day: date, *options: str) -> subprocess.Popen[str]:
    """A reminder sweep of its own process on review-workflow's database
    (support/reminder_sweep.py)."""
    url = pg_url(distributed.infra, "review_workflow")
    return subprocess.Popen(
        [PYTHON, str(SWEEP), url, day.isoformat(), *options],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def said(process: subprocess.Popen[str], line: str) -> None:
    assert process.stdout is not None
    assert process.stdout.readline() == f"{line}\n"


def sent(process: subprocess.Popen[str]) -> int:
    out, _ = process.communicate("go\n", timeout=120)
    assert process.returncode == 0, out
    return int(out.rsplit("sent ", 1)[1])


def reminded_once(distributed: Distributed, people: Keelung, order: dict[str, Any]) -> None:
    """The payment's last day approaches: three rounds of the sweep, two of them at once
    in two processes (the first holding the rows it locked while the second runs), send
    one reminder; the appraiser gets one mail."""
    last_day = date.fromisoformat(order["last_day"])
    day = last_day - timedelta(days=2)  # Keelung's rules: reminded two days before
    second = sweep(distributed, day, "--on-go")
    said(second, "ready")
    holding = sweep(distributed, day, "--hold", "5")
    said(holding, "locked")
    assert sent(second) == 0, "the row is the other round's"
    assert sent(holding) == 1
    assert sent(sweep(distributed, day)) == 0, "already reminded"

    mail = the_mail(distributed.platform(), people.appraiser_email, REMINDER)
    assert "案號：115年度司執字第1002號（甲股）\n" in mail["body"]
    assert "事項：繳納鑑定費用\n" in mail["body"]
    assert f"期限：{format_roc_date(last_day)}\n" in mail["body"]
    assert f"{distributed.base_url}/appraisers/my-work\n" in mail["body"]
    # and one event: the notification's once-per-event is not what kept it to one
    events = [
        Envelope.FromString(r.value)
        for r in rows(
            distributed.infra,
            "review_workflow",
            "SELECT value FROM outbox WHERE key = :item",
            item=order["id"],
        )
    ]
    approaching = [e for e in events if e.payload.Is(AppraisalDeadlineApproaching.DESCRIPTOR)]
    assert len(approaching) == 1


def test_application_to_roster_to_report_to_disqualification(
    distributed: Distributed, keelung: Keelung
):
    application_to_roster_to_report_to_disqualification(
        distributed.platform(),
        keelung,
        before_payment=lambda order: reminded_once(distributed, keelung, order),
    )
    # by the journey's end, a minute later, still the one reminder
    mails = distributed.mails_to(keelung.appraiser_email)
    assert [m["subject"] for m in mails].count(REMINDER) == 1


def national_id(prefix: str) -> str:
    """A valid ID number: `prefix` (a letter and eight digits) with its check digit."""
    return next(prefix + d for d in "0123456789" if is_valid_national_id(prefix + d))


def test_two_applications_handed_in_at_once_are_not_both_the_second_office_at_one_address(
    distributed: Distributed, keelung: Keelung
):
    platform = distributed.platform()
    address = "基隆市仁愛區愛一路10號"

    def started(n: int, token: str) -> str:
        application = call(
            platform,
            token,
            "POST",
            "/appraiser-applications",
            201,
            json={
                **APPLICATION,
                "name": f"愛一路估價師事務所{n}",
                "registration_number": f"(110)台內估字第00020{n}號",
                "office_address": address,
                "office_phone": f"02-2422-100{n}",
                "staff": [{"name": f"陳估價{n}", "id_number": national_id(f"B1234567{n}")}],
            },
        )
        upload_documents(platform, token, application["id"])
        return str(application["id"])

    tokens = [platform.login(account, PASSWORD) for account in RACERS]
    first = started(0, tokens[0])
    handed_in = call(platform, tokens[0], "POST", f"/appraiser-applications/{first}/submission")
    assert handed_in["state"] == "submitted"
    # drafts do not count against others: both start, and both are complete
    racing = [started(n, tokens[n]) for n in (1, 2)]

    ready = threading.Barrier(2)
    replies: dict[int, requests.Response] = {}

    def hand_in(n: int) -> None:
        ready.wait()
        replies[n] = platform.api(
            "POST", f"/api/v1/appraiser-applications/{racing[n - 1]}/submission", tokens[n]
        )

    threads = [threading.Thread(target=hand_in, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(r.status_code for r in replies.values()) == [200, 409], [
        r.text for r in replies.values()
    ]
    [(loser, refused)] = [(n, r) for n, r in replies.items() if r.status_code == 409]
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.json()["detail"] == "同一地址已有2家事務所申請，同址不得有3家（含）以上事務所"
    # the refused one changed nothing: still a draft, and two offices at the address
    still = call(platform, tokens[loser], "GET", f"/appraiser-applications/{racing[loser - 1]}")
    assert still["state"] == "draft"
    live = rows(
        distributed.infra,
        "review_workflow",
        "SELECT id FROM appraiser_applications WHERE office_address = :a AND state = 'submitted'",
        a=address,
    )
    assert {r.id for r in live} == {first, racing[2 - loser]}


def test_two_appointments_at_once_do_not_make_a_tenth_member(
    distributed: Distributed, keelung: Keelung
):
    """The committee's size (at most nine serving on any day) is checked against the
    court's other terms: two appointments at once take turns, as applications do. The
    terms here begin two years on, apart from the journey's committee."""
    platform = distributed.platform()
    judge = platform.login(keelung.accounts["judge"], PASSWORD)
    term_from = (date.today() + timedelta(days=730)).isoformat()

    def appoint(account: str) -> requests.Response:
        return platform.api(
            "POST",
            "/api/v1/committee/members",
            judge,
            json={"account_id": account, "name": account, "term_from": term_from},
        )

    for n in range(8):
        assert appoint(f"ITKLDFUTURE{n}").status_code == 201
    ready = threading.Barrier(2)
    replies: dict[str, requests.Response] = {}

    def at_once(account: str) -> None:
        ready.wait()
        replies[account] = appoint(account)

    threads = [threading.Thread(target=at_once, args=(f"ITKLDFUTURE{n}",)) for n in (8, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(r.status_code for r in replies.values()) == [201, 409], [
        r.text for r in replies.values()
    ]
    [refused] = [r for r in replies.values() if r.status_code == 409]
    assert refused.json()["detail"] == "審查小組委員至多9人"
    serving = rows(
        distributed.infra,
        "review_workflow",
        "SELECT count(*) FROM committee_members WHERE court_code = 'KLD' AND term_from = :d",
        d=date.fromisoformat(term_from),
    )
    assert serving[0][0] == 9
