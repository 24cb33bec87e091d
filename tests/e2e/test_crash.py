"""Crashes and races with real processes: ``dataconnect worker`` killed with SIGKILL in the middle
of a step, restarted services, several workers and many callers at once, on SQLite and
PostgreSQL. Waits are bounded; leases are 2 s here (10 s by default)."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dataconnect.bootstrap import App, build
from dataconnect.clock import SystemClock
from dataconnect.config import Settings
from dataconnect.domain.accounts import Caller
from dataconnect.domain.runs import GroupRun
from dataconnect.testing import contacts_table, group_request, import_job, make_account

pytestmark = pytest.mark.e2e
DATACONNECT = Path(sys.executable).parent / "dataconnect"
LEASE = "2"
BIG_ROWS = 400_000


@dataclass
class Site:
    """An app in this process (no worker) and the environment of worker processes beside it."""

    app: App
    caller: Caller
    env: dict[str, str]
    logs: Path

    def put(self, name: str, data: bytes) -> None:
        self.app.file_server.put(self.caller.account_id, "upload", name, [data], 10**10)

    def job(self, name: str, file_name: str) -> int:
        request = import_job(name)
        request["import"]["file_pattern"] = file_name
        return self.app.jobs.create(self.caller, request).id

    def group(self, name: str, job_ids: list[int]) -> int:
        return self.app.groups.create(self.caller, group_request(name, job_ids)).id

    def run(self, run_id: int) -> GroupRun:
        return self.app.group_runs.get(self.caller, run_id)

    def count(self) -> int:
        return self.app.tables.get(self.caller, "CONTACTS")[1]

    def wait(self, check: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
            time.sleep(0.05)

    def worker(self, slots: int = 1) -> subprocess.Popen[bytes]:
        log = self.logs / f"worker-{time.monotonic_ns()}.log"
        with log.open("wb") as out:  # the child keeps its own descriptor
            process = subprocess.Popen(
                [str(DATACONNECT), "worker", "--slots", str(slots)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.wait(
            lambda: b"ready" in log.read_bytes() or process.poll() is not None,
            30,
            "the worker to start",
        )
        assert process.poll() is None, log.read_text()
        return process


@pytest.fixture
def site(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    home = tmp_path / "home"
    url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    app = build(Settings(home=home, database_url=url), clock=SystemClock())
    app.upgrade_databases()
    caller, _ = make_account(app, "Acme", timezone="UTC")
    app.tables.create(caller, contacts_table())
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATACONNECT_")}
    env.update(DATACONNECT_HOME=str(home), DATACONNECT_LEASE_SECONDS=LEASE, PYTHONUNBUFFERED="1")
    env["DATACONNECT_SECRET_KEY"] = "the crash tests' secret key"  # PostgreSQL requires one
    if url:
        env["DATACONNECT_DATABASE_URL"] = url
    logs = tmp_path / "logs"
    logs.mkdir()
    yield Site(app, caller, env, logs)
    app.close()


@pytest.fixture
def workers(site: Site) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def rows_csv(keys: range, prefix: str = "K") -> bytes:
    head = "cust_id,email,city,legacy\n"
    return (head + "".join(f"{prefix}{i},u{i}@x.com,Berlin,\n" for i in keys)).encode()


def reading(site: Site, run_id: int) -> bool:
    """Step 1 of the run has read rows (its worker writes progress every second)."""
    step = site.run(run_id).steps[0]
    return (
        bool(step.job_run_id)
        and site.app.runs.get(site.caller, step.job_run_id or 0).records_processed > 0
    )


def test_a_worker_killed_mid_step_is_taken_over_and_the_step_applied_once(
    site: Site, workers: list[subprocess.Popen[bytes]]
) -> None:
    big = site.job("Big", "big.csv")
    small = site.job("Small", "small.csv")
    site.put("big.csv", rows_csv(range(BIG_ROWS)))
    site.put("small.csv", rows_csv(range(3), prefix="S"))
    group = site.group("Nightly", [big, small])
    doomed = site.worker()
    workers.append(doomed)
    run = site.app.group_runs.start(site.caller, group)
    site.wait(lambda: reading(site, run.id), 60, "the big import to be reading")

    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    killed_at = time.monotonic()
    workers.append(site.worker())  # the restarted service
    site.wait(lambda: site.run(run.id).state.value != "running", 60, "the run to end")
    ended = site.run(run.id)

    assert ended.state.value == "succeeded", (
        ended,
        site.app.group_runs.history(site.caller, run.id),
    )
    first = site.app.runs.get(site.caller, ended.steps[0].job_run_id or 0)
    assert first.attempt == 2
    assert first.started_at is not None
    assert site.count() == BIG_ROWS + 3  # each row once: the first attempt rolled back
    history = site.app.group_runs.history(site.caller, run.id)
    takeover = [e for e in history if "taken over" in (e["note"] or "")]
    assert len(takeover) == 1
    assert time.monotonic() - killed_at < 60


def test_an_export_whose_worker_is_killed_publishes_one_complete_file_once_taken_over(
    site: Site, workers: list[subprocess.Popen[bytes]]
) -> None:
    loader = site.job("Load", "big.csv")
    site.put("big.csv", rows_csv(range(BIG_ROWS)))
    loaded = site.app.runs.start_job(site.caller, loader)
    done = site.app.runs.execute(site.caller.account_id, loaded.id, threading.Event())
    assert done.state.value == "succeeded"
    export = site.app.jobs.create(
        site.caller,
        {
            "name": "Everything out",
            "type": "export",
            "activate": True,
            # every field, gzipped: a few seconds of work to be killed in
            "export": {
                "source": "CONTACTS",
                "file_pattern": "all.csv",
                "compression": "gzip",
                "count_file": True,
                "ready_file": True,
            },
        },
    )
    doomed = site.worker()
    workers.append(doomed)
    run = site.app.runs.start_job(site.caller, export.id)
    site.wait(
        lambda: site.app.runs.get(site.caller, run.id).records_processed > 0,
        60,
        "the export to be writing",
    )

    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    download = site.app.file_server.folder(site.caller.account_id, "download")
    assert site.app.file_server.list(site.caller.account_id, "download") == []  # none published
    assert any(p.name.startswith(".tmp-") for p in download.iterdir())  # half a file, hidden
    workers.append(site.worker())
    site.wait(
        lambda: site.app.runs.get(site.caller, run.id).state.value in ("succeeded", "failed"),
        90,
        "the export to end",
    )
    ended = site.app.runs.get(site.caller, run.id)

    assert (ended.state.value, ended.attempt, ended.records_processed) == ("succeeded", 2, BIG_ROWS)
    assert ended.output_files == (
        "download/all.csv.gz",
        "download/all.csv.cnt",
        "download/all.csv.ready",
    )
    assert sorted(p.name for p in download.iterdir()) == [
        "all.csv.cnt",
        "all.csv.gz",
        "all.csv.ready",
    ]
    with gzip.open(download / "all.csv.gz", "rt", encoding="utf-8") as data:
        lines = sum(1 for _ in data)
    assert lines == BIG_ROWS + 1  # the header and every row, once
    assert (download / "all.csv.ready").read_text() == f"all.csv.gz,{BIG_ROWS}\n"


def test_a_restart_with_runs_queued_and_running_loses_and_doubles_nothing(
    site: Site, workers: list[subprocess.Popen[bytes]]
) -> None:
    big = site.job("Big", "big.csv")
    site.put("big.csv", rows_csv(range(BIG_ROWS // 2)))
    after = site.job("After big", "after.csv")
    site.put("after.csv", rows_csv(range(2), prefix="A"))
    groups = [site.group("G0", [big, after])]
    for g in range(1, 5):
        ids = []
        for step in range(2):
            name = f"g{g}s{step}.csv"
            ids.append(site.job(f"Job {g}-{step}", name))
            site.put(name, rows_csv(range(2), prefix=f"G{g}S{step}_"))
        groups.append(site.group(f"G{g}", ids))
    first = site.worker(slots=1)
    workers.append(first)
    runs = [site.app.group_runs.start(site.caller, g) for g in groups]
    site.wait(lambda: reading(site, runs[0].id), 60, "the big import to be reading")

    first.send_signal(signal.SIGKILL)
    first.wait(10)
    workers.append(site.worker(slots=2))
    site.wait(lambda: all(not site.run(r.id).active for r in runs), 90, "every run to end")

    ended = [site.run(r.id) for r in runs]
    assert [r.state.value for r in ended] == ["succeeded"] * 5
    job_runs, _ = site.app.runs.list(site.caller, limit=100)
    assert len(job_runs) == 10  # one job run per step, none duplicated
    assert site.count() == BIG_ROWS // 2 + 2 + 4 * 4


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_three_workers_share_many_runs_and_run_each_step_once(
    site: Site, workers: list[subprocess.Popen[bytes]]
) -> None:
    groups = []
    for g in range(30):
        ids = []
        for step in range(3):
            name = f"g{g}s{step}.csv"
            ids.append(site.job(f"Job {g}-{step}", name))
            site.put(name, rows_csv(range(2), prefix=f"G{g}S{step}_"))
        groups.append(site.group(f"G{g}", ids))
    for _ in range(3):
        workers.append(site.worker(slots=4))

    runs = [site.app.group_runs.start(site.caller, g) for g in groups]
    site.wait(lambda: all(not site.run(r.id).active for r in runs), 120, "every run to end")

    assert {site.run(r.id).state.value for r in runs} == {"succeeded"}
    job_runs, _ = site.app.runs.list(site.caller, limit=500)
    assert len(job_runs) == 90
    assert sorted((r.group_run_id, r.position) for r in job_runs) == sorted(
        (r.id, p) for r in runs for p in (1, 2, 3)
    )
    assert {r.attempt for r in job_runs} == {1}
    assert site.count() == 30 * 3 * 2
    owners = {e["by"] for r in runs for e in site.app.group_runs.history(site.caller, r.id)}
    assert len({o for o in owners if o.startswith("worker@")}) == 3  # all three took work


START_RACE = """
import sys
from dataconnect.bootstrap import build
from dataconnect.errors import Conflict
app = build()
caller = app.accounts.cli_caller("Acme")
try:
    run = app.group_runs.start(caller, int(sys.argv[1]))
    print("started", run.id)
