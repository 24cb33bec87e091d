"""The original system's trigger API under /rest/api/v1.3 (api.md, "Compatibility endpoints").

Runs started here really run in the app's worker thread; each is awaited with a bounded poll.
The ``idle`` caller talks to an app without a worker, so its runs stay queued ("running").
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from api_helpers import Api, assert_problem
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataconnect.bootstrap import App
from dataconnect.clock import FakeClock
from dataconnect.domain.paging import MAX_LIMIT
from dataconnect.domain.runs import JobRunState, Trigger
from dataconnect.errors import Conflict, NotFound
from dataconnect.testing import contacts_table, import_job, make_account

BASE = "/rest/api/v1.3/connectJobs"
TRIGGER_MANY = f"{BASE}/trigger"
ERROR_KEYS = {"type", "title", "errorCode", "detail", "errorDetails"}
FINAL = {"succeeded", "failed", "aborted"}
FILE = "customers_20260115.csv"  # customers_{YYYYMMDD}.csv at the test clock, Berlin time
GOOD_FILE = b"cust_id,email,city,legacy\nC1,a@x.com,Berlin,\nC2,bad,Paris,\nC3,c@x.com,Rome,\n"
NOT_ENABLED = "DataIntegrationGateway not enabled for user."
BIG = 2**63  # one past the largest id


# --- helpers ----------------------------------------------------------------------------------


def connect_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """An error in the original system's shape, as plain JSON (not our problem+json)."""
    assert response.status_code == status, (response.status_code, response.text[:2000])
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith("application/json"), content_type
    body = response.json()
    assert isinstance(body, dict) and set(body) == ERROR_KEYS, body
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errorCode"], str) and re.fullmatch(
        r"[A-Z][A-Z0-9_]*", body["errorCode"]
    )
    assert body["errorDetails"] == []
    if code is not None:
        assert body["errorCode"] == code, body
    return body


