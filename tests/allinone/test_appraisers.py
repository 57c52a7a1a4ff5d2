"""Appraiser commissioning in all-in-one mode, through the API, the pages and gRPC like
real callers: Keelung's records chief enrols appraisers and suspends one; a clerk
calculates a fee and asks for an appraiser by rotation; the judicial affairs officer
chooses one off the rotation with a ground; the court's system reports auctions; the log
verifies, the fairness report counts, and the flags show the ground with its evidence."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import grpc
import pytest

from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2_grpc as pb_grpc
from jes_grpckit import Client
from support import callers, flows
from support.allinone import DEMO_PASSWORD
from support.web import WebClient

RE = pb.APPRAISER_CATEGORY_REAL_ESTATE


def as_person(platform: flows.Platform, account_id: str) -> Client:
    """review-workflow's AppraiserService as the gateway calls it for this person."""
    token = platform.login(account_id, DEMO_PASSWORD)
    return callers.client(
        platform.pki, platform.addrs["review-workflow"], pb_grpc.AppraiserServiceStub, token=token
    )


@pytest.fixture(scope="module")
def roster(platform: flows.Platform) -> dict[str, str]:
    chief = as_person(platform, "KLDCHIEF")
    ids = {
        name: chief.stub.EnrolAppraiser(
            pb.EnrolAppraiserRequest(court_code="KLD", category=RE, name=name)
        ).id
        for name in ("甲估價師事務所", "乙估價師事務所", "丙估價師事務所")
    }
    chief.stub.ChangeAppraiserStanding(
        pb.ChangeAppraiserStandingRequest(
            appraiser_id=ids["甲估價師事務所"],
            standing=pb.APPRAISER_STANDING_SUSPENDED,
            until="2099-12-31",
            reason="未參加研習",
        )
    )
    return ids


def api(platform: flows.Platform, token: str, method: str, path: str, **kw: Any) -> Any:
    reply = platform.api(method, path, token, **kw)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_the_division_s_day_through_the_api(platform: flows.Platform, roster: dict[str, str]):
    clerk = platform.login("KLDCLERK", DEMO_PASSWORD)
    fee = api(
        platform,
        clerk,
        "POST",
        "/api/v1/appraisers/fee-calculations",
        json={
            "items": [{"kind": "building_with_land", "count": 2}],
            "registry_parcels": 2,
            "travel_group": "wanli_ruifang",
            "copies": 1,
            "charged": 5220,
        },
    )
    assert [line["maximum"] for line in fee["lines"]] == [3360, 360, 1200, 300]
    assert fee["maximum"] == 5220 and fee["acceptable"] is True

    line = api(platform, clerk, "GET", "/api/v1/appraisers?category=real_estate")["entries"]
    assert [e["name"] for e in line] == ["甲估價師事務所", "乙估價師事務所", "丙估價師事務所"]
    assert line[0]["standing"] == "suspended"

    assigned = api(
        platform,
        clerk,
        "POST",
        "/api/v1/appraisers/assignments",
        json={"category": "real_estate", "case_number": "115年度司執字第321號", "division": "甲"},
    )
    assert assigned["appraiser_name"] == "乙估價師事務所"
    assert [s["name"] for s in assigned["skips"]] == ["甲估價師事務所"]

    # off the rotation: the officer, with a ground; a disqualified one never
    officer = as_person(platform, "KLDOFFICER")
    exception = officer.stub.AssignOffRotation(
        pb.AssignOffRotationRequest(
            court_code="KLD",
            category=RE,
            case_number="115年度司執字第321號",
            appraiser_id=roster["乙估價師事務所"],
            ground="same_matter",
            reason="同一事件之相關標的業由其鑑定",
        )
    )
    assert exception.off_rotation and exception.approved_by == "KLDOFFICER"
    clerk_grpc = as_person(platform, "KLDCLERK")
    with pytest.raises(grpc.RpcError) as refused:
        clerk_grpc.stub.AssignOffRotation(
            pb.AssignOffRotationRequest(
                court_code="KLD",
                category=RE,
                case_number="115年度司執字第322號",
                appraiser_id=roster["丙估價師事務所"],
                ground="party_request",
                reason="債權人聲請",
            )
        )
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED

    log = api(platform, clerk, "GET", "/api/v1/appraisers/rotation-log")
    assert log["chain_intact"] is True
    assert [e["kind"] for e in log["entries"]] == ["skipped", "assigned", "exception"]
    report = api(
        platform,
        clerk,
        "GET",
        "/api/v1/appraisers/fairness-report?start=2000-01-01&end=2099-12-31",
    )
    counts = {r["name"]: (r["assigned"], r["skipped"], r["exceptions"]) for r in report["rows"]}
    assert counts == {"甲估價師事務所": (0, 1, 0), "乙估價師事務所": (1, 0, 1)}

    # another court's clerk sees none of it
    taipei = platform.login("TPDCLERK", DEMO_PASSWORD)
    refused_api = platform.api("GET", "/api/v1/appraisers/rotation-log?court_code=KLD", taipei)
    assert refused_api.status_code == 403


