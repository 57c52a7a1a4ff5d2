"""The appraiser API against a fake review-workflow: requests built from the JSON, answers
in the documented shape, bad input refused before any service is asked."""

from __future__ import annotations

import grpc

from jes.review_workflow.v1 import appraisers_pb2 as pb

BEARER = {"Authorization": "Bearer kld-clerk-token"}


def test_fee_calculation_builds_the_request_and_answers_each_line(client, services):
    fake = services.appraisers
    fake.replies["CalculateAppraisalFee"] = pb.AppraisalFee(
        lines=[pb.FeeLine(label="僅土地（3 筆）", maximum=1800)],
        maximum=1800,
        charged=1800,
        allowed=1800,
        acceptable=True,
    )
    reply = client.post(
        "/api/v1/appraisers/fee-calculations",
        json={"court_code": "KLD", "items": [{"kind": "land_only", "count": 3}], "charged": 1800},
        headers=BEARER,
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.json["maximum"] == 1800 and reply.json["acceptable"] is True
    assert reply.json["lines"] == [
        {"label": "僅土地（3 筆）", "maximum": 1800, "by_agreement": False, "note": ""}
    ]
    [asked] = fake.requests("CalculateAppraisalFee")
    assert asked.items[0].kind == pb.FEE_ITEM_KIND_LAND_ONLY and asked.items[0].count == 3
    assert fake.tokens("CalculateAppraisalFee") == ["kld-clerk-token"]


def test_an_unknown_kind_or_no_items_is_refused_in_zh_tw(client, services):
    for body in ({"items": [{"kind": "castle"}]}, {"items": []}):
        reply = client.post("/api/v1/appraisers/fee-calculations", json=body, headers=BEARER)
        assert reply.status_code == 400
        assert reply.content_type == "application/problem+json"
        assert reply.json["fields"]
    assert services.appraisers.requests("CalculateAppraisalFee") == []


def test_assignment_and_its_refusal(client, services, refusal):
    fake = services.appraisers
    fake.replies["AssignAppraiser"] = pb.Assignment(
        id="x1",
        court_code="KLD",
        category=pb.APPRAISER_CATEGORY_OTHER_PROPERTY,
        case_number="115年度司執字第7號",
        appraiser_id="a1",
        appraiser_name="甲鑑定公司",
    )
    body = {"category": "other_property", "case_number": "115年度司執字第7號", "division": "乙"}
    reply = client.post("/api/v1/appraisers/assignments", json=body, headers=BEARER)
    assert reply.status_code == 200
    assert reply.json["appraiser_name"] == "甲鑑定公司"
    assert reply.json["category_label"] == "動產及其他財產"
    [asked] = fake.requests("AssignAppraiser")
    assert asked.category == pb.APPRAISER_CATEGORY_OTHER_PROPERTY and asked.division == "乙"
    fake.replies["AssignAppraiser"] = refusal(
        grpc.StatusCode.FAILED_PRECONDITION, "此類別目前沒有可輪派的鑑定人"
    )
    reply = client.post("/api/v1/appraisers/assignments", json=body, headers=BEARER)
    assert reply.status_code == 409 and reply.json["error"] == "此類別目前沒有可輪派的鑑定人"


def test_rotation_log_and_fairness_report(client, services):
    fake = services.appraisers
    fake.replies["ListRotationLog"] = pb.ListRotationLogResponse(
        entries=[
            pb.RotationLogEntry(
                sequence=1,
                kind=pb.ROTATION_LOG_KIND_SKIPPED,
                content_json='{"reason":"停止輪派","sequence":1}',
                prev_hash="0" * 64,
                hash="ab" * 32,
            )
        ],
        chain_intact=True,
        checked=1,
    )
    reply = client.get("/api/v1/appraisers/rotation-log?court_code=KLD", headers=BEARER)
    assert reply.status_code == 200
    [entry] = reply.json["entries"]
    assert (entry["kind"], entry["kind_label"], entry["reason"]) == ("skipped", "跳過", "停止輪派")
    assert reply.json["chain_intact"] is True and reply.json["broken_at"] == 0
    fake.replies["GetFairnessReport"] = pb.FairnessReport(
        court_code="KLD", start="2026-11-01", end="2026-11-30", chain_intact=True
    )
    reply = client.get(
        "/api/v1/appraisers/fairness-report?start=2026-11-01&end=2026-11-30", headers=BEARER
    )
    assert reply.status_code == 200 and reply.json["rows"] == []


def test_the_roster_needs_a_category(client, services):
    reply = client.get("/api/v1/appraisers?court_code=KLD", headers=BEARER)
    assert reply.status_code == 400
    assert services.appraisers.requests("ListRoster") == []


def test_a_deadline_of_an_unknown_kind_is_refused_before_asking(client, services):
    reply = client.get(
        "/api/v1/appraisers/deadlines?kind=eventually&start=2025-01-22", headers=BEARER
    )
    assert reply.status_code == 400 and "kind" in reply.json["fields"]
    assert services.appraisers.requests("ComputeAppraisalDeadline") == []
    services.appraisers.replies["ComputeAppraisalDeadline"] = pb.AppraisalDeadline(
        start="2025-01-22", days=5, nominal="2025-01-27", last_day="2025-02-03"
    )
    reply = client.get("/api/v1/appraisers/deadlines?kind=payment&start=2025-01-22", headers=BEARER)
    assert reply.status_code == 200 and reply.json["last_day"] == "2025-02-03"
    [asked] = services.appraisers.requests("ComputeAppraisalDeadline")
    assert asked.kind == pb.DEADLINE_KIND_PAYMENT