def put(api: Api, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
    """A PUT with the bare token, as the original system's clients send it."""
    headers = {"Authorization": api.token, **kwargs.pop("headers", {})}
    if body is not None:
        kwargs["content"] = body if isinstance(body, bytes) else json.dumps(body).encode()
    return api.client.request("PUT", path, headers=headers, **kwargs)


def get(api: Api, path: str, **params: Any) -> httpx.Response:
    return api.client.get(path, headers={"Authorization": api.token}, params=params)


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, (response.status_code, response.text[:2000])
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def trigger(api: Api, job_id: int) -> int:
    body = ok(put(api, f"{BASE}/{job_id}/trigger", {}))
    assert body == {"jobRunId": body["jobRunId"], "errorMessage": "", "success": True}
    assert isinstance(body["jobRunId"], int)
    return int(body["jobRunId"])


def status(api: Api, job_id: int, run_id: int) -> dict[str, Any]:
    found: dict[str, Any] = ok(get(api, f"{BASE}/{job_id}/jobRuns/{run_id}/status"))
    return found


def wait(api: Api, run_id: int, timeout: float = 10.0) -> dict[str, Any]:
    """Poll our own run endpoint until the run ends (at most ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        found = api.ok("GET", f"/api/v1/job-runs/{run_id}")
        if found["state"] in FINAL:
            return found
        assert time.monotonic() < deadline, f"run {run_id} still {found['state']}"
        time.sleep(0.02)


def our_runs(api: Api) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.ok("GET", "/api/v1/job-runs?limit=500")["items"]
    return items


def upload(api: Api, name: str = FILE, data: bytes = GOOD_FILE) -> None:
    response = api.request("PUT", f"/api/v1/files/upload/{name}", content=data)
    assert response.status_code == 201, response.text[:2000]


SCHEDULED = {"run_mode": "scheduled", "schedule": {"kind": "daily", "hour": 2, "slot": 0}}


@pytest.fixture
def idle(sqlite_app: App) -> Iterator[Api]:
    """A data director of Acme on an app without a worker: triggered runs stay queued."""
    from dataconnect.api.app import create_app

    with TestClient(create_app(sqlite_app, worker=False), raise_server_exceptions=False) as c:
        caller, token = make_account(sqlite_app, "Acme", email="ann@example.com")
        api = Api(c, sqlite_app, caller, token)
        api.contacts()
        yield api


@pytest.fixture
def job(api: Api) -> int:
    """Acme's active on-demand import job "Daily customers" into CONTACTS."""
    api.contacts()
    return int(api.job("Daily customers")["id"])


# --- triggering one job -----------------------------------------------------------------------


def test_trigger_runs_the_job_and_the_status_shows_its_counts(api: Api, job: int) -> None:
    upload(api)

    run_id = trigger(api, job)

    ours = wait(api, run_id)
    assert ours["state"] == "succeeded", ours
    assert ours["trigger"] == "api"
    assert ours["job_id"] == job
    found = status(api, job, run_id)
    assert found == {
        "jobRunStatus": "succeeded",
        "errorMessage": "",
        "errrorMessage": "",
        "recordsProcessed": 3,
        "recordsAdded": 2,
        "recordsUpdated": 0,
        "recordsRejected": 1,
        "durationInSeconds": 0,  # the test clock does not move
    }
    rows = api.ok("GET", "/api/v1/tables/CONTACTS/rows?limit=500")["items"]
    assert sorted(r["CUSTOMER_ID_"] for r in rows) == ["C1", "C3"]


def test_a_failed_run_reports_its_error_under_both_spellings(api: Api, job: int) -> None:
    run_id = trigger(api, job)  # no file uploaded

    wait(api, run_id)

    found = status(api, job, run_id)
    assert found["jobRunStatus"] == "failed"
    assert found["errorMessage"] and FILE in found["errorMessage"]
    assert found["errrorMessage"] == found["errorMessage"]
    assert found["durationInSeconds"] == 0


def test_the_bearer_scheme_works_as_well_as_the_bare_token(api: Api, job: int) -> None:
    for headers in ({"Authorization": f"Bearer {api.token}"}, {"Authorization": api.token}):
        response = api.client.put(f"{BASE}/{job}/trigger", headers=headers, json={})
        run_id = ok(response)["jobRunId"]
        wait(api, run_id)
        assert api.client.get(f"{BASE}", headers=headers).status_code == 200
    lower = {"Authorization": f"bearer {api.token}"}
    assert api.client.get(BASE, headers=lower).status_code == 200


def test_a_queued_run_reads_running_and_has_no_duration(idle: Api) -> None:
    job = idle.job("Daily customers")["id"]

    run_id = trigger(idle, job)

    found = status(idle, job, run_id)
    assert found["jobRunStatus"] == "running"
    assert found["durationInSeconds"] is None
    assert found["errorMessage"] == found["errrorMessage"] == ""
    assert idle.ok("GET", f"/api/v1/job-runs/{run_id}")["state"] == "queued"


def test_a_scheduled_job_can_be_triggered(api: Api) -> None:
    api.contacts()
    scheduled = api.job("Nightly", **SCHEDULED)["id"]

    wait(api, trigger(api, scheduled))


# --- the refusals of a trigger ------------------------------------------------------------------


def test_an_inactive_job_cannot_be_triggered(api: Api) -> None:
    api.contacts()
    saved = api.job("Draft", activate=False)["id"]
    stopped = api.job("Stopped")["id"]
    api.ok("POST", f"/api/v1/jobs/{stopped}/deactivate")

    for job_id in (saved, stopped):
        body = connect_error(put(api, f"{BASE}/{job_id}/trigger", {}), 400, "CONNECT_JOB_INACTIVE")
        assert body["title"] == "Connect job not active"
    assert our_runs(api) == []


def test_partner_jobs_cannot_be_triggered(api: Api) -> None:
    api.contacts()
    partner = api.job("Partner feed", kind="partner_integration")["id"]

    connect_error(put(api, f"{BASE}/{partner}/trigger", {}), 400, "CONNECT_JOB_NOT_TRIGGERABLE")
    assert our_runs(api) == []


def test_an_export_job_is_triggered_and_its_status_counts_the_rows_written(api: Api) -> None:
    api.contacts()
    upload(api)
    wait(api, trigger(api, api.job("Daily customers")["id"]))
    export = api.export_job("Contacts out")["id"]

    run_id = trigger(api, export)

    assert wait(api, run_id)["state"] == "succeeded"
    found = status(api, export, run_id)
    assert found["jobRunStatus"] == "succeeded"
    assert found["recordsProcessed"] == 2  # the import's two good rows


def test_a_running_job_cannot_be_triggered_again(idle: Api) -> None:
    job = idle.job("Daily customers")["id"]
    first = trigger(idle, job)

    body = connect_error(put(idle, f"{BASE}/{job}/trigger", {}), 400, "CONNECT_JOB_ALREADY_RUNNING")

    assert "already running" in body["detail"]
    assert [r["id"] for r in our_runs(idle)] == [first]


def test_a_job_whose_group_runs_cannot_be_triggered(idle: Api) -> None:
    one = idle.job("One")["id"]
    two = idle.job("Two")["id"]
    group = idle.group("Nightly", [one, two])["id"]
    started = idle.post(f"/api/v1/groups/{group}/run")
    assert started.status_code == 202, started.text
    before = our_runs(idle)

    for job_id in (one, two):
        connect_error(put(idle, f"{BASE}/{job_id}/trigger", {}), 400, "CONNECT_JOB_ALREADY_RUNNING")
    assert our_runs(idle) == before


def test_a_missing_job_is_not_found(api: Api, job: int) -> None:
    for job_id in (job + 1, 0, -1, BIG, 10**30):
        body = connect_error(put(api, f"{BASE}/{job_id}/trigger", {}), 404, "CONNECT_JOB_NOT_FOUND")
        assert body["title"] == "Connect job not found"
    assert our_runs(api) == []


@pytest.mark.parametrize("job_id", ["abc", "1.5", "1e3", "0x10", "one", "%20", "1;DROP"])
def test_a_non_numeric_job_id_is_an_invalid_parameter(api: Api, job: int, job_id: str) -> None:
    body = connect_error(put(api, f"{BASE}/{job_id}/trigger", {}), 400, "INVALID_PARAMETER")
    assert body["detail"] == "Job Id should be a numeric value."


BAD_TRIGGER_BODIES: list[bytes] = [
    b"",
    b"null",
    b"[]",
    b'""',
    b"0",
    b"true",
    b'{"a": 1}',
    b'{"jobIds": [1]}',
    b"{",
    b"{}}",
    b"{} trailing",
    b"\xff\xfe{}",
    b"[" * 60_000,  # nested deeper than the parser goes, yet under the 64 KiB a body may have
    b'{"a":' * 12_000,
]


@pytest.mark.parametrize("body", BAD_TRIGGER_BODIES, ids=lambda b: repr(b[:12]))
def test_the_trigger_body_must_be_exactly_an_empty_object(api: Api, job: int, body: bytes) -> None:
    response = put(api, f"{BASE}/{job}/trigger", body, headers={"Content-Type": "application/json"})

    connect_error(response, 400, "INVALID_PARAMETER")
    assert our_runs(api) == []


def test_an_empty_object_with_spaces_is_fine(api: Api, job: int) -> None:
    response = put(api, f"{BASE}/{job}/trigger", b" {  }\n")
    wait(api, ok(response)["jobRunId"])


# --- triggering several jobs ----------------------------------------------------------------------


def test_trigger_several_answers_per_job_in_order_and_one_may_fail(api: Api) -> None:
    api.contacts()
    first = api.job("First")["id"]
    draft = api.job("Draft", activate=False)["id"]
    third = api.job("Third")["id"]

    answers = ok(put(api, TRIGGER_MANY, {"jobIds": [third, draft, first]}))

    assert [a["jobId"] for a in answers] == [third, draft, first]
    for answer in answers:
        assert set(answer) == {"jobId", "success", "jobRunId", "errorMessage", "links"}
        assert answer["links"][0] == {"rel": "self", "href": TRIGGER_MANY, "method": "PUT"}
    failed = answers[1]
    assert failed["success"] is False
    assert failed["jobRunId"] is None
    assert failed["errorMessage"]
    assert len(failed["links"]) == 1
    for answer in (answers[0], answers[2]):
        assert answer["success"] is True
        assert answer["errorMessage"] == ""
        run_id = answer["jobRunId"]
        assert answer["links"][1] == {
            "rel": "getConnectJobRunStatus",
            "href": f"{BASE}/{answer['jobId']}/jobRuns/{run_id}/status",
            "method": "GET",
        }
        wait(api, run_id)
        status_link = answer["links"][1]["href"]
        assert ok(get(api, status_link))["jobRunStatus"] in FINAL
    assert sorted(r["job_id"] for r in our_runs(api)) == sorted([first, third])


def test_trigger_several_reports_every_kind_of_refusal(idle: Api, sqlite_app: App) -> None:
    active = idle.job("Active")["id"]
    busy = idle.job("Busy")["id"]
    trigger(idle, busy)
    export = idle.export_job("Out")["id"]
    inactive = idle.job("Draft", activate=False)["id"]
    caller, _ = make_account(sqlite_app, "Globex", timezone="UTC", email="bob@example.com")
    sqlite_app.tables.create(caller, contacts_table())
    theirs = sqlite_app.jobs.create(caller, import_job("Theirs"))

    answers = ok(put(idle, TRIGGER_MANY, {"jobIds": [busy, export, inactive, theirs.id, active]}))

    assert [a["success"] for a in answers] == [False, True, False, False, True]
    messages = [a["errorMessage"] for a in answers]
    assert "already running" in messages[0]
    assert messages[1] == ""  # an export is triggered like an import
    assert "activate" in messages[2]
    assert messages[3] == f"no job with id {theirs.id}"  # as if it did not exist
    assert sqlite_app.runs.list(caller)[0] == []


BAD_ID_LISTS: list[Any] = [
    {},
    {"jobIds": []},
    {"jobIds": [1, 2, 3, 4, 5, 6]},
    {"jobIds": [1, 1]},
    {"jobIds": ["1"]},
    {"jobIds": [1.0]},
    {"jobIds": [1.5]},
    {"jobIds": [True]},
    {"jobIds": [None]},
    {"jobIds": [[1]]},
    {"jobIds": [{"id": 1}]},
    {"jobIds": [0]},
    {"jobIds": [-1]},
    {"jobIds": [BIG]},
    {"jobIds": [2**80]},
    {"jobIds": 1},
    {"jobIds": "1,2"},
    {"jobIds": None},
    {"jobIds": {"1": 1}},
    {"jobIds": [1], "extra": True},
    {"jobids": [1]},
    [1, 2],
    None,
    "jobIds",
    1,
]


@pytest.mark.parametrize("body", BAD_ID_LISTS, ids=repr)
def test_a_bad_id_list_starts_nothing(api: Api, body: Any) -> None:
    api.contacts()
    api.job("One")
    api.job("Two")

    connect_error(put(api, TRIGGER_MANY, json.dumps(body).encode()), 400, "INVALID_PARAMETER")

    assert our_runs(api) == []


def test_a_list_with_a_good_and_a_bad_id_starts_nothing(api: Api, job: int) -> None:
    for body in ({"jobIds": [job, "x"]}, {"jobIds": [job, job]}, {"jobIds": [job, 0]}):
        connect_error(put(api, TRIGGER_MANY, body), 400, "INVALID_PARAMETER")
    for raw in (b"", b"{", b'{"jobIds": [1,]}', b"[" * 60_000):
        connect_error(put(api, TRIGGER_MANY, raw), 400, "INVALID_PARAMETER")
    assert our_runs(api) == []


def test_five_jobs_may_be_triggered_at_once(api: Api) -> None:
    api.contacts()
    ids = [api.job(f"Job {n}")["id"] for n in range(5)]

    answers = ok(put(api, TRIGGER_MANY, {"jobIds": ids}))

    assert [a["jobId"] for a in answers] == ids
    assert all(a["success"] for a in answers), answers
    for answer in answers:
        wait(api, answer["jobRunId"])


# --- auth, roles, scoping ------------------------------------------------------------------------

BAD_AUTH: list[dict[str, str]] = [
    {},
    {"Authorization": ""},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer    "},
    {"Authorization": "dc_wrong-token"},
    {"Authorization": "Bearer dc_wrong-token"},
    {"Authorization": "x" * 5000},
    {"Authorization": "Basic YW5uOnNlY3JldA=="},
    {"Authorization": "' OR 1=1 --"},
]


def _endpoints(job: int) -> list[tuple[str, str, Any]]:
    return [
        ("PUT", f"{BASE}/{job}/trigger", {}),
        ("PUT", TRIGGER_MANY, {"jobIds": [job]}),
        ("GET", f"{BASE}/{job}/jobRuns/1/status", None),
        ("GET", f"{BASE}/{job}/jobRuns", None),
        ("GET", BASE, None),
    ]


def test_every_endpoint_refuses_a_missing_or_wrong_token(api: Api, job: int) -> None:
    for method, path, body in _endpoints(job):
        for headers in BAD_AUTH:
            kwargs: dict[str, Any] = {"headers": headers}
            if body is not None:
                kwargs["json"] = body
            response = api.client.request(method, path, **kwargs)
            connect_error(response, 401, "UNAUTHORIZED")
    assert our_runs(api) == []


def test_a_bad_token_is_refused_before_a_bad_id_or_body(api: Api, job: int) -> None:
    response = api.client.put(
        f"{BASE}/abc/trigger", headers={"Authorization": "nope"}, content=b"{"
    )
    connect_error(response, 401, "UNAUTHORIZED")


def test_a_viewer_cannot_trigger_and_nothing_starts(api: Api, viewer: Api, job: int) -> None:
    for path, body in ((f"{BASE}/{job}/trigger", {}), (TRIGGER_MANY, {"jobIds": [job]})):
        for token in (viewer.token, f"Bearer {viewer.token}"):
            response = viewer.client.put(path, headers={"Authorization": token}, json=body)
            found = connect_error(response, 401, "CONNECT_DISABLED_FOR_USER")
            assert found["detail"] == NOT_ENABLED
    # the same answer whatever the id or the body: a viewer learns nothing
    for path in (f"{BASE}/{job + 99}/trigger", f"{BASE}/abc/trigger"):
        connect_error(put(viewer, path, b"{"), 401, "CONNECT_DISABLED_FOR_USER")
    assert our_runs(api) == []


def test_a_viewer_reads_runs_and_jobs(api: Api, viewer: Api, job: int) -> None:
    run_id = trigger(api, job)
    wait(api, run_id)

    assert status(viewer, job, run_id) == status(api, job, run_id)
    assert ok(get(viewer, f"{BASE}/{job}/jobRuns")) == ok(get(api, f"{BASE}/{job}/jobRuns"))
    assert ok(get(viewer, BASE)) == ok(get(api, BASE))


def test_another_accounts_job_and_run_are_answered_as_missing(
    api: Api, other: Api, job: int
) -> None:
    run_id = trigger(api, job)
    wait(api, run_id)
    missing_job = job + 100

    for job_id in (job, missing_job):
        connect_error(put(other, f"{BASE}/{job_id}/trigger", {}), 404, "CONNECT_JOB_NOT_FOUND")
        connect_error(get(other, f"{BASE}/{job_id}/jobRuns"), 404, "CONNECT_JOB_NOT_FOUND")
    for run in (run_id, run_id + 100):
        connect_error(
            get(other, f"{BASE}/{job}/jobRuns/{run}/status"), 404, "CONNECT_JOB_RUN_NOT_FOUND"
        )
    answers = ok(put(other, TRIGGER_MANY, {"jobIds": [job]}))
    assert answers[0]["success"] is False
    assert answers[0]["errorMessage"] == f"no job with id {job}"
    assert ok(get(other, BASE)) == []
    assert [r["id"] for r in our_runs(api)] == [run_id]


# --- run status ---------------------------------------------------------------------------------


def test_a_run_of_another_job_is_not_found(api: Api, job: int) -> None:
    other_job = api.job("Other")["id"]
    run_id = trigger(api, job)
    wait(api, run_id)

    for path in (
        f"{BASE}/{other_job}/jobRuns/{run_id}/status",
        f"{BASE}/{job}/jobRuns/{run_id + 1}/status",
        f"{BASE}/{job}/jobRuns/0/status",
        f"{BASE}/{job}/jobRuns/{BIG}/status",
    ):
        body = connect_error(get(api, path), 404, "CONNECT_JOB_RUN_NOT_FOUND")
        assert body["title"] == "Running connect job not found"


def test_non_numeric_ids_in_the_status_path(api: Api, job: int) -> None:
    body = connect_error(get(api, f"{BASE}/x/jobRuns/1/status"), 400, "INVALID_PARAMETER")
    assert body["detail"] == "Job Id should be a numeric value."
    body = connect_error(get(api, f"{BASE}/{job}/jobRuns/x/status"), 400, "INVALID_PARAMETER")
    assert body["detail"] == "Job Run Id should be a numeric value."


def test_a_run_started_through_api_v1_is_visible_here(api: Api, job: int) -> None:
    started = api.post(f"/api/v1/jobs/{job}/run")
    assert started.status_code == 202
    run_id = started.json()["id"]
    wait(api, run_id)

    assert status(api, job, run_id)["jobRunStatus"] == "failed"


# --- run history ----------------------------------------------------------------------------------


@pytest.fixture
def three_runs(api: Api, job: int, clock: FakeClock) -> list[int]:
    """Runs at 15 Jan 13:00, 17 Jan 00:30 and 18 Jan 11:00, Berlin time (UTC+1)."""
    runs = []
    for when in (
        datetime(2026, 1, 15, 12, 0, tzinfo=UTC),
        datetime(2026, 1, 16, 23, 30, tzinfo=UTC),  # still the 16th in UTC
        datetime(2026, 1, 18, 10, 0, tzinfo=UTC),
    ):
        clock.set(when)
        run_id = trigger(api, job)
        wait(api, run_id)
        runs.append(run_id)
    return runs


def test_history_lists_every_run_newest_first(api: Api, job: int, three_runs: list[int]) -> None:
    found = ok(get(api, f"{BASE}/{job}/jobRuns"))

    assert [r["jobRunId"] for r in found] == three_runs[::-1]
    assert found[-1] == {
        "jobRunId": three_runs[0],
        "jobName": "Daily customers",
        "jobRunStatus": {"value": "failed"},
        "durationInSeconds": 0,
        "jobStartTime": "2026-01-15T13:00:00+01:00",
    }
    assert found[1]["jobStartTime"] == "2026-01-17T00:30:00+01:00"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sdate": "01-17-2026"}, [2, 1]),
        ({"edate": "01-16-2026"}, [0]),
        ({"sdate": "01-17-2026", "edate": "01-17-2026"}, [1]),
        ({"sdate": "01-15-2026", "edate": "01-18-2026"}, [2, 1, 0]),
        ({"sdate": "01-16-2026", "edate": "01-16-2026"}, []),
        ({"sdate": "01-19-2026"}, []),
        ({"edate": "01-14-2026"}, []),
        ({"sdate": "01-01-0001", "edate": "12-31-9999"}, [2, 1, 0]),
        ({"sdate": "", "edate": ""}, [2, 1, 0]),
    ],
)
def test_history_filters_by_day_in_the_accounts_time_zone(
    api: Api, job: int, three_runs: list[int], params: dict[str, str], expected: list[int]
) -> None:
    found = ok(get(api, f"{BASE}/{job}/jobRuns", **params))

    assert [r["jobRunId"] for r in found] == [three_runs[i] for i in expected]


