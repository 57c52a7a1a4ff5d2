"""Appraiser applications and the qualification committee in all-in-one mode, through
the API as real callers: a firm applies to Keelung, is told what an incomplete
application lacks, uploads its six documents (a file that is no PDF or image refused),
hands it in; the records chief drafts the opinion; the chief judge appoints the
committee and puts it to the vote; the members vote once each; the chair decides; the
firm is on the roster and is mailed the result."""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import pytest
import requests
from pypdf import PdfWriter

from support import flows
from support.allinone import DEMO_PASSWORD
from support.appraiser_journeys import call
from support.images import jpeg
from support.web import WebClient

FIRM_ITEMS = [
    "application",
    "business_registration",
    "office_proof",
    "experience",
    "staff_roster",
    "bank_transfer",
]
APPLICATION = {
    "court_code": "KLD",
    "applicant_type": "firm",
    "name": "大安不動產估價師事務所",
    "registration_number": "12345675",
    "business_since": "2015-01-05",
    "office_address": "基隆市仁愛區愛一路1號",
    "office_phone": "02-2423-0001",
    "staff": [{"name": "王大明", "id_number": "A123456789"}],
}


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(
    platform: flows.Platform, token: str, app_id: str, item: str, content: bytes, name: str
) -> Any:
    return platform.api(
        "POST",
        f"/api/v1/appraiser-applications/{app_id}/documents",
        token,
        data={"item": item},
        files={"file": (name, content, "application/pdf")},
    )


@pytest.fixture(scope="module")
def committee(platform: flows.Platform) -> str:
    """Keelung's committee: the chief judge (chair) and two members; the judge's token."""
    judge = platform.login("KLDJUDGE", DEMO_PASSWORD)
    assert call(platform, judge, "POST", "/committee/members", 201, json={"name": "李庭長"})[
        "chair"
    ]
    for member in ("KLDMEMBER1", "KLDMEMBER2"):
        call(
            platform,
            judge,
            "POST",
            "/committee/members",
            201,
            json={"account_id": member, "name": member},
        )
    return judge


