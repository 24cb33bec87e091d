"""Jobs: create, read, list, change, delete, activate and the import and export settings rules."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest
from api_helpers import (
    Api,
    assert_problem,
    assert_validation,
    error_codes,
    error_fields,
    export_job,
    with_import,
)

from dataconnect.clock import FakeClock
from dataconnect.testing import import_job, pet_table, supplemental_table

CREATED = "2026-01-15T12:00:00+00:00"


@pytest.fixture
def tables(api: Api) -> Api:
    api.contacts()
    api.table(pet_table())
    api.table(supplemental_table(primary_key=["SKU", "STORE"]))
    api.table(supplemental_table("NOKEY", primary_key=[]))
    return api


def test_create_an_import_job_as_in_api_md(tables: Api) -> None:
    body = import_job("Daily customers", activate=False)
    job = tables.job("Daily customers", activate=False)
    assert job["id"] >= 1
    assert job["name"] == "Daily customers"
    assert (job["type"], job["kind"], job["run_mode"]) == ("import", "standard", "on_demand")
    assert job["state"] == "saved"
    assert job["schedule"] is None
    assert job["expires_at"] == "never"
    assert job["group_id"] is None
    assert job["export"] is None
    assert job["description"] == ""
    assert job["import"] == body["import"]
    assert job["created_at"] == job["updated_at"] == CREATED
    assert tables.ok("GET", f"/api/v1/jobs/{job['id']}") == job


def test_create_and_activate(tables: Api) -> None:
    job = tables.job("Active at once", activate=True)
    assert job["state"] == "active"
    assert tables.ok("GET", f"/api/v1/jobs/{job['id']}")["state"] == "active"


def test_expiration_defaults_to_30_days_after_creation(tables: Api) -> None:
    body = import_job("Expiring")
    del body["expires_at"]
    job = tables.created("/api/v1/jobs", body)
    assert job["expires_at"] == "2026-02-14T12:00:00+00:00"


def test_expiration_follows_the_clock(tables: Api, clock: FakeClock) -> None:
    clock.advance(timedelta(days=2, hours=3))
    body = import_job("Later")
    del body["expires_at"]
    job = tables.created("/api/v1/jobs", body)
    assert job["created_at"] == "2026-01-17T15:00:00+00:00"
    assert job["expires_at"] == "2026-02-16T15:00:00+00:00"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("never", "never"),
        ("2026-03-01", "2026-03-01T23:00:00+00:00"),  # end of that day in Europe/Berlin
        ("2026-06-30T08:00:00+02:00", "2026-06-30T06:00:00+00:00"),
        ("2026-06-30T08:00:00Z", "2026-06-30T08:00:00+00:00"),
    ],
)
def test_expiration_values(tables: Api, value: str, stored: str) -> None:
    job = tables.job("Expiring", expires_at=value)
    shown = tables.ok("GET", f"/api/v1/jobs/{job['id']}")["expires_at"]
    assert shown == stored
    if stored != "never":
        assert datetime.fromisoformat(job["expires_at"]) == datetime.fromisoformat(stored)


def test_post_and_get_show_the_same_expiration(tables: Api) -> None:
    """Times are stored in UTC; the answer to POST shows the stored value like GET does."""
    job = tables.job("Offset", expires_at="2026-06-30T08:00:00+02:00")
    assert tables.ok("GET", f"/api/v1/jobs/{job['id']}") == job
    assert job["expires_at"] == "2026-06-30T06:00:00+00:00"
    changed = tables.ok(
        "PATCH", f"/api/v1/jobs/{job['id']}", {"expires_at": "2026-07-01T08:00:00-04:00"}
    )
    assert tables.ok("GET", f"/api/v1/jobs/{job['id']}") == changed
    assert changed["expires_at"] == "2026-07-01T12:00:00+00:00"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2026-01-01", "EXPIRATION_IN_PAST"),
        ("2026-01-15T11:59:59+00:00", "EXPIRATION_IN_PAST"),
        ("2026-06-30T08:00:00", "EXPIRATION_INVALID"),  # no offset
        ("tomorrow", "EXPIRATION_INVALID"),
        ("2026-02-30", "EXPIRATION_INVALID"),
        ("", "EXPIRATION_INVALID"),
        ("2200-01-01", "EXPIRATION_TOO_FAR"),
    ],
)
def test_bad_expirations(tables: Api, value: str, code: str) -> None:
    errors = assert_validation(tables.post("/api/v1/jobs", import_job("X", expires_at=value)), code)
    assert errors[0]["field"] == "expires_at"
    assert tables.jobs() == []


# --- listing ----------------------------------------------------------------------------------


@pytest.fixture
def assorted(tables: Api) -> dict[str, int]:
    saved = tables.job("Saved import", activate=False)["id"]
    active = tables.job("Active import")["id"]
    inactive = tables.job("Inactive import")["id"]
    tables.ok("POST", f"/api/v1/jobs/{inactive}/deactivate")
    export = tables.export_job("An export")["id"]
    saved_export = tables.export_job("Saved export", activate=False)["id"]
    return {
        "saved": saved,
        "active": active,
        "inactive": inactive,
        "export": export,
        "saved_export": saved_export,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["saved", "active", "inactive", "export", "saved_export"]),
        ("?type=import", ["saved", "active", "inactive"]),
        ("?type=export", ["export", "saved_export"]),
        ("?state=saved", ["saved", "saved_export"]),
        ("?state=active", ["active", "export"]),
        ("?state=inactive", ["inactive"]),
        ("?type=import&state=active", ["active"]),
        ("?type=export&state=inactive", []),
    ],
)
def test_list_with_filters(
    tables: Api, assorted: dict[str, int], query: str, expected: list[str]
) -> None:
    page = tables.ok("GET", f"/api/v1/jobs{query}")
    assert [j["id"] for j in page["items"]] == [assorted[k] for k in expected]
    assert page["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?type=bogus", "JOB_TYPE_INVALID"),
        ("?type=IMPORT", "JOB_TYPE_INVALID"),
        ("?state=running", "JOB_STATE_INVALID"),
        ("?type=", "JOB_TYPE_INVALID"),
        ("?type=x%27%20OR%201%3D1%20--", "JOB_TYPE_INVALID"),
        ("?limit=0", "LIMIT_INVALID"),
        ("?limit=501", "LIMIT_INVALID"),
        ("?cursor=nonsense", "CURSOR_INVALID"),
    ],
)
def test_bad_list_queries(tables: Api, assorted: dict[str, int], query: str, code: str) -> None:
    assert_validation(tables.get(f"/api/v1/jobs{query}"), code)


def test_both_bad_filters_are_reported(tables: Api) -> None:
    response = tables.get("/api/v1/jobs?type=x&state=y")
    assert_validation(response, "JOB_TYPE_INVALID", "JOB_STATE_INVALID")


def test_list_pages(tables: Api, assorted: dict[str, int]) -> None:
    ids: list[int] = []
    cursor = None
    sizes = []
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = tables.ok("GET", f"/api/v1/jobs{query}")
        ids += [j["id"] for j in page["items"]]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sizes == [2, 2, 1]
    assert ids == sorted(assorted.values())

    page = tables.ok("GET", "/api/v1/jobs?type=import&limit=2")
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = tables.ok("GET", f"/api/v1/jobs?type=import&limit=2&cursor={page['next_cursor']}")
    assert [j["id"] for j in rest["items"]] == [assorted["inactive"]]
    assert rest["next_cursor"] is None


# --- changes ----------------------------------------------------------------------------------


def test_patch_the_name_and_description(tables: Api, clock: FakeClock) -> None:
    job = tables.job("Old name")
    clock.advance(timedelta(minutes=5))
    changed = tables.ok(
        "PATCH", f"/api/v1/jobs/{job['id']}", {"name": "New name", "description": "Nightly"}
    )
    assert changed["name"] == "New name"
    assert changed["description"] == "Nightly"
    assert changed["state"] == "active"
    assert changed["import"] == job["import"]
    assert changed["created_at"] == CREATED
    assert changed["updated_at"] == "2026-01-15T12:05:00+00:00"
    assert tables.ok("GET", f"/api/v1/jobs/{job['id']}") == changed


def test_patch_the_mapping(tables: Api) -> None:
    job = tables.job("Mapped")
    mapping = {"id": "CUSTOMER_ID_", "mail": "EMAIL_ADDRESS_", "first": "FIRST_NAME"}
    changed = tables.ok("PATCH", f"/api/v1/jobs/{job['id']}", {"import": {"mapping": mapping}})
    assert changed["import"]["mapping"] == mapping
    rest = {k: v for k, v in changed["import"].items() if k != "mapping"}
    assert rest == {k: v for k, v in job["import"].items() if k != "mapping"}


def test_patch_merges_import_settings_one_level_deep(tables: Api) -> None:
    job = tables.job("Merged")
    changed = tables.ok(
        "PATCH",
        f"/api/v1/jobs/{job['id']}",
        {"import": {"file_pattern": "other_{YYYY}{MM}{DD}.csv", "max_reject_percent": 5}},
    )
    expected = copy.deepcopy(job["import"])
    expected["file_pattern"] = "other_{YYYY}{MM}{DD}.csv"
    expected["max_reject_percent"] = 5
    assert changed["import"] == expected

    changed = tables.ok(
        "PATCH", f"/api/v1/jobs/{job['id']}", {"import": {"format": {"delimiter": ";"}}}
    )
    assert changed["import"]["format"]["delimiter"] == ";"
    assert changed["import"]["mapping"] == job["import"]["mapping"]
    assert changed["import"]["file_pattern"] == "other_{YYYY}{MM}{DD}.csv"


def test_patch_keeps_the_state_and_expiration(tables: Api) -> None:
    saved = tables.job("Saved", activate=False, expires_at="2026-03-01")
    changed = tables.ok("PATCH", f"/api/v1/jobs/{saved['id']}", {"description": "x"})
    assert changed["state"] == "saved"
    assert changed["expires_at"] == saved["expires_at"]
    changed = tables.ok("PATCH", f"/api/v1/jobs/{saved['id']}", {"expires_at": "never"})
    assert changed["expires_at"] == "never"


def test_patch_to_a_scheduled_job(tables: Api) -> None:
    job = tables.job("Scheduled later")
    schedule = {"kind": "weekly", "weekdays": ["thu", "mon"], "hour": 6, "slot": 3}
    changed = tables.ok(
        "PATCH", f"/api/v1/jobs/{job['id']}", {"run_mode": "scheduled", "schedule": schedule}
    )
    assert changed["run_mode"] == "scheduled"
    assert changed["schedule"] == {
        "kind": "weekly",
        "weekdays": ["mon", "thu"],
        "hour": 6,
        "slot": 3,
    }


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"import": {"mapping": {"x": "NOPE"}}}, "MAPPED_FIELD_NOT_FOUND"),
        ({"import": {"target": "NOWHERE"}}, "TARGET_NOT_FOUND"),
        ({"name": ""}, "NAME_EMPTY"),
        ({"name": "bad;name"}, "NAME_INVALID_CHARACTERS"),
        ({"type": "report"}, "JOB_TYPE_INVALID"),
        ({"run_mode": "scheduled"}, "SCHEDULE_REQUIRED"),
        ({"schedule": {"kind": "daily", "hour": 1, "slot": 0}}, "SCHEDULE_NOT_ALLOWED"),
        ({"import": None}, "IMPORT_SETTINGS_REQUIRED"),
        ({"activate": True}, "UNKNOWN_FIELD"),
        ({"state": "active"}, "UNKNOWN_FIELD"),
        ({"import": {"bogus": 1}}, "UNKNOWN_FIELD"),
        ({"expires_at": "yesterday"}, "EXPIRATION_INVALID"),
    ],
)
def test_a_bad_patch_changes_nothing(tables: Api, body: dict[str, Any], code: str) -> None:
    job = tables.job("Stable")
    before = tables.snapshot()
    assert_validation(tables.patch(f"/api/v1/jobs/{job['id']}", body), code)
    assert tables.snapshot() == before


def test_patch_delete_activate_a_missing_job_is_404(tables: Api) -> None:
    for method, path, body in [
        ("GET", "/api/v1/jobs/4242", None),
        ("PATCH", "/api/v1/jobs/4242", {"name": "x"}),
        ("DELETE", "/api/v1/jobs/4242", None),
        ("POST", "/api/v1/jobs/4242/activate", None),
        ("POST", "/api/v1/jobs/4242/deactivate", None),
    ]:
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        assert_problem(tables.request(method, path, **kwargs), 404, "JOB_NOT_FOUND")


def test_delete_a_job(tables: Api) -> None:
    job = tables.job("Doomed")
    keep = tables.job("Kept")
    response = tables.delete(f"/api/v1/jobs/{job['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(tables.get(f"/api/v1/jobs/{job['id']}"), 404, "JOB_NOT_FOUND")
    assert_problem(tables.delete(f"/api/v1/jobs/{job['id']}"), 404, "JOB_NOT_FOUND")
    assert [j["id"] for j in tables.jobs()] == [keep["id"]]
    # the name is free again
    assert tables.job("Doomed")["id"] != job["id"]


def test_activate_and_deactivate(tables: Api) -> None:
    job_id = tables.job("Toggle", activate=False)["id"]
    assert_problem(tables.post(f"/api/v1/jobs/{job_id}/deactivate"), 409, "JOB_NOT_ACTIVE")
    assert tables.ok("POST", f"/api/v1/jobs/{job_id}/activate")["state"] == "active"
    assert tables.ok("POST", f"/api/v1/jobs/{job_id}/activate")["state"] == "active"
    assert tables.ok("POST", f"/api/v1/jobs/{job_id}/deactivate")["state"] == "inactive"
    assert_problem(tables.post(f"/api/v1/jobs/{job_id}/deactivate"), 409, "JOB_NOT_ACTIVE")
    assert tables.ok("GET", f"/api/v1/jobs/{job_id}")["state"] == "inactive"
    assert tables.ok("POST", f"/api/v1/jobs/{job_id}/activate")["state"] == "active"


# --- import settings against the target -------------------------------------------------------

PET_IMPORT = with_import(
    target="PURCHASES",
    mapping={"cust": "CUSTOMER_ID_", "total": "TOTAL", "last": "LAST_ORDER"},
    match={"columns": ["CUSTOMER_ID_"], "insert_on_no_match": True},
)
SUPP_IMPORT = with_import(
    target="PRODUCTS",
    mapping={"sku": "SKU", "store": "STORE", "price": "PRICE"},
    match=None,
    supplemental_mode="merge",
)


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param(PET_IMPORT, id="pet"),
        pytest.param(SUPP_IMPORT, id="supplemental-merge"),
        pytest.param(
            {**SUPP_IMPORT, "target": "NOKEY", "supplemental_mode": "append"}, id="append"
        ),
        pytest.param(
            {**SUPP_IMPORT, "target": "nokey", "supplemental_mode": "replace"}, id="replace"
        ),
        pytest.param(
            with_import(
                mapping={"h": "EMAIL_MD5_HASH_", "city": "CITY_"},
                match={"columns": ["EMAIL_MD5_HASH_"], "insert_on_no_match": False},
            ),
            id="hash-key-update-only",
        ),
        pytest.param(
            with_import(
                mapping={"id": "CUSTOMER_ID_", "mail": "EMAIL_ADDRESS_"},
                match={"columns": ["CUSTOMER_ID_", "EMAIL_ADDRESS_"]},
            ),
            id="two-match-columns",
        ),
        pytest.param(
            with_import(format={"header": False}, mapping={"1": "CUSTOMER_ID_", "2": None}),
            id="numbered-columns",
        ),
    ],
)
def test_valid_import_settings(tables: Api, settings: dict[str, Any]) -> None:
    job = tables.job("Valid", **{"import": settings})
    assert job["import"]["target"] == settings["target"].upper()


IMPORT_CASES = [
    ({"mapping": {"x": "NOPE", "cust_id": "CUSTOMER_ID_"}}, "MAPPED_FIELD_NOT_FOUND"),
    ({"mapping": {"x": "EMAIL_DOMAIN_", "cust_id": "CUSTOMER_ID_"}}, "FIELD_NOT_WRITABLE"),
    (
        {"mapping": {"a": "CITY_", "b": "city_", "cust_id": "CUSTOMER_ID_"}},
        "MAPPING_DUPLICATE_FIELD",
    ),
    ({"mapping": {}}, "MAPPING_REQUIRED"),
    ({"mapping": {"cust_id": None}}, "MAPPING_REQUIRED"),
    (
        {
            "mapping": {"h": "EMAIL_MD5_HASH_"},
            "match": {"columns": ["EMAIL_MD5_HASH_"], "insert_on_no_match": True},
        },
        "HASH_KEY_UPDATE_ONLY",
    ),
    (
        {"mapping": {"h": "EMAIL_SHA256_HASH_"}, "match": {"columns": ["EMAIL_SHA256_HASH_"]}},
        "HASH_KEY_UPDATE_ONLY",  # insert_on_no_match defaults to true
    ),
    (
        {"mapping": {"r": "RIID_"}, "match": {"columns": ["RIID_"], "insert_on_no_match": True}},
        "RIID_KEY_UPDATE_ONLY",
    ),
    (
        {
            "mapping": {"m": "EMAIL_ADDRESS_", "h": "EMAIL_MD5_HASH_"},
            "match": {
                "columns": ["EMAIL_ADDRESS_", "EMAIL_MD5_HASH_"],
                "insert_on_no_match": False,
            },
        },
        "MATCH_COMBINATION_NOT_ALLOWED",
    ),
    (
        {"match": {"columns": ["EMAIL_ADDRESS_"]}, "mapping": {"c": "CITY_"}},
        "MATCH_COLUMN_NOT_MAPPED",
    ),
    ({"match": {"columns": ["CITY_"]}}, "MATCH_COLUMN_NOT_ALLOWED"),
    ({"match": {"columns": []}}, "MATCH_COLUMNS_REQUIRED"),
    ({"match": {"columns": ["CUSTOMER_ID_", "CUSTOMER_ID_"]}}, "MATCH_COLUMNS_INVALID"),
    ({"match": {"update_on_match": "merge"}}, "UPDATE_ON_MATCH_INVALID"),
    ({"target": "NOWHERE"}, "TARGET_NOT_FOUND"),
    ({"target": ""}, "TARGET_REQUIRED"),
    ({"max_reject_percent": 101}, "MAX_REJECT_PERCENT_INVALID"),
    ({"max_reject_percent": -1}, "MAX_REJECT_PERCENT_INVALID"),
    ({"supplemental_mode": "upsert"}, "SUPPLEMENTAL_MODE_INVALID"),
    ({"file_pattern": "../etc/passwd"}, "FILE_PATTERN_INVALID"),
    ({"file_pattern": "*.csv"}, "FILE_PATTERN_INVALID"),
    ({"file_pattern": "a\x00b.csv"}, "TEXT_INVALID"),
    ({"file_pattern": "x_{YYYYMMDD.csv"}, "FILE_PATTERN_INVALID"),
    ({"file_pattern": "x_{FOO}.csv"}, "FILE_PATTERN_TOKEN_UNKNOWN"),
    ({"file_pattern": ""}, "FILE_PATTERN_REQUIRED"),
    ({"format": {"delimiter": "x"}}, "DELIMITER_INVALID"),
    ({"format": {"qualifier": "'"}}, "QUALIFIER_INVALID"),
    ({"format": {"encoding": "utf-16"}}, "ENCODING_INVALID"),
    ({"format": {"date_format": "%d.%m"}}, "DATE_FORMAT_INVALID"),
    ({"format": {"header": False}}, "MAPPING_COLUMN_INVALID"),  # names need a header row
    ({"permission": {"default": "MAYBE"}}, "PERMISSION_DEFAULT_INVALID"),
    ({"permission": {"optin_value": "X", "optout_value": "X"}}, "PERMISSION_VALUES_EQUAL"),
    ({"permission": {"optin_value": ""}}, "PERMISSION_VALUE_INVALID"),
    # a PET without a profile-list key to find the profile
    ({**PET_IMPORT, "match": {"columns": []}}, "PET_MATCH_KEY_REQUIRED"),
    ({**PET_IMPORT, "match": None}, "PET_MATCH_KEY_REQUIRED"),
    ({**PET_IMPORT, "mapping": {"t": "TOTAL", "x": "FIRST_NAME"}}, "MAPPED_FIELD_NOT_FOUND"),
    # supplemental tables
    (
        {**SUPP_IMPORT, "target": "NOKEY", "supplemental_mode": "merge"},
        "SUPPLEMENTAL_MERGE_NEEDS_PRIMARY_KEY",
    ),
    ({**SUPP_IMPORT, "mapping": {"sku": "SKU", "price": "PRICE"}}, "PRIMARY_KEY_NOT_MAPPED"),
    ({**SUPP_IMPORT, "match": {"columns": ["PRICE"]}}, "MATCH_COLUMN_NOT_ALLOWED"),
    ({**SUPP_IMPORT, "mapping": {"sku": "SKU", "r": "RIID_"}}, "MAPPED_FIELD_NOT_FOUND"),
]


@pytest.mark.parametrize(("changes", "code"), IMPORT_CASES)
def test_import_settings_are_checked_against_the_target(
    tables: Api, changes: dict[str, Any], code: str
) -> None:
    before = tables.snapshot()
    body = import_job("Checked", **{"import": with_import(**changes)})
    errors = assert_validation(tables.post("/api/v1/jobs", body), code)
    assert all(e["field"].startswith("import") for e in errors), errors
    # the same settings are refused when an existing job is changed to them
    job = tables.job("Existing")
    response = tables.patch(f"/api/v1/jobs/{job['id']}", {"import": with_import(**changes)})
    assert_validation(response, code)
    tables.delete(f"/api/v1/jobs/{job['id']}")
    assert tables.snapshot() == before


def test_every_import_problem_is_reported_at_once(tables: Api) -> None:
    settings = with_import(
        file_pattern="../x.csv",
        mapping={"a": "NOPE", "b": "EMAIL_DOMAIN_"},
        match={"columns": ["CITY_"]},
        max_reject_percent=500,
        format={"delimiter": "x", "encoding": "ebcdic"},
    )
    body = import_job("bad;name", run_mode="sometimes", **{"import": settings})
    response = tables.post("/api/v1/jobs", body)
    assert_validation(
        response,
        "NAME_INVALID_CHARACTERS",
        "RUN_MODE_INVALID",
        "FILE_PATTERN_INVALID",
        "MAPPED_FIELD_NOT_FOUND",
        "FIELD_NOT_WRITABLE",
        "MATCH_COLUMN_NOT_ALLOWED",
        "MAX_REJECT_PERCENT_INVALID",
        "DELIMITER_INVALID",
        "ENCODING_INVALID",
    )
    fields = error_fields(response)
    assert fields["name"] == "NAME_INVALID_CHARACTERS"
    assert fields["import.file_pattern"] == "FILE_PATTERN_INVALID"
    assert fields["import.mapping.a"] == "MAPPED_FIELD_NOT_FOUND"
    assert fields["import.format.delimiter"] == "DELIMITER_INVALID"
    assert response.json()["code"] == "VALIDATION_FAILED"
    assert tables.jobs() == []


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"type": "report"}, "JOB_TYPE_INVALID"),
        ({"kind": "custom"}, "JOB_KIND_INVALID"),
        ({"run_mode": "hourly"}, "RUN_MODE_INVALID"),
        ({"run_mode": "scheduled"}, "SCHEDULE_REQUIRED"),
        ({"schedule": {"kind": "daily", "hour": 1, "slot": 0}}, "SCHEDULE_NOT_ALLOWED"),
        ({"import": None}, "IMPORT_SETTINGS_REQUIRED"),
        ({"export": export_job()["export"]}, "SETTINGS_NOT_ALLOWED"),
        ({"description": "d" * 256}, "DESCRIPTION_TOO_LONG"),
        ({"name": "n" * 101}, "NAME_TOO_LONG"),
        ({"name": "   "}, "NAME_EMPTY"),
        ({"name": "x; DROP TABLE jobs"}, "NAME_INVALID_CHARACTERS"),
        ({"name": 'Robert"); --'}, "NAME_INVALID_CHARACTERS"),
        ({"name": "Café"}, "NAME_INVALID_CHARACTERS"),
        ({"name": "tab\there"}, "NAME_INVALID_CHARACTERS"),
    ],
)
def test_job_level_rules(tables: Api, changes: dict[str, Any], code: str) -> None:
    body = {**import_job("Rules"), **changes}
    assert_validation(tables.post("/api/v1/jobs", body), code)
    assert tables.jobs() == []


def test_every_allowed_name_character(tables: Api) -> None:
    name = "Az 09 !-=@_[]{}"
    assert tables.job(name)["name"] == name
    assert tables.job("x" * 100)["name"] == "x" * 100


# --- scheduled jobs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schedule",
    [
        {"kind": "once", "date": "2026-12-01", "hour": 2, "slot": 1},
        {"kind": "daily", "hour": 2, "slot": 0},
        {"kind": "weekly", "weekdays": ["mon", "thu"], "hour": 6, "slot": 3},
        {"kind": "monthly", "day": 15, "hour": 23, "slot": 2},
        {"kind": "monthly", "day": "last", "hour": 23, "slot": 2, "timezone": "America/New_York"},
    ],
)
def test_scheduled_jobs(tables: Api, schedule: dict[str, Any]) -> None:
    job = tables.job("On a schedule", run_mode="scheduled", schedule=schedule)
    assert job["run_mode"] == "scheduled"
    assert job["schedule"] == schedule
    assert job["state"] == "active"


@pytest.mark.parametrize(
    ("schedule", "code"),
    [
        ({"kind": "monthly", "day": 29, "hour": 1, "slot": 0}, "MONTHLY_DAY_NOT_ALLOWED"),
        ({"kind": "monthly", "day": 31, "hour": 1, "slot": 0}, "MONTHLY_DAY_NOT_ALLOWED"),
        ({"kind": "monthly", "day": 0, "hour": 1, "slot": 0}, "SCHEDULE_DAY_INVALID"),
        ({"kind": "once", "date": "2026-01-15", "hour": 13, "slot": 0}, "SLOT_ALREADY_STARTED"),
        (
            {"kind": "once", "date": "2026-01-15", "hour": 12, "slot": 0, "timezone": "UTC"},
            "SLOT_ALREADY_STARTED",
        ),
        ({"kind": "once", "date": "2025-12-31", "hour": 23, "slot": 3}, "SLOT_ALREADY_STARTED"),
        ({"kind": "once", "date": "15.01.2027", "hour": 1, "slot": 0}, "SCHEDULE_DATE_INVALID"),
        ({"kind": "daily", "hour": 24, "slot": 0}, "SCHEDULE_HOUR_INVALID"),
        ({"kind": "daily", "hour": 1, "slot": 4}, "SCHEDULE_SLOT_INVALID"),
        ({"kind": "daily", "hour": 1, "slot": 0, "timezone": "Mars/Base"}, "TIMEZONE_INVALID"),
        ({"kind": "daily", "hour": 1, "slot": 0, "day": 3}, "SCHEDULE_FIELD_NOT_ALLOWED"),
        ({"kind": "weekly", "weekdays": [], "hour": 1, "slot": 0}, "SCHEDULE_WEEKDAYS_INVALID"),
        (
            {"kind": "weekly", "weekdays": ["mon", "mon"], "hour": 1, "slot": 0},
            "SCHEDULE_WEEKDAYS_INVALID",
        ),
        ({"kind": "hourly", "hour": 1, "slot": 0}, "SCHEDULE_KIND_INVALID"),
    ],
)
def test_bad_job_schedules(tables: Api, schedule: dict[str, Any], code: str) -> None:
    body = import_job("Bad schedule", run_mode="scheduled", schedule=schedule)
    errors = assert_validation(tables.post("/api/v1/jobs", body), code)
    assert all(e["field"].startswith("schedule") for e in errors)
    assert tables.jobs() == []


def test_a_once_slot_that_has_not_begun_is_accepted(tables: Api) -> None:
    schedule = {"kind": "once", "date": "2026-01-15", "hour": 12, "slot": 1, "timezone": "UTC"}
    job = tables.job("Soon", run_mode="scheduled", schedule=schedule)
    assert job["schedule"] == schedule


# --- export jobs ------------------------------------------------------------------------------


def test_create_an_export_job(tables: Api) -> None:
    job = tables.export_job("Contacts out")
    assert (job["type"], job["state"], job["import"]) == ("export", "active", None)
    assert job["export"] == {
        "source": "CONTACTS",
        "fields": ["RIID_", "EMAIL_ADDRESS_", "CITY_"],
        "file_pattern": "contacts_{YYYYMMDD}.csv",
        "format": {
            "delimiter": ",",
            "qualifier": '"',
            "header": True,
            "encoding": "utf-8",
            "date_format": "%Y-%m-%d",
        },
        "changed_since_last_run": False,
        "count_file": False,
        "ready_file": False,
        "compression": "none",
        "encrypt_to": None,
        "destination": None,
    }
    assert job["notification"] == {"when": "none", "emails": []}
    assert tables.ok("GET", f"/api/v1/jobs/{job['id']}") == job
    saved = tables.export_job("Saved out", activate=False)
    assert saved["state"] == "saved"


def test_export_field_names_are_canonical(tables: Api) -> None:
    body = export_job()
    body["export"]["fields"] = ["riid_", "first_name"]
    job = tables.created("/api/v1/jobs", body)
    assert job["export"]["fields"] == ["RIID_", "FIRST_NAME"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"source": "NOWHERE"}, "SOURCE_NOT_FOUND"),
        ({"source": ""}, "SOURCE_REQUIRED"),
        ({"fields": ["RIID_", "NOPE"]}, "EXPORT_FIELD_UNKNOWN"),
        ({"fields": ["CITY_", "city_"]}, "EXPORT_FIELD_DUPLICATE"),
        ({"fields": []}, "EXPORT_FIELDS_REQUIRED"),
        ({"file_pattern": "a/b.csv"}, "FILE_PATTERN_INVALID"),
        ({"file_pattern": ".hidden_{YYYY}.csv"}, "FILE_PATTERN_INVALID"),
        ({"compression": "rar"}, "COMPRESSION_INVALID"),
        ({"encrypt_to": "partner"}, "PGP_KEY_NOT_FOUND"),
        ({"destination": {"connection": "warehouse", "folder": "out"}}, "CONNECTION_NOT_FOUND"),
        ({"target": "CONTACTS"}, "UNKNOWN_FIELD"),
    ],
)
def test_export_rules(tables: Api, changes: dict[str, Any], code: str) -> None:
    body = export_job()
    body["export"].update(changes)
    assert_validation(tables.post("/api/v1/jobs", body), code)
    assert tables.jobs() == []


def test_an_export_without_settings_or_with_import_settings(tables: Api) -> None:
    body = export_job()
    del body["export"]
    assert_validation(tables.post("/api/v1/jobs", body), "EXPORT_SETTINGS_REQUIRED")
    body = export_job(**{"import": with_import()})
    assert_validation(tables.post("/api/v1/jobs", body), "SETTINGS_NOT_ALLOWED")
    assert tables.jobs() == []


def test_an_import_becomes_an_export(tables: Api) -> None:
    job = tables.job("Turns around")
    changed = tables.ok(
        "PATCH",
        f"/api/v1/jobs/{job['id']}",
        {"type": "export", "import": None, "export": export_job()["export"]},
    )
    assert changed["type"] == "export"
    assert changed["import"] is None
    assert changed["export"]["source"] == "CONTACTS"


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Daily customers", "DAILY CUSTOMERS", "daily Customers"])
def test_a_taken_job_name_is_409(tables: Api, name: str) -> None:
    tables.job("Daily customers")
    before = tables.snapshot()
    assert_problem(tables.post("/api/v1/jobs", import_job(name)), 409, "JOB_NAME_TAKEN")
    assert_problem(tables.post("/api/v1/jobs", export_job(name)), 409, "JOB_NAME_TAKEN")
    assert tables.snapshot() == before


def test_renaming_to_a_taken_name_is_409(tables: Api) -> None:
    tables.job("First")
    second = tables.job("Second")
    before = tables.snapshot()
    response = tables.patch(f"/api/v1/jobs/{second['id']}", {"name": "FIRST"})
    assert_problem(response, 409, "JOB_NAME_TAKEN")
    assert tables.snapshot() == before
    renamed = tables.ok("PATCH", f"/api/v1/jobs/{second['id']}", {"name": "SECOND"})
    assert renamed["name"] == "SECOND"


def test_errors_name_their_fields(tables: Api) -> None:
    mapping = {"cust_id": "CUSTOMER_ID_", "col": "NOPE"}
    body = import_job("X", **{"import": with_import(mapping=mapping)})
    response = tables.post("/api/v1/jobs", body)
    assert error_codes(response) == ["MAPPED_FIELD_NOT_FOUND"]
    assert response.json()["errors"][0]["field"] == "import.mapping.col"
    assert "NOPE" in response.json()["errors"][0]["message"]
