"""The served OpenAPI document lists the paths of the contract (api.md)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

# api.md, with path parameters written as {}
CONTRACT: dict[str, set[str]] = {
    "/healthz": {"get"},
    "/api/v1/account": {"get"},
    "/api/v1/tables": {"get", "post"},
    "/api/v1/tables/{}": {"get"},
    "/api/v1/tables/{}/rows": {"get"},
    "/api/v1/files/upload/{}": {"put"},
    "/api/v1/files/{}": {"get"},
    "/api/v1/files/{}/{}": {"get"},
    "/api/v1/jobs": {"get", "post"},
    "/api/v1/jobs/{}": {"get", "patch", "delete"},
    "/api/v1/jobs/{}/activate": {"post"},
    "/api/v1/jobs/{}/deactivate": {"post"},
    "/api/v1/groups": {"get", "post"},
    "/api/v1/groups/{}": {"get", "patch", "delete"},
    "/api/v1/groups/{}/activate": {"post"},
}

# path parameters that are names; every other one is an id
STRING_PARAMETERS = {"name", "folder", "filename"}


@pytest.fixture
def spec(anonymous: TestClient) -> dict[str, Any]:
    response = anonymous.get("/openapi.json")  # no token needed
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document: dict[str, Any] = response.json()
    return document


def _paths(spec: dict[str, Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path, item in spec["paths"].items():
        key = re.sub(r"\{[^}]+\}", "{}", path)
        out.setdefault(key, set()).update(
            m for m in item if m in {"get", "post", "patch", "put", "delete"}
        )
    return out


def test_the_document_is_openapi_3(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "DataConnect"
    assert spec["info"]["version"]


@pytest.mark.parametrize("path", sorted(CONTRACT))
def test_every_contract_path_and_method_is_listed(spec: dict[str, Any], path: str) -> None:
    served = _paths(spec)
    assert path in served, f"{path} missing from /openapi.json"
    assert CONTRACT[path] <= served[path], f"{path}: {served[path]}"


def test_path_parameters_are_typed(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        for name in re.findall(r"\{([^}]+)\}", path):
            for method, operation in item.items():
                params = {
                    p["name"]: p for p in operation.get("parameters", []) if p["in"] == "path"
                }
                assert name in params, (path, method, name)
                schema = params[name]["schema"]
                expected = "string" if name in STRING_PARAMETERS else "integer"
                assert schema.get("type") == expected, (path, name, schema)


def test_request_bodies_name_the_contract_fields(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]

    def body_schema(path: str, method: str) -> dict[str, Any]:
        ref = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
        schema: dict[str, Any] = schemas[ref["$ref"].rsplit("/", 1)[-1]]
        return schema

    table = body_schema("/api/v1/tables", "post")["properties"]
    assert {"name", "kind", "list", "fields", "primary_key"} <= set(table)
    job = body_schema("/api/v1/jobs", "post")["properties"]
    assert {
        "name",
        "type",
        "kind",
        "run_mode",
        "schedule",
        "expires_at",
        "import",
        "export",
        "activate",
    } <= set(job)
    group = body_schema("/api/v1/groups", "post")["properties"]
    assert {
        "name",
        "description",
        "job_ids",
        "notification",
        "schedule",
        "expires_at",
        "activate",
    } <= set(group)
    patch = [p for p in spec["paths"] if p.startswith("/api/v1/groups/{") and p.count("/") == 4]
    assert "job_ids" in body_schema(patch[0], "patch")["properties"]


def _response_properties(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    schemas = spec["components"]["schemas"]
    responses = spec["paths"][path][method]["responses"]
    ok = responses.get("200") or responses["201"]
    ref = ok["content"]["application/json"]["schema"]["$ref"]
    properties: dict[str, Any] = schemas[ref.rsplit("/", 1)[-1]]["properties"]
    return properties


def test_responses_name_the_contract_fields(spec: dict[str, Any]) -> None:
    assert {"id", "name", "timezone"} <= set(_response_properties(spec, "/api/v1/account", "get"))
    assert "row_count" in _response_properties(spec, "/api/v1/tables", "post")
    groups = _response_properties(spec, "/api/v1/groups", "post")
    assert {"id", "state", "schedule_type", "next_run_at", "last_run", "job_ids"} <= set(groups)
    jobs = _response_properties(spec, "/api/v1/jobs", "get")
    assert {"items", "next_cursor"} <= set(jobs)
