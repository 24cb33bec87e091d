"""Authentication (401), account scoping (404 like a missing id) and roles (403 for viewers)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from api_helpers import Api, assert_problem, assert_validation
from fastapi.testclient import TestClient

from dataconnect.testing import group_request, import_job, pet_table, supplemental_table

# Every /api/v1 route with a sample path and a body that would be acceptable with a token.
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/account", None),
    ("GET", "/api/v1/tables", None),
    ("POST", "/api/v1/tables", supplemental_table()),
    ("GET", "/api/v1/tables/CONTACTS", None),
    ("GET", "/api/v1/tables/CONTACTS/rows", None),
    ("PUT", "/api/v1/files/upload/c.csv", None),
    ("GET", "/api/v1/files/download", None),
    ("GET", "/api/v1/files/download/c.csv", None),
    ("DELETE", "/api/v1/files/download/c.csv", None),
    ("GET", "/api/v1/ssh-keys", None),
    ("POST", "/api/v1/ssh-keys", {"name": "k", "public_key": "ssh-ed25519 AAAA"}),
    ("GET", "/api/v1/ssh-keys/1", None),
    ("DELETE", "/api/v1/ssh-keys/1", None),
    ("GET", "/api/v1/connections", None),
    ("POST", "/api/v1/connections", {"name": "c", "host": "h", "username": "u", "auth": "key"}),
    ("GET", "/api/v1/connections/1", None),
    ("PATCH", "/api/v1/connections/1", {"name": "Renamed"}),
    ("DELETE", "/api/v1/connections/1", None),
    ("POST", "/api/v1/connections/1/test", None),
    ("GET", "/api/v1/jobs", None),
    ("POST", "/api/v1/jobs", import_job("Unauthorised")),
    ("GET", "/api/v1/jobs/1", None),
    ("PATCH", "/api/v1/jobs/1", {"name": "Renamed"}),
    ("DELETE", "/api/v1/jobs/1", None),
    ("POST", "/api/v1/jobs/1/activate", None),
    ("POST", "/api/v1/jobs/1/deactivate", None),
    ("POST", "/api/v1/jobs/1/run", None),
    ("GET", "/api/v1/job-runs", None),
    ("GET", "/api/v1/job-runs/1", None),
    ("POST", "/api/v1/job-runs/1/stop", None),
    ("GET", "/api/v1/groups", None),
    ("POST", "/api/v1/groups", group_request("Unauthorised", [1, 2])),
    ("GET", "/api/v1/groups/1", None),
    ("PATCH", "/api/v1/groups/1", {"name": "Renamed"}),
    ("DELETE", "/api/v1/groups/1", None),
    ("POST", "/api/v1/groups/1/activate", None),
    ("POST", "/api/v1/groups/1/deactivate", None),
    ("POST", "/api/v1/groups/1/run", None),
    ("POST", "/api/v1/groups/1/stop", None),
    ("GET", "/api/v1/groups/1/occurrences", None),
    ("GET", "/api/v1/group-runs", None),
    ("GET", "/api/v1/group-runs/1", None),
    ("POST", "/api/v1/group-runs/1/stop", None),
]

BAD_AUTH: list[dict[str, str]] = [
    {},
    {"Authorization": ""},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer    "},
    {"Authorization": "Bearer dc_wrong-token"},
    {"Authorization": "Bearer " + "x" * 5000},
    {"Authorization": "Basic YW5uOnNlY3JldA=="},
    {"Authorization": "Token abc"},
    {"Authorization": "Bearer ' OR 1=1 --"},
]


def _route_key(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_healthz_needs_no_token(anonymous: TestClient) -> None:
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_endpoint_list_covers_every_api_route(anonymous: TestClient) -> None:
    spec = anonymous.get("/openapi.json").json()
    served = {
        (method.upper(), _route_key(path))
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1")
        for method in item
    }
    listed = {
        (method, re.sub(r"/(1|CONTACTS|download|c\.csv)(?=/|$)", "/{}", path))
        for method, path, _ in ENDPOINTS
    }
    assert served == listed


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_refuses_a_missing_or_wrong_token(
    api: Api, anonymous: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    api.contacts()
    first = api.job("First")
    second = api.job("Second")
    api.group("Group", [first["id"], second["id"]], activate=False)
    before = api.snapshot()
    for headers in BAD_AUTH:
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["json"] = body
        response = anonymous.request(method, path, **kwargs)
        problem = assert_problem(response, 401)
        assert problem["code"] in {"TOKEN_MISSING", "TOKEN_INVALID"}, headers
        assert response.headers.get("www-authenticate", "").lower().startswith("bearer")
    assert api.snapshot() == before


def test_a_revoked_token_is_refused(api: Api) -> None:
    assert api.get("/api/v1/account").status_code == 200
    api.app.accounts.revoke_tokens("Acme", "ann@example.com")
    assert_problem(api.get("/api/v1/account"), 401, "TOKEN_INVALID")


def test_the_scheme_is_case_insensitive(api: Api, anonymous: TestClient) -> None:
    response = anonymous.get("/api/v1/account", headers={"Authorization": f"bearer {api.token}"})
    assert response.status_code == 200


def test_account_returns_id_name_and_timezone(api: Api, other: Api) -> None:
    mine = api.ok("GET", "/api/v1/account")
    assert mine["id"] == api.caller.account_id
    assert mine["name"] == "Acme"
    assert mine["timezone"] == "Europe/Berlin"
    theirs = other.ok("GET", "/api/v1/account")
    assert theirs["id"] == other.caller.account_id != mine["id"]
    assert (theirs["name"], theirs["timezone"]) == ("Globex", "UTC")


# --- account scoping --------------------------------------------------------------------------


@pytest.fixture
def acme(api: Api) -> dict[str, Any]:
    """Acme's tables, jobs and an active group, for the other account to poke at."""
    api.contacts()
    api.table(pet_table())
    one = api.job("One")
    two = api.job("Two")
    free = api.job("Free")
    group = api.group("Nightly", [one["id"], two["id"]])
    return {"one": one, "two": two, "free": free, "group": group}


