"""Helpers for the in-process API tests: a thin client per account, problem checks.

The client here does not re-raise server exceptions: a 500 comes back as a response, so a test
that expects a 4xx fails with the status and the problem body in its message.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.testing import contacts_table, group_request, import_job

PROBLEM = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}
CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")
BIG = 500  # the largest page size: listings in snapshots fit in one page


def assert_problem(
    response: httpx.Response, status: int, code: str | None = None
) -> dict[str, Any]:
    """An error answer: problem+json with type, title, status, detail and an upper-case code."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text[:2000]}"
    )
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith(PROBLEM), f"content-type {content_type!r}: {response.text[:500]}"
    body = response.json()
    assert isinstance(body, dict)
    missing = PROBLEM_KEYS - set(body)
    assert not missing, f"problem without {missing}: {body}"
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str)
    assert isinstance(body["code"], str) and CODE.match(body["code"]), body["code"]
    if code is not None:
        assert body["code"] == code, f"expected code {code}, got {body['code']}: {body}"
    if "errors" in body:
        assert isinstance(body["errors"], list) and body["errors"], body
        for error in body["errors"]:
            assert set(error) >= {"field", "code", "message"}, error
            assert isinstance(error["field"], str) and error["field"], error
            assert isinstance(error["code"], str) and CODE.match(error["code"]), error
            assert isinstance(error["message"], str) and error["message"], error
    return body


def assert_validation(
    response: httpx.Response, *codes: str, status: int = 422
) -> list[dict[str, str]]:
    """A validation problem listing (at least) every given code in ``errors``."""
    body = assert_problem(response, status)
    assert "errors" in body, f"validation problem without errors: {body}"
    found = [e["code"] for e in body["errors"]]
    for code in codes:
        assert code in found, f"{code} not among {found}: {body}"
    if len(codes) == 1 and len(found) == 1:
        assert body["code"] == codes[0]
    errors: list[dict[str, str]] = body["errors"]
    return errors


def assert_client_error(response: httpx.Response) -> dict[str, Any]:
    """Any 4xx, as a problem; never a 5xx."""
    assert 400 <= response.status_code < 500, (
        f"expected a client error, got {response.status_code}: {response.text[:2000]}"
    )
    return assert_problem(response, response.status_code)


def error_codes(response: httpx.Response) -> list[str]:
    return [e["code"] for e in response.json().get("errors", [])]


def error_fields(response: httpx.Response) -> dict[str, str]:
    """field → code of each listed problem."""
    return {e["field"]: e["code"] for e in response.json().get("errors", [])}


class Api:
    """A caller of one account: its token as headers, and short-hands for the common calls."""

    def __init__(self, client: TestClient, app: App, caller: Caller, token: str) -> None:
        self.client = client
        self.app = app
        self.caller = caller
        self.token = token
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        if json is not None:
            kwargs["json"] = json
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        if json is not None:
            kwargs["json"] = json
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def raw(self, method: str, path: str, content: bytes | str) -> httpx.Response:
        """A body sent as given, declared as JSON."""
        data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
        return self.request(
            method, path, content=data, headers={"Content-Type": "application/json"}
        )

    # --- creating things that must work ---------------------------------------------------

    def created(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post(path, body)
        assert response.status_code == 201, response.text[:2000]
        assert response.headers["content-type"].startswith("application/json")
        created: dict[str, Any] = response.json()
        return created

    def table(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.created("/api/v1/tables", body)

    def contacts(self) -> dict[str, Any]:
        return self.table(contacts_table())

    def job(self, name: str, *, activate: bool = True, **changes: Any) -> dict[str, Any]:
        return self.created("/api/v1/jobs", import_job(name, activate=activate, **changes))

    def export_job(self, name: str, *, activate: bool = True, **changes: Any) -> dict[str, Any]:
        return self.created("/api/v1/jobs", export_job(name, activate=activate, **changes))

    def group(
        self, name: str, job_ids: list[int], *, activate: bool = True, **changes: Any
    ) -> dict[str, Any]:
        return self.created(
            "/api/v1/groups", group_request(name, job_ids, activate=activate, **changes)
        )

    def ok(self, method: str, path: str, json: Any = None) -> dict[str, Any]:
        response = self.request(method, path, **({"json": json} if json is not None else {}))
        assert response.status_code == 200, response.text[:2000]
        body: dict[str, Any] = response.json()
        return body

    # --- what the account holds ------------------------------------------------------------

    def jobs(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.ok("GET", f"/api/v1/jobs?limit={BIG}")["items"]
        return items

    def groups(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.ok("GET", f"/api/v1/groups?limit={BIG}")["items"]
        return items

    def tables(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.ok("GET", "/api/v1/tables")["items"]
        return items

    def snapshot(self) -> dict[str, Any]:
        """Everything the account's listings show, to compare before and after."""
        return {"jobs": self.jobs(), "groups": self.groups(), "tables": self.tables()}


def export_job(
    name: str = "Contacts out", *, activate: bool = True, **changes: Any
) -> dict[str, Any]:
    """The export job of api.md; keyword arguments replace top-level fields."""
    job: dict[str, Any] = {
        "name": name,
        "type": "export",
        "kind": "standard",
        "run_mode": "on_demand",
        "expires_at": "never",
        "activate": activate,
        "export": {
            "source": "CONTACTS",
            "fields": ["RIID_", "EMAIL_ADDRESS_", "CITY_"],
            "file_pattern": "contacts_{YYYYMMDD}.csv",
            "format": {"delimiter": ",", "qualifier": '"', "header": True, "encoding": "utf-8"},
            "changed_since_last_run": False,
        },
    }
    job.update(copy.deepcopy(changes))
    return job


def with_import(**settings: Any) -> dict[str, Any]:
    """The import settings of api.md with some keys replaced."""
    base: dict[str, Any] = copy.deepcopy(import_job()["import"])
    base.update(settings)
    return base
