"""A run's changes commit at once or not at all: a stopped or killed run leaves the table as it
was, writes no marker row, and a rerun loads everything exactly once.

Runs on SQLite and on PostgreSQL (the ``app`` fixture). Every wait is bounded.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from importing import (
    FILE,
    Env,
    contacts,
    counts,
    csv_bytes,
    direct,
    folder,
    load,
    make_job,
    marker_exists,
    put,
    rows,
    run,
    table_rows,
)

from dataconnect.bootstrap import App
from dataconnect.imports.engine import ImportOutcome
from dataconnect.imports.postgres_sink import PostgresSink
from dataconnect.imports.sqlite_sink import SqliteSink

HERE = Path(__file__).resolve().parent


def customer_lines(n: int) -> list[str]:
    return [f"C{i:06d},u{i}@x.com,City {i}," for i in range(n)]


def seeded(app: App) -> tuple[Env, int, list[dict[str, object]]]:
    """CONTACTS holding C000000 (which every test file updates) and C_OLD (which it does not)."""
    env = contacts(app)
    seed = load(
        env, make_job(env, "Seed").id, csv_bytes("C000000,old@x.com,Old,", "C_OLD,o@x.com,Kept,")
    )
    assert seed.state.value == "succeeded"
    job = make_job(env)
    return env, job.id, rows(env)


def assert_loaded_once(env: Env, n: int) -> None:
    """Every customer of the file once, C000000 updated, C_OLD untouched."""
    found = table_rows(env)
    ids = [c for c, _, _ in found]
    assert len(ids) == len(set(ids)) == n + 1
    assert set(ids) == {f"C{i:06d}" for i in range(n)} | {"C_OLD"}
    by_id = {c: (e, city) for c, e, city in found}
    assert by_id["C000000"] == ("u0@x.com", "City 0")
    assert by_id["C_OLD"] == ("o@x.com", "Kept")


def test_batches_are_the_sinks_size_unless_the_caller_chooses_one(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each dialect's sink names the batch size that suits its database (a merge here: the
    list holds rows); the stop token and the progress are looked at between batches."""
    env, job_id, _ = seeded(app)
    put(env, csv_bytes(*customer_lines(7)))
    sink = SqliteSink if app.engines.dialect == "sqlite" else PostgresSink
    monkeypatch.setattr(sink, "batch_rows", 3)
    progress: list[int] = []

    outcome = direct(env, job_id, 7010, batch_rows=None, progress=progress.append)

    assert outcome.state == "succeeded", outcome
    assert progress == [3, 6, 7]
    put(env, csv_bytes(*customer_lines(7)))
    progress.clear()
    assert direct(env, job_id, 7011, batch_rows=5, progress=progress.append).updated == 7
    assert progress == [5, 7]


# --- stop ----------------------------------------------------------------------------------


def test_stop_after_the_first_batch_leaves_the_table_unchanged_and_a_rerun_loads_once(
    app: App,
) -> None:
    env, job_id, before = seeded(app)
    put(env, csv_bytes(*customer_lines(1000)))
    stop = threading.Event()
    progress: list[int] = []

    def stored(rows_read: int) -> None:
        progress.append(rows_read)
        stop.set()  # after the first batch has been written inside the transaction

    outcome = direct(env, job_id, 7001, stop=stop, batch_rows=100, progress=stored)

    assert outcome.state == "aborted"
    assert progress[:1] == [100]
    assert (outcome.added, outcome.updated) == (0, 0)
    assert rows(env) == before
    assert not marker_exists(app, 7001)
    assert folder(env, "upload") == [FILE]  # kept for the rerun
    assert folder(env, "download") == []  # no rejects file for an aborted run

    rerun = run(env, job_id)

    assert rerun.state.value == "succeeded", (rerun.error_code, rerun.error_message)
    assert counts(rerun) == (1000, 999, 1, 0)
    assert_loaded_once(env, 1000)
    assert marker_exists(app, rerun.id)


def test_a_run_id_is_never_applied_twice(app: App) -> None:
    env, job_id, _ = seeded(app)
    data = csv_bytes(*customer_lines(50))
    put(env, data)
    first = direct(env, job_id, 7002)
    assert first.state == "succeeded"
    after_first = rows(env)
    put(env, csv_bytes("C000000,changed@x.com,Changed,", "C_NEW,n@x.com,New,"))

    again = direct(env, job_id, 7002)

    assert again.already_applied
    assert again.state == "succeeded"
    assert (again.added, again.updated) == (0, 0)
    assert rows(env) == after_first


