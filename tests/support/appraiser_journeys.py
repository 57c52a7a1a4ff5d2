"""An appraiser's whole journey through the public API, as each of Keelung's people would
call it (and the court's own system over gRPC for the auctions), the same in every run
mode (tests/allinone and tests/integration give the platform and the people):
the appraiser applies as a real-estate appraiser with the six documents (a file that is
not one is refused and leaves no object); the records chief drafts the opinion; the chief
judge puts it to the committee; the members vote and the chair decides; the appraiser is
mailed and is on the roster; a division asks for an appraiser and the rotation proposes
the newcomer once the one before has had a turn; the fee is ordered and paid, the report
handed in with its items and fee (its PDF in the object store only once accepted); the
court's system reports two auctions unsold at a reserve of 65 %; the flag shows ground 15
with its evidence; the records chief raises the matter from it, the appraiser replies in
writing, the committee votes and decides; the appraiser leaves the rotation and a new
application is refused for three years."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pypdf import PdfWriter

from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2_grpc as pb_grpc
from jes_zhtw.roc import format_roc_date, to_taipei
from support import callers, flows
from support.images import jpeg
from support.processes import wait_until

DOCUMENTS = [
    "application",
    "certificate",
    "practice_licence",
    "association_membership",
    "experience",
    "bank_transfer",
]
APPLICATION = {
    "court_code": "KLD",
    "applicant_type": "real_estate_appraiser",
    "name": "李估價師（不動產估價師）",
    "registration_number": "(108)台內估字第000123號",
    "office_address": "基隆市信義區信一路50號",
    "office_phone": "02-2428-0050",
    "staff": [{"name": "李估價", "id_number": "A123456789"}],
}
DOCUMENT_BUCKET = "appraiser-documents"
REPORT_BUCKET = "appraisal-reports"
# the roles of the journey; Keelung's people give each an account
ROLES = ("appraiser", "chief", "judge", "member1", "member2", "clerk", "officer")


@dataclass(frozen=True)
class Keelung:
    """Who acts in the journey: each role's account (ROLES), one password for all, and the
    appraiser's e-mail address (where the mails are read)."""

    accounts: Mapping[str, str]
    password: str
    appraiser_email: str

    def login(self, platform: flows.Platform) -> dict[str, str]:
        """Each role's token."""
        return {role: platform.login(self.accounts[role], self.password) for role in ROLES}


def a4_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595.28, height=841.89)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def call(
    platform: flows.Platform, token: str, method: str, path: str, status: int = 200, **kw: Any
) -> Any:
    reply = platform.api(method, f"/api/v1{path}", token, **kw)
    assert reply.status_code == status, reply.text
    return reply.json()


def record_unsold_auctions(
    platform: flows.Platform,
    appraiser_id: str,
    held: list[date],
    *,
    outcome_prefix: str,
    case_number: str = "",
    reserve_percent: int = 65,
) -> None:
    """Keelung's court system reports auctions of the appraiser's objects held on the days
    `held`, each unsold at `reserve_percent` of the appraisal (outcome ids
    `<outcome_prefix>-1`, `-2`, ...)."""
    system = callers.client(
        platform.pki,
        platform.addrs["review-workflow"],
        pb_grpc.AppraiserServiceStub,
        court_system_of="KLD",
    )
    for n, day in enumerate(held, start=1):
        system.stub.RecordAuctionOutcome(
            pb.RecordAuctionOutcomeRequest(
                court_code="KLD",
                outcome_id=f"{outcome_prefix}-{n}",
                case_number=case_number,
                appraiser_id=appraiser_id,
                held_on=day.isoformat(),
                reserve_percent=reserve_percent,
                result=pb.AUCTION_RESULT_UNSOLD,
            )
        )


def today() -> date:
    return to_taipei(datetime.now(UTC)).date()


def the_mail(platform: flows.Platform, to: str, subject: str) -> dict[str, Any]:
    """The one mail to `to` with `subject` (waiting for it; a second one fails)."""
    found: list[dict[str, Any]] = []

    def arrived() -> bool:
        found[:] = [m for m in platform.mails_to(to) if m["subject"] == subject]
        return bool(found)

    wait_until(arrived, timeout=60, what=f"{subject} to {to}")
    [mail] = found
    return mail


