"""The constraints later issues rely on, enforced by the database itself on both backends.

Rows go in directly with SQLAlchemy Core through ``app.engines.meta``, each in its own
transaction, so nothing but the schema stands between a second active run and the table.
"""

from __future__ import annotations

import itertools
import os
import selectors
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from dataconnect.bootstrap import App
from dataconnect.clock import FakeClock
from dataconnect.domain.runs import (
    ACTIVE_GROUP_RUN_STATES,
    ACTIVE_JOB_RUN_STATES,
    GroupRunState,
    JobRunState,
    is_terminal_group_run,
    is_terminal_job_run,
)
from dataconnect.store import schema as s

ACTIVE_GROUP = ("queued", "running", "stopping")
TERMINAL_GROUP = ("succeeded", "failed", "stopped")
ACTIVE_JOB = ("queued", "running")
TERMINAL_JOB = ("succeeded", "failed", "aborted")

GROUP_ID = 41
JOB_ID = 73


@pytest.fixture
def account_id(app: App) -> int:
    return app.accounts.create_account("Acme", "UTC").id


def _insert(app: App, table: Table, **values: Any) -> int:
    with app.engines.meta.begin() as conn:
        return int(conn.execute(insert(table).values(**values)).inserted_primary_key[0])


def _group_run(app: App, account_id: int, state: str, group_id: int = GROUP_ID) -> int:
    return _insert(
        app,
        s.group_runs,
        account_id=account_id,
        group_id=group_id,
        group_name="Nightly",
        state=state,
        trigger="manual",
        requested_by="user:ann@example.com",
        created_at=app.clock.now(),
    )


def _job_run(app: App, account_id: int, state: str, job_id: int = JOB_ID) -> int:
    return _insert(
        app,
        s.job_runs,
        account_id=account_id,
        job_id=job_id,
        job_name="Daily customers",
        state=state,
        trigger="manual",
        requested_by="user:ann@example.com",
        created_at=app.clock.now(),
    )


def _occurrence(
    app: App, account_id: int, *, owner_kind: str, owner_id: int, nominal_at: datetime
) -> int:
    return _insert(
        app,
        s.occurrences,
        account_id=account_id,
        owner_kind=owner_kind,
        owner_id=owner_id,
        nominal_at=nominal_at,
        fire_at=nominal_at + timedelta(seconds=17),
        state="planned",
    )


def _states(app: App, table: Table, key: Any, value: int) -> list[str]:
    with app.engines.meta.connect() as conn:
        rows = conn.execute(select(table.c.state).where(key == value).order_by(table.c.id))
        return list(rows.scalars())


# --- the expected states are the domain's ------------------------------------------------------


def test_the_indexed_states_are_the_domains_active_states() -> None:
    assert {x.value for x in ACTIVE_GROUP_RUN_STATES} == set(ACTIVE_GROUP)
    assert {x.value for x in ACTIVE_JOB_RUN_STATES} == set(ACTIVE_JOB)
    assert {x.value for x in GroupRunState if is_terminal_group_run(x)} == set(TERMINAL_GROUP)
    assert {x.value for x in JobRunState if is_terminal_job_run(x)} == set(TERMINAL_JOB)


# --- group runs: at most one queued/running/stopping run per group ------------------------------


@pytest.mark.parametrize(("first", "second"), list(itertools.product(ACTIVE_GROUP, repeat=2)))
def test_a_second_active_group_run_of_one_group_is_refused(
    app: App, account_id: int, first: str, second: str
) -> None:
    _group_run(app, account_id, first)
    with pytest.raises(IntegrityError):
        _group_run(app, account_id, second)
    assert _states(app, s.group_runs, s.group_runs.c.group_id, GROUP_ID) == [first]


def test_any_number_of_terminal_group_runs_is_fine(app: App, account_id: int) -> None:
    states = [*TERMINAL_GROUP, *TERMINAL_GROUP, *TERMINAL_GROUP]
    for state in states:
        _group_run(app, account_id, state)
    assert _states(app, s.group_runs, s.group_runs.c.group_id, GROUP_ID) == states


