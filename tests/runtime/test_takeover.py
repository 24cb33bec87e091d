"""Lost workers, driven by the test clock: a lease runs out, another worker takes the run over.

What a crashed worker leaves behind is built here step by step (claim, start a step, stop
there), so every case is exact; ``test_crash.py`` does the same with real processes and
``SIGKILL``.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from grouping import DAY, Env, account, list_csv

from dataconnect.bootstrap import App, _sink_factory
from dataconnect.clock import FakeClock
from dataconnect.imports.engine import run_import
from dataconnect.services.work import Claimed
from dataconnect.store.store import Store

PAST_LEASE = timedelta(seconds=11)  # the default lease is 10 s


@pytest.fixture
def env(app: App) -> Env:
    return account(app)


def two_step_group(env: Env) -> tuple[int, int, int]:
    a = env.list_job("A", "a_{YYYYMMDD}.csv")
    b = env.list_job("B", "b_{YYYYMMDD}.csv")
    env.put(f"a_{DAY}.csv", list_csv("C1", "C2"))
    env.put(f"b_{DAY}.csv", list_csv("C3"))
    return env.group([a, b]), a, b


def start_first_step(app: App, worker: str) -> tuple[Claimed, int]:
    """What a worker that dies in the middle of step 1 leaves: the step running, its lease."""
    claimed = app.work.claim(worker)
    assert claimed is not None and not claimed.taken_over
    with Store(app.engines).write() as tx:
        job_run_id, _ = app.work.handler("group")._next_step(tx, claimed, worker, resumed=False)
    assert job_run_id is not None
    return claimed, job_run_id


def test_nothing_is_taken_over_while_the_lease_holds(app: App, env: Env, clock: FakeClock) -> None:
    group, _, _ = two_step_group(env)
    app.group_runs.start(env.caller, group)
    start_first_step(app, "w1")

    clock.advance(timedelta(seconds=9))
    assert app.work.claim("w2") is None
    app.work.renew("w1")  # the worker's sign of life moves the deadline
    clock.advance(timedelta(seconds=9))
    assert app.work.claim("w2") is None


def test_an_interrupted_step_runs_again_and_the_group_goes_on(
    app: App, env: Env, clock: FakeClock
) -> None:
    group, _, _ = two_step_group(env)
    run = app.group_runs.start(env.caller, group)
    _, job_run_id = start_first_step(app, "dead-worker")

    clock.advance(PAST_LEASE)
    claimed = app.work.claim("w2")
    assert claimed is not None and claimed.taken_over and claimed.id == run.id
    app.work.execute(claimed, "w2", threading.Event())

    ended = app.group_runs.get(env.caller, run.id)
    assert ended.state.value == "succeeded"
    first = env.job_run(job_run_id)
    assert (first.state.value, first.attempt, first.records_added) == ("succeeded", 2, 2)
    assert sorted(r["CUSTOMER_ID_"] for r in env.rows("CONTACTS")) == ["C1", "C2", "C3"]
    notes = [e["note"] or "" for e in app.group_runs.history(env.caller, run.id)]
    assert any("taken over from dead-worker" in n for n in notes)
    job_notes = [e["note"] or "" for e in app.runs.history(env.caller, job_run_id)]
    assert any("attempt 2" in n for n in job_notes)


def test_a_step_whose_data_committed_before_the_crash_is_not_applied_again(
    app: App, env: Env, clock: FakeClock
) -> None:
    """The worker died after the import's commit, before it recorded the step: the marker
    row, written with the data, tells the next worker, which keeps the counts."""
    group, a, _ = two_step_group(env)
    run = app.group_runs.start(env.caller, group)
    _, job_run_id = start_first_step(app, "dead-worker")
    outcome = run_import(
        job=app.jobs.get(env.caller, a),
        zone="Europe/Berlin",
        tables={t.name: t for t, _ in app.tables.list(env.caller)},
        job_run_id=job_run_id,
        files=app.file_server,
        open_sink=_sink_factory(app.engines),
        now=clock.now(),
        stop=threading.Event(),
        progress=lambda rows: None,
    )
    assert outcome.state == "succeeded"

    clock.advance(PAST_LEASE)
    claimed = app.work.claim("w2")
    assert claimed is not None
    app.work.execute(claimed, "w2", threading.Event())

    assert app.group_runs.get(env.caller, run.id).state.value == "succeeded"
    first = env.job_run(job_run_id)
    assert (first.state.value, first.attempt) == ("succeeded", 1)
    assert (first.records_processed, first.records_added) == (2, 2)
    assert sorted(r["CUSTOMER_ID_"] for r in env.rows("CONTACTS")) == ["C1", "C2", "C3"]


def test_a_step_interrupted_three_times_ends_the_run_failed(
    app: App, env: Env, clock: FakeClock
) -> None:
    group, _, _ = two_step_group(env)
    run = app.group_runs.start(env.caller, group)
    _, job_run_id = start_first_step(app, "w1")
    for worker in ("w2", "w3"):  # each takes over, starts the import again, and dies too
        clock.advance(PAST_LEASE)
        claimed = app.work.claim(worker)
        assert claimed is not None and claimed.taken_over
        dies = threading.Event()
        dies.set()
        app.work.handler("job").attempt(env.account_id, job_run_id, worker, True, dies)
    assert env.job_run(job_run_id).attempt == 3

    clock.advance(PAST_LEASE)
    claimed = app.work.claim("w4")
    assert claimed is not None
    app.work.execute(claimed, "w4", threading.Event())

    ended = app.group_runs.get(env.caller, run.id)
    assert ended.state.value == "failed"
    assert [s.state.value for s in ended.steps] == ["failed", "not_run"]
    assert ended.error_code == "RUN_INTERRUPTED"
    first = env.job_run(job_run_id)
    assert first.error_code == "RUN_INTERRUPTED"
    assert "interrupted 3 times" in (first.error_message or "")
    assert env.rows("CONTACTS") == []


def test_a_worker_that_lost_its_lease_changes_nothing(app: App, env: Env, clock: FakeClock) -> None:
    """A worker presumed dead that wakes up late: its writes are refused by the lease guard."""
    group, _, _ = two_step_group(env)
    run = app.group_runs.start(env.caller, group)
    slow, job_run_id = start_first_step(app, "slow-worker")
    clock.advance(PAST_LEASE)
    claimed = app.work.claim("w2")
    assert claimed is not None
    app.work.execute(claimed, "w2", threading.Event())
    assert app.group_runs.get(env.caller, run.id).state.value == "succeeded"

    app.work.execute(slow, "slow-worker", threading.Event())  # wakes up, goes on

    ended = app.group_runs.get(env.caller, run.id)
    assert ended.state.value == "succeeded"
    assert env.job_run(job_run_id).attempt == 2
    assert sorted(r["CUSTOMER_ID_"] for r in env.rows("CONTACTS")) == ["C1", "C2", "C3"]


def test_a_run_stopped_while_its_worker_was_lost_ends_stopped(
    app: App, env: Env, clock: FakeClock
) -> None:
    group, _, _ = two_step_group(env)
    run = app.group_runs.start(env.caller, group)
    _, job_run_id = start_first_step(app, "dead-worker")
    app.group_runs.stop_group(env.caller, group)

    clock.advance(PAST_LEASE)
    claimed = app.work.claim("w2")
    assert claimed is not None
    app.work.execute(claimed, "w2", threading.Event())

    ended = app.group_runs.get(env.caller, run.id)
    assert ended.state.value == "stopped"
    assert [s.state.value for s in ended.steps] == ["aborted", "not_run"]
    assert env.job_run(job_run_id).state.value == "aborted"
    assert env.rows("CONTACTS") == []


def test_a_single_job_run_is_taken_over_too(app: App, env: Env, clock: FakeClock) -> None:
    job = env.list_job("A", "a_{YYYYMMDD}.csv")
    env.put(f"a_{DAY}.csv", list_csv("C1"))
    run = app.runs.start_job(env.caller, job)
    assert app.work.claim("dead-worker") is not None

    clock.advance(PAST_LEASE)
    claimed = app.work.claim("w2")
    assert claimed is not None and claimed.kind == "job" and claimed.taken_over
    app.work.execute(claimed, "w2", threading.Event())

    ended = env.job_run(run.id)
    assert (ended.state.value, ended.attempt, ended.records_added) == ("succeeded", 2, 1)
