"""Group runs on SQLite and PostgreSQL: order, first failure, Run Now and Stop, history.

A worker of the app runs the group runs in its threads (as in ``dataconnect serve``); each test
waits for the outcome with a bounded poll.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from grouping import DAY, Env, account, big_list_csv, list_csv, pet_csv

from dataconnect.bootstrap import App
from dataconnect.clock import FakeClock
from dataconnect.errors import Conflict
from dataconnect.runtime.worker import Worker
from dataconnect.store.store import Store


@pytest.fixture
def env(app: App) -> Env:
    return account(app)


@pytest.fixture
def worker(app: App) -> Iterator[Worker]:
    worker = app.start_worker(poll=0.05)
    yield worker
    worker.close()


def states(env: Env, run_id: int) -> list[str]:
    return [s.state.value for s in env.app.group_runs.get(env.caller, run_id).steps]


def test_steps_run_in_order_each_committed_before_the_next(env: Env, worker: Worker) -> None:
    """The PET import, second, finds the profiles the list import just added."""
    first, second = env.list_job(), env.pet_job()
    group = env.group([first, second])
    env.put(f"list_{DAY}.csv", list_csv("C1", "C2"))
    env.put(f"pet_{DAY}.csv", pet_csv("C1", "C2"))

    run = env.wait_group(env.app.group_runs.start(env.caller, group).id)

    assert run.state.value == "succeeded", run
    assert [(s.job_id, s.state.value) for s in run.steps] == [
        (first, "succeeded"),
        (second, "succeeded"),
    ]
    one, two = (env.job_run(s.job_run_id or 0) for s in run.steps)
    assert (one.records_added, two.records_added) == (2, 2)
    assert one.ended_at is not None and two.started_at is not None
    assert one.ended_at <= two.started_at
    assert len(env.rows("PURCHASES")) == 2
    assert (one.group_run_id, one.position, two.position) == (run.id, 1, 2)


def test_the_pet_first_finds_no_profiles_the_order_matters(env: Env, worker: Worker) -> None:
    pet, lst = env.pet_job(), env.list_job()
    group = env.group([pet, lst])
    env.put(f"list_{DAY}.csv", list_csv("C1"))
    env.put(f"pet_{DAY}.csv", pet_csv("C1"))

    run = env.wait_group(env.app.group_runs.start(env.caller, group).id)

    assert run.state.value == "succeeded"
    assert env.job_run(run.steps[0].job_run_id or 0).records_rejected == 1
    assert env.rows("PURCHASES") == []


def test_a_failed_step_ends_the_run_failed_and_the_rest_not_run(env: Env, worker: Worker) -> None:
    first = env.list_job("First", "first_{YYYYMMDD}.csv")
    second = env.list_job("Second", "second_{YYYYMMDD}.csv")  # its file never arrives
    third = env.list_job("Third", "third_{YYYYMMDD}.csv")
    group = env.group([first, second, third])
    env.put(f"first_{DAY}.csv", list_csv("C1"))
    env.put(f"third_{DAY}.csv", list_csv("C3"))

    run = env.wait_group(env.app.group_runs.start(env.caller, group).id)

    assert run.state.value == "failed"
    assert states(env, run.id) == ["succeeded", "failed", "not_run"]
    assert run.steps[2].job_run_id is None
    assert run.error_code == "FILE_NOT_FOUND"
    assert "Second" in (run.error_message or "")
    assert [r["CUSTOMER_ID_"] for r in env.rows("CONTACTS")] == ["C1"]
    assert env.app.file_server.exists(env.account_id, "upload", f"third_{DAY}.csv")


def test_run_now_of_a_group_with_a_run_in_progress_is_refused(app: App, env: Env) -> None:
    group = env.group([env.list_job("A", "a.csv"), env.list_job("B", "b.csv")])
    first = app.group_runs.start(env.caller, group)  # no worker: it stays queued

    with pytest.raises(Conflict) as refused:
        app.group_runs.start(env.caller, group)

    assert refused.value.code == "GROUP_ALREADY_RUNNING"
    runs, _ = app.group_runs.list(env.caller, group_id=group)
    assert [r.id for r in runs] == [first.id]
    # Once its first step runs, its job is busy too; the answer still names the group.
    claimed = app.work.claim("phantom")
    assert claimed is not None
    with Store(app.engines).write() as tx:
        app.work.handler("group")._next_step(tx, claimed, "phantom", resumed=False)
    with pytest.raises(Conflict) as again:
        app.group_runs.start(env.caller, group)
    assert again.value.code == "GROUP_ALREADY_RUNNING"


def test_run_now_of_a_saved_group_is_refused(app: App, env: Env) -> None:
    group = env.group([env.list_job("A", "a.csv"), env.list_job("B", "b.csv")], activate=False)

    with pytest.raises(Conflict) as refused:
        app.group_runs.start(env.caller, group)

    assert refused.value.code == "GROUP_NOT_ACTIVE"


def test_a_member_running_alone_blocks_run_now_and_the_group_blocks_it(app: App, env: Env) -> None:
    a, b = env.list_job("A", "a.csv"), env.list_job("B", "b.csv")
    group = env.group([a, b])
    alone = app.runs.start_job(env.caller, a)

    with pytest.raises(Conflict) as refused:
        app.group_runs.start(env.caller, group)
    assert refused.value.code == "JOB_ALREADY_RUNNING"

    app.runs.stop(env.caller, alone.id)  # queued: ends at once
    app.group_runs.start(env.caller, group)
    with pytest.raises(Conflict) as blocked:
        app.runs.start_job(env.caller, b)
    assert blocked.value.code == "GROUP_RUNNING"


def test_stop_of_a_queued_run_ends_it_with_every_step_not_run(app: App, env: Env) -> None:
    group = env.group([env.list_job("A", "a.csv"), env.list_job("B", "b.csv")])
    run = app.group_runs.start(env.caller, group)

    stopped = app.group_runs.stop_group(env.caller, group)

    assert stopped.state.value == "stopped"
    assert states(env, run.id) == ["not_run", "not_run"]
    assert stopped.stopped_by == env.caller.label
    with pytest.raises(Conflict) as again:
        app.group_runs.stop_group(env.caller, group)
    assert again.value.code == "GROUP_NOT_RUNNING"
    with pytest.raises(Conflict) as ended:
        app.group_runs.stop(env.caller, run.id)
    assert ended.value.code == "RUN_ALREADY_ENDED"


def test_stop_aborts_the_running_import_within_a_second_and_rolls_it_back(
    env: Env, worker: Worker
) -> None:
    first = env.list_job("Big", "big_{YYYYMMDD}.csv")
    second = env.list_job("After", "after_{YYYYMMDD}.csv")
    group = env.group([first, second])
    env.put(f"big_{DAY}.csv", big_list_csv(300_000))
    env.put(f"after_{DAY}.csv", list_csv("Z1"))
    run = env.app.group_runs.start(env.caller, group)
    deadline = time.monotonic() + 20
    while True:  # until the import has read rows (progress is written every second)
        step = env.app.group_runs.get(env.caller, run.id).steps[0]
        if step.job_run_id and env.job_run(step.job_run_id).records_processed > 0:
            break
        assert time.monotonic() < deadline, "the import never started"
        time.sleep(0.01)

    asked = time.monotonic()
    env.app.group_runs.stop_group(env.caller, group)
    ended = env.wait_group(run.id)
    took = time.monotonic() - asked

    assert ended.state.value == "stopped"
    assert took < 1.0, took
    assert states(env, run.id) == ["aborted", "not_run"]
    assert env.rows("CONTACTS") == []
    aborted = env.job_run(ended.steps[0].job_run_id or 0)
    assert aborted.state.value == "aborted"
    history = env.app.group_runs.history(env.caller, run.id)
    assert [(e["from"], e["to"]) for e in history] == [
        (None, "queued"),
        ("queued", "running"),
        ("running", "stopping"),
        ("stopping", "stopped"),
    ]
    assert history[2]["by"] == env.caller.label
    assert history[0]["by"] == env.caller.label


def test_a_stop_between_steps_runs_nothing_more(app: App, env: Env) -> None:
    """A stop that arrives as a step commits: that step is kept, the next ones do not run."""
    a = env.list_job("A", "a_{YYYYMMDD}.csv")
    b = env.list_job("B", "b_{YYYYMMDD}.csv")
    group = env.group([a, b])
    env.put(f"a_{DAY}.csv", list_csv("C1"))
    env.put(f"b_{DAY}.csv", list_csv("C2"))
    run = app.group_runs.start(env.caller, group)
    claimed = app.work.claim("w1")
    assert claimed is not None and claimed.id == run.id
    jobs = app.work.handler("job")
    original = jobs.attempt
    calls = []

    def attempt_then_stop(*args, **kwargs):  # type: ignore[no-untyped-def]
        outcome = original(*args, **kwargs)
        calls.append(outcome)
        if len(calls) == 1:  # the first import is done, not yet recorded: the stop arrives
            app.group_runs.stop_group(env.caller, group)
        return outcome

    jobs.attempt = attempt_then_stop  # type: ignore[method-assign]
    app.work.execute(claimed, "w1", threading.Event())

    ended = env.wait_group(run.id)
    assert ended.state.value == "stopped"
    assert states(env, run.id) == ["succeeded", "not_run"]
    assert [r["CUSTOMER_ID_"] for r in env.rows("CONTACTS")] == ["C1"]


def test_terminal_runs_never_move_again(app: App, env: Env, worker: Worker) -> None:
    a = env.list_job("A", "a_{YYYYMMDD}.csv")
    b = env.list_job("B", "b_{YYYYMMDD}.csv")
    group = env.group([a, b])
    run = env.wait_group(app.group_runs.start(env.caller, group).id)
    assert run.state.value == "failed"

    with pytest.raises(Conflict) as refused:
        app.group_runs.stop(env.caller, run.id)

    assert refused.value.code == "RUN_ALREADY_ENDED"
    claimed = app.work.claim("late-worker", only=("group", run.id))
    assert claimed is None
    assert env.app.group_runs.get(env.caller, run.id).state.value == "failed"


def test_a_web_only_app_queues_runs_for_the_workers(app: App, env: Env) -> None:
    """`serve --role web`: the HTTP app starts runs; only a worker runs them."""
    from fastapi.testclient import TestClient

    from dataconnect.api.app import create_app

    a = env.list_job("A", "a_{YYYYMMDD}.csv")
    b = env.list_job("B", "b_{YYYYMMDD}.csv")
    group = env.group([a, b])
    env.put(f"a_{DAY}.csv", list_csv("C1"))
    env.put(f"b_{DAY}.csv", list_csv("C2"))
    _, token = app.accounts.create_token("Acme", "dd@acme.example.com")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(app, worker=False)) as web:
        started = web.post(f"/api/v1/groups/{group}/run", headers=headers)
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        assert app.workers == []
        assert web.get(f"/api/v1/group-runs/{run_id}", headers=headers).json()["state"] == "queued"

        worker = app.start_worker(poll=0.05)
        try:
            ended = env.wait_group(run_id)
        finally:
            worker.close()
        body = web.get(f"/api/v1/group-runs/{run_id}", headers=headers).json()

    assert ended.state.value == "succeeded"
    assert body["state"] == "succeeded"
    assert [(s["position"], s["state"], s["records_added"]) for s in body["steps"]] == [
        (1, "succeeded", 1),
        (2, "succeeded", 1),
    ]
    assert [h["to"] for h in body["history"]] == ["queued", "running", "succeeded"]


def test_group_run_api_errors(app: App, env: Env) -> None:
    from fastapi.testclient import TestClient

    from dataconnect.api.app import create_app

    group = env.group([env.list_job("A", "a.csv"), env.list_job("B", "b.csv")], activate=False)
    _, token = app.accounts.create_token("Acme", "dd@acme.example.com")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(app, worker=False)) as web:
        saved = web.post(f"/api/v1/groups/{group}/run", headers=headers)
        missing = web.post("/api/v1/groups/999999/run", headers=headers)
        not_running = web.post(f"/api/v1/groups/{group}/stop", headers=headers)
        no_run = web.get("/api/v1/group-runs/999999", headers=headers)
        bad_state = web.get("/api/v1/group-runs?state=bogus", headers=headers)
        bad_id = web.post("/api/v1/group-runs/0/stop", headers=headers)

    assert (saved.status_code, saved.json()["code"]) == (409, "GROUP_NOT_ACTIVE")
    assert (missing.status_code, missing.json()["code"]) == (404, "GROUP_NOT_FOUND")
    assert (not_running.status_code, not_running.json()["code"]) == (409, "GROUP_NOT_RUNNING")
    assert (no_run.status_code, no_run.json()["code"]) == (404, "GROUP_RUN_NOT_FOUND")
    assert (bad_state.status_code, bad_state.json()["code"]) == (422, "GROUP_RUN_STATE_INVALID")
    assert bad_id.status_code == 422


def test_a_worker_shutting_down_hands_its_run_back(app: App, env: Env, clock: FakeClock) -> None:
    first = env.list_job("Big", "big_{YYYYMMDD}.csv")
    second = env.list_job("After", "after_{YYYYMMDD}.csv")
    group = env.group([first, second])
    env.put(f"big_{DAY}.csv", big_list_csv(300_000))
    env.put(f"after_{DAY}.csv", list_csv("Z1"))
    leaving = app.start_worker(poll=0.05)
    run = app.group_runs.start(env.caller, group)
    deadline = time.monotonic() + 20
    while True:
        step = app.group_runs.get(env.caller, run.id).steps[0]
        if step.job_run_id and env.job_run(step.job_run_id).records_processed > 0:
            break
        assert time.monotonic() < deadline, "the import never started"
        time.sleep(0.01)

    leaving.close()

    handed = app.group_runs.get(env.caller, run.id)
    assert handed.state.value == "running"
    assert [s.state.value for s in handed.steps] == ["running", "pending"]
    assert env.rows("CONTACTS") == []
    clock.advance(timedelta(seconds=1))  # no lease to wait for: handed back at once
    staying = app.start_worker(poll=0.05)
    try:
        ended = env.wait_group(run.id, timeout=60)
    finally:
        staying.close()
    assert ended.state.value == "succeeded"
    assert env.job_run(ended.steps[0].job_run_id or 0).attempt == 2
    assert app.tables.get(env.caller, "CONTACTS")[1] == 300_001


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_run_now_and_stop_from_another_process_wake_the_worker_at_once(
    app: App, env: Env, pg_url: str, tmp_path: Path
) -> None:
    """On PostgreSQL, NOTIFY carries Run Now and Stop to workers elsewhere: a worker that would
    poll only every 30 s still starts and stops the run at once."""
    from dataconnect.testing import make_app

    first = env.list_job("Big", "big_{YYYYMMDD}.csv")
    second = env.list_job("After", "after_{YYYYMMDD}.csv")
    group = env.group([first, second])
    env.put(f"big_{DAY}.csv", big_list_csv(300_000))
    sleepy = app.start_worker(poll=30.0)
    time.sleep(0.5)  # let the worker's first poll and its LISTEN happen before the Run Now
    elsewhere = make_app(home=tmp_path / "elsewhere", database_url=pg_url)
    caller = elsewhere.accounts.cli_caller("Acme")
    try:
        run = elsewhere.group_runs.start(caller, group)
        deadline = time.monotonic() + 5
        while True:
            step = app.group_runs.get(env.caller, run.id).steps[0]
            if step.job_run_id and env.job_run(step.job_run_id).records_processed > 0:
                break
            assert time.monotonic() < deadline, "the sleepy worker did not wake up"
            time.sleep(0.01)

        asked = time.monotonic()
        elsewhere.group_runs.stop(caller, run.id)
        ended = env.wait_group(run.id)
        took = time.monotonic() - asked
    finally:
        sleepy.close()
        elsewhere.close()

    assert ended.state.value == "stopped"
    assert took < 1.0, took