@pytest.mark.parametrize(
    "params",
    [
        {"sdate": "2026-01-15"},
        {"sdate": "13-01-2026"},
        {"edate": "02-30-2026"},
        {"sdate": "1-5-2026"},
        {"sdate": "00-00-0000"},
        {"edate": "01-15-26"},
        {"sdate": "today"},
        {"sdate": "01/15/2026"},
        {"sdate": "01-15-2026 "},
        {"sdate": "01-16-2026", "edate": "01-15-2026"},
        {"sdate": "x" * 5000},
        {"sdate": "\u0660\u0661-\u0661\u0665-\u0662\u0660\u0662\u0666"},  # Arabic-Indic digits
    ],
)
def test_bad_dates_are_invalid_parameters(api: Api, job: int, params: dict[str, str]) -> None:
    connect_error(get(api, f"{BASE}/{job}/jobRuns", **params), 400, "INVALID_PARAMETER")


def test_history_of_a_job_never_run_is_empty_and_of_a_missing_job_404(api: Api, job: int) -> None:
    assert ok(get(api, f"{BASE}/{job}/jobRuns")) == []
    connect_error(get(api, f"{BASE}/{job + 1}/jobRuns"), 404, "CONNECT_JOB_NOT_FOUND")
    body = connect_error(get(api, f"{BASE}/abc/jobRuns"), 400, "INVALID_PARAMETER")
    assert body["detail"] == "Job Id should be a numeric value."


