"""Bad input of every kind: a 4xx problem, never a 500, and nothing changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from api_helpers import (
    Api,
    assert_client_error,
    assert_problem,
    assert_validation,
    error_fields,
    export_job,
    with_import,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataconnect.testing import contacts_table, group_request, import_job, supplemental_table

KB100 = "x" * 100_000
LONG_URL_PART = "x" * 60_000  # the client refuses URLs over 64 KiB


@pytest.fixture
def world(api: Api) -> dict[str, Any]:
    """Some of everything, so 'nothing changed' means something."""
    api.contacts()
    api.table(supplemental_table())
    free = api.job("Free")  # id 1
    first = api.job("First")
    second = api.job("Second")
    group = api.group("Group", [first["id"], second["id"]])
    return {
        "first": first["id"],
        "second": second["id"],
        "free": free["id"],
        "group": group["id"],
        "before": api.snapshot(),
    }


def _unchanged(api: Api, world: dict[str, Any]) -> None:
    assert api.snapshot() == world["before"]


WRITES = [
    ("POST", "/api/v1/jobs"),
    ("POST", "/api/v1/groups"),
    ("POST", "/api/v1/tables"),
    ("PATCH", "/api/v1/jobs/{free}"),
    ("PATCH", "/api/v1/groups/{group}"),
]


def _path(template: str, world: dict[str, Any]) -> str:
    return template.format(**world)


# --- malformed bodies -------------------------------------------------------------------------

INVALID_JSON = [
    b'{"name": ',
    b"{name: 1}",
    b"{'name': 'x'}",
    b'{"name": "x",}',
    b'{"name": "x"} trailing',
    b'{"name": "unterminated}',
    b"\xff\xfe{}",
    b"\x00",
    b"[" * 100_000,
    b'{"a":' * 50_000,
]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_invalid_json(api: Api, world: dict[str, Any], method: str, path: str) -> None:
    for body in INVALID_JSON:
        response = api.raw(method, _path(path, world), body)
        problem = assert_client_error(response)
        assert response.status_code in (400, 422), body[:20]
        if response.status_code == 422:
            assert problem["code"] == "JSON_INVALID", body[:20]
    _unchanged(api, world)


NOT_OBJECTS = ["[]", '"job"', "1", "1.5", "true", "null", "NaN", '[{"name": "x"}]', ""]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_body_that_is_not_an_object(
    api: Api, world: dict[str, Any], method: str, path: str
) -> None:
    for body in NOT_OBJECTS:
        response = api.raw(method, _path(path, world), body)
        assert_problem(response, 422)
    _unchanged(api, world)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_declared_json(
    api: Api, world: dict[str, Any], content_type: str
) -> None:
    body = json.dumps(import_job("Plain text")).encode()
    response = api.post("/api/v1/jobs", content=body, headers={"Content-Type": content_type})
    assert_problem(response, 422)
    _unchanged(api, world)


WRONG_TYPES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/v1/jobs", {**import_job("T"), "name": 1}),
    ("POST", "/api/v1/jobs", {**import_job("T"), "name": None}),
    ("POST", "/api/v1/jobs", {**import_job("T"), "name": ["a"]}),
    ("POST", "/api/v1/jobs", {**import_job("T"), "type": 5}),
    ("POST", "/api/v1/jobs", {**import_job("T"), "import": "customers.csv"}),
    ("POST", "/api/v1/jobs", {**import_job("T"), "import": []}),
    ("POST", "/api/v1/jobs", {**import_job("T"), "activate": "maybe"}),
    ("POST", "/api/v1/jobs", {**import_job("T"), "activate": None}),
    ("POST", "/api/v1/jobs", {**import_job("T"), "description": 5}),
    ("POST", "/api/v1/jobs", {**import_job("T"), "expires_at": 20260301}),
    ("POST", "/api/v1/jobs", {**import_job("T"), "schedule": 5, "run_mode": "scheduled"}),
    (
        "POST",
        "/api/v1/jobs",
        {**import_job("T"), "schedule": {"kind": "daily", "hour": "two", "slot": 0}},
    ),
    ("POST", "/api/v1/jobs", import_job("T", **{"import": with_import(mapping=["a", "b"])})),
    ("POST", "/api/v1/jobs", import_job("T", **{"import": with_import(mapping={"a": 1})})),
    ("POST", "/api/v1/jobs", import_job("T", **{"import": with_import(mapping={"a": ["x"]})})),
    ("POST", "/api/v1/jobs", import_job("T", **{"import": with_import(format="csv")})),
    ("POST", "/api/v1/jobs", import_job("T", **{"import": with_import(match=["a"])})),
    ("POST", "/api/v1/jobs", import_job("T", **{"import": with_import(max_reject_percent="x")})),
    ("POST", "/api/v1/jobs", import_job("T", **{"import": with_import(target=["CONTACTS"])})),
    ("POST", "/api/v1/jobs", export_job("T", export={"source": "CONTACTS", "fields": "RIID_"})),
    ("POST", "/api/v1/groups", {**group_request("G", []), "job_ids": "1,2"}),
    ("POST", "/api/v1/groups", {**group_request("G", []), "job_ids": [[1]]}),
    ("POST", "/api/v1/groups", {**group_request("G", []), "job_ids": [{"id": 1}]}),
    ("POST", "/api/v1/groups", {**group_request("G", []), "job_ids": [1.5]}),
    ("POST", "/api/v1/groups", {**group_request("G", []), "job_ids": None, "activate": True}),
    ("POST", "/api/v1/groups", {**group_request("G", []), "notification": "failure"}),
    ("POST", "/api/v1/groups", {**group_request("G", []), "notification": {"emails": "a@b.cd"}}),
    ("POST", "/api/v1/groups", {**group_request("G", []), "activate": "maybe"}),
    ("POST", "/api/v1/groups", {**group_request("G", []), "schedule": []}),
    ("POST", "/api/v1/groups", {**group_request("G", []), "name": {"first": "x"}}),
    ("POST", "/api/v1/tables", {**supplemental_table("S"), "fields": "SKU text"}),
    ("POST", "/api/v1/tables", {**supplemental_table("S"), "fields": [1]}),
    (
        "POST",
        "/api/v1/tables",
        {**supplemental_table("S"), "fields": [{"name": 1, "type": "text"}]},
    ),
    (
        "POST",
        "/api/v1/tables",
        {**supplemental_table("S"), "fields": [{"name": "A1", "type": "text", "length": "long"}]},
    ),
    ("POST", "/api/v1/tables", {**supplemental_table("S"), "primary_key": "SKU"}),
    ("POST", "/api/v1/tables", {**supplemental_table("S"), "kind": 5}),
    ("POST", "/api/v1/tables", {**supplemental_table("S"), "name": None}),
    ("PATCH", "/api/v1/jobs/{free}", {"name": 5}),
    ("PATCH", "/api/v1/jobs/{free}", {"import": "x"}),
    ("PATCH", "/api/v1/jobs/{free}", {"import": {"mapping": "x"}}),
    ("PATCH", "/api/v1/groups/{group}", {"job_ids": "x"}),
    ("PATCH", "/api/v1/groups/{group}", {"job_ids": None}),
    ("PATCH", "/api/v1/groups/{group}", {"name": None}),
    ("PATCH", "/api/v1/groups/{group}", {"expires_at": None}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRONG_TYPES)
def test_wrong_json_types(
    api: Api, world: dict[str, Any], method: str, path: str, body: dict[str, Any]
) -> None:
    response = api.request(method, _path(path, world), json=body)
    assert_validation(response)
    _unchanged(api, world)


def test_booleans_are_not_job_ids(api: Api, world: dict[str, Any]) -> None:
    """JSON true is not the job with id 1 (the domain refuses booleans; the API must too)."""
    assert world["free"] == 1
    spare = api.job("Spare")["id"]
    before = api.snapshot()
    response = api.post("/api/v1/groups", group_request("Bools", [True, spare], activate=False))
    assert_validation(response)
    assert api.snapshot() == before


UNKNOWN_FIELDS: list[tuple[str, str, dict[str, Any], str]] = [
    ("POST", "/api/v1/jobs", {**import_job("U"), "bogus": 1}, "bogus"),
    ("POST", "/api/v1/jobs", {**import_job("U"), "state": "active"}, "state"),
    ("POST", "/api/v1/jobs", {**import_job("U"), "id": 99}, "id"),
    ("POST", "/api/v1/jobs", import_job("U", **{"import": with_import(bogus=1)}), "import.bogus"),
    (
        "POST",
        "/api/v1/jobs",
        import_job("U", **{"import": with_import(format={"sep": ","})}),
        "import.format.sep",
    ),
    (
        "POST",
        "/api/v1/jobs",
        import_job("U", **{"import": with_import(match={"columns": ["CUSTOMER_ID_"], "x": 1})}),
        "import.match.x",
    ),
    (
        "POST",
        "/api/v1/jobs",
        import_job("U", **{"import": with_import(permission={"x": 1})}),
        "import.permission.x",
    ),
    (
        "POST",
        "/api/v1/jobs",
        export_job("U", export={**export_job()["export"], "where": "1=1"}),
        "export.where",
    ),
    (
        "POST",
        "/api/v1/jobs",
        import_job(
            "U", run_mode="scheduled", schedule={"kind": "daily", "hour": 1, "slot": 0, "cron": "*"}
        ),
        "schedule.cron",
    ),
    ("POST", "/api/v1/groups", {**group_request("U", []), "state": "active"}, "state"),
    (
        "POST",
        "/api/v1/groups",
        {**group_request("U", []), "notification": {"when": "none", "cc": []}},
        "notification.cc",
    ),
    ("POST", "/api/v1/tables", {**supplemental_table("U"), "owner": "x"}, "owner"),
    (
        "POST",
        "/api/v1/tables",
        {**supplemental_table("U"), "fields": [{"name": "A1", "type": "text", "nullable": True}]},
        "fields[0].nullable",
    ),
    ("PATCH", "/api/v1/jobs/{free}", {"activate": True}, "activate"),
    ("PATCH", "/api/v1/jobs/{free}", {"group_id": 1}, "group_id"),
    ("PATCH", "/api/v1/groups/{group}", {"activate": True}, "activate"),
    ("PATCH", "/api/v1/groups/{group}", {"state": "saved"}, "state"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), UNKNOWN_FIELDS)
def test_unknown_fields(
    api: Api, world: dict[str, Any], method: str, path: str, body: dict[str, Any], field: str
) -> None:
    response = api.request(method, _path(path, world), json=body)
    assert_validation(response, "UNKNOWN_FIELD")
    assert error_fields(response).get(field) == "UNKNOWN_FIELD", response.json()
    _unchanged(api, world)


# --- names and values that break rules --------------------------------------------------------

SQL_NAMES = [
    "x; DROP TABLE jobs",
    'Robert"); --',
    "Robert'); DROP TABLE jobs; --",
    "' OR '1'='1",
    "1; DELETE FROM groups",
    'jobs"; DROP TABLE "jobs',
]


@pytest.mark.parametrize("name", SQL_NAMES)
def test_sql_in_names_is_refused_everywhere(api: Api, world: dict[str, Any], name: str) -> None:
    bodies = [
        ("POST", "/api/v1/jobs", import_job(name)),
        ("POST", "/api/v1/jobs", export_job(name)),
        ("POST", "/api/v1/groups", group_request(name, [world["free"]], activate=False)),
        ("POST", "/api/v1/tables", contacts_table(name)),
        ("POST", "/api/v1/tables", supplemental_table(name)),
        (
            "POST",
            "/api/v1/tables",
            {"name": "SAFE", "kind": "supplemental", "fields": [{"name": name, "type": "text"}]},
        ),
        ("POST", "/api/v1/jobs", import_job("Safe", **{"import": with_import(target=name)})),
        (
            "POST",
            "/api/v1/jobs",
            import_job("Safe", **{"import": with_import(mapping={"a": name})}),
        ),
        ("PATCH", f"/api/v1/jobs/{world['free']}", {"name": name}),
        ("PATCH", f"/api/v1/groups/{world['group']}", {"name": name}),
    ]
    for method, path, body in bodies:
        assert_validation(api.request(method, path, json=body))
    for path in (
        f"/api/v1/tables/{name}",
        f"/api/v1/tables/{name}/rows",
        f"/api/v1/jobs?type={name}",
        f"/api/v1/jobs?state={name}",
        f"/api/v1/groups?state={name}",
        f"/api/v1/jobs?cursor={name}",
    ):
        assert_client_error(api.get(path))
    _unchanged(api, world)


def test_sql_in_free_text_is_just_text(api: Api, world: dict[str, Any]) -> None:
    sql = "x'); DROP TABLE jobs; --"
    job = api.job(
        "Quoted",
        description=sql,
        **{
            "import": with_import(
                mapping={sql: "CITY_", "cust_id": "CUSTOMER_ID_"},
                permission={"optin_value": sql, "optout_value": "O"},
            )
        },
    )
    shown = api.ok("GET", f"/api/v1/jobs/{job['id']}")
    assert shown["description"] == sql
    assert shown["import"]["mapping"][sql] == "CITY_"
    assert shown["import"]["permission"]["optin_value"] == sql
    assert len(api.jobs()) == len(world["before"]["jobs"]) + 1
    assert api.groups() == world["before"]["groups"]
    assert api.tables() == world["before"]["tables"]


HUGE: list[tuple[str, str, dict[str, Any], str]] = [
    ("POST", "/api/v1/jobs", import_job(KB100), "NAME_TOO_LONG"),
    ("POST", "/api/v1/jobs", import_job("H", description=KB100), "DESCRIPTION_TOO_LONG"),
    (
        "POST",
        "/api/v1/jobs",
        import_job("H", **{"import": with_import(file_pattern=KB100)}),
        "FILE_PATTERN_INVALID",
    ),
    (
        "POST",
        "/api/v1/jobs",
        import_job("H", **{"import": with_import(mapping={KB100: "CITY_"})}),
        "MAPPING_COLUMN_INVALID",
    ),
    (
        "POST",
        "/api/v1/jobs",
        import_job("H", **{"import": with_import(mapping={"c": KB100})}),
        "MAPPED_FIELD_NOT_FOUND",
    ),
    (
        "POST",
        "/api/v1/jobs",
        import_job("H", **{"import": with_import(target=KB100)}),
        "TARGET_NOT_FOUND",
    ),
    ("POST", "/api/v1/jobs", import_job("H", expires_at=KB100), "EXPIRATION_INVALID"),
    ("POST", "/api/v1/jobs", {**import_job("H"), KB100: 1}, "UNKNOWN_FIELD"),
    ("POST", "/api/v1/groups", group_request(KB100, [], activate=False), "NAME_TOO_LONG"),
    (
        "POST",
        "/api/v1/groups",
        group_request("H", [], notification={"when": "failure", "emails": [KB100 + "@x.com"]}),
        "EMAIL_INVALID",
    ),
    ("POST", "/api/v1/groups", group_request("H", list(range(1, 5000))), "GROUP_TOO_MANY_JOBS"),
    ("POST", "/api/v1/tables", contacts_table(KB100), "FIELD_NAME_TOO_LONG"),
    (
        "POST",
        "/api/v1/tables",
        {
            "name": "H",
            "kind": "supplemental",
            "fields": [{"name": f"F{i}", "type": "text"} for i in range(501)],
        },
        "TOO_MANY_FIELDS",
    ),
    ("PATCH", "/api/v1/jobs/{free}", {"name": KB100}, "NAME_TOO_LONG"),
    ("PATCH", "/api/v1/groups/{group}", {"description": KB100}, "DESCRIPTION_TOO_LONG"),
]


@pytest.mark.parametrize(("method", "path", "body", "code"), HUGE)
def test_huge_values(
    api: Api, world: dict[str, Any], method: str, path: str, body: dict[str, Any], code: str
) -> None:
    response = api.request(method, _path(path, world), json=body)
    assert_validation(response, code)
    assert len(response.content) < 300_000  # the answer does not balloon either
    _unchanged(api, world)


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_body_over_1_mb_is_413(api: Api, world: dict[str, Any], method: str, path: str) -> None:
    body = json.dumps({"name": "x" * 1_000_001}).encode()
    assert_problem(api.raw(method, _path(path, world), body), 413, "BODY_TOO_LARGE")
    body = json.dumps({**import_job("Big"), "description": "d" * 1_100_000}).encode()
    assert_problem(api.raw(method, _path(path, world), body), 413, "BODY_TOO_LARGE")
    _unchanged(api, world)


def test_huge_paths_and_queries(api: Api, world: dict[str, Any]) -> None:
    for path in (
        f"/api/v1/tables/{LONG_URL_PART}",
        f"/api/v1/tables/{LONG_URL_PART}/rows",
        f"/api/v1/jobs?cursor={LONG_URL_PART}",
        f"/api/v1/jobs?type={LONG_URL_PART}",
        f"/api/v1/groups?state={LONG_URL_PART}",
        f"/api/v1/tables/CONTACTS/rows?cursor={LONG_URL_PART}",
        f"/api/v1/jobs/{'9' * 10_000}",
        f"/api/v1/groups/{'9' * 10_000}",
    ):
        assert_client_error(api.get(path))
    _unchanged(api, world)


# --- ids in paths -----------------------------------------------------------------------------

BAD_IDS = [
    "0",
    "-1",
    "-9223372036854775808",
    str(2**63),
    str(10**30),
    "abc",
    "1.5",
    "1e3",
    "0x10",
    "%20",
    "%00",
    "1%00",
    "\u0661",  # an Arabic-Indic digit one
    "null",
    "true",
    "[1]",
    "9223372036854775807",
    "424242",
]


@pytest.mark.parametrize("kind", ["jobs", "groups"])
@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/activate"),
        ("POST", "/deactivate"),
    ],
)
def test_bad_ids_in_paths(
    api: Api, world: dict[str, Any], kind: str, method: str, suffix: str
) -> None:
    for bad in BAD_IDS:
        kwargs: dict[str, Any] = {"json": {"description": "x"}} if method == "PATCH" else {}
        response = api.request(method, f"/api/v1/{kind}/{bad}{suffix}", **kwargs)
        assert response.status_code in (404, 422), (bad, response.status_code, response.text)
        assert_problem(response, response.status_code)
    _unchanged(api, world)


@pytest.mark.parametrize(
    "name", ["%00", "A%00B", "%20", "..", "%2e%2e", "CONTACTS%3B", "💥", "ÄÖÜ", "a" * 31]
)
def test_bad_table_names_in_paths(api: Api, world: dict[str, Any], name: str) -> None:
    for suffix in ("", "/rows"):
        response = api.get(f"/api/v1/tables/{name}{suffix}")
        assert response.status_code in (404, 422), response.text
        assert_problem(response, response.status_code)
    _unchanged(api, world)


@pytest.mark.parametrize(
    "query",
    [
        "limit=-1",
        "limit=0",
        "limit=abc",
        "limit=1.5",
        f"limit={10**30}",
        "limit=",
        "cursor=%00",
        "cursor=💥",
        "cursor=' OR 1=1",
        "state=%00",
        "type=💥",
    ],
)
def test_bad_queries(api: Api, world: dict[str, Any], query: str) -> None:
    for path in ("/api/v1/jobs", "/api/v1/groups", "/api/v1/tables/CONTACTS/rows"):
        response = api.get(f"{path}?{query}")
        if response.status_code == 200:
            # a filter the endpoint does not have is ignored
            assert query.split("=")[0] in {"state", "type"}, (path, query)
            continue
        assert_validation(response)
    _unchanged(api, world)


# --- unicode, null bytes, invalid unicode -----------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Café", "日本語", "emoji 💥", "Ⅻ", "zero\u200bwidth", "a\u0000b", "\u0000"]
)
def test_unicode_and_null_bytes_in_names(api: Api, world: dict[str, Any], name: str) -> None:
    for method, path, body in [
        ("POST", "/api/v1/jobs", import_job(name)),
        ("POST", "/api/v1/groups", group_request(name, [world["free"]], activate=False)),
        ("POST", "/api/v1/tables", contacts_table(name)),
        ("PATCH", f"/api/v1/jobs/{world['free']}", {"name": name}),
        ("PATCH", f"/api/v1/groups/{world['group']}", {"name": name}),
    ]:
        assert_validation(api.request(method, path, json=body))
    _unchanged(api, world)


@pytest.mark.parametrize(
    "text", ["Ünïcödé ✓ 日本語 🎉", "line\nbreak\ttab", "quote \" and ' and \\"]
)
def test_unicode_free_text_round_trips(api: Api, world: dict[str, Any], text: str) -> None:
    mapping = {text: "CITY_", "cust_id": "CUSTOMER_ID_"}
    job = api.job("Unicode", description=text[:255], **{"import": with_import(mapping=mapping)})
    shown = api.ok("GET", f"/api/v1/jobs/{job['id']}")
    assert shown["description"] == text[:255]
    assert text in shown["import"]["mapping"]
    group = api.ok("PATCH", f"/api/v1/groups/{world['group']}", {"description": text})
    assert (
        api.ok("GET", f"/api/v1/groups/{world['group']}")["description"]
        == text
        == group["description"]
    )


@pytest.mark.parametrize(
    "where", ["description", "mapping key", "mapping value", "optin value", "group description"]
)
def test_null_bytes_in_free_text_never_break_anything(
    api: Api, world: dict[str, Any], where: str
) -> None:
    """Refused (422) or stored and shown exactly; never a 500, and the listings keep working."""
    text = "a\u0000b"
    if where == "group description":
        path = f"/api/v1/groups/{world['group']}"
        response = api.patch(path, {"description": text})
    else:
        settings = {
            "description": with_import(),
            "mapping key": with_import(mapping={text: "CITY_", "cust_id": "CUSTOMER_ID_"}),
            "mapping value": with_import(mapping={"c": text, "cust_id": "CUSTOMER_ID_"}),
            "optin value": with_import(permission={"optin_value": text}),
        }[where]
        description = text if where == "description" else ""
        body = import_job("Nulls", description=description, **{"import": settings})
        response = api.post("/api/v1/jobs", body)
        path = f"/api/v1/jobs/{response.json().get('id')}"
    if response.status_code == 422:
        assert_validation(response)
        _unchanged(api, world)
        return
    assert response.status_code in (200, 201), response.text
    shown = api.ok("GET", path)
    assert shown == response.json()
    stored = {
        "description": lambda: shown["description"],
        "group description": lambda: shown["description"],
        "mapping key": lambda: next(k for k in shown["import"]["mapping"] if "\x00" in k),
        "mapping value": lambda: shown["import"]["mapping"]["c"],
        "optin value": lambda: shown["import"]["permission"]["optin_value"],
    }[where]()
    assert stored == text
    api.snapshot()


LONE_SURROGATE = "\\ud800"


@pytest.mark.parametrize(
    "where",
    [
        "job description",
        "file pattern",
        "mapping key",
        "optin value",
        "job name",
        "group description",
    ],
)
def test_invalid_unicode_is_refused_and_breaks_nothing(
    api: Api, world: dict[str, Any], where: str
) -> None:
    """JSON may carry a lone surrogate escape (not a character): refuse it, store nothing."""
    marker = "SURROGATE"
    if where == "group description":
        path = "/api/v1/groups"
        body = group_request("Broken", [world["free"]], activate=False, description=marker)
    else:
        path = "/api/v1/jobs"
        mapping = {"cust_id": "CUSTOMER_ID_", "city": "CITY_"}
        settings = with_import(mapping=mapping)
        if where == "file pattern":
            settings["file_pattern"] = f"x_{marker}.csv"
        if where == "mapping key":
            settings["mapping"] = {**mapping, marker: None}
        if where == "optin value":
            settings["permission"] = {"optin_value": marker}
        body = import_job(
            marker if where == "job name" else "Broken",
            description=marker if where == "job description" else "",
            **{"import": settings},
        )
    raw = json.dumps(body).replace(marker, LONE_SURROGATE)
    response = api.raw("POST", path, raw)
    assert_client_error(response)
    # nothing was stored, and every listing and read still works
    assert api.get("/api/v1/jobs").status_code == 200
    assert api.get("/api/v1/groups").status_code == 200
    _unchanged(api, world)


# --- dates at the edges of the calendar -------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["9999-12-31", "9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59-14:00"]
)
def test_far_future_expiration_is_422(api: Api, world: dict[str, Any], value: str) -> None:
    errors = assert_validation(api.post("/api/v1/jobs", import_job("Far", expires_at=value)))
    assert errors[0]["field"] == "expires_at"
    body = group_request("Far", [world["free"]], activate=False, expires_at=value)
    assert_validation(api.post("/api/v1/groups", body))
    assert_validation(api.patch(f"/api/v1/jobs/{world['free']}", {"expires_at": value}))
    assert_validation(api.patch(f"/api/v1/groups/{world['group']}", {"expires_at": value}))
    _unchanged(api, world)


@pytest.mark.parametrize(
    "value", ["0001-01-01", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00"]
)
def test_far_past_expiration_is_422(api: Api, world: dict[str, Any], value: str) -> None:
    assert_validation(
        api.post("/api/v1/jobs", import_job("Past", expires_at=value)), "EXPIRATION_IN_PAST"
    )
    _unchanged(api, world)


@pytest.mark.parametrize(
    "schedule",
    [
        {"kind": "once", "date": "0001-01-01", "hour": 0, "slot": 0},
        {
            "kind": "once",
            "date": "0001-01-01",
            "hour": 0,
            "slot": 0,
            "timezone": "Pacific/Kiritimati",
        },
        {
            "kind": "once",
            "date": "0001-01-01",
            "hour": 23,
            "slot": 3,
            "timezone": "Pacific/Pago_Pago",
        },
    ],
)
def test_a_once_schedule_in_year_one_is_422(
    api: Api, world: dict[str, Any], schedule: dict[str, Any]
) -> None:
    body = import_job("Ancient", run_mode="scheduled", schedule=schedule)
    assert_validation(api.post("/api/v1/jobs", body), "SLOT_ALREADY_STARTED")
    body = group_request("Ancient", [world["free"]], activate=False, schedule=schedule)
    assert_validation(api.post("/api/v1/groups", body), "SLOT_ALREADY_STARTED")
    _unchanged(api, world)


# --- wrong methods and paths ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("PUT", "/api/v1/jobs", 405, "METHOD_NOT_ALLOWED"),
        ("DELETE", "/api/v1/jobs", 405, "METHOD_NOT_ALLOWED"),
        ("PUT", "/api/v1/groups/1", 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/api/v1/jobs/1/activate", 405, "METHOD_NOT_ALLOWED"),
        ("DELETE", "/api/v1/tables/CONTACTS", 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/api/v1/nothing", 404, "NOT_FOUND"),
        ("GET", "/api/v2/jobs", 404, "NOT_FOUND"),
        ("POST", "/api/v1/jobs/1/explode", 404, "NOT_FOUND"),
    ],
)
def test_wrong_methods_and_paths(
    api: Api, world: dict[str, Any], method: str, path: str, status: int, code: str
) -> None:
    assert_problem(api.request(method, path), status, code)
    _unchanged(api, world)


# --- fuzzing ----------------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
NAMES = st.text(max_size=120) | st.sampled_from(["Fuzz", "fuzz job", "x; DROP TABLE jobs", ""])
SCHEDULES = st.fixed_dictionaries(
    {"kind": st.sampled_from(["once", "daily", "weekly", "monthly", "hourly"]) | SCALARS},
    optional={
        "hour": st.integers(-2, 26) | SCALARS,
        "slot": st.integers(-1, 5) | SCALARS,
        "date": st.sampled_from(["2026-01-15", "2026-12-01", "2027-02-29", "x"]) | SCALARS,
        "weekdays": st.lists(st.sampled_from(["mon", "tue", "sun", "xyz"]), max_size=4) | JSON,
        "day": st.integers(-1, 32) | st.just("last") | SCALARS,
        "timezone": st.sampled_from(["UTC", "Europe/Berlin", "Nope/Nope"]) | SCALARS,
    },
)
IMPORTS = st.fixed_dictionaries(
    {},
    optional={
        "file_pattern": st.sampled_from(["a.csv", "x_{YYYY}.csv", "../a", "{FOO}"]) | SCALARS,
        "format": st.fixed_dictionaries(
            {},
            optional={
                "delimiter": st.sampled_from([",", "tab", "x"]) | SCALARS,
                "qualifier": SCALARS,
                "header": SCALARS,
                "encoding": st.sampled_from(["utf-8", "latin1", "x"]) | SCALARS,
                "date_format": st.sampled_from(["%Y-%m-%d", "%d", "%Q"]) | SCALARS,
            },
        )
        | JSON,
        "count_file": SCALARS,
        "target": st.sampled_from(["CONTACTS", "products", "NOPE"]) | SCALARS,
        "mapping": st.dictionaries(
            st.text(max_size=10),
            st.sampled_from(["CUSTOMER_ID_", "EMAIL_ADDRESS_", "RIID_", "SKU", "NOPE"]) | SCALARS,
            max_size=4,
        )
        | JSON,
        "match": st.fixed_dictionaries(
            {},
            optional={
                "columns": st.lists(
                    st.sampled_from(["CUSTOMER_ID_", "EMAIL_MD5_HASH_", "RIID_", "CITY_"]),
                    max_size=3,
                )
                | JSON,
                "insert_on_no_match": SCALARS,
                "update_on_match": st.sampled_from(["replace_all", "no_update"]) | SCALARS,
            },
        )
        | JSON,
        "permission": JSON,
        "supplemental_mode": st.sampled_from(["merge", "append", "replace"]) | SCALARS,
        "max_reject_percent": st.floats(-10, 200, allow_nan=False) | SCALARS,
    },
)
JOBS = st.fixed_dictionaries(
    {},
    optional={
        "name": NAMES | SCALARS,
        "description": SCALARS,
        "type": st.sampled_from(["import", "export"]) | SCALARS,
        "kind": st.sampled_from(["standard", "partner_integration"]) | SCALARS,
        "run_mode": st.sampled_from(["on_demand", "scheduled"]) | SCALARS,
        "schedule": SCHEDULES | JSON,
        "expires_at": st.sampled_from(["never", "2026-03-01", "2020-01-01", "x"]) | SCALARS,
        "import": IMPORTS | JSON,
        "export": JSON,
        "activate": SCALARS,
    },
)
GROUPS = st.fixed_dictionaries(
    {},
    optional={
        "name": NAMES | SCALARS,
        "description": SCALARS,
        "job_ids": st.lists(st.integers(-1, 6), max_size=5) | JSON,
        "notification": st.fixed_dictionaries(
            {},
            optional={
                "when": st.sampled_from(["failure", "none", "always"]) | SCALARS,
                "emails": st.lists(st.sampled_from(["a@example.com", "bad", ""]), max_size=3)
                | JSON,
            },
        )
        | JSON,
        "schedule": SCHEDULES | st.none() | JSON,
        "expires_at": st.sampled_from(["2026-03-01", "never", "2020-01-01", "x"]) | SCALARS,
        "activate": SCALARS,
    },
)
FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _post_fuzz(api: Api, path: str, body: Any) -> None:
    before = api.jobs()
    response = api.raw("POST", path, json.dumps(body))
    assert response.status_code < 500, (body, response.text)
    if response.status_code == 201:  # a valid request is allowed to succeed; undo it
        kind = path.rsplit("/", 1)[-1]
        assert api.delete(f"/api/v1/{kind}/{response.json()['id']}").status_code == 204
    else:
        assert_client_error(response)
    assert api.jobs() == before


@FUZZ
@given(body=JSON)
def test_fuzz_random_json_to_jobs(api: Api, world: dict[str, Any], body: Any) -> None:
    response = api.raw("POST", "/api/v1/jobs", json.dumps(body))
    assert_client_error(response)
    assert api.jobs() == world["before"]["jobs"]


@FUZZ
@given(body=JSON)
def test_fuzz_random_json_to_groups(api: Api, world: dict[str, Any], body: Any) -> None:
    response = api.raw("POST", "/api/v1/groups", json.dumps(body))
    assert_client_error(response)
    assert api.jobs() == world["before"]["jobs"]
    assert api.groups() == world["before"]["groups"]


@FUZZ
@given(body=JOBS)
def test_fuzz_job_shaped_json(api: Api, world: dict[str, Any], body: dict[str, Any]) -> None:
    _post_fuzz(api, "/api/v1/jobs", body)


@FUZZ
@given(body=GROUPS)
def test_fuzz_group_shaped_json(api: Api, world: dict[str, Any], body: dict[str, Any]) -> None:
    _post_fuzz(api, "/api/v1/groups", body)
    assert api.groups() == world["before"]["groups"]


@FUZZ
@given(body=JOBS)
def test_fuzz_job_patches(api: Api, world: dict[str, Any], body: dict[str, Any]) -> None:
    body.pop("activate", None)
    before = api.jobs()
    response = api.raw("PATCH", f"/api/v1/jobs/{world['free']}", json.dumps(body))
    assert response.status_code < 500, (body, response.text)
    if response.status_code != 200:
        assert_client_error(response)
        assert api.jobs() == before