@pytest.mark.parametrize("active", ACTIVE_GROUP)
def test_one_active_group_run_among_many_terminal_ones_is_fine(
    app: App, account_id: int, active: str
) -> None:
    states = [*TERMINAL_GROUP, active, *TERMINAL_GROUP]
    for state in states:
        _group_run(app, account_id, state)
    assert _states(app, s.group_runs, s.group_runs.c.group_id, GROUP_ID) == states


def test_different_groups_each_have_their_active_run(app: App, account_id: int) -> None:
    for group_id, state in enumerate(ACTIVE_GROUP, start=100):
        _group_run(app, account_id, state, group_id=group_id)
    with app.engines.meta.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.group_runs)).scalar_one() == 3


def test_a_finished_group_run_frees_the_group_for_the_next(app: App, account_id: int) -> None:
    first = _group_run(app, account_id, "running")
    with app.engines.meta.begin() as conn:
        conn.execute(
            update(s.group_runs).where(s.group_runs.c.id == first).values(state="succeeded")
        )
    _group_run(app, account_id, "queued")
    assert _states(app, s.group_runs, s.group_runs.c.group_id, GROUP_ID) == [
        "succeeded",
        "queued",
    ]


def test_an_update_back_into_an_active_state_is_refused_too(app: App, account_id: int) -> None:
    finished = _group_run(app, account_id, "failed")
    _group_run(app, account_id, "running")
    with pytest.raises(IntegrityError), app.engines.meta.begin() as conn:
        conn.execute(
            update(s.group_runs).where(s.group_runs.c.id == finished).values(state="queued")
        )
    assert _states(app, s.group_runs, s.group_runs.c.group_id, GROUP_ID) == ["failed", "running"]


# --- job runs: at most one queued/running run per job ------------------------------------------


@pytest.mark.parametrize(("first", "second"), list(itertools.product(ACTIVE_JOB, repeat=2)))
def test_a_second_active_job_run_of_one_job_is_refused(
    app: App, account_id: int, first: str, second: str
) -> None:
    _job_run(app, account_id, first)
    with pytest.raises(IntegrityError):
        _job_run(app, account_id, second)
    assert _states(app, s.job_runs, s.job_runs.c.job_id, JOB_ID) == [first]


def test_any_number_of_terminal_job_runs_is_fine(app: App, account_id: int) -> None:
    states = [*TERMINAL_JOB, *TERMINAL_JOB, *TERMINAL_JOB]
    for state in states:
        _job_run(app, account_id, state)
    assert _states(app, s.job_runs, s.job_runs.c.job_id, JOB_ID) == states


@pytest.mark.parametrize("active", ACTIVE_JOB)
def test_one_active_job_run_among_many_terminal_ones_is_fine(
    app: App, account_id: int, active: str
) -> None:
    states = [*TERMINAL_JOB, active, *TERMINAL_JOB]
    for state in states:
        _job_run(app, account_id, state)
    assert _states(app, s.job_runs, s.job_runs.c.job_id, JOB_ID) == states


def test_different_jobs_each_have_their_active_run(app: App, account_id: int) -> None:
    _job_run(app, account_id, "running", job_id=1)
    _job_run(app, account_id, "queued", job_id=2)
    # The two indexes are independent: a group run does not block a job run with the same id.
    _group_run(app, account_id, "running", group_id=1)
    with app.engines.meta.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.job_runs)).scalar_one() == 2


def test_a_finished_job_run_frees_the_job_for_the_next(app: App, account_id: int) -> None:
    first = _job_run(app, account_id, "running")
    with app.engines.meta.begin() as conn:
        conn.execute(update(s.job_runs).where(s.job_runs.c.id == first).values(state="aborted"))
    _job_run(app, account_id, "queued")
    assert _states(app, s.job_runs, s.job_runs.c.job_id, JOB_ID) == ["aborted", "queued"]


# --- occurrences: one row per planned fire -----------------------------------------------------


