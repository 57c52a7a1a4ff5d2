"""The OpenAPI document at /api/v1/openapi.json: valid OpenAPI 3.1, and it describes every
/api/v1 route of the gateway (so an undocumented endpoint fails here)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from openapi_spec_validator import validate

from jes_gateway.app import create_app
from jes_gateway.config import GatewayConfig

PREFIX = "/api/v1"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    # The document comes from the routes alone: no service has to run.
    data = tmp_path_factory.mktemp("jes-openapi")
    return create_app(GatewayConfig.load({"JES_DATA_DIR": str(data)}))


@pytest.fixture(scope="module")
def document(app: Flask) -> dict:
    reply = app.test_client().get(f"{PREFIX}/openapi.json")
    assert reply.status_code == 200
    return reply.get_json()


def test_the_document_is_valid_openapi_3_1(document: dict):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_api_route_is_documented(app: Flask, document: dict):
    routes = {
        (method.lower(), re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :]))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/")
        for method in (rule.methods or set()) & METHODS
    }
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert routes - documented == set(), "routes without an OpenAPI description"
    assert documented - routes == set(), "descriptions of routes that do not exist"


def test_operations_say_what_they_do_in_zh_tw_and_how_they_fail(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert re.search(r"[\u4e00-\u9fff]", operation.get("summary", "")), where
            statuses = set(operation["responses"])
            assert any(s.startswith("2") for s in statuses), where
            public = operation.get("security") == []
            if not public:
                assert "401" in statuses, f"{where} needs a token but lists no 401"
            for status in statuses - {"200", "201", "202", "204"}:
                failure = operation["responses"][status]
                ref = failure.get("$ref", "")
                assert ref.startswith("#/components/responses/"), where


def test_errors_share_one_shape_and_tokens_are_bearer(document: dict):
    components = document["components"]
    error = components["schemas"]["Error"]
    assert error["required"] == ["error"] and "fields" in error["properties"]
    for response in components["responses"].values():
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}
    assert components["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert document["security"] == [{"bearerAuth": []}]


def test_every_reference_points_at_a_definition(document: dict):
    for kind, name in re.findall(r"#/components/(schemas|responses)/(\w+)", str(document)):
        assert name in document["components"][kind], f"{kind}/{name} is referenced but missing"