except Conflict as refused:
    print("refused", refused.code)
"""


def test_many_callers_racing_run_now_start_one_run(site: Site) -> None:
    a, b = site.job("A", "a.csv"), site.job("B", "b.csv")
    group = site.group("Raced", [a, b])
    callers = [
        subprocess.Popen(
            [sys.executable, "-c", START_RACE, str(group)],
            env=site.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    answers: list[Any] = [c.communicate(timeout=60) for c in callers]

    outputs = sorted(out.strip().split()[0] for out, _ in answers)
    assert outputs == ["refused"] * 7 + ["started"], answers
    assert all("GROUP_ALREADY_RUNNING" in out for out, _ in answers if out.startswith("refused"))
    found, _ = site.app.group_runs.list(site.caller, group_id=group)
    assert len(found) == 1


# --- schedulers ---------------------------------------------------------------------------

SCHEDULED = 1000


def _due_now(site: Site) -> None:
    """Bring every planned occurrence's minute into the last minute: all due at once."""
    from sqlalchemy import text

    with site.app.engines.meta.begin() as conn:
        conn.execute(
            text(
                "UPDATE occurrences SET fire_at = :now - (id % 60) * interval '1 second' "
                "WHERE state = 'planned'"
            ),
            {"now": datetime.now(UTC)},
        )


