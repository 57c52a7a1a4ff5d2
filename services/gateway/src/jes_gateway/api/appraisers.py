"""Appraiser commissioning (seed 003) for programs: the fee calculator, the roster,
assignment by rotation, the rotation log and the fairness report. The caller's token
decides what they may see and do (their court; an admin names one)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.appraisers import (
    Assignment,
    AssignmentInput,
    Closure,
    ClosureInput,
    CourtQuery,
    Deadline,
    DeadlineQuery,
    DisqualificationFlags,
    EnrolInput,
    FairnessQuery,
    FairnessReport,
    FeeCalculation,
    FeeCalculationInput,
    FlagsQuery,
    OffRotationInput,
    ReplacementInput,
    Roster,
    RosterEntry,
    RosterQuery,
    RotationLog,
    StandingInput,
)
from jes_gateway.api.spec import answers, api
from jes_gateway.facades import FeeInput, FeeItemInput
from jes_gateway.presentation.appraisers import (
    assignment_json,
    fairness_row_json,
    log_entry_json,
    roster_entry_json,
)
from jes_gateway.presentation.vocabulary import (
    APPRAISER_CATEGORIES,
    APPRAISER_STANDINGS,
    DEADLINE_KINDS,
    FEE_ITEM_KINDS,
)

bp = Blueprint("api_appraisers", __name__, url_prefix=PREFIX)
TAG = "鑑定人選任"


@bp.post("/appraisers/fee-calculations")
@api.validate(resp=answers(200, FeeCalculation, 400, 401, 403, 404), tags=[TAG])
def calculate_fee(json: FeeCalculationInput) -> Any:
    """鑑定費用試算與檢核（依法院收費標準；超過者須先經司法事務官核可）"""
    fee = services().appraisers.fee(
        bearer_token(),
        json.court_code,
        FeeInput(
            items=[FeeItemInput(FEE_ITEM_KINDS[i.kind], i.count, i.adjoining) for i in json.items],
            registry_parcels=json.registry_parcels,
            travel_group=json.travel_group,
            copies=json.copies,
            charged=json.charged,
            agreed=json.agreed,
            approved=json.approved,
        ),
    )
    return jsonify(
        lines=[
            {
                "label": line.label,
                "maximum": line.maximum,
                "by_agreement": line.by_agreement,
                "note": line.note,
            }
            for line in fee.lines
        ],
        maximum=fee.maximum,
        by_agreement=fee.by_agreement,
        charged=fee.charged,
        allowed=fee.allowed,
        above_by=fee.above_by,
        acceptable=fee.acceptable,
        problem=fee.problem,
    )


@bp.get("/appraisers")
@api.validate(resp=answers(200, Roster, 400, 401, 403), tags=[TAG])
def roster(query: RosterQuery) -> Any:
    """鑑定人名冊（依輪次順序，下一位在前）"""
    entries = services().appraisers.roster(
        bearer_token(), query.court_code, APPRAISER_CATEGORIES[query.category]
    )
    return jsonify(entries=[roster_entry_json(e) for e in entries])


@bp.post("/appraisers/assignments")
@api.validate(resp=answers(200, Assignment, 400, 401, 403, 409), tags=[TAG])
def assign(json: AssignmentInput) -> Any:
    """依輪次選任鑑定人（停止輪派或不適任者跳過並保留順位）"""
    assigned = services().appraisers.assign(
        bearer_token(),
        json.court_code,
        APPRAISER_CATEGORIES[json.category],
        json.case_number,
        json.division,
    )
    return jsonify(assignment_json(assigned))


@bp.get("/appraisers/rotation-log")
@api.validate(resp=answers(200, RotationLog, 400, 401, 403), tags=[TAG])
def rotation_log(query: CourtQuery) -> Any:
    """輪次紀錄（由舊到新）及雜湊鏈檢核結果"""
    listed = services().appraisers.rotation_log(bearer_token(), query.court_code)
    return jsonify(
        entries=[log_entry_json(e) for e in listed.entries],
        chain_intact=listed.chain_intact,
        checked=listed.checked,
        broken_at=listed.broken_at,
    )


@bp.get("/appraisers/disqualification-flags")
@api.validate(resp=answers(200, DisqualificationFlags, 400, 401, 403), tags=[TAG])
def disqualification_flags(query: FlagsQuery) -> Any:
    """資料顯示可能構成不適任事由者（第十二點第五、一○、一二、一五、一六款），附相關資料；
    由審查小組議決，本身不是決定"""
    flags = services().appraisers.flags(bearer_token(), query.court_code, query.as_of)
    return jsonify(
        flags=[
            {
                "appraiser_id": f.appraiser_id,
                "name": f.name,
                "ground": f.ground,
                "label": f.label,
                "evidence": list(f.evidence),
            }
            for f in flags
        ]
    )


@bp.get("/appraisers/fairness-report")
@api.validate(resp=answers(200, FairnessReport, 400, 401, 403), tags=[TAG])
def fairness_report(query: FairnessQuery) -> Any:
    """公平性報告：期間內每位鑑定人依輪次選任、跳過、不依輪次選任及撤換次數"""
    report = services().appraisers.fairness(
        bearer_token(), query.court_code, query.start, query.end
    )
    return jsonify(
        court_code=report.court_code,
        start=report.start,
        end=report.end,
        rows=[fairness_row_json(r) for r in report.rows],
        chain_intact=report.chain_intact,
    )


@bp.post("/appraisers/off-rotation-assignments")
@api.validate(resp=answers(200, Assignment, 400, 401, 403, 404, 409), tags=[TAG])
def assign_off_rotation(json: OffRotationInput) -> Any:
    """不依輪次選任（須有法院規定的事由，並由司法事務官核可：呼叫者即核可者）"""
    assigned = services().appraisers.assign_off_rotation(
        bearer_token(),
        json.court_code,
        APPRAISER_CATEGORIES[json.category],
        json.case_number,
        json.division,
        json.appraiser_id,
        json.ground,
        json.reason,
    )
    return jsonify(assignment_json(assigned))


@bp.post("/appraisers/assignments/<assignment_id>/replacement")
@api.validate(
    resp=answers(200, Assignment, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions={"assignment_id": "選任紀錄代號"},
)
def replace(assignment_id: str, json: ReplacementInput) -> Any:
    """撤換鑑定人（記錄理由；未完成鑑定者應退還已收費用）"""
    replaced = services().appraisers.replace(
        bearer_token(), assignment_id, json.reason, json.fee_received, json.work_completed
    )
    return jsonify(assignment_json(replaced))


@bp.get("/appraisers/deadlines")
@api.validate(resp=answers(200, Deadline, 400, 401, 403, 404), tags=[TAG])
def deadline(query: DeadlineQuery) -> Any:
    """期間末日（民法第120條第2項、第122條；含補行上班日及法院停止上班日）"""
    due = services().appraisers.deadline(
        bearer_token(), query.court_code, DEADLINE_KINDS[query.kind], query.start
    )
    return jsonify(
        kind=query.kind, start=due.start, days=due.days, nominal=due.nominal, last_day=due.last_day
    )


@bp.post("/court-closures")
@api.validate(resp=answers(200, Closure, 400, 401, 403, 409), tags=[TAG])
def record_closure(json: ClosureInput) -> Any:
    """登錄法院停止上班日（如颱風）：期間末日不落在該日"""
    closure = services().appraisers.record_closure(
        bearer_token(), json.court_code, json.day, json.reason
    )
    return jsonify(
        court_code=closure.court_code,
        day=closure.day,
        reason=closure.reason,
        recorded_by=closure.recorded_by,
    )


@bp.post("/appraisers")
@api.validate(resp=answers(200, RosterEntry, 400, 401, 403), tags=[TAG])
def enrol(json: EnrolInput) -> Any:
    """列入鑑定人名冊（排在該類別輪次之末）"""
    entry = services().appraisers.enrol(
        bearer_token(),
        json.court_code,
        APPRAISER_CATEGORIES[json.category],
        json.name,
        json.account_id,
        json.qualification,
    )
    return jsonify(roster_entry_json(entry))


@bp.post("/appraisers/<appraiser_id>/standing")
@api.validate(
    resp=answers(200, RosterEntry, 400, 401, 403, 404),
    tags=[TAG],
    path_parameter_descriptions={"appraiser_id": "鑑定人代號"},
)
def change_standing(appraiser_id: str, json: StandingInput) -> Any:
    """停止輪派、恢復輪派（紀錄科科長）或登錄不適任議決（庭長）"""
    entry = services().appraisers.change_standing(
        bearer_token(), appraiser_id, APPRAISER_STANDINGS[json.standing], json.until, json.reason
    )
    return jsonify(roster_entry_json(entry))