def test_apply_vote_and_enrol_through_the_api(platform: flows.Platform, committee: str):
    firm = platform.login("DEMOFIRM", DEMO_PASSWORD)

    # an unknown court: a clear zh-TW problem, nothing recorded
    reply = platform.api(
        "POST", "/api/v1/appraiser-applications", firm, json={**APPLICATION, "court_code": "XXX"}
    )
    assert reply.status_code == 404
    assert reply.headers["Content-Type"].startswith("application/problem+json")
    assert reply.json()["detail"] == "此法院尚未設定鑑定人作業規定"
    assert call(platform, firm, "GET", "/appraiser-applications")["applications"] == []

    # handed in with one document: not considered, and the firm sees why
    first = call(platform, firm, "POST", "/appraiser-applications", 201, json=APPLICATION)
    assert (
        upload(platform, firm, first["id"], "application", pdf(), "申請書.pdf").status_code == 201
    )
    incomplete = call(platform, firm, "POST", f"/appraiser-applications/{first['id']}/submission")
    assert incomplete["state"] == "not_considered"
    assert incomplete["state_label"] == "文件不全，不列入評選"
    assert incomplete["missing"][0] == "未附：公司執照、營利事業登記證及其他核准設立登記文件影本"
    assert len(incomplete["missing"]) == 5
    [told] = platform.wait_for_mail("firm@jes.example")
    assert told["subject"] == "【司法院】鑑定人申請文件不全，不列入評選"

    # again, complete; a text file named .pdf is refused by its content
    application = call(platform, firm, "POST", "/appraiser-applications", 201, json=APPLICATION)
    app_id = application["id"]
    refused = upload(platform, firm, app_id, "application", b"not a pdf at all", "申請書.pdf")
    assert refused.status_code == 400, refused.text
    assert (
        refused.json()["fields"]["file"]
        == "檔案內容不是 PDF 或圖片（JPEG、PNG），請上傳 PDF 或圖片檔"
    )
    for item in FIRM_ITEMS:
        for n in range(5 if item == "experience" else 1):
            content = jpeg(300, 400) if n == 1 else pdf()
            assert upload(platform, firm, app_id, item, content, f"{item}-{n}").status_code == 201
    handed_in = call(platform, firm, "POST", f"/appraiser-applications/{app_id}/submission")
    assert handed_in["state"] == "submitted" and handed_in["missing"] == []
    assert [(r["item"], r["uploaded"]) for r in handed_in["required"]][3] == ("experience", 5)

    records = platform.login("KLDCHIEF", DEMO_PASSWORD)
    listed = call(platform, records, "GET", "/appraiser-applications")["applications"]
    assert {a["id"] for a in listed} == {first["id"], app_id}
    # the records chief opens a document: the file as uploaded
    [seen] = [a for a in listed if a["id"] == app_id]
    scan = next(d for d in seen["documents"] if d["content_type"] == "image/jpeg")
    fetched = requests.get(scan["url"], timeout=30)
    assert fetched.status_code == 200
    assert hashlib.sha256(fetched.content).hexdigest() == scan["sha256"]
    matter = call(
        platform,
        records,
        "POST",
        f"/appraiser-applications/{app_id}/opinion",
        json={"recommend": True, "opinion": "文件齊備，建議列入名冊"},
    )

    judge = committee
    assert len(call(platform, judge, "GET", "/committee/members")["members"]) == 3
    voting = call(platform, judge, "POST", f"/committee/matters/{matter['id']}/vote-call")
    assert voting["state"] == "voting" and voting["members"] == [
        "KLDJUDGE",
        "KLDMEMBER1",
        "KLDMEMBER2",
    ]

    member1 = platform.login("KLDMEMBER1", DEMO_PASSWORD)
    votes = f"/committee/matters/{matter['id']}/votes"
    call(platform, member1, "POST", votes, json={"choice": "for"})
    twice = platform.api("POST", f"/api/v1{votes}", member1, json={"choice": "against"})
    assert twice.status_code == 409 and twice.json()["detail"] == "每位委員就同一案只能投票一次"
    clerk = platform.login("KLDCLERK", DEMO_PASSWORD)
    assert platform.api("POST", f"/api/v1{votes}", clerk, json={"choice": "for"}).status_code == 403
    bad = platform.api("POST", f"/api/v1{votes}", member1, json={"choice": "maybe"})
    assert bad.status_code == 400
    # KLDMEMBER2 votes in writing: the chair records it
    written = call(
        platform, judge, "POST", votes, json={"choice": "for", "written_for": "KLDMEMBER2"}
    )
    assert [(v["member_account_id"], v["written"]) for v in written["votes"]] == [
        ("KLDMEMBER1", False),
        ("KLDMEMBER2", True),
    ]
    decided = call(platform, judge, "POST", f"/committee/matters/{matter['id']}/decision")
    assert decided["state"] == "decided" and decided["passed"] is True

    qualified = call(platform, firm, "GET", f"/appraiser-applications/{app_id}")
    assert qualified["state"] == "qualified" and qualified["roster_entry_id"]
    roster = call(platform, clerk, "GET", "/appraisers?category=other_property")["entries"]
    assert [(e["id"], e["name"]) for e in roster] == [
        (qualified["roster_entry_id"], "大安不動產估價師事務所")
    ]
    mails = platform.wait_for_mail("firm@jes.example", count=2)
    [result] = [
        m for m in mails if m["subject"] == "【司法院】鑑定人資格評選合格，已列入鑑定人名冊"
    ]
    assert "已列入本院動產及其他財產鑑定人名冊" in result["body"]