def _scheduler(site: Site) -> subprocess.Popen[bytes]:
    log = site.logs / f"scheduler-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(DATACONNECT), "scheduler", "--interval", "0.2"],
            env=site.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _fired(site: Site) -> int:
    from sqlalchemy import text

    with site.app.engines.meta.connect() as conn:
        return int(
            conn.execute(text("SELECT count(*) FROM occurrences WHERE state = 'fired'")).scalar()
            or 0
        )


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
@pytest.mark.parametrize("kill_one", [False, True], ids=["three", "one-killed"])
def test_three_schedulers_fire_a_thousand_due_occurrences_exactly_once(
    site: Site, workers: list[subprocess.Popen[bytes]], kill_one: bool
) -> None:
    for n in range(SCHEDULED):
        request = import_job(f"Scheduled {n}")
        request.update(run_mode="scheduled", schedule={"kind": "daily", "hour": 3, "slot": 1})
        request["import"]["file_pattern"] = f"s{n}.csv"
        site.app.jobs.create(site.caller, request)
    _due_now(site)

    schedulers = [_scheduler(site) for _ in range(3)]
    workers.extend(schedulers)  # killed at teardown
    if kill_one:
        site.wait(lambda: _fired(site) > 50, 60, "the first firings")
        schedulers[0].send_signal(signal.SIGKILL)
        schedulers[0].wait(10)
    site.wait(lambda: _fired(site) >= SCHEDULED, 120, "every occurrence to fire")
    time.sleep(1.0)  # one more pass of each scheduler: nothing may fire twice

    from sqlalchemy import text

    with site.app.engines.meta.connect() as conn:
        states = dict(
            conn.execute(text("SELECT state, count(*) FROM occurrences GROUP BY state")).all()
        )
        runs = conn.execute(
            text("SELECT job_id, count(*) FROM job_runs WHERE trigger = 'schedule' GROUP BY job_id")
        ).all()
        linked = conn.execute(
            text("SELECT count(DISTINCT job_run_id) FROM occurrences WHERE state = 'fired'")
        ).scalar()
    assert states.get("fired") == SCHEDULED, states
    assert len(runs) == SCHEDULED and {count for _, count in runs} == {1}
    assert linked == SCHEDULED
    assert states.get("planned") == SCHEDULED  # each job's next occurrence, planned once
