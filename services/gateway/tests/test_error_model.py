"""Pure units of the gateway's seams: the one gRPC-to-HTTP mapping, zh-TW messages for
invalid API requests, and enum names and labels taken from the contracts."""

from __future__ import annotations

import grpc
import pytest
from pydantic import ValidationError

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_gateway.api.schemas.court import SubmissionDecisionInput
from jes_gateway.api.schemas.photos import ListPhotoSetsQuery, UpdatePhoto, UploadPhotoForm
from jes_gateway.api.spec import problem_of
from jes_gateway.presentation.vocabulary import (
    PLACEMENTS,
    PROPERTY_TYPE_LABELS,
    STATUS_LABELS,
    STATUSES,
    VIEWS,
)
from jes_gateway.problems import PROBLEM_JSON, Problem, from_grpc


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, 400),
        (grpc.StatusCode.UNAUTHENTICATED, 401),
        (grpc.StatusCode.PERMISSION_DENIED, 403),
        (grpc.StatusCode.NOT_FOUND, 404),
        (grpc.StatusCode.FAILED_PRECONDITION, 409),
        (grpc.StatusCode.ABORTED, 409),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, 429),
        (grpc.StatusCode.UNAVAILABLE, 503),
        (grpc.StatusCode.INTERNAL, 500),
    ],
)
def test_grpc_statuses_become_http_statuses(refusal, code, status):
    problem = from_grpc(refusal(code, "服務的說明", {"name": "請輸入名稱"}))
    assert problem.status == status
    if status < 500:
        assert problem.detail == "服務的說明" and problem.fields == {"name": "請輸入名稱"}
    else:  # internal details stay inside
        assert problem.detail != "服務的說明" and problem.fields == {}


def test_a_problem_answers_rfc_9457_with_the_members_clients_read():
    response = Problem(409, "此案件已被他人修改", {"expected_version": "版本不符"}).response()
    assert response.status_code == 409 and response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert body["type"] == "about:blank" and body["status"] == 409 and body["title"]
    assert body["detail"] == body["error"] == "此案件已被他人修改"
    assert body["fields"] == {"expected_version": "版本不符"}


def refused(model: type, values: object) -> Problem:
    with pytest.raises(ValidationError) as invalid:
        model.model_validate(values)
    return problem_of(invalid.value)


def test_invalid_requests_get_zh_tw_messages_per_field():
    problem = refused(UploadPhotoForm, {"placement": "garden", "views": "front,roof"})
    assert problem.status == 400 and problem.detail == "照片資料有誤"
    assert problem.fields == {
        "file": "請選擇要上傳的照片",
        "placement": "須為 indoor、outdoor 之一",
        "views": "不認得的拍攝內容：roof",
    }
    problem = refused(UpdatePhoto, {"views": "front", "sequence": "two"})
    assert problem.fields == {
        "expected_version": "必填：此案件目前的版本（version）",
        "sequence": "須為整數",
        "views": "須為陣列",
    }
    problem = refused(ListPhotoSetsQuery, {"status": "lost", "page": "0", "page_size": "1000"})
    assert problem.detail == "查詢參數有誤"
    assert set(problem.fields) == {"status", "page", "page_size"}
    assert refused(SubmissionDecisionInput, {"approve": "yes", "reasons": "x"}).fields == {
        "approve": "請以 approve: true 或 false 指定審核結果",
        "reasons": "須為物件陣列",
    }


def test_a_body_that_is_no_object_is_refused_as_such():
    assert refused(UpdatePhoto, ["not", "an", "object"]).fields == {}


def test_enum_names_and_labels_come_from_the_contracts():
    assert PLACEMENTS == {
        "": pb.PLACEMENT_UNSPECIFIED,
        "indoor": pb.PLACEMENT_INDOOR,
        "outdoor": pb.PLACEMENT_OUTDOOR,
    }
    assert STATUSES["changed_since_print"] == pb.PHOTO_SET_STATUS_CHANGED_SINCE_PRINT
    assert list(VIEWS)[:2] == ["interior", "front"]
    assert STATUS_LABELS[pb.PHOTO_SET_STATUS_DRAFT] == "草稿"
    assert PROPERTY_TYPE_LABELS[""] == "未指定" and PROPERTY_TYPE_LABELS["detached"] == "透天厝"
