"""Running an import job through the REST API and the CLI, and reading its runs back.

The API tests use the in-process client on the SQLite app; runs execute in the app's runner
threads, so each is polled with a bounded wait.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from importing import FILE, csv_bytes, job_request
from typer.testing import CliRunner, Result

from dataconnect.bootstrap import App
from dataconnect.cli.main import cli
from dataconnect.files.server import FileServer
from dataconnect.testing import contacts_table, make_account, make_app

FINAL = {"succeeded", "failed", "aborted"}
GOOD_FILE = csv_bytes("C1,a@x.com,Berlin,", "C2,bad,Paris,", "C3,c@x.com,Rome,")


class User:
    """One user's view of the API."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, headers=self.headers, params=params)

    def post(self, path: str, body: Any = None) -> httpx.Response:
        return self.client.post(path, headers=self.headers, json=body)

    def put_file(self, name: str, data: bytes) -> httpx.Response:
        return self.client.put(f"/api/v1/files/upload/{name}", headers=self.headers, content=data)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, (response.status_code, response.text[:2000])
        return response.json()

    def wait(self, run_id: int, timeout: float = 10.0) -> dict[str, Any]:
        """Poll the run until it ends (at most ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.ok(self.get(f"/api/v1/job-runs/{run_id}"))
            if found["state"] in FINAL:
                return dict(found)
            assert time.monotonic() < deadline, f"run {run_id} still {found['state']}"
            time.sleep(0.02)


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, (response.status_code, response.text[:2000])
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code, body


@pytest.fixture
def acme(client: TestClient, sqlite_app: App) -> User:
    caller, token = make_account(sqlite_app, "Acme", email="ann@example.com")
    sqlite_app.tables.create(caller, contacts_table())
    return User(client, token)


@pytest.fixture
def job_id(acme: User) -> int:
    return int(acme.ok(acme.post("/api/v1/jobs", job_request()), 201)["id"])


def test_run_answers_202_and_the_run_reaches_succeeded_with_counts(acme: User, job_id: int) -> None:
    acme.ok(acme.put_file(FILE, GOOD_FILE), 201)

    started = acme.post(f"/api/v1/jobs/{job_id}/run")

    body = acme.ok(started, 202)
    assert body["job_id"] == job_id
    assert body["job_name"] == "Daily customers"
    assert body["state"] in {"queued", "running", "succeeded"}
    assert body["trigger"] == "manual"
    done = acme.wait(body["id"])
    assert done["state"] == "succeeded", done
    assert (
        done["records_processed"],
        done["records_added"],
        done["records_updated"],
        done["records_rejected"],
    ) == (3, 2, 0, 1)
    assert done["error_code"] is None
    assert done["file_name"] == FILE
    assert done["rejects_file"] == f"Daily_customers_{body['id']}_rejects.csv"
    assert done["started_at"] is not None and done["ended_at"] is not None
    rejects = acme.client.get(
        f"/api/v1/files/download/{done['rejects_file']}", headers=acme.headers
    )
    assert rejects.status_code == 200
    assert (
        rejects.content == b"cust_id,email,city,legacy,REJECT_REASON\nC2,bad,Paris,,INVALID_EMAIL\n"
    )
    table = acme.ok(acme.get("/api/v1/tables/CONTACTS/rows", limit=500))
    assert sorted(r["CUSTOMER_ID_"] for r in table["items"]) == ["C1", "C3"]


def test_a_failed_run_reports_its_error(acme: User, job_id: int) -> None:
    body = acme.ok(acme.post(f"/api/v1/jobs/{job_id}/run"), 202)

    done = acme.wait(body["id"])

    assert done["state"] == "failed"
    assert done["error_code"] == "FILE_NOT_FOUND"
    assert FILE in done["error_message"]


def test_job_runs_are_listed_newest_first(acme: User, job_id: int) -> None:
    ids = []
    for _ in range(3):
        acme.ok(acme.put_file(FILE, GOOD_FILE), 201)
        body = acme.ok(acme.post(f"/api/v1/jobs/{job_id}/run"), 202)
        acme.wait(body["id"])
        ids.append(body["id"])
    other = int(acme.ok(acme.post("/api/v1/jobs", job_request("Other job")), 201)["id"])
    acme.wait(acme.ok(acme.post(f"/api/v1/jobs/{other}/run"), 202)["id"])

    listed = acme.ok(acme.get("/api/v1/job-runs", job_id=job_id))

    assert [r["id"] for r in listed["items"]] == sorted(ids, reverse=True)
    assert {r["job_id"] for r in listed["items"]} == {job_id}
    everything = acme.ok(acme.get("/api/v1/job-runs"))
    assert len(everything["items"]) == 4
    assert [r["id"] for r in everything["items"]] == sorted(
        (r["id"] for r in everything["items"]), reverse=True
    )


def test_a_second_run_while_one_is_running_is_refused(
    acme: User, job_id: int, sqlite_app: App
) -> None:
    caller = sqlite_app.accounts.authenticate(acme.headers["Authorization"].split()[1])
    for worker in sqlite_app.workers:
        worker.close()  # the run below stays with the phantom worker
    queued = sqlite_app.runs.start_job(caller, job_id)
    # Held by a worker that never gets on with it (the test clock keeps its lease valid).
    assert sqlite_app.work.claim("phantom-worker", only=("job", queued.id)) is not None

    refused = acme.post(f"/api/v1/jobs/{job_id}/run")

    assert_problem(refused, 409, "JOB_ALREADY_RUNNING")
    listed = acme.ok(acme.get("/api/v1/job-runs", job_id=job_id))
    assert [(r["id"], r["state"]) for r in listed["items"]] == [(queued.id, "running")]


def test_an_inactive_job_cannot_run(acme: User, job_id: int) -> None:
    acme.ok(acme.post(f"/api/v1/jobs/{job_id}/deactivate"))

    assert_problem(acme.post(f"/api/v1/jobs/{job_id}/run"), 409, "JOB_NOT_ACTIVE")
    assert acme.ok(acme.get("/api/v1/job-runs", job_id=job_id))["items"] == []


def test_a_saved_job_cannot_run(acme: User) -> None:
    request = job_request()
    request["activate"] = False
    saved = int(acme.ok(acme.post("/api/v1/jobs", request), 201)["id"])

    assert_problem(acme.post(f"/api/v1/jobs/{saved}/run"), 409, "JOB_NOT_ACTIVE")


def test_another_accounts_run_and_job_are_not_found(
    acme: User, job_id: int, client: TestClient, sqlite_app: App
) -> None:
    acme.ok(acme.put_file(FILE, GOOD_FILE), 201)
    run_id = acme.ok(acme.post(f"/api/v1/jobs/{job_id}/run"), 202)["id"]
    acme.wait(run_id)
    _, token = make_account(sqlite_app, "Globex", timezone="UTC", email="bob@example.com")
    globex = User(client, token)

    assert_problem(globex.get(f"/api/v1/job-runs/{run_id}"), 404, "JOB_RUN_NOT_FOUND")
    assert globex.ok(globex.get("/api/v1/job-runs"))["items"] == []
    assert globex.ok(globex.get("/api/v1/job-runs", job_id=job_id))["items"] == []
    assert_problem(globex.post(f"/api/v1/jobs/{job_id}/run"), 404, "JOB_NOT_FOUND")


def test_a_viewer_may_read_runs_but_not_start_one(
    acme: User, job_id: int, client: TestClient, sqlite_app: App
) -> None:
    acme.ok(acme.put_file(FILE, GOOD_FILE), 201)
    run_id = acme.ok(acme.post(f"/api/v1/jobs/{job_id}/run"), 202)["id"]
    acme.wait(run_id)
    _, token = make_account(sqlite_app, "Acme", role="viewer", email="vic@example.com")
    viewer = User(client, token)

    assert_problem(viewer.post(f"/api/v1/jobs/{job_id}/run"), 403, "ROLE_VIEWER_READ_ONLY")
    assert viewer.ok(viewer.get(f"/api/v1/job-runs/{run_id}"))["state"] == "succeeded"
    assert [r["id"] for r in viewer.ok(viewer.get("/api/v1/job-runs"))["items"]] == [run_id]


def test_an_unknown_run_is_not_found(acme: User) -> None:
    assert_problem(acme.get("/api/v1/job-runs/999999"), 404, "JOB_RUN_NOT_FOUND")


# --- CLI -----------------------------------------------------------------------------------

CLI_FILE = "customers.csv"  # no date token: the CLI runs on the real clock


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, int]]:
    """A home with account Acme, its CONTACTS and the api.md job reading customers.csv."""
    for key in list(os.environ):
        if key.startswith("DATACONNECT_"):
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    monkeypatch.setenv("DATACONNECT_HOME", str(home))
    app = make_app(home=home)
    caller, _ = make_account(app, "Acme")
    app.tables.create(caller, contacts_table())
    app.jobs.create(caller, job_request(file_pattern=CLI_FILE))
    app.close()
    yield home, caller.account_id


def dataconnect(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"DATACONNECT_HOME": str(home)})


def test_cli_jobs_run_prints_the_counts_and_exits_0(cli_home: tuple[Path, int]) -> None:
    home, account_id = cli_home
    FileServer(home / "files").put(account_id, "upload", CLI_FILE, [GOOD_FILE], 10**6)

    result = dataconnect(home, "jobs", "run", "Daily customers", "--account", "Acme", "--json")

    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    run = json.loads(result.stdout)
    assert run["state"] == "succeeded"
    assert (
        run["records_processed"],
        run["records_added"],
        run["records_updated"],
        run["records_rejected"],
    ) == (3, 2, 0, 1)
    assert run["file_name"] == CLI_FILE


def test_cli_jobs_run_exits_1_when_the_file_is_missing(cli_home: tuple[Path, int]) -> None:
    home, _ = cli_home
    result = dataconnect(home, "jobs", "run", "Daily customers", "--account", "Acme", "--json")

    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit)
    run = json.loads(result.stdout)
    assert run["state"] == "failed"
    assert run["error_code"] == "FILE_NOT_FOUND"