# --- list of jobs ---------------------------------------------------------------------------------


def test_the_job_list_shows_type_schedule_state_and_last_run(api: Api, job: int) -> None:
    draft = api.job("Draft", activate=False)["id"]
    nightly = api.job("Nightly", **SCHEDULED)["id"]
    export = api.export_job("Contacts out")["id"]
    run_id = trigger(api, job)
    wait(api, run_id)

    found = ok(get(api, BASE))

    assert found == [
        {
            "jobId": job,
            "jobName": "Daily customers",
            "jobType": "import",
            "nextJobRun": None,
            "lastJobRun": "2026-01-15T13:00:00+01:00",
            "scheduleType": "on_demand",
            "active": True,
            "running": False,
        },
        {
            "jobId": draft,
            "jobName": "Draft",
            "jobType": "import",
            "nextJobRun": None,
            "lastJobRun": None,
            "scheduleType": "on_demand",
            "active": False,
            "running": False,
        },
        {
            "jobId": nightly,
            "jobName": "Nightly",
            "jobType": "import",
            "nextJobRun": None,
            "lastJobRun": None,
            "scheduleType": "scheduled",
            "active": True,
            "running": False,
        },
        {
            "jobId": export,
            "jobName": "Contacts out",
            "jobType": "export",
            "nextJobRun": None,
            "lastJobRun": None,
            "scheduleType": "on_demand",
            "active": True,
            "running": False,
        },
    ]
    last_run = datetime.fromisoformat(found[0]["lastJobRun"])
    assert last_run == datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def test_the_job_list_shows_a_queued_run_as_running(idle: Api, clock: FakeClock) -> None:
    busy = idle.job("Busy")["id"]
    calm = idle.job("Calm")["id"]
    clock.set(datetime(2026, 7, 1, 8, 0, tzinfo=UTC))  # summer time: UTC+2
    trigger(idle, busy)

    found = {j["jobId"]: j for j in ok(get(idle, BASE))}

    assert found[busy]["running"] is True
    assert found[busy]["lastJobRun"] == "2026-07-01T10:00:00+02:00"
    assert found[calm]["running"] is False
    assert found[calm]["lastJobRun"] is None


