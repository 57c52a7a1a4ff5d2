"""No 5xx on bad input (issue 9, finding 7): text JSON cannot carry (a lone UTF-16
surrogate) is a 400 problem on every API operation; a bad X-Request-ID is replaced."""

from __future__ import annotations

import re
from typing import Any

import pytest

from jes_gateway.api.spec import PREFIX

LONE = '"\\ud800"'  # JSON's escape for a lone surrogate: valid JSON, not encodable text
PROBLEM = "application/problem+json"
MESSAGE = "資料含有無法辨識的字元，請修正後再送出"


def assert_refused(reply: Any) -> None:
    assert reply.status_code == 400, reply.get_data(as_text=True)
    assert reply.mimetype == PROBLEM
    assert reply.get_json()["error"] == MESSAGE


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/api/v1/photos/p1", '{"description": ' + LONE + ', "expected_version": 1}'),
        ("POST", "/api/v1/sessions", '{"account_id": ' + LONE + ', "password": "x"}'),
        ("POST", "/api/v1/sessions", "{" + LONE + ': "TPD0001"}'),  # in a member's name too
        (
            "POST",
            "/api/v1/firm-applications",
            '{"court_code": "TPD", "company_name": '
            + LONE
            + ', "contact_person": "王", "email": "a@example.com", "phone": "0223456789"}',
        ),
    ],
)
def test_a_lone_surrogate_is_a_400_problem(client, services, method, path, body):
    reply = client.open(
        path,
        method=method,
        data=body,
        content_type="application/json",
        headers={"Authorization": "Bearer token-of-TPD0001"},
    )
    assert_refused(reply)
    assert all(service.calls == [] for service in vars(services).values())


def test_raw_surrogate_bytes_are_refused_too(client, services):
    body = b'{"account_id": "\xed\xa0\x80", "password": "x"}'  # CESU-8 of U+D800
    reply = client.post("/api/v1/sessions", data=body, content_type="application/json")
    assert reply.status_code == 400 and reply.mimetype == PROBLEM


def operations(client) -> list[tuple[str, str, dict[str, Any]]]:
    document = client.get(f"{PREFIX}/openapi.json").get_json()
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found.append((method.upper(), PREFIX + re.sub(r"{[^}]+}", "x1", path), operation))
    return found


def test_every_api_operation_refuses_a_lone_surrogate_without_a_5xx(client, services):
    found = operations(client)
    assert len(found) > 20
    document = client.get(f"{PREFIX}/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for method, path, operation in found:
        names = ["x"]
        for content in operation.get("requestBody", {}).get("content", {}).values():
            name = content["schema"].get("$ref", "").rsplit("/", 1)[-1]
            names += list(schemas.get(name, {}).get("properties", {}))
        body = "{" + ", ".join(f'"{n}": {LONE}' for n in names) + "}"
        for token in ("", "Bearer token-of-TPD0001"):
            reply = client.open(
                path,
                method=method,
                data=body,
                content_type="application/json",
                headers={"Authorization": token} if token else {},
            )
            assert reply.status_code < 500, (method, path, reply.get_data(as_text=True))
            assert_refused(reply)


@pytest.mark.parametrize("sent", ["é-non-ascii", "a" * 200, "has space", "new\tline", "../x;y", ""])
def test_a_bad_request_id_is_replaced(client, sent):
    reply = client.get("/healthz", headers={"X-Request-ID": sent})
    assert reply.status_code == 200
    given = reply.headers["X-Request-ID"]
    assert given != sent and re.fullmatch(r"[A-Za-z0-9._-]{1,64}", given)


def test_a_good_request_id_is_kept(client):
    reply = client.get("/healthz", headers={"X-Request-ID": "court-sys.42_A"})
    assert reply.headers["X-Request-ID"] == "court-sys.42_A"


# -- found by the schemathesis run (tests/allinone/test_api_fuzz.py) ------------------------

BEYOND_INT32 = [2**31, -(2**31) - 1, 31836265873834312]
TAKING_NUMBERS = [
    ("DELETE", "/api/v1/photos/p1?expected_version={n}", None),
    ("PATCH", "/api/v1/photo-sets/s1", {"expected_version": "{n}", "property_type": "detached"}),
    ("POST", "/api/v1/photo-sets/s1/print", {"expected_version": "{n}"}),
    (
        "POST",
        "/api/v1/photo-sets",
        {
            "court_code": "TPD",
            "division": "甲",
            "case_number": {"year": 107, "word": "司執", "number": "{n}"},
        },
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "number"),
    [(*taking, n) for taking in TAKING_NUMBERS for n in BEYOND_INT32]
    # a page number below 1 is page 1 (lenient), one beyond int32 is refused
    + [("GET", "/api/v1/submissions?page={n}", None, 2**31)],
)
def test_a_number_no_service_can_take_is_a_400_problem(
    client, services, method, path, body, number
):
    """Every integer the API takes fits the contracts' int32: a larger one is refused per
    field, before any service is called (protobuf would refuse to build the request)."""
    import json

    data = json.dumps(body).replace('"{n}"', str(number)) if body else None
    reply = client.open(
        path.format(n=number),
        method=method,
        data=data,
        content_type="application/json" if data else None,
        headers={"Authorization": "Bearer token-of-TPD0001"},
    )
    assert reply.status_code == 400, reply.get_data(as_text=True)
    assert reply.mimetype == PROBLEM
    assert any("超出範圍" in message for message in reply.get_json()["fields"].values())
    assert all(service.calls == [] for service in vars(services).values())


def test_an_empty_status_filter_lists_every_set(client, services):
    from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb

    services.photos.replies["ListPhotoSets"] = photo_pb.ListPhotoSetsResponse(page=1)
    reply = client.get(
        "/api/v1/photo-sets?status=", headers={"Authorization": "Bearer token-of-TPD0001"}
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    [asked] = services.photos.requests("ListPhotoSets")
    assert list(asked.statuses) == []


@pytest.mark.parametrize("token", ["é", "權杖", "a b"])
def test_a_bearer_token_no_service_can_carry_is_a_401_problem(client, services, token):
    """gRPC metadata is printable ASCII: such a token was a 500 when sent on."""
    reply = client.get("/api/v1/account", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 401 and reply.mimetype == PROBLEM
    assert reply.get_json()["error"] == "存取權杖格式不正確，請重新登入"
    assert all(service.calls == [] for service in vars(services).values())
