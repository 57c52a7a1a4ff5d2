"""The division's appraiser pages against a fake review-workflow: the fee calculator,
asking for an appraiser by rotation, the roster, the rotation log and fairness report."""

from __future__ import annotations

import hashlib
import json

import grpc
import pytest

from jes.report_render.v1 import report_render_pb2 as render_pb
from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes_gateway.facades import Backends

RULES = pb.AppraisalRules(
    court_code="KLD",
    effective_from="2018-04-09",
    source="臺灣基隆地方法院民事執行處委託鑑價作業要點（107.4.09修訂）",
    travel_groups=[
        pb.TravelGroup(code="city", label="基隆市區", maximum=960, districts=["中正區"]),
        pb.TravelGroup(code="shuangxi_gongliao", label="雙溪、貢寮地區", maximum=1680),
    ],
)


@pytest.fixture
def kld_clerk(client, services: Backends, sign_in):
    sign_in(client, "KLDCLERK", ["clerk"], court_code="KLD", name="基隆地院 林書記官")
    fake = services.appraisers
    fake.replies["GetAppraisalRules"] = RULES  # type: ignore[attr-defined]
    fake.replies["ListRoster"] = lambda r: pb.ListRosterResponse(  # type: ignore[attr-defined]
        entries=[
            pb.RosterEntry(
                id="a1", name="甲估價師事務所", standing_today=pb.APPRAISER_STANDING_ACTIVE
            ),
            pb.RosterEntry(
                id="a2",
                name="乙估價師事務所",
                standing_today=pb.APPRAISER_STANDING_SUSPENDED,
                until="2026-12-31",
            ),
        ]
        if r.category == pb.APPRAISER_CATEGORY_REAL_ESTATE
        else []
    )
    return client