def upload_documents(
    platform: flows.Platform, token: str, application_id: str, items: list[str] = DOCUMENTS
) -> None:
    """Each document of a real-estate appraiser (the experience proof five times)."""
    for item in items:
        for n in range(5 if item == "experience" else 1):
            content, name = (jpeg(300, 400), f"{item}-{n}.jpg") if n else (a4_pdf(), f"{item}.pdf")
            call(
                platform,
                token,
                "POST",
                f"/appraiser-applications/{application_id}/documents",
                201,
                data={"item": item},
                files={"file": (name, content, "application/octet-stream")},
            )


def qualify(platform: flows.Platform, tokens: dict[str, str], people: Keelung) -> dict[str, Any]:
    """Application, opinion, votes and decision; the qualified application."""
    appraiser, chief, judge = tokens["appraiser"], tokens["chief"], tokens["judge"]
    call(platform, judge, "POST", "/committee/members", 201, json={"name": "李庭長"})
    for member in ("member1", "member2"):
        account = people.accounts[member]
        call(
            platform,
            judge,
            "POST",
            "/committee/members",
            201,
            json={"account_id": account, "name": account},
        )

    application = call(
        platform, appraiser, "POST", "/appraiser-applications", 201, json=APPLICATION
    )
    app_id = application["id"]
    assert [r["item"] for r in application["required"]] == DOCUMENTS
    # a file that is not a PDF or an image, whatever its name says: refused, nothing kept
    refused = platform.api(
        "POST",
        f"/api/v1/appraiser-applications/{app_id}/documents",
        appraiser,
        data={"item": "application"},
        files={"file": ("application.pdf", b"not a pdf at all", "application/pdf")},
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["detail"] == "檔案內容不是 PDF 或圖片（JPEG、PNG），請上傳 PDF 或圖片檔"
    assert not platform.object_exists(DOCUMENT_BUCKET, f"KLD/{app_id}/")
    upload_documents(platform, appraiser, app_id)
    handed_in = call(platform, appraiser, "POST", f"/appraiser-applications/{app_id}/submission")
    assert (handed_in["state"], handed_in["missing"]) == ("submitted", [])
    # each file is an object of the application's own, as many as were accepted
    for document in handed_in["documents"]:
        key = f"KLD/{app_id}/{document['id']}"
        assert platform.object_exists(DOCUMENT_BUCKET, key), key
    assert len(handed_in["documents"]) == 10

    matter = call(
        platform,
        chief,
        "POST",
        f"/appraiser-applications/{app_id}/opinion",
        json={"recommend": True, "opinion": "證書、開業證書及公會會員證書齊備，建議列入名冊"},
    )
    voting = call(platform, judge, "POST", f"/committee/matters/{matter['id']}/vote-call")
    assert voting["members"] == [people.accounts[r] for r in ("judge", "member1", "member2")]
    votes = f"/committee/matters/{matter['id']}/votes"
    call(platform, tokens["member1"], "POST", votes, json={"choice": "for"})
    call(platform, tokens["member2"], "POST", votes, json={"choice": "for"})
    decided = call(platform, judge, "POST", f"/committee/matters/{matter['id']}/decision")
    assert (decided["state"], decided["passed"]) == ("decided", True)
    mail = the_mail(
        platform, people.appraiser_email, "【司法院】鑑定人資格評選合格，已列入鑑定人名冊"
    )
    assert "已列入本院不動產鑑定人名冊" in mail["body"]
    qualified = call(platform, appraiser, "GET", f"/appraiser-applications/{app_id}")
    assert qualified["state"] == "qualified"
    return qualified


def work_and_report(
    platform: flows.Platform,
    tokens: dict[str, str],
    assignment_id: str,
    before_payment: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """The fee order, the payment and the report with its 26 items and its fee.
    `before_payment(order)`: what a run mode checks while the payment is open."""
    clerk, appraiser = tokens["clerk"], tokens["appraiser"]
    case = f"/appraisers/assignments/{assignment_id}"
    order = call(
        platform,
        clerk,
        "POST",
        f"{case}/fee-order",
        json={"items": [{"kind": "building_with_land", "count": 1}], "travel_group": "city"},
    )
    assert order["fee_allowed"] == 3000 + 960
    mine = call(platform, appraiser, "GET", "/appraisal-work")["items"]
    assert [(i["id"], i["kind"]) for i in mine] == [(order["id"], "payment")]
    if before_payment:
        before_payment(order)
    due = call(platform, appraiser, "POST", f"{case}/payment", json={"amount": 3960})
    assert (due["kind"], due["days"]) == ("report", 10)

    items = call(platform, appraiser, "GET", "/appraisal-report-requirements?category=real_estate")[
        "items"
    ]
    assert len(items) == 26
    form = {
        "report_date": today().isoformat(),
        "address": "基隆市信義區信一路50號",
        "phone": "02-2428-0050",
        "total_fee": "3960",
        "fee_kind": "building_with_land",
        "travel_group": "city",
        "present": [i["code"] for i in items],
        "photo_set_id": "00000000-0000-4000-8000-000000000013",
    }
    pdf = ("鑑定書.pdf", a4_pdf(3), "application/pdf")
    warned = platform.api(
        "POST", f"/api/v1{case}/report", appraiser, data=form, files={"file": pdf}
    )
    # the court has not received this photo set for the case: a warning to confirm, and
    # until then the PDF is kept nowhere
    assert warned.status_code == 409, warned.text
    assert not platform.object_exists(REPORT_BUCKET, f"KLD/{assignment_id}/")
    received = call(
        platform,
        appraiser,
        "POST",
        f"{case}/report",
        201,
        data={**form, "warnings_acknowledged": "true"},
        files={"file": pdf},
    )
    assert (received["pages"], received["total_fee"], received["fee_allowed"]) == (3, 3960, 3960)
    assert platform.object_exists(REPORT_BUCKET, f"KLD/{assignment_id}/{received['id']}.pdf")
    [listed] = call(platform, clerk, "GET", "/appraisal-reports")["reports"]
    assert listed["id"] == received["id"] and listed["warnings"]
    work = call(platform, clerk, "GET", f"/appraisal-work?assignment_id={assignment_id}")
    assert {i["kind"]: i["state"] for i in work["items"]} == {"payment": "done", "report": "done"}


def application_to_roster_to_report_to_disqualification(
    platform: flows.Platform,
    people: Keelung,
    before_payment: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    tokens = people.login(platform)
    clerk, chief, judge = tokens["clerk"], tokens["chief"], tokens["judge"]
    # an appraiser already on the roster, ahead of the newcomer in the line
    senior = call(
        platform,
        chief,
        "POST",
        "/appraisers",
        json={"category": "real_estate", "name": "甲不動產估價師事務所", "qualification": "舊名冊"},
    )

    qualified = qualify(platform, tokens, people)
    roster = call(platform, clerk, "GET", "/appraisers?category=real_estate")["entries"]
    assert [(e["name"], e["standing"]) for e in roster] == [
        ("甲不動產估價師事務所", "active"),
        ("李估價師（不動產估價師）", "active"),
    ]
    newcomer = qualified["roster_entry_id"]
    assert roster[1]["id"] == newcomer

    ask = {"category": "real_estate", "division": "甲"}
    first = call(
        platform,
        clerk,
        "POST",
        "/appraisers/assignments",
        json={**ask, "case_number": "115年度司執字第1001號"},
    )
    assert first["appraiser_id"] == senior["id"]
    assigned = call(
        platform,
        clerk,
        "POST",
        "/appraisers/assignments",
        json={**ask, "case_number": "115年度司執字第1002號"},
    )
    assert assigned["appraiser_id"] == newcomer and assigned["skips"] == []

    work_and_report(platform, tokens, assigned["id"], before_payment)

    # the court's system reports the auctions: twice unsold at a reserve of 65 %
    held = [today() - timedelta(days=40), today() - timedelta(days=10)]
    record_unsold_auctions(
        platform, newcomer, held, outcome_prefix="KLD-115-1002", case_number="115年度司執字第1002號"
    )
    [flag] = call(platform, chief, "GET", "/appraisers/disqualification-flags")["flags"]
    # the flags are the committee's; a malformed day is refused in zh-TW
    assert (
        platform.api("GET", "/api/v1/appraisers/disqualification-flags", clerk).status_code == 403
    )
    bad_day = platform.api(
        "GET", "/api/v1/appraisers/disqualification-flags?as_of=2026-13-01", chief
    )
    assert bad_day.status_code == 400, bad_day.text
    assert bad_day.headers["Content-Type"].startswith("application/problem+json")
    assert (flag["appraiser_id"], flag["ground"]) == (newcomer, 15)
    assert flag["evidence"] == [f"{d.isoformat()} 底價 65% 未拍定" for d in held]

    raised = call(
        platform,
        chief,
        "POST",
        "/committee/matters",
        201,
        json={
            "appraiser_id": newcomer,
            "grounds": [flag["ground"]],
            "evidence": "\n".join(flag["evidence"]),
            "opinion": "六個月內二次依鑑定價格百分之六十五定底價未能賣出，擬議決不適任",
        },
    )
    matter = f"/committee/matters/{raised['id']}"
    raised_mail = the_mail(
        platform, people.appraiser_email, "【司法院】鑑定人不適任案，請提出書面答辯"
    )
    assert "底價 65% 未拍定\n" in raised_mail["body"]
    assert f"{matter}/reply\n" in raised_mail["body"]
    # the appraiser's written reply comes before the vote
    early = platform.api("POST", f"/api/v1{matter}/vote-call", judge)
    assert early.status_code == 409, early.text
    replied = call(
        platform,
        tokens["appraiser"],
        "POST",
        f"{matter}/reply",
        json={"reply": "二次拍賣期間適逢市場急凍，鑑定價格並無偏高"},
    )
    assert replied["reply"] == "二次拍賣期間適逢市場急凍，鑑定價格並無偏高"
    call(platform, judge, "POST", f"{matter}/vote-call")
    for member in ("judge", "member1"):
        call(platform, tokens[member], "POST", f"{matter}/votes", json={"choice": "for"})
    decided = call(platform, judge, "POST", f"{matter}/decision")
    assert (decided["state"], decided["passed"]) == ("decided", True)

    result = the_mail(
        platform, people.appraiser_email, "【司法院】鑑定人資格審查小組議決結果：不適任"
    )
    assert "經鑑定人資格審查小組議決為不適任（第十二點第15款）" in result["body"]

    # the qualified application no longer says so: its state follows the decision
    application = call(
        platform, tokens["appraiser"], "GET", f"/appraiser-applications/{qualified['id']}"
    )
    assert (application["state"], application["state_label"]) == (
        "disqualified",
        "經議決不適任，已停止選任",
    )

    standing = call(platform, clerk, "GET", "/appraisers?category=real_estate")["entries"][1]
    assert standing["standing"] == "disqualified"
    bar_ends = date.fromisoformat(standing["until"])
    assert bar_ends >= today().replace(year=today().year + 3) - timedelta(days=1)
    # the senior's turn (the newcomer's was later), then the newcomer's, passed over
    for number in ("1003", "1004"):
        after = call(
            platform,
            clerk,
            "POST",
            "/appraisers/assignments",
            json={**ask, "case_number": f"115年度司執字第{number}號"},
        )
        assert after["appraiser_id"] == senior["id"]
    assert [(s["appraiser_id"], s["reason"]) for s in after["skips"]] == [
        (newcomer, "經議決為不適任")
    ]

    refused = platform.api(
        "POST", "/api/v1/appraiser-applications", tokens["appraiser"], json=APPLICATION
    )
    assert refused.status_code == 409, refused.text
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.json()["detail"] == (
        f"經議決為不適任者，{format_roc_date(bar_ends)}以前不得向本院申請列為鑑定人"
    )