def test_a_stop_asked_before_the_run_aborts_it_through_the_services(app: App) -> None:
    env, job_id, before = seeded(app)
    put(env, csv_bytes(*customer_lines(10)))
    stop = threading.Event()
    stop.set()

    done = run(env, job_id, stop)

    assert done.state.value == "aborted"
    assert rows(env) == before
    assert not marker_exists(app, done.id)
    assert folder(env, "upload") == [FILE]


def test_a_stop_takes_effect_within_one_second(app: App) -> None:
    env, job_id, before = seeded(app)
    put(env, csv_bytes(*customer_lines(300_000)))
    stop = threading.Event()
    started = threading.Event()
    result: list[ImportOutcome] = []

    def progress(rows_read: int) -> None:
        if rows_read >= 5000:
            started.set()

    worker = threading.Thread(
        target=lambda: result.append(direct(env, job_id, 7003, stop=stop, progress=progress)),
        daemon=True,
    )
    worker.start()
    assert started.wait(timeout=30), "the import did not get going"
    asked = time.monotonic()
    stop.set()
    worker.join(timeout=10)
    took = time.monotonic() - asked

    assert not worker.is_alive()
    assert result and result[0].state == "aborted", result
    assert took < 1.0, f"the stop took {took:.2f} s"
    assert rows(env) == before
    assert not marker_exists(app, 7003)


# --- SIGKILL -------------------------------------------------------------------------------

KILL_ROWS = 50_000
READ_BEFORE_KILL = 20_000
KILLED_RUN = 7777

CHILD = """
import sys, threading, time
from pathlib import Path

import pytest

sys.path.insert(0, {here!r})
from importing import Env, direct

from dataconnect.bootstrap import build
from dataconnect.clock import FakeClock
from dataconnect.config import Settings
from dataconnect.testing import START

app = build(Settings(home=Path({home!r}), database_url={url!r}), clock=FakeClock(START))
env = Env(app, app.accounts.cli_caller("Acme"))


def progress(rows_read):
    if rows_read >= {threshold}:
        print("READ", rows_read, flush=True)
        time.sleep(120)  # holds the open transaction until the parent kills us


direct(env, {job_id}, {run_id}, progress=progress)
print("FINISHED", flush=True)
"""


def _lines_of(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)
    into.put("")


def test_a_killed_import_leaves_the_table_unchanged_and_a_rerun_loads_once(
    app: App, tmp_path: Path
) -> None:
    env, job_id, before = seeded(app)
    put(env, csv_bytes(*customer_lines(KILL_ROWS)))
    script = textwrap.dedent(CHILD).format(
        here=str(HERE),
        home=str(app.settings.home),
        url=app.settings.database_url,
        threshold=READ_BEFORE_KILL,
        job_id=job_id,
        run_id=KILLED_RUN,
    )
    errors = tmp_path / "child-stderr.txt"
    lines: queue.Queue[str] = queue.Queue()
    with (
        errors.open("w") as stderr,
        subprocess.Popen(
            [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=stderr, text=True
        ) as child,
    ):
        try:
            threading.Thread(target=_lines_of, args=(child.stdout, lines), daemon=True).start()
            try:
                line = lines.get(timeout=60)
            except queue.Empty:
                line = "(nothing within 60 s)"
            if line.startswith("READ"):
                os.kill(child.pid, signal.SIGKILL)
                assert child.wait(timeout=10) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=10)
    assert line.startswith("READ"), f"child said {line!r}; stderr:\n{errors.read_text()}"

    assert rows(env) == before
    assert not marker_exists(app, KILLED_RUN)
    assert folder(env, "upload") == [FILE]

    rerun = run(env, job_id)

    assert rerun.state.value == "succeeded", (rerun.error_code, rerun.error_message)
    assert counts(rerun) == (KILL_ROWS, KILL_ROWS - 1, 1, 0)
    assert_loaded_once(env, KILL_ROWS)
    assert marker_exists(app, rerun.id)
    assert not marker_exists(app, KILLED_RUN)
