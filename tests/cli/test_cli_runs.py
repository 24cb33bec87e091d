"""Running and stopping from the command line: groups run/stop/runs, jobs run/stop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dataconnect.files.server import FileServer
from dataconnect.testing import contacts_table, group_request, import_job, make_account, make_app


def _csv(*keys: str) -> bytes:
    return (
        "cust_id,email,city,legacy\n" + "".join(f"{k},{k}@x.com,Rome,\n" for k in keys)
    ).encode()


@pytest.fixture
def acme(home: Path) -> dict[str, Any]:
    """Account Acme with CONTACTS, jobs First (first.csv) and Second (second.csv), group Nightly."""
    app = make_app(home=home)
    caller, _ = make_account(app, "Acme")
    app.tables.create(caller, contacts_table())
    ids = []
    for name in ("First", "Second"):
        request = import_job(name)
        request["import"]["file_pattern"] = f"{name.lower()}.csv"
        ids.append(app.jobs.create(caller, request).id)
    group = app.groups.create(caller, group_request("Nightly", ids))
    app.close()
    return {"account_id": caller.account_id, "jobs": ids, "group": group.id}


def put(home: Path, account_id: int, name: str, data: bytes) -> None:
    FileServer(home / "files").put(account_id, "upload", name, [data], 10**6)


def test_groups_run_waits_for_every_step_and_exits_0(
    dc: Any, home: Path, acme: dict[str, Any]
) -> None:
    put(home, acme["account_id"], "first.csv", _csv("C1", "C2"))
    put(home, acme["account_id"], "second.csv", _csv("C3"))

    run = dc.json("groups", "run", "Nightly", "--account", "Acme", "--json")

    assert run["state"] == "succeeded"
    assert [(s["job_name"], s["state"], s["records_added"]) for s in run["steps"]] == [
        ("First", "succeeded", 2),
        ("Second", "succeeded", 1),
    ]
    assert run["requested_by"] == "cli"
    text = dc.ok("groups", "runs", "Nightly", "--account", "Acme")
    assert f"group run {run['id']} of Nightly: succeeded" in text
    assert "1. First: succeeded — 2 processed, 2 added" in text


def test_groups_run_exits_1_and_shows_the_failed_step(
    dc: Any, home: Path, acme: dict[str, Any]
) -> None:
    put(home, acme["account_id"], "first.csv", _csv("C1"))

    result = dc.invoke("groups", "run", "Nightly", "--account", "Acme")

    assert result.exit_code == 1, result.output
    assert "failed" in result.stdout
    assert "2. Second: failed" in result.stdout
    assert "FILE_NOT_FOUND" in result.stdout


def test_groups_run_no_wait_queues_and_stop_ends_it(dc: Any, acme: dict[str, Any]) -> None:
    queued = dc.json("groups", "run", "Nightly", "--account", "Acme", "--no-wait", "--json")
    assert queued["state"] == "queued"

    dc.fails("GROUP_ALREADY_RUNNING", "groups", "run", "Nightly", "--account", "Acme")
    stopped = dc.json("groups", "stop", "Nightly", "--account", "Acme", "--json")

    assert stopped["state"] == "stopped"
    assert [s["state"] for s in stopped["steps"]] == ["not_run", "not_run"]
    dc.fails("GROUP_NOT_RUNNING", "groups", "stop", "Nightly", "--account", "Acme")


def test_jobs_run_no_wait_then_stop_by_run_id(dc: Any, acme: dict[str, Any]) -> None:
    queued = dc.json("jobs", "run", "First", "--account", "Acme", "--no-wait", "--json")

    stopped = dc.json("jobs", "stop", str(queued["id"]), "--account", "Acme", "--json")

    assert stopped["state"] == "aborted"
    assert stopped["stopped_by"] == "cli"
    dc.fails("RUN_ALREADY_ENDED", "jobs", "stop", str(queued["id"]), "--account", "Acme")


def test_run_commands_refuse_unknown_names(dc: Any, acme: dict[str, Any]) -> None:
    dc.fails("GROUP_NOT_FOUND", "groups", "run", "Nope", "--account", "Acme")
    dc.fails("JOB_NOT_FOUND", "jobs", "run", "Nope", "--account", "Acme")
    dc.fails("JOB_RUN_NOT_FOUND", "jobs", "stop", "999", "--account", "Acme")
