"""The walking-skeleton journeys, driven through the gateway and gRPC like real callers.

Each test module provides a `Platform` for its run mode; the journeys are the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from jes.case_sync.v1 import case_sync_pb2, case_sync_pb2_grpc, cases_pb2
from jes_grpckit import Client
from support import callers
from support.images import jpeg
from support.processes import wait_until


@dataclass
class Platform:
    base_url: str
    addrs: dict[str, str]
    pki: Path  # the CA folder of this run (court systems' certificates come from it)
    mails_to: Callable[[str], list[dict[str, Any]]]  # messages received for one address
    object_exists: Callable[[str, str], bool]  # (bucket, key prefix) -> any object there
    metrics_url: str = ""  # the gateway's /metrics, on its own port (not the public one)

    def api(self, method: str, path: str, token: str = "", **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(
            method, f"{self.base_url}{path}", headers=headers, timeout=120, **kwargs
        )

    def login(self, account_id: str, password: str) -> str:
        reply = self.api(
            "POST", "/api/v1/sessions", json={"account_id": account_id, "password": password}
        )
        assert reply.status_code == 201, reply.text
        return str(reply.json()["access_token"])

    def court_system(self, court_code: str = "TPD") -> Client:
        """The court's own system: a certificate of the JES CA naming its court."""
        return callers.client(
            self.pki,
            self.addrs["case-sync"],
            case_sync_pb2_grpc.CaseSyncServiceStub,
            court_system_of=court_code,
        )

    def wait_for_mail(self, to: str, count: int = 1, timeout: float = 60) -> list[dict[str, Any]]:
        wait_until(
            lambda: len(self.mails_to(to)) >= count,
            timeout=timeout,
            what=f"{count} mail(s) to {to}",
        )
        return self.mails_to(to)


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def firm_applies(platform: Platform) -> None:
    """Flow 1: a firm applies; identity stores it; notification acknowledges by mail."""
    email = unique_email("firm")
    reply = platform.api(
        "POST",
        "/api/v1/firm-applications",
        json={
            "court_code": "TPD",
            "company_name": "大華不動產估價師事務所",
            "contact_person": "王大明",
            "email": email,
            "phone": "02-2345-6789",
        },
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["status"] == "pending"
    [mail] = platform.wait_for_mail(email)
    assert "帳號申請已受理" in mail["subject"]
    assert f"申請編號：{reply.json()['id']}" in mail["body"]
    assert "臺灣臺北地方法院" in mail["body"]
    # Anyone may apply naming any address: the acknowledgement carries nothing typed.
    assert "大華不動產估價師事務所" not in mail["body"] and "王大明" not in mail["body"]


def firm_uploads_and_prints(platform: Platform, firm: tuple[str, str], clerk_email: str) -> None:
    """Flow 2: upload one JPEG, print it; the clerk of the court is told by mail."""
    token = platform.login(*firm)
    case_number = int(uuid.uuid4().int % 900000) + 1
    opened = platform.api(
        "POST",
        "/api/v1/photo-sets",
        token,
        json={
            "court_code": "TPD",
            "division": "甲",
            "case_number": {"year": 107, "word": "司執", "number": case_number},
        },
    )
    assert opened.status_code == 200, opened.text
    photo_set = opened.json()
    uploaded = platform.api(
        "POST",
        f"/api/v1/photo-sets/{photo_set['id']}/photos",
        token,
        files={"file": ("front.jpg", jpeg(2400, 1600), "image/jpeg")},
        data={"placement": "outdoor", "auction_target": "建地", "description": "建物正面"},
    )
    assert uploaded.status_code == 201, uploaded.text
    photo = uploaded.json()
    assert photo["orientation"] == "landscape" and photo["width"] == 2400
    prefix = f"{photo_set['id']}/{photo['id']}/"
    for name in ("original", "thumbnail.jpg", "report.jpg", "public.jpg"):
        assert platform.object_exists("photos", prefix + name), name

    printed = platform.api("POST", f"/api/v1/photo-sets/{photo_set['id']}/print", token)
    assert printed.status_code == 200, printed.text
    result = printed.json()
    assert result["photo_set"]["status"] == "submitted"
    assert result["pages"] == 1
    assert platform.object_exists("reports", f"photo_report/{photo_set['id']}/")
    formal = f"107年度司執字第{case_number}號"
    wait_until(
        lambda: any(formal in m["subject"] for m in platform.mails_to(clerk_email)),
        timeout=60,
        what=f"review mail for {formal}",
    )


def court_pushes_progress(platform: Platform) -> None:
    """Flow 3: a court system pushes a progress entry; the case's follower is mailed."""
    client = platform.court_system()
    follower = unique_email("party")
    number = int(uuid.uuid4().int % 900000) + 1
    case = cases_pb2.CaseKey(
        court_code="TPD", category=cases_pb2.CASE_CATEGORY_CIVIL, year=100, word="訴", number=number
    )
    client.call(
        "ApproveFollow",
        case_sync_pb2.ApproveFollowRequest(
            case=case, email=follower, role=cases_pb2.FOLLOWER_ROLE_PARTY
        ),
    )
    entry = cases_pb2.ProgressEntry(
        source_entry_id=f"e-{number}", posted_on="2026-11-20", item="定期言詞辯論"
    )
    first = client.call("PushProgress", case_sync_pb2.PushProgressRequest(case=case, entry=entry))
    again = client.call("PushProgress", case_sync_pb2.PushProgressRequest(case=case, entry=entry))
    assert first.created and not again.created
    # The first approval for an address opens its account (an activation mail); the
    # entry comes in a notice of its own.
    mails = platform.wait_for_mail(follower, count=2)
    subjects = sorted(mail["subject"] for mail in mails)
    assert subjects == [
        f"【司法院】案件進度更新：100.訴.{number:06d}",
        f"【司法院】案件進度查詢聲請已核准，請設定密碼啟用：100.訴.{number:06d}",
    ], subjects
    [notice] = [mail for mail in mails if "案件進度更新" in mail["subject"]]
    assert "定期言詞辯論" in notice["body"]