def test_the_job_list_is_not_paged(api: Api) -> None:
    api.contacts()
    for n in range(MAX_LIMIT + 1):  # more than one page of the services' listing
        api.app.jobs.create(api.caller, import_job(f"Job {n:03}"))

    found = ok(get(api, BASE))

    assert [j["jobName"] for j in found] == [f"Job {n:03}" for n in range(MAX_LIMIT + 1)]


# --- the services' queries behind these endpoints, on SQLite and PostgreSQL ---------------------


def test_trigger_last_runs_and_history_on_both_databases(app: App, clock: FakeClock) -> None:
    caller, _ = make_account(app, "Acme")
    app.tables.create(caller, contacts_table())
    one = app.jobs.create(caller, import_job("One")).id
    two = app.jobs.create(caller, import_job("Two")).id
    never = app.jobs.create(caller, import_job("Never")).id
    ended = []
    for day in (15, 16, 17):
        clock.set(datetime(2026, 1, day, 12, 0, tzinfo=UTC))
        run = app.runs.trigger(caller, one)
        assert run.trigger is Trigger.API
        ended.append(app.runs.execute(caller.account_id, run.id, threading.Event()).id)
    queued = app.runs.trigger(caller, two)
    with pytest.raises(Conflict) as refused:
        app.runs.trigger(caller, two)
    assert refused.value.code == "JOB_ALREADY_RUNNING"

    last = app.runs.last_runs(caller, [one, two, never, one])
    assert {job_id: run.id for job_id, run in last.items()} == {one: ended[-1], two: queued.id}
    assert last[two].state is JobRunState.QUEUED
    assert [r.id for r in app.runs.job_history(caller, one)] == ended[::-1]
    day_16 = app.runs.job_history(
        caller,
        one,
        since=datetime(2026, 1, 16, tzinfo=UTC),
        until=datetime(2026, 1, 17, tzinfo=UTC),
    )
    assert [r.id for r in day_16] == [ended[1]]
    assert [r.id for r in app.runs.job_history(caller, two, since=clock.now())] == [queued.id]
    assert app.runs.job_history(caller, never) == []

    theirs, _ = make_account(app, "Globex", timezone="UTC", email="bob@example.com")
    assert app.runs.last_runs(theirs, [one, two]) == {}
    with pytest.raises(NotFound):
        app.runs.job_history(theirs, one)
    with pytest.raises(NotFound):
        app.runs.trigger(theirs, one)


