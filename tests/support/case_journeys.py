"""Case progress online (issue 11) as its people meet it, against the real case-sync: a
court system pushes entries and approves follows over gRPC; the applicant reads the mails
notification sent (activation, notices, resets) and uses their links. Shared by the
all-in-one API tests and the browser tests."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import cases_pb2
from jes_grpckit import Client
from jes_zhtw import format_roc_date_short
from support import flows
from support.processes import wait_until

TAIPEI = ZoneInfo("Asia/Taipei")
PASSWORD = "Litigant-Journey-2026!"
ACTIVATION = "請設定密碼啟用"
APPROVED_ONLY = "【司法院】案件進度查詢聲請已核准："
NOTICE = "【司法院】案件進度更新："
RESET = "【司法院】重新設定密碼"
SET_PASSWORD_LINK = re.compile(r"https?://\S+/password/set\?token=[A-Za-z0-9_\-%]+")


def today() -> date:
    """The court's today: a posting date may not be later (Asia/Taipei)."""
    return datetime.now(TAIPEI).date()


def roc_short(day: date) -> str:
    """101/07/02, as the seed shows posting dates."""
    return format_roc_date_short(day)


def new_case(
    court: str = "TPD",
    category: cases_pb2.CaseCategory.ValueType = cases_pb2.CASE_CATEGORY_CIVIL,
    word: str = "訴",
) -> cases_pb2.CaseKey:
    """A case number no other test uses."""
    number = int(uuid.uuid4().int % 900000) + 1
    return cases_pb2.CaseKey(
        court_code=court, category=category, year=115, word=word, number=number
    )


def dotted(case: cases_pb2.CaseKey) -> str:
    return f"{case.year}.{case.word}.{case.number:06d}"


def formal(case: cases_pb2.CaseKey) -> str:
    return f"{case.year}年度{case.word}字第{case.number}號"


def push(
    court: Client,
    case: cases_pb2.CaseKey,
    entry_id: str,
    item: str,
    *,
    posted_on: date | None = None,
    hearing: cases_pb2.Hearing | None = None,
) -> pb.PushProgressResponse:
    entry = cases_pb2.ProgressEntry(
        source_entry_id=entry_id, posted_on=(posted_on or today()).isoformat(), item=item
    )
    if hearing is not None:
        entry.hearing.CopyFrom(hearing)
    return court.call("PushProgress", pb.PushProgressRequest(case=case, entry=entry))


def hearing_in(days: int, place: str = "第一法庭", kind: str = "言詞辯論") -> cases_pb2.Hearing:
    """A hearing `days` from today at 10:00 Taipei time."""
    day = today() + timedelta(days=days)
    return cases_pb2.Hearing(starts_at=f"{day.isoformat()}T10:00", place=place, kind=kind)


def approve(
    court: Client,
    case: cases_pb2.CaseKey,
    email: str,
    role: cases_pb2.FollowerRole.ValueType = cases_pb2.FOLLOWER_ROLE_PARTY,
    name: str = "王小明",
) -> cases_pb2.Follow:
    return court.call(
        "ApproveFollow",
        pb.ApproveFollowRequest(case=case, email=email, role=role, applicant_name=name),
    )


def set_prosecutors(court: Client, case: cases_pb2.CaseKey, *prosecutor_ids: str) -> None:
    change = pb.CaseChange(
        case=case, details=cases_pb2.CaseDetails(prosecutor_ids=list(prosecutor_ids))
    )
    change.changed_at.FromDatetime(datetime.now(UTC))
    court.call("ApplyCaseChange", change)


def mails(platform: flows.Platform, to: str, subject_part: str) -> list[dict[str, Any]]:
    return [m for m in platform.mails_to(to) if subject_part in m["subject"]]


def wait_for(
    platform: flows.Platform, to: str, subject_part: str, count: int = 1, timeout: float = 30
) -> list[dict[str, Any]]:
    wait_until(
        lambda: len(mails(platform, to, subject_part)) >= count,
        timeout=timeout,
        what=f"{count} mail(s) '{subject_part}' to {to}",
    )
    return mails(platform, to, subject_part)


def set_password_link(mail: dict[str, Any]) -> str:
    """The one-time link in an activation or reset mail, made relative to the gateway."""
    found = SET_PASSWORD_LINK.search(mail["body"])
    assert found, mail["body"]
    parts = urlsplit(found.group(0))
    return f"{parts.path}?{parts.query}"


def line_after(mail: dict[str, Any], label: str) -> str:
    """The value of the body's line `label：value`."""
    return next(
        line.split("：", 1)[1] for line in mail["body"].splitlines() if line.startswith(label)
    )


def header(mail: dict[str, Any], name: str) -> str:
    values = [value for key, value in mail["headers"] if key.lower() == name.lower()]
    assert len(values) == 1, (name, mail["headers"])
    return str(values[0])


def relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def prosecutor_reads_the_cases_naming_them(platform: flows.Platform) -> None:
    """Journey 6: a prosecutor signed in through the ministry's single window sees the
    cases whose court data name their identifier (TPS-0427 in the test realm), without
    applying case by case, and nothing else (another prosecutor's case is not found)."""
    from support import sso_journeys  # the single-sign-on tests' browser and provider
    from support.keycloak import PROSECUTOR_CHEN

    court = platform.court_system("TPD")
    theirs = new_case(category=cases_pb2.CASE_CATEGORY_CRIMINAL, word="訴")
    others = new_case(category=cases_pb2.CASE_CATEGORY_CRIMINAL, word="易")
    push(court, theirs, f"p-{theirs.number}-1", "準備程序", hearing=hearing_in(7))
    other_id = push(court, others, f"p-{others.number}-1", "分案").case_id
    set_prosecutors(court, theirs, "TPS-0427")
    set_prosecutors(court, others, "TPS-9999")

    signed_in = sso_journeys.visit(platform.base_url, "moj", *PROSECUTOR_CHEN)
    browser = signed_in.browser
    listed = browser.request("GET", f"{platform.base_url}/cases/")
    assert listed.status_code == 200, listed.text[-2000:]
    assert "承辦案件進度" in listed.text
    assert f"臺灣臺北地方法院 刑事 {dotted(theirs)}" in listed.text
    assert dotted(others) not in listed.text
    refused = browser.request("GET", f"{platform.base_url}/cases/{other_id}")
    assert refused.status_code == 404 and dotted(others) not in refused.text