def test_a_duplicate_occurrence_is_refused(app: App, account_id: int, clock: FakeClock) -> None:
    nominal = clock.now() + timedelta(hours=1)
    _occurrence(app, account_id, owner_kind="group", owner_id=GROUP_ID, nominal_at=nominal)
    with pytest.raises(IntegrityError):
        _occurrence(app, account_id, owner_kind="group", owner_id=GROUP_ID, nominal_at=nominal)


def test_the_same_instant_in_another_offset_is_the_same_occurrence(
    app: App, account_id: int, clock: FakeClock
) -> None:
    nominal = clock.now() + timedelta(hours=1)
    elsewhere = nominal.astimezone(timezone(timedelta(hours=5, minutes=30)))
    _occurrence(app, account_id, owner_kind="group", owner_id=GROUP_ID, nominal_at=nominal)
    with pytest.raises(IntegrityError):
        _occurrence(app, account_id, owner_kind="group", owner_id=GROUP_ID, nominal_at=elsewhere)


def test_occurrences_differing_in_any_key_part_are_fine(
    app: App, account_id: int, clock: FakeClock
) -> None:
    nominal = clock.now() + timedelta(hours=1)
    _occurrence(app, account_id, owner_kind="group", owner_id=GROUP_ID, nominal_at=nominal)
    _occurrence(app, account_id, owner_kind="job", owner_id=GROUP_ID, nominal_at=nominal)
    _occurrence(app, account_id, owner_kind="group", owner_id=GROUP_ID + 1, nominal_at=nominal)
    _occurrence(
        app,
        account_id,
        owner_kind="group",
        owner_id=GROUP_ID,
        nominal_at=nominal + timedelta(minutes=1),
    )
    with app.engines.meta.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.occurrences)).scalar_one() == 4


# --- a real race between processes --------------------------------------------------------------

RACER = """
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from dataconnect.store import schema as s
from dataconnect.store.engine import build_engines

home, url, account_id, group_id = sys.argv[1:5]
engines = build_engines(home=Path(home), database_url=url or None)
try:
    with engines.meta.connect() as conn:
        conn = conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            conn.execute(text("SELECT 1"))
        print("ready", flush=True)
        sys.stdin.readline()
        try:
            with conn.begin():
                conn.execute(
                    insert(s.group_runs).values(
                        account_id=int(account_id),
                        group_id=int(group_id),
                        group_name="Nightly",
                        state="queued",
                        trigger="schedule",
                        requested_by="schedule",
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            print("lost", flush=True)
        else:
            print("won", flush=True)
finally:
    engines.dispose()
"""

RACERS = 4
RACE_TIMEOUT = 60.0


def _readline(proc: subprocess.Popen[bytes], deadline: float) -> bytes:
    """One line from a child's stdout, read byte by byte so nothing stays buffered; bounded."""
    assert proc.stdout is not None
    line = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise AssertionError(f"no line from racer {proc.pid} in time; got {line!r}")
            chunk = os.read(proc.stdout.fileno(), 1)
            if not chunk:
                _, err = proc.communicate(timeout=max(deadline - time.monotonic(), 1))
                raise AssertionError(f"racer {proc.pid} exited early: {err.decode()}")
            line += chunk
    return line


def test_racing_processes_start_exactly_one_group_run(app: App, account_id: int) -> None:
    url = app.settings.database_url or ""
    args = [str(app.settings.home), url, str(account_id), str(GROUP_ID)]
    deadline = time.monotonic() + RACE_TIMEOUT
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
        )
        for _ in range(RACERS)
    ]
    try:
        # Every racer is connected before any of them starts its transaction.
        for proc in procs:
            assert _readline(proc, deadline) == b"ready\n"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
        outcomes = []
        for proc in procs:
            out, err = proc.communicate(timeout=max(deadline - time.monotonic(), 1))
            assert proc.returncode == 0, err.decode()
            outcomes.append(out.decode().strip())
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)

    assert sorted(outcomes) == ["lost"] * (RACERS - 1) + ["won"]
    assert _states(app, s.group_runs, s.group_runs.c.group_id, GROUP_ID) == ["queued"]
