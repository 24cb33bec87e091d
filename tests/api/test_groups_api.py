"""Groups: Save and Activate, qualification (all problems at once), order, delete, Group rule 7."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from api_helpers import Api, assert_problem, assert_validation, error_fields, export_job

from dataconnect.clock import FakeClock
from dataconnect.testing import group_request


@pytest.fixture
def jobs(api: Api) -> dict[str, int]:
    """Three qualified jobs and one of every kind that does not qualify."""
    api.contacts()
    ids = {name: api.job(name.title())["id"] for name in ("first", "second", "third")}
    ids["saved"] = api.job("Saved only", activate=False)["id"]
    ids["inactive"] = api.job("Inactive")["id"]
    api.ok("POST", f"/api/v1/jobs/{ids['inactive']}/deactivate")
    ids["export"] = api.export_job("An export")["id"]
    ids["scheduled"] = api.job(
        "Scheduled", run_mode="scheduled", schedule={"kind": "daily", "hour": 2, "slot": 0}
    )["id"]
    ids["partner"] = api.job("Partner", kind="partner_integration")["id"]
    return ids


def _get(api: Api, group_id: int) -> dict[str, Any]:
    return api.ok("GET", f"/api/v1/groups/{group_id}")


def test_save_a_group(api: Api, jobs: dict[str, int]) -> None:
    order = [jobs["second"], jobs["first"]]
    group = api.group("Nightly", order, activate=False, description="Lists first")
    assert group["state"] == "saved"
    assert group["name"] == "Nightly"
    assert group["description"] == "Lists first"
    assert group["job_ids"] == order
    assert group["jobs"] == [
        {"position": 0, "job_id": jobs["second"], "job_name": "Second"},
        {"position": 1, "job_id": jobs["first"], "job_name": "First"},
    ]
    assert group["notification"] == {"when": "failure", "emails": ["ops@example.com"]}
    assert group["schedule"] is None
    assert group["schedule_type"] == "on_demand"
    assert group["last_run"] is None
    assert group["expires_at"] == "2026-02-14T12:00:00+00:00"  # 30 days after creation
    assert group["created_at"] == "2026-01-15T12:00:00+00:00"
    assert _get(api, group["id"]) == group
    for job_id in order:
        assert api.ok("GET", f"/api/v1/jobs/{job_id}")["group_id"] == group["id"]


def test_save_and_activate_in_one_request(api: Api, jobs: dict[str, int]) -> None:
    group = api.group("Nightly", [jobs["first"], jobs["second"], jobs["third"]])
    assert group["state"] == "active"
    assert _get(api, group["id"])["state"] == "active"


def test_activate_and_deactivate_a_saved_group(api: Api, jobs: dict[str, int]) -> None:
    group = api.group("Later", [jobs["first"], jobs["second"]], activate=False)
    active = api.ok("POST", f"/api/v1/groups/{group['id']}/activate")
    assert active["state"] == "active"
    assert active["job_ids"] == group["job_ids"]
    assert api.ok("POST", f"/api/v1/groups/{group['id']}/activate")["state"] == "active"
    assert api.ok("POST", f"/api/v1/groups/{group['id']}/deactivate")["state"] == "saved"
    assert _get(api, group["id"])["state"] == "saved"


def test_a_saved_group_may_hold_jobs_that_do_not_qualify_yet(
    api: Api, jobs: dict[str, int]
) -> None:
    group = api.group("Draft", [jobs["saved"]], activate=False)
    assert group["job_ids"] == [jobs["saved"]]
    api.ok("POST", f"/api/v1/jobs/{jobs['saved']}/activate")
    response = api.post(f"/api/v1/groups/{group['id']}/activate")
    assert_validation(response, "GROUP_TOO_FEW_JOBS")
    api.ok("PATCH", f"/api/v1/groups/{group['id']}", {"job_ids": [jobs["saved"], jobs["first"]]})
    assert api.ok("POST", f"/api/v1/groups/{group['id']}/activate")["state"] == "active"


UNQUALIFIED = [
    ("export", "JOB_IS_EXPORT"),
    ("inactive", "JOB_INACTIVE"),
    ("scheduled", "JOB_IS_SCHEDULED"),
    ("saved", "JOB_NOT_ACTIVATED"),
    ("partner", "JOB_IS_PARTNER_INTEGRATION"),
]


def test_activation_reports_every_problem_at_once(api: Api, jobs: dict[str, int]) -> None:
    before = api.snapshot()
    order = ["first", "export", "inactive", "scheduled", "saved", "partner"]
    body = group_request("Everything wrong", [jobs[k] for k in order])
    response = api.post("/api/v1/groups", body)
    assert_validation(response)
    assert error_fields(response) == {
        f"job_ids[{order.index(kind)}]": code for kind, code in UNQUALIFIED
    }
    for error in response.json()["errors"]:
        assert error["message"]  # names the job and the reason
    assert response.json()["code"] == "VALIDATION_FAILED"
    assert api.snapshot() == before


def test_export_inactive_and_scheduled_jobs_together(api: Api, jobs: dict[str, int]) -> None:
    body = group_request("Three", [jobs["export"], jobs["inactive"], jobs["scheduled"]])
    response = api.post("/api/v1/groups", body)
    assert error_fields(response) == {
        "job_ids[0]": "JOB_IS_EXPORT",
        "job_ids[1]": "JOB_INACTIVE",
        "job_ids[2]": "JOB_IS_SCHEDULED",
    }
    messages = [e["message"] for e in response.json()["errors"]]
    assert "An export" in messages[0] and "Inactive" in messages[1] and "Scheduled" in messages[2]
    assert api.groups() == []


@pytest.mark.parametrize(("kind", "code"), UNQUALIFIED)
def test_each_unqualified_job_has_its_own_code(
    api: Api, jobs: dict[str, int], kind: str, code: str
) -> None:
    body = group_request("One bad", [jobs["first"], jobs[kind]])
    errors = assert_validation(api.post("/api/v1/groups", body), code)
    assert errors == [{"field": "job_ids[1]", "code": code, "message": errors[0]["message"]}]
    # Save accepts it; the activate endpoint refuses it the same way
    group = api.group("One bad", [jobs["first"], jobs[kind]], activate=False)
    before = api.snapshot()
    errors = assert_validation(api.post(f"/api/v1/groups/{group['id']}/activate"), code)
    assert errors[0]["field"] == "job_ids[1]"
    assert api.snapshot() == before


def test_activate_endpoint_reports_every_problem_at_once(api: Api, jobs: dict[str, int]) -> None:
    group = api.group(
        "Saved mix", [jobs["export"], jobs["inactive"], jobs["scheduled"]], activate=False
    )
    before = api.snapshot()
    response = api.post(f"/api/v1/groups/{group['id']}/activate")
    assert error_fields(response) == {
        "job_ids[0]": "JOB_IS_EXPORT",
        "job_ids[1]": "JOB_INACTIVE",
        "job_ids[2]": "JOB_IS_SCHEDULED",
    }
    assert api.snapshot() == before


def test_activation_reports_schedule_and_job_problems_together(
    api: Api, jobs: dict[str, int]
) -> None:
    """Save + Activate in one request: a schedule problem must not hide the job problems."""
    body = group_request(
        "Mixed",
        [jobs["export"], jobs["inactive"]],
        schedule={"kind": "monthly", "day": 30, "hour": 1, "slot": 0},
    )
    response = api.post("/api/v1/groups", body)
    assert error_fields(response) == {
        "schedule.day": "MONTHLY_DAY_NOT_ALLOWED",
        "job_ids[0]": "JOB_IS_EXPORT",
        "job_ids[1]": "JOB_INACTIVE",
    }
    assert api.groups() == []


def test_activation_reports_name_and_job_problems_together(api: Api, jobs: dict[str, int]) -> None:
    body = group_request("bad;name", [jobs["export"]])
    response = api.post("/api/v1/groups", body)
    assert error_fields(response) == {
        "name": "NAME_INVALID_CHARACTERS",
        "job_ids": "GROUP_TOO_FEW_JOBS",
        "job_ids[0]": "JOB_IS_EXPORT",
    }
    assert api.groups() == []


def test_activate_endpoint_reports_a_started_slot_with_the_job_problems(
    api: Api, jobs: dict[str, int], clock: FakeClock
) -> None:
    schedule = {"kind": "once", "date": "2026-01-15", "hour": 13, "slot": 0, "timezone": "UTC"}
    group = api.group("Once", [jobs["export"]], activate=False, schedule=schedule)
    clock.advance(timedelta(hours=1))  # 13:00 UTC: the slot has begun
    response = api.post(f"/api/v1/groups/{group['id']}/activate")
    assert error_fields(response) == {
        "job_ids": "GROUP_TOO_FEW_JOBS",
        "job_ids[0]": "JOB_IS_EXPORT",
        "schedule.slot": "SLOT_ALREADY_STARTED",
    }
    assert _get(api, group["id"])["state"] == "saved"


@pytest.mark.parametrize("count", [0, 1])
def test_fewer_than_two_jobs(api: Api, jobs: dict[str, int], count: int) -> None:
    ids = [jobs["first"]][:count]
    errors = assert_validation(
        api.post("/api/v1/groups", group_request("Small", ids)), "GROUP_TOO_FEW_JOBS"
    )
    assert errors[0]["field"] == "job_ids"
    assert api.groups() == []
    group = api.group("Small", ids, activate=False)
    assert_validation(api.post(f"/api/v1/groups/{group['id']}/activate"), "GROUP_TOO_FEW_JOBS")
    assert _get(api, group["id"])["state"] == "saved"


def test_a_job_in_another_group(api: Api, jobs: dict[str, int]) -> None:
    first = api.group("First group", [jobs["first"], jobs["second"]], activate=False)
    before = api.snapshot()
    body = group_request("Second group", [jobs["third"], jobs["second"]])
    errors = assert_validation(api.post("/api/v1/groups", body), "JOB_IN_OTHER_GROUP")
    assert errors[0]["field"] == "job_ids[1]"
    body = group_request("Second group", [jobs["third"], jobs["second"]], activate=False)
    assert_validation(api.post("/api/v1/groups", body), "JOB_IN_OTHER_GROUP")
    assert api.snapshot() == before

    second = api.group("Second group", [jobs["third"], jobs["saved"]], activate=False)
    response = api.patch(f"/api/v1/groups/{second['id']}", {"job_ids": [jobs["first"]]})
    assert_validation(response, "JOB_IN_OTHER_GROUP")
    assert _get(api, second["id"])["job_ids"] == [jobs["third"], jobs["saved"]]
    assert _get(api, first["id"])["job_ids"] == [jobs["first"], jobs["second"]]


@pytest.mark.parametrize(
    ("job_ids", "code"),
    [
        ([1, 424242], "JOB_NOT_FOUND"),
        ([1, 1], "JOB_DUPLICATE_IN_GROUP"),
        ([1, 0], "JOB_NOT_FOUND"),
        ([1, -5], "JOB_NOT_FOUND"),
        ([1, 2**63], "JOB_NOT_FOUND"),
        ([1, 10**30], "JOB_NOT_FOUND"),
    ],
)
def test_bad_members(api: Api, jobs: dict[str, int], job_ids: list[int], code: str) -> None:
    ids = [jobs["first"] if i == 1 else i for i in job_ids]
    for activate in (False, True):
        body = group_request("Bad members", ids, activate=activate)
        errors = assert_validation(api.post("/api/v1/groups", body), code)
        assert errors[0]["field"] == "job_ids[1]"
    assert api.groups() == []


def test_reorder(api: Api, jobs: dict[str, int], clock: FakeClock) -> None:
    group = api.group("Ordered", [jobs["first"], jobs["second"], jobs["third"]])
    clock.advance(timedelta(minutes=1))
    new_order = [jobs["third"], jobs["first"], jobs["second"]]
    changed = api.ok("PATCH", f"/api/v1/groups/{group['id']}", {"job_ids": new_order})
    assert changed["job_ids"] == new_order
    assert changed["state"] == "active"
    shown = _get(api, group["id"])
    assert shown == changed
    assert shown["job_ids"] == new_order
    assert [(m["position"], m["job_id"], m["job_name"]) for m in shown["jobs"]] == [
        (0, jobs["third"], "Third"),
        (1, jobs["first"], "First"),
        (2, jobs["second"], "Second"),
    ]
    assert shown["updated_at"] == "2026-01-15T12:01:00+00:00"
    listed = next(g for g in api.groups() if g["id"] == group["id"])
    assert listed["job_ids"] == new_order


def test_changing_an_active_group_keeps_it_qualified(api: Api, jobs: dict[str, int]) -> None:
    group = api.group("Strict", [jobs["first"], jobs["second"]])
    before = api.snapshot()
    gid = group["id"]
    assert_validation(
        api.patch(f"/api/v1/groups/{gid}", {"job_ids": [jobs["first"]]}), "GROUP_TOO_FEW_JOBS"
    )
    assert_validation(
        api.patch(f"/api/v1/groups/{gid}", {"job_ids": [jobs["first"], jobs["export"]]}),
        "JOB_IS_EXPORT",
    )
    assert api.snapshot() == before
    # a saved group may shrink
    api.ok("POST", f"/api/v1/groups/{gid}/deactivate")
    assert api.ok("PATCH", f"/api/v1/groups/{gid}", {"job_ids": [jobs["first"]]})["job_ids"] == [
        jobs["first"]
    ]
    assert api.ok("GET", f"/api/v1/jobs/{jobs['second']}")["group_id"] is None


def test_patch_other_group_settings(api: Api, jobs: dict[str, int]) -> None:
    group = api.group("Settings", [jobs["first"], jobs["second"]])
    changed = api.ok(
        "PATCH",
        f"/api/v1/groups/{group['id']}",
        {
            "name": "Renamed",
            "description": "Now documented",
            "notification": {"when": "success_or_failure", "emails": ["a@example.com"]},
            "schedule": {"kind": "weekly", "weekdays": ["fri"], "hour": 22, "slot": 2},
            "expires_at": "2026-12-31",
        },
    )
    assert changed["name"] == "Renamed"
    assert changed["description"] == "Now documented"
    assert changed["notification"] == {"when": "success_or_failure", "emails": ["a@example.com"]}
    assert changed["schedule_type"] == "weekly"
    assert changed["expires_at"] == "2026-12-31T23:00:00+00:00"
    assert changed["job_ids"] == group["job_ids"]
    assert changed["state"] == "active"
    assert _get(api, group["id"]) == changed
    back = api.ok("PATCH", f"/api/v1/groups/{group['id']}", {"schedule": None})
    assert back["schedule"] is None
    assert back["schedule_type"] == "on_demand"


def test_delete_a_group_frees_its_jobs(api: Api, jobs: dict[str, int]) -> None:
    group = api.group("Doomed", [jobs["first"], jobs["second"]])
    response = api.delete(f"/api/v1/groups/{group['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(api.get(f"/api/v1/groups/{group['id']}"), 404, "GROUP_NOT_FOUND")
    assert_problem(api.delete(f"/api/v1/groups/{group['id']}"), 404, "GROUP_NOT_FOUND")
    assert api.groups() == []
    for key in ("first", "second"):
        job = api.ok("GET", f"/api/v1/jobs/{jobs[key]}")
        assert job["group_id"] is None
        assert job["state"] == "active"
    # Group rule 6: they can join another group
    again = api.group("Reborn", [jobs["second"], jobs["first"]])
    assert again["state"] == "active"
    assert again["job_ids"] == [jobs["second"], jobs["first"]]


def test_a_job_of_a_deleted_group_can_be_deleted(api: Api, jobs: dict[str, int]) -> None:
    group = api.group("Doomed", [jobs["first"], jobs["second"]])
    assert api.delete(f"/api/v1/groups/{group['id']}").status_code == 204
    assert api.delete(f"/api/v1/jobs/{jobs['first']}").status_code == 204
    assert api.ok("POST", f"/api/v1/jobs/{jobs['second']}/deactivate")["state"] == "inactive"


# --- Group rule 7 -----------------------------------------------------------------------------


@pytest.mark.parametrize("group_active", [True, False])
def test_a_member_job_is_protected(api: Api, jobs: dict[str, int], group_active: bool) -> None:
    member = jobs["first"]
    api.group("Guard", [member, jobs["second"]], activate=group_active)
    before = api.snapshot()
    attempts: list[tuple[str, str, dict[str, Any] | None]] = [
        ("DELETE", f"/api/v1/jobs/{member}", None),
        ("POST", f"/api/v1/jobs/{member}/deactivate", None),
        (
            "PATCH",
            f"/api/v1/jobs/{member}",
            {"run_mode": "scheduled", "schedule": {"kind": "daily", "hour": 3, "slot": 1}},
        ),
        (
            "PATCH",
            f"/api/v1/jobs/{member}",
            {"type": "export", "import": None, "export": export_job()["export"]},
        ),
        ("PATCH", f"/api/v1/jobs/{member}", {"kind": "partner_integration"}),
    ]
    for method, path, body in attempts:
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        response = api.request(method, path, **kwargs)
        assert_problem(response, 409, "JOB_IN_GROUP")
    assert api.snapshot() == before


def test_a_member_job_may_still_change_otherwise(api: Api, jobs: dict[str, int]) -> None:
    group = api.group("Guard", [jobs["first"], jobs["second"]])
    changed = api.ok(
        "PATCH",
        f"/api/v1/jobs/{jobs['first']}",
        {"name": "First renamed", "import": {"file_pattern": "renamed.csv"}},
    )
    assert changed["group_id"] == group["id"]
    assert _get(api, group["id"])["jobs"][0]["job_name"] == "First renamed"


# --- listing ----------------------------------------------------------------------------------


def test_list_groups(api: Api, jobs: dict[str, int]) -> None:
    saved = api.group("Saved", [jobs["first"], jobs["second"]], activate=False)
    daily = api.group(
        "Daily",
        [jobs["third"], jobs["saved"]],
        activate=False,
        schedule={"kind": "daily", "hour": 2, "slot": 0},
    )
    api.ok("POST", f"/api/v1/jobs/{jobs['saved']}/activate")
    api.ok("POST", f"/api/v1/groups/{daily['id']}/activate")

    page = api.ok("GET", "/api/v1/groups")
    assert page["next_cursor"] is None
    items = {g["name"]: g for g in page["items"]}
    assert set(items) == {"Saved", "Daily"}
    for g in page["items"]:
        assert {"state", "schedule_type", "next_run_at", "last_run"} <= set(g)
    assert (items["Saved"]["state"], items["Saved"]["schedule_type"]) == ("saved", "on_demand")
    assert (items["Daily"]["state"], items["Daily"]["schedule_type"]) == ("active", "daily")
    assert items["Saved"]["next_run_at"] is None
    assert items["Saved"]["last_run"] is None

    active = api.ok("GET", "/api/v1/groups?state=active")["items"]
    assert [g["id"] for g in active] == [daily["id"]]
    saved_only = api.ok("GET", "/api/v1/groups?state=saved")["items"]
    assert [g["id"] for g in saved_only] == [saved["id"]]

    first = api.ok("GET", "/api/v1/groups?limit=1")
    assert [g["id"] for g in first["items"]] == [saved["id"]]
    second = api.ok("GET", f"/api/v1/groups?limit=1&cursor={first['next_cursor']}")
    assert [g["id"] for g in second["items"]] == [daily["id"]]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?state=running", "GROUP_STATE_INVALID"),
        ("?limit=0", "LIMIT_INVALID"),
        ("?limit=1000", "LIMIT_INVALID"),
        ("?cursor=%%%", "CURSOR_INVALID"),
    ],
)
def test_bad_group_list_queries(api: Api, query: str, code: str) -> None:
    assert_validation(api.get(f"/api/v1/groups{query}"), code)


# --- schedules, names, notification, expiration ----------------------------------------------


@pytest.mark.parametrize("day", [29, 30, 31])
def test_monthly_day_not_allowed(api: Api, jobs: dict[str, int], day: int) -> None:
    schedule = {"kind": "monthly", "day": day, "hour": 23, "slot": 2}
    for activate in (False, True):
        body = group_request("Monthly", [jobs["first"], jobs["second"]], activate=activate)
        body["schedule"] = schedule
        errors = assert_validation(api.post("/api/v1/groups", body), "MONTHLY_DAY_NOT_ALLOWED")
        assert errors[0]["field"] == "schedule.day"
    assert api.groups() == []
    last = api.group(
        "Monthly",
        [jobs["first"], jobs["second"]],
        schedule={"kind": "monthly", "day": "last", "hour": 23, "slot": 2},
    )
    assert last["schedule_type"] == "monthly"


@pytest.mark.parametrize(
    "schedule",
    [
        {"kind": "once", "date": "2026-01-15", "hour": 12, "slot": 0, "timezone": "UTC"},
        {"kind": "once", "date": "2026-01-15", "hour": 11, "slot": 3, "timezone": "UTC"},
        {"kind": "once", "date": "2026-01-15", "hour": 13, "slot": 0},  # Europe/Berlin = 12:00 UTC
        {"kind": "once", "date": "2026-01-14", "hour": 23, "slot": 3},
    ],
)
def test_slot_already_started(api: Api, jobs: dict[str, int], schedule: dict[str, Any]) -> None:
    for activate in (False, True):
        body = group_request("Once", [jobs["first"], jobs["second"]], activate=activate)
        body["schedule"] = schedule
        errors = assert_validation(api.post("/api/v1/groups", body), "SLOT_ALREADY_STARTED")
        assert errors[0]["field"] == "schedule.slot"
    assert api.groups() == []


def test_slot_already_started_on_a_utc_account(other: Api) -> None:
    other.contacts()
    ids = [other.job("One")["id"], other.job("Two")["id"]]
    body = group_request(
        "Once", ids, schedule={"kind": "once", "date": "2026-01-15", "hour": 12, "slot": 0}
    )
    assert_validation(other.post("/api/v1/groups", body), "SLOT_ALREADY_STARTED")
    later = {"kind": "once", "date": "2026-01-15", "hour": 12, "slot": 1}
    group = other.group("Once", ids, schedule=later)
    assert group["schedule"] == later
    assert group["schedule_type"] == "once"


def test_a_taken_group_name_is_409(api: Api, jobs: dict[str, int]) -> None:
    api.group("Nightly", [jobs["first"], jobs["second"]], activate=False)
    before = api.snapshot()
    body = group_request("NIGHTLY", [jobs["third"]], activate=False)
    assert_problem(api.post("/api/v1/groups", body), 409, "GROUP_NAME_TAKEN")
    other = api.group("Other", [jobs["third"]], activate=False)
    assert_problem(
        api.patch(f"/api/v1/groups/{other['id']}", {"name": "nightly"}), 409, "GROUP_NAME_TAKEN"
    )
    assert len(api.groups()) == len(before["groups"]) + 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": ""}, "NAME_EMPTY"),
        ({"name": "n" * 101}, "NAME_TOO_LONG"),
        ({"name": "x; DROP TABLE groups"}, "NAME_INVALID_CHARACTERS"),
        ({"description": "d" * 256}, "DESCRIPTION_TOO_LONG"),
        ({"notification": {"when": "failure", "emails": []}}, "NOTIFICATION_EMAILS_REQUIRED"),
        ({"notification": {"when": "always", "emails": ["a@example.com"]}}, "NOTIFY_WHEN_INVALID"),
        ({"notification": {"when": "failure", "emails": ["not-an-email"]}}, "EMAIL_INVALID"),
        (
            {
                "notification": {
                    "when": "failure",
                    "emails": [f"u{i}@example.com" for i in range(21)],
                }
            },
            "EMAILS_INVALID",
        ),
        ({"expires_at": "never"}, "EXPIRATION_NEVER_NOT_ALLOWED"),
        ({"expires_at": "2020-01-01"}, "EXPIRATION_IN_PAST"),
        ({"expires_at": "soon"}, "EXPIRATION_INVALID"),
        ({"schedule": {"kind": "daily", "hour": -1, "slot": 0}}, "SCHEDULE_HOUR_INVALID"),
        ({"job_ids": "1,2"}, "LIST_EXPECTED"),
    ],
)
def test_group_rules(api: Api, jobs: dict[str, int], changes: dict[str, Any], code: str) -> None:
    group = api.group("Stable", [jobs["first"], jobs["second"]], activate=False)
    before = api.snapshot()
    body = {**group_request("New", [jobs["third"], jobs["saved"]], activate=False), **changes}
    assert_validation(api.post("/api/v1/groups", body), code)
    assert_validation(api.patch(f"/api/v1/groups/{group['id']}", changes), code)
    assert api.snapshot() == before


def test_group_expiration(api: Api, jobs: dict[str, int]) -> None:
    group = api.group(
        "Expiring", [jobs["first"], jobs["second"]], expires_at="2026-03-01T00:00:00+00:00"
    )
    assert group["expires_at"] == "2026-03-01T00:00:00+00:00"


def test_missing_group_is_404(api: Api) -> None:
    for method, suffix in [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/activate"),
        ("POST", "/deactivate"),
    ]:
        kwargs: dict[str, Any] = {"json": {"name": "x"}} if method == "PATCH" else {}
        response = api.request(method, f"/api/v1/groups/77{suffix}", **kwargs)
        assert_problem(response, 404, "GROUP_NOT_FOUND")