def test_the_page_shows_the_roster_in_rotation_order_with_standings(kld_clerk):
    page = kld_clerk.get("/appraisers/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "鑑定人名冊：不動產" in text and "鑑定人名冊：動產及其他財產" in text
    assert text.index("甲估價師事務所") < text.index("乙估價師事務所")
    assert "停止輪派（至 115/12/31）" in text
    assert "依輪次選任" in text  # a clerk may ask


def test_the_fee_calculator_shows_each_line_and_the_check(kld_clerk, services: Backends):
    fake = services.appraisers
    fake.replies["CalculateAppraisalFee"] = pb.AppraisalFee(  # type: ignore[attr-defined]
        lines=[
            pb.FeeLine(label="建物與基地合併鑑定", maximum=3360, note="加鑑 1 棟（間）"),
            pb.FeeLine(label="交通費（雙溪、貢寮地區）", maximum=1680),
        ],
        maximum=5040,
        charged=5041,
        allowed=5040,
        above_by=1,
        acceptable=False,
        problem="鑑定費用超過收費標準，須先經承辦司法事務官核可",
    )
    page = kld_clerk.get(
        "/appraisers/?kind=building_with_land&count=2&travel_group=shuangxi_gongliao&charged=5041"
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "3,360 元" in text and "5,040 元" in text
    assert "超過上限 1 元：鑑定費用超過收費標準，須先經承辦司法事務官核可" in text
    [asked] = fake.requests("CalculateAppraisalFee")  # type: ignore[attr-defined]
    assert asked.items[0].kind == pb.FEE_ITEM_KIND_BUILDING_WITH_LAND and asked.items[0].count == 2
    assert asked.travel_group == "shuangxi_gongliao" and asked.charged == 5041


def test_bad_fee_numbers_are_refused_on_the_form_without_asking(kld_clerk, services: Backends):
    page = kld_clerk.get("/appraisers/?kind=building_with_land&count=abc")
    assert page.status_code == 200
    assert "請輸入 0 以上的整數" in page.get_data(as_text=True)
    assert services.appraisers.requests("CalculateAppraisalFee") == []  # type: ignore[attr-defined]


def test_asking_for_an_appraiser_shows_who_and_who_was_skipped(
    kld_clerk, services: Backends, form_post
):
    fake = services.appraisers
    fake.replies["AssignAppraiser"] = pb.Assignment(  # type: ignore[attr-defined]
        id="x1",
        category=pb.APPRAISER_CATEGORY_REAL_ESTATE,
        case_number="115年度司執字第123號",
        division="甲",
        appraiser_id="a1",
        appraiser_name="甲估價師事務所",
        skips=[pb.SkippedAppraiser(appraiser_id="a2", name="乙估價師事務所", reason="停止輪派")],
    )
    page = form_post(
        kld_clerk,
        "/appraisers/assignments",
        {
            "category": "real_estate",
            "year": "115年度司執字第123號",
            "word": "",
            "number": "",
            "division": "甲",
        },
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "已依輪次選任：甲估價師事務所" in text and "乙估價師事務所（停止輪派）" in text
    [asked] = fake.requests("AssignAppraiser")  # type: ignore[attr-defined]
    assert asked.case_number == "115年度司執字第123號" and asked.court_code == "KLD"


def test_a_bad_case_number_or_a_refusal_shows_on_the_form(
    kld_clerk, services: Backends, form_post, refusal
):
    page = form_post(
        kld_clerk,
        "/appraisers/assignments",
        {"category": "", "year": "abc", "word": "司執", "number": "1", "division": ""},
    )
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "請選擇鑑定類別" in text
    assert services.appraisers.requests("AssignAppraiser") == []  # type: ignore[attr-defined]
    services.appraisers.replies["AssignAppraiser"] = refusal(  # type: ignore[attr-defined]
        grpc.StatusCode.FAILED_PRECONDITION, "此類別目前沒有可輪派的鑑定人"
    )
    page = form_post(
        kld_clerk,
        "/appraisers/assignments",
        {"category": "real_estate", "year": "115", "word": "司執", "number": "9", "division": ""},
    )
    assert page.status_code == 409
    assert "此類別目前沒有可輪派的鑑定人" in page.get_data(as_text=True)


def test_the_log_page_shows_the_chain_and_the_fairness_report(kld_clerk, services: Backends):
    fake = services.appraisers
    content = json.dumps(
        {
            "appraiser_id": "a1",
            "by": "KLDCLERK",
            "case_number": "115年度司執字第123號",
            "day": "2026-11-30",
            "kind": "assigned",
            "sequence": 1,
        },
        ensure_ascii=False,
    )
    fake.replies["ListRotationLog"] = pb.ListRotationLogResponse(  # type: ignore[attr-defined]
        entries=[
            pb.RotationLogEntry(
                sequence=1,
                kind=pb.ROTATION_LOG_KIND_ASSIGNED,
                content_json=content,
                prev_hash="0" * 64,
                hash=hashlib.sha256(content.encode()).hexdigest(),
            )
        ],
        chain_intact=False,
        checked=0,
        broken_at=1,
    )
    fake.replies["GetFairnessReport"] = pb.FairnessReport(  # type: ignore[attr-defined]
        rows=[
            pb.FairnessRow(
                appraiser_id="a1",
                name="甲估價師事務所",
                category=pb.APPRAISER_CATEGORY_REAL_ESTATE,
                assigned=1,
            )
        ]
    )
    page = kld_clerk.get("/appraisers/log?start=2026-11-01&end=2026-11-30")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "紀錄遭竄改：第 1 筆起的雜湊鏈不相符" in text
    assert "依輪次選任" in text and "115年度司執字第123號" in text
    [asked] = fake.requests("GetFairnessReport")  # type: ignore[attr-defined]
    assert (asked.start, asked.end, asked.court_code) == ("2026-11-01", "2026-11-30", "KLD")


def test_a_firm_may_not_open_the_division_pages(firm):
    assert firm.get("/appraisers/").status_code == 403


def test_the_fairness_report_as_a_pdf_from_report_render(kld_clerk, services: Backends):
    fake = services.appraisers
    fake.replies["GetFairnessReport"] = pb.FairnessReport(  # type: ignore[attr-defined]
        court_code="KLD",
        start="2026-11-01",
        end="2026-11-30",
        chain_intact=True,
        rows=[
            pb.FairnessRow(
                appraiser_id="a1",
                name="甲估價師事務所",
                category=pb.APPRAISER_CATEGORY_REAL_ESTATE,
                assigned=3,
                skipped=1,
            )
        ],
    )
    services.render.replies["RenderTableReport"] = render_pb.RenderedDocument(  # type: ignore[attr-defined]
        pdf=b"%PDF-1.7 fake", pages=1
    )
    reply = kld_clerk.get("/appraisers/log.pdf?start=2026-11-01&end=2026-11-30")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    assert reply.data == b"%PDF-1.7 fake"
    [asked] = services.render.requests("RenderTableReport")  # type: ignore[attr-defined]
    assert asked.title == "鑑定人選任公平性報告"
    assert list(asked.subtitles) == ["臺灣基隆地方法院", "期間：115/11/01 至 115/11/30"]
    assert list(asked.rows[0].cells) == ["甲估價師事務所", "不動產", "3", "1", "0", "0"]
    assert list(asked.notes) == ["輪次紀錄雜湊鏈檢核：完整"]
    assert services.render.tokens("RenderTableReport") == [None]  # the gateway as itself


def test_the_officer_chooses_off_the_rotation_with_a_ground(
    client, services: Backends, sign_in, form_post, refusal
):
    sign_in(client, "KLDOFFICER", ["judicial-officer"], court_code="KLD", name="王司法事務官")
    fake = services.appraisers
    fake.replies["GetAppraisalRules"] = pb.AppraisalRules(  # type: ignore[attr-defined]
        court_code="KLD",
        source="要點",
        off_rotation_grounds=[
            pb.Ground(code="party_request", label="債權人或債務人聲請指定特定鑑定人")
        ],
    )
    fake.replies["ListRoster"] = pb.ListRosterResponse(  # type: ignore[attr-defined]
        entries=[pb.RosterEntry(id="a2", name="乙估價師事務所", standing_today=1)]
    )
    page = client.get("/appraisers/")
    assert "不依輪次選任（司法事務官核可）" in page.get_data(as_text=True)
    missing = form_post(
        client,
        "/appraisers/off-rotation-assignments",
        {"category": "real_estate", "year": "115年度司執字第8號", "appraiser_id": "a2"},
    )
    assert missing.status_code == 400
    text = missing.get_data(as_text=True)
    assert "請選擇不依輪次選任的事由" in text and "請填寫理由" in text
    assert fake.requests("AssignOffRotation") == []  # type: ignore[attr-defined]
    fake.replies["AssignOffRotation"] = pb.Assignment(  # type: ignore[attr-defined]
        appraiser_name="乙估價師事務所",
        case_number="115年度司執字第8號",
        off_rotation=True,
        ground_label="債權人或債務人聲請指定特定鑑定人",
        reason="債權人聲請",
        approved_by="KLDOFFICER",
    )
    done = form_post(
        client,
        "/appraisers/off-rotation-assignments",
        {
            "category": "real_estate",
            "year": "115年度司執字第8號",
            "appraiser_id": "a2",
            "ground": "party_request",
            "reason": "債權人聲請",
        },
    )
    assert done.status_code == 200
    assert "已不依輪次選任：乙估價師事務所" in done.get_data(as_text=True)
    [asked] = fake.requests("AssignOffRotation")  # type: ignore[attr-defined]
    assert (asked.ground, asked.case_number) == ("party_request", "115年度司執字第8號")


def test_a_clerk_may_not_post_an_off_rotation_choice(kld_clerk, form_post):
    reply = form_post(
        kld_clerk, "/appraisers/off-rotation-assignments", {"category": "real_estate"}
    )
    assert reply.status_code == 403