# --- error shapes everywhere, and /api/v1 unchanged --------------------------------------------


def test_unknown_paths_and_wrong_methods_answer_in_the_original_shape(api: Api, job: int) -> None:
    connect_error(get(api, "/rest/api/v1.3/nothing"), 404, "NOT_FOUND")
    connect_error(get(api, f"{BASE}/{job}"), 404, "NOT_FOUND")
    response = get(api, f"{BASE}/{job}/trigger")
    connect_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "PUT"
    connect_error(api.client.post(BASE, headers={"Authorization": api.token}), 405)
    connect_error(api.client.delete(TRIGGER_MANY), 405, "METHOD_NOT_ALLOWED")


def test_a_body_too_large_answers_in_the_original_shape(api: Api, job: int) -> None:
    big = b'{"jobIds": [' + b" " * 1_100_000 + b"1]}"
    connect_error(put(api, TRIGGER_MANY, big), 413, "BODY_TOO_LARGE")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the endpoint stops reading itself
        yield b"{"
        for _ in range(100):
            yield b" " * 1024
        yield b"}"

    response = api.client.put(
        f"{BASE}/{job}/trigger", headers={"Authorization": api.token}, content=chunks()
    )
    connect_error(response, 413, "BODY_TOO_LARGE")
    assert our_runs(api) == []