def test_auction_outcomes_from_the_court_s_system_raise_a_flag(
    platform: flows.Platform, roster: dict[str, str]
):
    system = callers.client(
        platform.pki,
        platform.addrs["review-workflow"],
        pb_grpc.AppraiserServiceStub,
        court_system_of="KLD",
    )
    appraiser = roster["丙估價師事務所"]
    for n, price in enumerate((121, 120)):
        system.stub.RecordAuctionOutcome(
            pb.RecordAuctionOutcomeRequest(
                court_code="KLD",
                outcome_id=f"KLD-115-{n}",
                appraiser_id=appraiser,
                held_on=f"2026-0{n + 8}-15",
                reserve_percent=100,
                result=pb.AUCTION_RESULT_SOLD,
                price_percent=price,
            )
        )
    flags = (
        as_person(platform, "KLDCHIEF")
        .stub.ListDisqualificationFlags(
            pb.ListDisqualificationFlagsRequest(court_code="KLD", as_of="2026-11-30")
        )
        .flags
    )
    assert [(f.name, f.ground) for f in flags] == [("丙估價師事務所", 15)]
    assert list(flags[0].evidence) == ["2026-08-15 以 121% 拍定", "2026-09-15 以 120% 拍定"]


def test_the_pages_show_the_roster_and_the_log(
    platform: flows.Platform, roster: dict[str, str], tmp_path: Path
):
    web = WebClient(platform.base_url)
    assert web.login("KLDCLERK", DEMO_PASSWORD).status_code == 302
    page = web.get("/appraisers/")
    assert page.status_code == 200
    assert "鑑定人名冊：不動產" in page.text and "丙估價師事務所" in page.text
    log = web.get("/appraisers/log?start=2000-01-01&end=2099-12-31")
    assert log.status_code == 200 and "紀錄完整" in log.text
    assert "鑑定人選任" in web.get("/portal").text  # the dashboard links the system

    # the fairness report as a PDF whose zh-TW text is searchable (report-render)
    pdf = web.get("/appraisers/log.pdf?start=2000-01-01&end=2099-12-31")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    path = tmp_path / "fairness.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    assert "鑑定人選任公平性報告" in flat and "臺灣基隆地方法院" in flat
    assert "乙估價師事務所不動產1010" in flat and "輪次紀錄雜湊鏈檢核：完整" in flat


def test_the_records_chief_and_the_officer_through_the_api(platform: flows.Platform):
    chief = platform.login("KLDCHIEF", DEMO_PASSWORD)
    enrolled = [
        api(
            platform,
            chief,
            "POST",
            "/api/v1/appraisers",
            json={"category": "other_property", "name": name, "qualification": "舊名冊"},
        )
        for name in ("戊鑑定有限公司", "己拍賣鑑價公司")
    ]
    first, second = (e["id"] for e in enrolled)
    suspended = api(
        platform,
        chief,
        "POST",
        f"/api/v1/appraisers/{first}/standing",
        json={"standing": "suspended", "until": "2099-01-31", "reason": "逾期未回覆"},
    )
    assert suspended["standing"] == "suspended"
    # only the chief judge records the committee's disqualification
    refused = platform.api(
        "POST",
        f"/api/v1/appraisers/{first}/standing",
        chief,
        json={"standing": "disqualified", "until": "2029-01-31", "reason": "議決不適任"},
    )
    assert refused.status_code == 403 and "庭長" in refused.json()["error"]

    # a typhoon closure moves a last day (Civil Code §122)
    query = "/api/v1/appraisers/deadlines?kind=payment&start=2024-10-26"
    assert api(platform, chief, "GET", query)["last_day"] == "2024-10-31"
    api(
        platform,
        chief,
        "POST",
        "/api/v1/court-closures",
        json={"day": "2024-10-31", "reason": "康芮颱風停止上班"},
    )
    assert api(platform, chief, "GET", query)["last_day"] == "2024-11-01"

    clerk = platform.login("KLDCLERK", DEMO_PASSWORD)
    body = {"category": "other_property", "case_number": "115年度司執字第500號"}
    assigned = api(platform, clerk, "POST", "/api/v1/appraisers/assignments", json=body)
    assert assigned["appraiser_id"] == second

    officer = platform.login("KLDOFFICER", DEMO_PASSWORD)
    off_body = {
        **body,
        "appraiser_id": second,
        "ground": "special_object",
        "reason": "古董鐘錶，宜委由專業鑑定",
    }
    no_ground = platform.api(
        "POST",
        "/api/v1/appraisers/off-rotation-assignments",
        officer,
        json={**off_body, "ground": ""},
    )
    assert no_ground.status_code == 400 and no_ground.json()["fields"]["ground"]
    suspended_choice = platform.api(
        "POST",
        "/api/v1/appraisers/off-rotation-assignments",
        officer,
        json={**off_body, "appraiser_id": first},
    )
    assert suspended_choice.status_code == 409
    exception = api(
        platform, officer, "POST", "/api/v1/appraisers/off-rotation-assignments", json=off_body
    )
    assert exception["ground_label"] == "執行標的特殊，宜委由專業鑑定"
    replaced = api(
        platform,
        officer,
        "POST",
        f"/api/v1/appraisers/assignments/{assigned['id']}/replacement",
        json={"reason": "未於期限內送交鑑定書", "fee_received": 1200},
    )
    assert replaced["replaced"] is True and replaced["refund_owed"] == 1200
    log = api(platform, clerk, "GET", "/api/v1/appraisers/rotation-log")
    assert log["chain_intact"] is True
    assert [e["kind"] for e in log["entries"]][-4:] == [
        "skipped",
        "assigned",
        "exception",
        "replaced",
    ]
