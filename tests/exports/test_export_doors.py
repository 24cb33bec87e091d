"""Export runs through every door: the REST API, the CLI and the job's own schedule."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from exporting import CONTACTS_CSV, DAY, Env, account, export_job
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from dataconnect.bootstrap import App
from dataconnect.cli.main import cli
from dataconnect.clock import FakeClock
from dataconnect.testing import make_account, make_app

FINAL = {"succeeded", "failed", "aborted"}


class Api:
    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.client.request(method, path, headers=self.headers, json=body)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, (response.status_code, response.text[:2000])
        return response.json() if response.content else None

    def wait(self, run_id: int) -> dict[str, Any]:
        deadline = time.monotonic() + 20
        while True:
            found = self.ok(self.call("GET", f"/api/v1/job-runs/{run_id}"))
            if found["state"] in FINAL:
                return dict(found)
            assert time.monotonic() < deadline, found
            time.sleep(0.02)


@pytest.fixture
def api(sqlite_app: App, request: pytest.FixtureRequest) -> Api:
    env = account(sqlite_app)
    env.load(CONTACTS_CSV)  # before the client's worker starts: run here, to its end
    _, token = make_account(sqlite_app, "Acme", email="ann@example.com")
    client: TestClient = request.getfixturevalue("client")
    return Api(client, token)


def test_run_answers_202_and_the_finished_run_lists_its_files(api: Api) -> None:
    job = api.ok(api.call("POST", "/api/v1/jobs", export_job(count_file=True)), 201)
    assert job["export"]["ready_file"] is True

    started = api.ok(api.call("POST", f"/api/v1/jobs/{job['id']}/run"), 202)
    done = api.wait(started["id"])

    assert (done["state"], done["records_processed"], done["error_code"]) == ("succeeded", 3, None)
    name = f"contacts_{DAY}.csv"
    assert done["output_files"] == [
        f"download/{name}",
        f"download/contacts_{DAY}.cnt",
        f"download/contacts_{DAY}.ready",
    ]
    listed = api.ok(api.call("GET", "/api/v1/files/download"))
    assert sorted(f["name"] for f in listed["items"]) == sorted(
        [name, f"contacts_{DAY}.cnt", f"contacts_{DAY}.ready"]
    )
    data = api.call("GET", f"/api/v1/files/download/{name}")
    assert data.status_code == 200 and data.content.startswith(b"RIID_,EMAIL_ADDRESS_,CITY_\n1,")
    assert (
        api.ok(api.call("GET", f"/api/v1/job-runs/{done['id']}"))["output_files"]
        == (done["output_files"])
    )


def test_files_of_download_and_upload_can_be_deleted_but_not_archive(api: Api) -> None:
    job = api.ok(api.call("POST", "/api/v1/jobs", export_job()), 201)
    api.wait(api.ok(api.call("POST", f"/api/v1/jobs/{job['id']}/run"), 202)["id"])
    name = f"contacts_{DAY}.csv"

    assert api.call("DELETE", f"/api/v1/files/download/{name}").status_code == 204
    gone = api.call("DELETE", f"/api/v1/files/download/{name}")
    assert (gone.status_code, gone.json()["code"]) == (404, "FILE_NOT_FOUND")
    archived = api.ok(api.call("GET", "/api/v1/files/archive"))["items"][0]["name"]
    refused = api.call("DELETE", f"/api/v1/files/archive/{archived}")
    assert (refused.status_code, refused.json()["code"]) == (409, "FOLDER_READ_ONLY")
    bad = api.call("DELETE", "/api/v1/files/elsewhere/x.csv")
    assert (bad.status_code, bad.json()["code"]) == (404, "FOLDER_NOT_FOUND")
    names = [f["name"] for f in api.ok(api.call("GET", "/api/v1/files/download"))["items"]]
    assert names == [f"contacts_{DAY}.ready"]


def test_a_viewer_can_read_exports_but_not_run_or_delete_them(
    api: Api, client: TestClient, sqlite_app: App
) -> None:
    job = api.ok(api.call("POST", "/api/v1/jobs", export_job()), 201)
    api.wait(api.ok(api.call("POST", f"/api/v1/jobs/{job['id']}/run"), 202)["id"])
    _, token = make_account(sqlite_app, "Acme", role="viewer", email="vic@example.com")
    viewer = Api(client, token)

    assert viewer.call("POST", f"/api/v1/jobs/{job['id']}/run").status_code == 403
    assert viewer.call("DELETE", f"/api/v1/files/download/contacts_{DAY}.csv").status_code == 403
    assert viewer.call("GET", f"/api/v1/files/download/contacts_{DAY}.csv").status_code == 200


# --- the CLI -----------------------------------------------------------------------------------


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for key in list(os.environ):
        if key.startswith("DATACONNECT_"):
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    monkeypatch.setenv("DATACONNECT_HOME", str(home))
    app = make_app(home=home)
    env = account(app)
    env.load(CONTACTS_CSV)
    env.job(
        export_job(file_pattern="contacts.csv")
    )  # no date token: the CLI runs on the real clock
    app.close()
    return home


def dataconnect(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"DATACONNECT_HOME": str(home)})


def test_cli_jobs_run_runs_an_export_and_names_its_files(cli_home: Path) -> None:
    result = dataconnect(cli_home, "jobs", "run", "Contacts out", "--account", "Acme")
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert "3 processed" in result.stdout
    assert "wrote download/contacts.csv" in result.stdout
    assert "wrote download/contacts.ready" in result.stdout

    again = dataconnect(cli_home, "jobs", "run", "Contacts out", "--account", "Acme", "--json")
    run = json.loads(again.stdout)
    assert (run["state"], run["output_files"]) == (
        "succeeded",
        ["download/contacts.csv", "download/contacts.ready"],
    )


def test_cli_files_rm_deletes_a_download(cli_home: Path) -> None:
    dataconnect(cli_home, "jobs", "run", "Contacts out", "--account", "Acme")
    removed = dataconnect(cli_home, "files", "rm", "download", "contacts.csv", "--account", "Acme")
    assert removed.exit_code == 0, (removed.stdout, removed.stderr)
    listed = dataconnect(cli_home, "files", "list", "download", "--account", "Acme", "--json")
    assert [f["name"] for f in json.loads(listed.stdout)] == ["contacts.ready"]
    refused = dataconnect(cli_home, "files", "rm", "archive", "x.csv", "--account", "Acme")
    assert refused.exit_code == 1 and "FOLDER_READ_ONLY" in refused.stderr


# --- its own schedule --------------------------------------------------------------------------


def test_a_scheduled_export_fires_in_its_slot_and_runs_once(app: App, clock: FakeClock) -> None:
    env: Env = account(app)
    env.load(CONTACTS_CSV)
    request = export_job(file_pattern="nightly_{YYYYMMDD}.csv")
    request.update(run_mode="scheduled", schedule={"kind": "daily", "hour": 2, "slot": 1})
    job = env.job(request)

    clock.set(datetime(2026, 1, 16, 1, 30, tzinfo=UTC))  # just after 02:15-02:29 in Berlin
    fired = app.schedules.run_pass()
    assert fired.fired == 1
    assert app.schedules.run_pass().decided == 0  # once
    claimed = app.work.claim("w1")
    assert claimed is not None
    app.work.execute(claimed, "w1", threading.Event())

    runs, _ = app.runs.list(env.caller, job_id=job.id)
    assert [(r.state.value, r.trigger.value) for r in runs] == [("succeeded", "schedule")]
    assert runs[0].output_files == (
        "download/nightly_20260116.csv",
        "download/nightly_20260116.ready",
    )