MISSING = 987654


def _same_as_missing(theirs: Any, missing: Any, their_id: int) -> None:
    """The answer about another account's resource equals the one about a missing id."""
    assert theirs.status_code == missing.status_code == 404
    a, b = theirs.json(), missing.json()
    assert a == {**b, "detail": b["detail"].replace(str(MISSING), str(their_id))}
    assert theirs.headers["content-type"] == missing.headers["content-type"]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"name": "Stolen"}),
        ("PATCH", "", {"description": "changed by another account"}),
        ("DELETE", "", None),
        ("POST", "/activate", None),
        ("POST", "/deactivate", None),
    ],
)
@pytest.mark.parametrize("kind", ["jobs", "groups"])
def test_another_accounts_job_or_group_is_answered_like_a_missing_one(
    api: Api,
    other: Api,
    acme: dict[str, Any],
    kind: str,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    before = api.snapshot()
    their_id = acme["free"]["id"] if kind == "jobs" else acme["group"]["id"]
    kwargs: dict[str, Any] = {"json": body} if body is not None else {}
    theirs = other.request(method, f"/api/v1/{kind}/{their_id}{suffix}", **kwargs)
    missing = other.request(method, f"/api/v1/{kind}/{MISSING}{suffix}", **kwargs)
    assert_problem(theirs, 404, "JOB_NOT_FOUND" if kind == "jobs" else "GROUP_NOT_FOUND")
    _same_as_missing(theirs, missing, their_id)
    assert api.snapshot() == before


@pytest.mark.parametrize("suffix", ["", "/rows", "/rows?limit=1"])
def test_another_accounts_table_is_answered_like_a_missing_one(
    api: Api, other: Api, acme: dict[str, Any], suffix: str
) -> None:
    theirs = other.get(f"/api/v1/tables/CONTACTS{suffix}")
    missing = other.get(f"/api/v1/tables/NOSUCHTABLE{suffix}")
    assert_problem(theirs, 404, "TABLE_NOT_FOUND")
    assert theirs.status_code == missing.status_code
    assert theirs.json() == {
        **missing.json(),
        "detail": missing.json()["detail"].replace("NOSUCHTABLE", "CONTACTS"),
    }


def test_listings_show_only_the_callers_account(api: Api, other: Api, acme: dict[str, Any]) -> None:
    assert other.jobs() == []
    assert other.groups() == []
    assert other.tables() == []
    assert {j["name"] for j in api.jobs()} == {"One", "Two", "Free"}


def test_another_accounts_jobs_cannot_join_a_group(
    api: Api, other: Api, acme: dict[str, Any]
) -> None:
    before = api.snapshot()
    other.contacts()
    mine = [other.job("Mine 1")["id"], other.job("Mine 2")["id"]]
    theirs = [acme["free"]["id"], acme["one"]["id"]]

    response = other.post("/api/v1/groups", group_request("Hijack", [mine[0], theirs[0]]))
    errors = assert_validation(response, "JOB_NOT_FOUND")
    assert {"field": "job_ids[1]", "code": "JOB_NOT_FOUND"}.items() <= errors[0].items()

    response = other.post("/api/v1/groups", group_request("Hijack", theirs, activate=False))
    assert_validation(response, "JOB_NOT_FOUND")
    assert {e["field"] for e in response.json()["errors"]} == {"job_ids[0]", "job_ids[1]"}

    group = other.group("Own", mine)
    response = other.patch(f"/api/v1/groups/{group['id']}", {"job_ids": [mine[0], theirs[0]]})
    assert_validation(response, "JOB_NOT_FOUND")
    assert other.ok("GET", f"/api/v1/groups/{group['id']}")["job_ids"] == mine
    assert api.snapshot() == before


def test_another_accounts_tables_are_invisible_to_jobs_and_tables(
    api: Api, other: Api, acme: dict[str, Any]
) -> None:
    before = api.snapshot()
    response = other.post("/api/v1/jobs", import_job("Into theirs"))
    assert_validation(response, "TARGET_NOT_FOUND")
    response = other.post("/api/v1/tables", pet_table("MINE", "CONTACTS"))
    assert_validation(response, "LIST_NOT_FOUND")
    assert other.tables() == []
    assert api.snapshot() == before


def test_names_are_per_account(api: Api, other: Api, acme: dict[str, Any]) -> None:
    before = api.snapshot()
    other.contacts()
    job = other.job("One")
    two = other.job("Two")
    group = other.group("Nightly", [job["id"], two["id"]])
    assert job["id"] not in {j["id"] for j in api.jobs()}
    assert group["id"] != acme["group"]["id"]
    assert api.snapshot() == before


# --- roles ------------------------------------------------------------------------------------


def test_a_viewer_reads_everything(api: Api, viewer: Api, acme: dict[str, Any]) -> None:
    job_id, group_id = acme["one"]["id"], acme["group"]["id"]
    assert viewer.jobs() == api.jobs()
    assert viewer.groups() == api.groups()
    assert viewer.tables() == api.tables()
    for path in (
        "/api/v1/account",
        f"/api/v1/jobs/{job_id}",
        f"/api/v1/groups/{group_id}",
        "/api/v1/tables/CONTACTS",
        "/api/v1/tables/CONTACTS/rows",
        "/api/v1/jobs?type=import&state=active",
        "/api/v1/groups?state=active",
    ):
        assert viewer.get(path).json() == api.get(path).json()
        assert viewer.get(path).status_code == 200


def test_a_viewer_gets_403_on_every_write(api: Api, viewer: Api, acme: dict[str, Any]) -> None:
    free, group = acme["free"]["id"], acme["group"]["id"]
    saved = api.group("Saved", [free], activate=False)["id"]
    before = api.snapshot()
    writes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/api/v1/tables", supplemental_table()),
        ("POST", "/api/v1/jobs", import_job("By a viewer")),
        ("POST", "/api/v1/jobs", import_job("By a viewer", activate=False)),
        ("PATCH", f"/api/v1/jobs/{free}", {"name": "Renamed by viewer"}),
        ("PATCH", f"/api/v1/jobs/{free}", {"description": "x"}),
        ("DELETE", f"/api/v1/jobs/{free}", None),
        ("POST", f"/api/v1/jobs/{free}/activate", None),
        ("POST", f"/api/v1/jobs/{free}/deactivate", None),
        ("POST", "/api/v1/groups", group_request("By a viewer", [free], activate=False)),
        ("PATCH", f"/api/v1/groups/{group}", {"name": "Renamed by viewer"}),
        ("PATCH", f"/api/v1/groups/{group}", {"job_ids": list(reversed(acme["group"]["job_ids"]))}),
        ("DELETE", f"/api/v1/groups/{group}", None),
        ("DELETE", f"/api/v1/groups/{saved}", None),
        ("POST", f"/api/v1/groups/{saved}/activate", None),
        ("POST", f"/api/v1/groups/{group}/deactivate", None),
    ]
    for method, path, body in writes:
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        response = viewer.request(method, path, **kwargs)
        assert_problem(response, 403, "ROLE_VIEWER_READ_ONLY")
    assert api.snapshot() == before
