"""The whole appraisal-photo journey of issue 3, driven through the REST API.

The same journey runs in all-in-one mode (tests/allinone) and in distributed mode on
real Kafka, MinIO and PostgreSQL (tests/integration):

firm applies → TPD clerk activates → set-password link by mail (no password) → firm
sets its password and logs in → opens a set, uploads photos (JPEG with GPS, PNG) →
prints (= submits) → clerk rejects photo 2 with a reason → firm is mailed and sees the
reason in its rejected queue → replaces the image and prints again → the clerk sees
what changed → approves (the set locks) → firm is mailed → the public finds the set by
court and case number and gets the public copies, without GPS.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
from PIL import Image

from support.flows import Platform, unique_email
from support.images import jpeg, png
from support.processes import wait_until

SET_PASSWORD_LINK = re.compile(r"/password/set\?token=([A-Za-z0-9_\-]+)")
NEW_PASSWORD = "Photo2026!a"


def ok(reply: Any, status: int = 200) -> dict[str, Any]:
    assert reply.status_code == status, f"{reply.status_code}: {reply.text}"
    return reply.json()  # type: ignore[no-any-return]


def firm_is_activated(platform: Platform, clerk: tuple[str, str]) -> tuple[str, str, str]:
    """Apply, activate as the court's clerk, set the password from the mailed link."""
    email = unique_email("firm")
    ok(
        platform.api(
            "POST",
            "/api/v1/firm-applications",
            json={
                "court_code": "TPD",
                "company_name": "信義不動產估價師事務所",
                "contact_person": "林小姐",
                "email": email,
                "phone": "02-2700-1234",
            },
        ),
        201,
    )
    clerk_token = platform.login(*clerk)
    application = _wait_for_application(platform, clerk_token, email)
    decision = ok(
        platform.api(
            "POST",
            f"/api/v1/firm-applications/{application['id']}/decision",
            clerk_token,
            json={"approve": True},
        )
    )
    account_id = decision["account_id"]
    assert account_id

    mail = next(
        m for m in platform.wait_for_mail(email, count=2) if SET_PASSWORD_LINK.search(m["body"])
    )
    assert account_id in mail["body"]
    assert "密碼：" not in mail["body"]  # a link to set it, never a password
    token = SET_PASSWORD_LINK.search(mail["body"]).group(1)  # type: ignore[union-attr]
    ok(
        platform.api(
            "POST", "/api/v1/password/set", json={"token": token, "new_password": NEW_PASSWORD}
        )
    )
    reused = platform.api(
        "POST", "/api/v1/password/set", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert reused.status_code == 409 and "已使用" in reused.json()["error"], "works once"
    return account_id, NEW_PASSWORD, email


def _wait_for_application(platform: Platform, clerk_token: str, email: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def listed() -> bool:
        reply = ok(platform.api("GET", "/api/v1/firm-applications?status=pending", clerk_token))
        for application in reply["applications"]:
            if application["email"] == email:
                found.update(application)
        return bool(found)

    wait_until(listed, timeout=30, what=f"application of {email}")
    return found


def photo_journey(platform: Platform, clerk: tuple[str, str], other_clerk: tuple[str, str]) -> None:
    account_id, password, firm_email = firm_is_activated(platform, clerk)
    firm = platform.login(account_id, password)
    clerk_token = platform.login(*clerk)
    case = {"year": 114, "word": "司執", "number": int(uuid.uuid4().int % 900000) + 1}

    # -- the firm builds and prints the set ---------------------------------------------
    photo_set = ok(
        platform.api(
            "POST",
            "/api/v1/photo-sets",
            firm,
            json={"division": "乙", "case_number": case, "batch": 1, "create": True},
        )
    )
    set_id = photo_set["id"]
    uploads = [
        (
            "front.jpg",
            jpeg(3000, 2000, gps=True),
            {"placement": "outdoor", "description": "建物正面"},
        ),
        ("inside.png", png(1200, 900), {"placement": "indoor", "description": "客廳"}),
        ("road.jpg", jpeg(2000, 3000), {"placement": "outdoor", "description": "臨路"}),
    ]
    photos = []
    for name, content, fields in uploads:
        photos.append(
            ok(
                platform.api(
                    "POST",
                    f"/api/v1/photo-sets/{set_id}/photos",
                    firm,
                    files={"file": (name, content)},
                    data={"auction_target": "建物", **fields},
                ),
                201,
            )
        )
    assert [p["sequence"] for p in photos] == [1, 2, 3]
    assert photos[2]["orientation"] == "portrait"
    current = ok(platform.api("GET", f"/api/v1/photo-sets/{set_id}", firm))
    first_print = ok(
        platform.api(
            "POST",
            f"/api/v1/photo-sets/{set_id}/print",
            firm,
            json={"expected_version": current["version"]},
        )
    )
    assert first_print["photo_set"]["status"] == "submitted"
    downloaded = requests.get(first_print["report_url"], timeout=60)
    assert downloaded.status_code == 200
    report = downloaded.content
    assert report.startswith(b"%PDF")
    # saved under the case's name (RFC 6266, the Chinese name in UTF-8)
    name = f"{case['year']}年度{case['word']}字第{case['number']}號_批次1_第1次列印.pdf"
    assert f"filename*=UTF-8''{quote(name)}" in downloaded.headers["Content-Disposition"]
    _assert_report_reads_as_written(
        report,
        pages=first_print["pages"],
        case_number=f"{case['year']}年度{case['word']}字第{case['number']}號",
        printed_by=account_id,
        captions=[
            "序號1室內/室外室外方向橫向拍賣標的建物說明建物正面",
            "序號2室內/室外室內方向橫向拍賣標的建物說明客廳",
            "序號3室內/室外室外方向直立拍賣標的建物說明臨路",
        ],
    )

    # -- the clerk of another court cannot see it; the right clerk rejects photo 2 ------
    submission = _wait_for_submission(platform, clerk_token, first_print["fingerprint"])
    other = platform.login(*other_clerk)
    assert platform.api("GET", f"/api/v1/submissions/{submission['id']}", other).status_code == 404
    ok(
        platform.api(
            "POST",
            f"/api/v1/submissions/{submission['id']}/decision",
            clerk_token,
            json={
                "approve": False,
                "note": "請補拍清楚的室內照片",
                "reasons": [
                    {
                        "photo_id": photos[1]["id"],
                        "sequence": 2,
                        "reason_code": "dark",
                        "text": "客廳過暗",
                    }
                ],
            },
        )
    )
    rejection_mail = _wait_for_mail_containing(platform, firm_email, "客廳過暗")
    assert "維護未通過審核照片" in rejection_mail["body"]

    # -- the firm sees the reason in its rejected queue, fixes and reprints ------------
    rejected = ok(platform.api("GET", "/api/v1/photo-sets?status=rejected", firm))
    assert [s["id"] for s in rejected["photo_sets"]] == [set_id]
    rejected_set = ok(platform.api("GET", f"/api/v1/photo-sets/{set_id}", firm))
    by_id = {p["id"]: p for p in rejected_set["photos"]}
    assert "客廳過暗" in by_id[photos[1]["id"]]["rejection_reason"]
    ok(
        platform.api(
            "PUT",
            f"/api/v1/photos/{photos[1]['id']}/image",
            firm,
            files={"file": ("inside-bright.jpg", jpeg(1600, 1200))},
            data={"expected_version": str(rejected_set["version"])},
        )
    )
    fixed = ok(platform.api("GET", f"/api/v1/photo-sets/{set_id}", firm))
    assert fixed["status"] == "rejected" and fixed["changed_since_print"]
    second_print = ok(
        platform.api(
            "POST",
            f"/api/v1/photo-sets/{set_id}/print",
            firm,
            json={"expected_version": fixed["version"]},
        )
    )
    assert second_print["photo_set"]["status"] == "submitted"
    assert second_print["fingerprint"] != first_print["fingerprint"]

    # -- the clerk sees what changed since the rejected print, and approves ------------
    resubmitted = _wait_for_submission(platform, clerk_token, second_print["fingerprint"])
    assert resubmitted["previous_rejected_fingerprint"] == first_print["fingerprint"]
    diff = ok(
        platform.api(
            "GET",
            f"/api/v1/photo-sets/{set_id}/diff?from={first_print['fingerprint']}"
            f"&to={second_print['fingerprint']}",
            clerk_token,
        )
    )
    assert [(c["photo_id"], c["change"]) for c in diff["changes"]] == [
        (photos[1]["id"], "image_replaced")
    ]
    prints = ok(platform.api("GET", f"/api/v1/photo-sets/{set_id}/prints", clerk_token))
    assert len(prints["prints"]) == 2, "every print is kept"
    ok(
        platform.api(
            "POST",
            f"/api/v1/submissions/{resubmitted['id']}/decision",
            clerk_token,
            json={"approve": True},
        )
    )
    _wait_for_mail_containing(platform, firm_email, "已通過審核")

    # -- the set is locked --------------------------------------------------------------
    approved = ok(platform.api("GET", f"/api/v1/photo-sets/{set_id}", firm))
    assert approved["status"] == "approved"
    locked = platform.api(
        "PATCH",
        f"/api/v1/photos/{photos[0]['id']}",
        firm,
        json={"description": "改", "expected_version": approved["version"]},
    )
    assert locked.status_code == 409 and "審核" in locked.json()["error"]

    # -- anyone finds it by court and case number, with public copies only ------------
    public = ok(
        platform.api(
            "GET",
            f"/api/v1/public/photo-sets?court_code=TPD&year={case['year']}"
            f"&word={case['word']}&number={case['number']}",
        )
    )
    [public_set] = public["photo_sets"]
    assert len(public_set["photos"]) == 3
    front = next(p for p in public_set["photos"] if p["sequence"] == 1)
    image = Image.open(io.BytesIO(_download(front["url"])))
    assert not image.getexif(), "public copies carry no EXIF (no GPS)"
    assert "original_key" not in front and "sha256" not in front


def report_pages(pdf: bytes) -> list[str]:
    """The text of each page as pdftotext reads it, without spaces and line breaks
    (layout, not content) and with nothing else folded: what a search finds."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    return ["".join(page.split()) for page in text.split("\f")[:-1]]


def _assert_report_reads_as_written(
    pdf: bytes, *, pages: int, case_number: str, printed_by: str, captions: list[str]
) -> None:
    texts = report_pages(pdf)
    assert len(texts) == pages
    for number, text in enumerate(texts, start=1):
        assert "臺灣臺北地方法院民事執行處" in text, text
        assert f"案號{case_number}股別乙批次第1批" in text, text
        assert f"第{number}頁/共{pages}頁" in text, text
        assert f"列印帳號{printed_by}" in text, text  # the firm's account id, no internal id
    everything = "".join(texts)
    for caption in captions:
        assert caption in everything, (caption, everything)


def _download(url: str) -> bytes:
    reply = requests.get(url, timeout=60)
    assert reply.status_code == 200, url
    return reply.content


def _wait_for_submission(platform: Platform, clerk_token: str, fingerprint: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def listed() -> bool:
        reply = ok(platform.api("GET", "/api/v1/submissions?state=pending", clerk_token))
        for submission in reply["submissions"]:
            if submission["fingerprint"] == fingerprint:
                found.update(submission)
        return bool(found)

    wait_until(listed, timeout=60, what=f"submission {fingerprint[:8]}")
    return found


def _wait_for_mail_containing(platform: Platform, to: str, text: str) -> dict[str, Any]:
    wait_until(
        lambda: any(text in m["body"] for m in platform.mails_to(to)),
        timeout=60,
        what=f"mail to {to} with {text}",
    )
    return next(m for m in platform.mails_to(to) if text in m["body"])