def test_api_v1_errors_stay_problem_json(api: Api, job: int) -> None:
    assert_problem(api.get("/api/v1/jobs/abc"), 422)
    assert_problem(api.get(f"/api/v1/jobs/{job + 1}"), 404, "JOB_NOT_FOUND")
    assert_problem(api.client.get("/api/v1/jobs", headers={"Authorization": api.token}), 401)
    assert_problem(api.get("/api/v1/nothing"), 404)
    assert_problem(api.post("/api/v1/jobs", content=b"{"), 422)


def test_the_openapi_document_lists_the_endpoints(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert set(paths[f"{BASE}/{{jobId}}/trigger"]) == {"put"}
    assert set(paths[TRIGGER_MANY]) == {"put"}
    assert set(paths[f"{BASE}/{{jobId}}/jobRuns/{{jobRunId}}/status"]) == {"get"}
    assert set(paths[f"{BASE}/{{jobId}}/jobRuns"]) == {"get"}
    assert set(paths[BASE]) == {"get"}
    assert not any("{rest" in p for p in paths)


# --- fuzz: never a 5xx ---------------------------------------------------------------------------

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SCALARS = st.none() | st.booleans() | st.integers(-(2**80), 2**80) | st.floats() | st.text()
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
ID_BODIES = st.fixed_dictionaries(
    {"jobIds": st.lists(st.integers(-3, 8) | SCALARS, max_size=7) | JSON}
)
SEGMENTS = (
    st.integers(-(2**80), 2**80).map(str)
    | st.sampled_from(["1", "2", "0", "-1", "1.0", "1e2", " 1", "9" * 40, "trigger", ""])
    | st.text(max_size=20)
)
PATHS = st.sampled_from(
    [
        BASE + "/{a}/trigger",
        BASE + "/{a}/jobRuns/{b}/status",
        BASE + "/{a}/jobRuns",
        BASE + "/{a}/{b}",
        BASE + "/trigger",
        BASE,
    ]
)


def _never_5xx(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text[:2000]
    if response.status_code >= 400:
        connect_error(response, response.status_code)


@FUZZ
@given(
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE"]),
    template=PATHS,
    a=SEGMENTS,
    b=SEGMENTS,
    body=JSON | ID_BODIES,
    params=st.dictionaries(st.sampled_from(["sdate", "edate", "x"]), st.text(max_size=12)),
)
def test_fuzz_never_a_server_error(
    api: Api,
    job: int,
    method: str,
    template: str,
    a: str,
    b: str,
    body: Any,
    params: dict[str, str],
) -> None:
    path = template.format(a=quote(a, safe=""), b=quote(b, safe=""))
    content = json.dumps(body).encode()
    headers = {"Authorization": api.token, "Content-Type": "application/json"}
    response = api.client.request(method, path, headers=headers, content=content, params=params)
    _never_5xx(response)


@FUZZ
@given(body=JSON | ID_BODIES)
def test_fuzz_trigger_bodies(api: Api, job: int, body: Any) -> None:
    for path in (f"{BASE}/{job}/trigger", TRIGGER_MANY):
        response = put(api, path, json.dumps(body).encode())
        _never_5xx(response)
        if response.status_code == 200:
            answer = response.json()
            started = [answer] if isinstance(answer, dict) else answer
            for item in started:
                if item["jobRunId"] is not None:
                    wait(api, item["jobRunId"])