def test_apply_and_vote_on_the_pages(platform: flows.Platform, committee: str):
    """The same journey as people click it: an architect's application (from DEMOFIRM's
    account: real estate is another business), the records chief's opinion, the chair's
    vote call, the members' votes and the decision."""
    applicant = WebClient(platform.base_url)
    assert applicant.login("DEMOFIRM", DEMO_PASSWORD).status_code == 302
    assert "鑑定人申請" in applicant.get("/portal").text  # the dashboard links the system
    assert "申請列為鑑定人" in applicant.get("/appraiser-applications/").text
    form = {
        "court_code": "KLD",
        "applicant_type": "architect",
        "name": "大安建築師事務所",
        "registration_number": "建築師證書第1234號",
        "office_address": "基隆市中正區中正路200號",
        "office_phone": "02-2462-0200",
        "staff_name_0": "林建築",
        "staff_id_0": "A123456789",
    }
    # bad input: an office outside the court's area, said in zh-TW, nothing created
    outside = applicant.post(
        "/appraiser-applications/", {**form, "office_address": "臺中市西區1號"}
    )
    assert outside.status_code == 400
    assert "事務所須設於本院轄區內或臺北市、新北市、宜蘭縣" in outside.text
    created = applicant.post("/appraiser-applications/", form, allow_redirects=False)
    assert created.status_code == 302, created.text
    page_path = created.headers["Location"]
    page = applicant.get(page_path)
    assert "主管機關核發之建築師證書影本" in page.text
    app_id = page_path.rstrip("/").rsplit("/", 1)[-1]
    not_pdf = applicant.post(
        f"/appraiser-applications/{app_id}/documents",
        {"item": "application"},
        files={"file": ("a.pdf", b"<html>not a pdf</html>", "application/pdf")},
    )
    assert not_pdf.status_code == 400
    assert "檔案內容不是 PDF 或圖片（JPEG、PNG），請上傳 PDF 或圖片檔" in not_pdf.text
    for item in (
        "application",
        "certificate",
        "practice_licence",
        "association_membership",
        "bank_transfer",
    ):
        applicant.get(page_path)
        sent = applicant.post(
            f"/appraiser-applications/{app_id}/documents",
            {"item": item},
            files={"file": (f"{item}.pdf", pdf(), "application/pdf")},
            allow_redirects=False,
        )
        assert sent.status_code == 302, sent.text
    for n in range(5):
        applicant.get(page_path)
        applicant.post(
            f"/appraiser-applications/{app_id}/documents",
            {"item": "experience"},
            files={"file": (f"report-{n}.jpg", jpeg(300, 400), "image/jpeg")},
        )
    applicant.get(page_path)
    handed_in = applicant.post(f"/appraiser-applications/{app_id}/submission", {})
    assert "待紀錄科科長擬具意見" in handed_in.text

    records = WebClient(platform.base_url)
    assert records.login("KLDCHIEF", DEMO_PASSWORD).status_code == 302
    records.get(page_path)
    drafted = records.post(
        f"/appraiser-applications/{app_id}/opinion", {"recommend": "1", "opinion": "符合資格"}
    )
    assert "大安建築師事務所" in drafted.text and "待庭長提付審查小組" in drafted.text

    chair = WebClient(platform.base_url)
    assert chair.login("KLDJUDGE", DEMO_PASSWORD).status_code == 302
    assert "鑑定人資格審查小組" in chair.get("/portal").text
    committee_page = chair.get("/committee/")
    matter_id = re.search(r"/committee/matters/([0-9a-f-]+)/vote-call", committee_page.text).group(
        1
    )  # type: ignore[union-attr]
    voting = chair.post(f"/committee/matters/{matter_id}/vote-call", {})
    assert "審查小組表決中" in voting.text
    chair.post(f"/committee/matters/{matter_id}/votes", {"choice": "for"})
    member = WebClient(platform.base_url)
    assert member.login("KLDMEMBER2", DEMO_PASSWORD).status_code == 302
    member.get("/committee/")
    member.post(f"/committee/matters/{matter_id}/votes", {"choice": "for"})
    member.get("/committee/")
    again = member.post(f"/committee/matters/{matter_id}/votes", {"choice": "against"})
    assert again.status_code == 409 and "每位委員就同一案只能投票一次" in again.text
    chair.get("/committee/")
    decided = chair.post(f"/committee/matters/{matter_id}/decision", {})
    assert "議決結果：通過" in decided.text
    assert "評選合格，列入名冊" in applicant.get(page_path).text
