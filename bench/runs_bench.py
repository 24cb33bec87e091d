"""Group runs: step hand-off, Run Now latency, throughput of many groups, idle server memory.

Every job imports a 1-row file (its own name, ``s<n>.csv``) into a profile list, so the figures
are the runtime's own cost: claiming, step bookkeeping, the import's fixed cost. Times are the
ones the worker records with the real clock (``datetime.now(UTC)``) on the job runs.

Cases (each in its own process):
  embedded-handoff  SQLite, a worker in the bench process (``app.start_worker()``): a 50-step
                    group run --runs times; hand-off = step k's ``ended_at`` → step k+1's
                    ``started_at`` (target p50 <= 5 ms, p99 <= 25 ms)
  embedded-run-now  SQLite, same worker: --run-nows Run Nows of a 2-step group, one after the
                    other; latency = just before ``group_runs.start`` → step 1's ``started_at``
                    (target p99 <= 50 ms)
  pg-handoff        PostgreSQL, 4 ``dataconnect worker`` processes: the 50-step group run --runs
                    times (target p99 <= 50 ms)
  pg-throughput     PostgreSQL, 4 ``dataconnect worker`` processes: --groups groups of 5 steps
                    (into --lists profile lists, round robin) in two phases: all queued before
                    the workers start, then all Run Now while they run; all succeed, each step
                    one job run applied once (job runs, import markers, rows), steps/s (target
                    >= 100), and the CPU a step costs: workers, PostgreSQL, anything else
  serve-rss         ``dataconnect serve`` on a fresh SQLite home: VmRSS 2 s after /healthz
                    answers (target <= 150 MB)

The reference is the issue's quoted figures (a Celery chain over Redis, Airflow), printed as
such: they are not measured here (``celery`` is not a dependency and this bench has no case
for it yet).

    .venv/bin/python bench/runs_bench.py [--runs 10] [--run-nows 50] [--groups 200] [--lists 1]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--cases …]
        [--wait-quiet 600]

The PostgreSQL cases create one database per case from --database-url and drop it afterwards.
On a shared machine, --wait-quiet waits before each case for other work to end; a case that
started on a busy machine, or a throughput phase that other work shared, is flagged.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

STEPS = 50
THROUGHPUT_STEPS = 5
WORKERS = 4
HEADER = "cust_id,email,city,legacy\n"
EXE = str(Path(sys.executable).parent / "dataconnect")
TARGETS = {
    "handoff_p50_ms": 5.0,
    "handoff_p99_ms": 25.0,
    "pg_handoff_p99_ms": 50.0,
    "run_now_p99_ms": 50.0,
    "steps_per_s": 100.0,
    "serve_rss_mb": 150.0,
}
LIST_NAMES = "CONTACTS_{}"
QUIET = 0.15  # the share of the machine's CPU other work may use before a case starts
CELERY_QUOTE = "Celery chain ~2.3 ms per step, Airflow ~980 ms (the issue's figures)"


# --- helpers ---------------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50": statistics.median(samples),
        "p95": percentile(samples, 0.95),
        "p99": percentile(samples, 0.99),
        "max": max(samples),
    }


def ms(delta: Any) -> float:
    return float(delta.total_seconds() * 1000)


def process_cpu(pid: int | str) -> tuple[str, float]:
    """A process's name and user + system CPU seconds so far (0 once it is gone)."""
    try:
        head, tail = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
    except OSError:
        return "", 0.0
    fields = tail.split()
    return head.split("(", 1)[1], (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_times() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, every core, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    total = sum(values[:8]) / hz
    return total - (values[3] + values[4]) / hz, total  # less idle and iowait


def background_load(seconds: float = 1.0) -> float:
    """The share of the machine's CPU in use right now (by anything else: nothing of the
    bench runs while this looks)."""
    busy, total = machine_times()
    time.sleep(seconds)
    busy2, total2 = machine_times()
    return (busy2 - busy) / max(total2 - total, 1e-9)


def cpu_snapshot(workers: list[int]) -> dict[str, float]:
    """CPU seconds so far: the whole machine (busy and in all, every core, from /proc/stat),
    these worker processes, the PostgreSQL server's processes (all of them on this machine;
    a backend that exited meanwhile is missed), and this process."""
    busy, total = machine_times()
    postgres = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            name, seconds = process_cpu(entry.name)
            postgres += seconds if name == "postgres" else 0.0
    return {
        "total": total,
        "busy": busy,
        "workers": sum(process_cpu(pid)[1] for pid in workers),
        "postgres": postgres,
        "bench": process_cpu(os.getpid())[1],
    }


def clean_env(home: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATACONNECT_")}
    env["DATACONNECT_HOME"] = str(home)
    env["DATACONNECT_SFTP_PORT"] = "0"  # the HTTP side only
    if url:
        env["DATACONNECT_DATABASE_URL"] = url
    return env


class Bench:
    """An account with a profile list, jobs of 1-row files, groups of them, and their runs."""

    def __init__(self, home: Path, url: str | None, lists: int = 1) -> None:
        from dataconnect.bootstrap import build
        from dataconnect.config import Settings
        from dataconnect.testing import contacts_table, make_account

        self.app = build(Settings(home=home, database_url=url))  # the real clock
        if url is None:
            self.app.upgrade_databases()
        self.caller, _ = make_account(self.app, "Bench", timezone="UTC")
        self.lists = [LIST_NAMES.format(i) if i else "CONTACTS" for i in range(lists)]
        for name in self.lists:
            self.app.tables.create(self.caller, contacts_table(name))
        self.next_job = 0

    def group(self, name: str, steps: int, target: str = "CONTACTS") -> tuple[int, list[int]]:
        """A group of ``steps`` new jobs into ``target``; its id and the jobs' numbers (their
        file names)."""
        from dataconnect.testing import group_request, import_job

        numbers = list(range(self.next_job, self.next_job + steps))
        self.next_job += steps
        job_ids = []
        for n in numbers:
            request = import_job(f"Step {n}")
            request["import"]["file_pattern"] = f"s{n}.csv"
            request["import"]["target"] = target
            job_ids.append(self.app.jobs.create(self.caller, request).id)
        group = self.app.groups.create(self.caller, group_request(name, job_ids))
        return group.id, numbers

    def put(self, numbers: list[int]) -> None:
        for n in numbers:
            data = f"{HEADER}K{n},k{n}@example.com,Berlin,\n".encode()
            self.app.file_server.put(self.caller.account_id, "upload", f"s{n}.csv", [data], 10**10)

    def start(self, group_id: int) -> int:
        return self.app.group_runs.start(self.caller, group_id).id

    def wait(self, run_id: int, timeout: float = 120.0, poll: float = 0.05) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            run = self.app.group_runs.get(self.caller, run_id)
            if not run.active:
                if run.state.value != "succeeded":
                    raise SystemExit(f"group run {run.id} {run.state}: {run.error_message}")
                return run
            if time.monotonic() > deadline:
                raise SystemExit(f"group run {run_id} still {run.state} after {timeout} s")
            time.sleep(poll)

    def job_runs(self, run: Any) -> list[Any]:
        return [self.app.runs.get(self.caller, s.job_run_id) for s in run.steps]

    def handoffs(self, run: Any) -> list[float]:
        job_runs = self.job_runs(run)
        return [ms(b.started_at - a.ended_at) for a, b in pairwise(job_runs)]

    def sql(self, query: str, data: bool = False) -> list[Any]:
        from sqlalchemy import text

        engine = self.app.engines.data if data else self.app.engines.meta
        with engine.connect() as conn:
            return list(conn.execute(text(query)))

    def rows(self) -> tuple[int, int]:
        """Rows of all the lists, and distinct CUSTOMER_ID_ values among them."""
        schema = self.app.engines.data_schema
        tables = [f'"a{self.caller.account_id}_{name.lower()}"' for name in self.lists]
        union = " UNION ALL ".join(
            f'SELECT "CUSTOMER_ID_" FROM {f"{schema}." if schema else ""}{t}' for t in tables
        )
        found = self.sql(f"SELECT count(*), count(DISTINCT k) FROM ({union}) AS u(k)", data=True)
        return int(found[0][0]), int(found[0][1])


class Workers:
    """``dataconnect worker`` processes sharing the bench's database and home."""

    def __init__(self, home: Path, url: str, count: int) -> None:
        self.logs = [home / f"worker{i}.log" for i in range(count)]
        env = clean_env(home, url)
        self.procs = []
        for path in self.logs:
            with path.open("w") as log:
                self.procs.append(
                    subprocess.Popen([EXE, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
                )
        deadline = time.monotonic() + 30
        while not all("ready" in p.read_text() for p in self.logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
                self.close()
                raise SystemExit("workers did not start:\n" + self.logs[0].read_text()[-2000:])
            time.sleep(0.05)

    def cpu(self) -> dict[str, float]:
        return cpu_snapshot([p.pid for p in self.procs])

    def close(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


# --- the cases, each in a child process -------------------------------------------------------


def embedded_handoff(home: Path, runs: int) -> dict[str, Any]:
    bench = Bench(home, None)
    group, numbers = bench.group("Fifty", STEPS)
    bench.app.start_worker()
    samples: list[float] = []
    durations: list[float] = []
    for _ in range(runs):
        bench.put(numbers)
        run = bench.wait(bench.start(group))
        samples += bench.handoffs(run)
        durations += [ms(r.ended_at - r.started_at) for r in bench.job_runs(run)]
    bench.app.close()
    return {"handoff": summary(samples), "step": summary(durations)}


def embedded_run_now(home: Path, run_nows: int) -> dict[str, Any]:
    bench = Bench(home, None)
    group, numbers = bench.group("Two", 2)
    bench.app.start_worker()
    samples: list[float] = []
    for _ in range(run_nows):
        bench.put(numbers)
        time.sleep(0.05)  # the worker idle again, waiting for work
        before = datetime.now(UTC)
        run = bench.wait(bench.start(group))
        samples.append(ms(bench.job_runs(run)[0].started_at - before))
    bench.app.close()
    return {"run_now": summary(samples)}


def pg_handoff(home: Path, url: str, runs: int) -> dict[str, Any]:
    bench = Bench(home, url)
    group, numbers = bench.group("Fifty", STEPS)
    workers = Workers(home, url, WORKERS)
    try:
        samples: list[float] = []
        for _ in range(runs):
            bench.put(numbers)
            run = bench.wait(bench.start(group))
            samples += bench.handoffs(run)
    finally:
        workers.close()
        bench.app.close()
    return {"handoff": summary(samples)}


def pg_throughput(home: Path, url: str, groups: int, lists: int) -> dict[str, Any]:
    """Two phases over the same groups: ``queued``, every run queued before the workers start
    (then they drain the queue); ``live``, the Run Nows issued while the workers run."""
    bench = Bench(home, url, lists)
    setup = time.perf_counter()
    made = [bench.group(f"G{g}", THROUGHPUT_STEPS, bench.lists[g % lists]) for g in range(groups)]
    setup = time.perf_counter() - setup
    numbers = [n for _, group_numbers in made for n in group_numbers]
    result: dict[str, Any] = {
        "groups": groups,
        "lists": lists,
        "steps": len(numbers),
        "setup_s": setup,
    }
    bench.put(numbers)
    queued = time.perf_counter()
    run_ids = [bench.start(g) for g, _ in made]
    result["queued_start_all_s"] = time.perf_counter() - queued
    workers = Workers(home, url, WORKERS)  # they begin claiming as they start
    cpu = workers.cpu()  # after their start-up (imports)
    try:
        result["queued"] = _drain(bench, run_ids, None, 0.0, workers, cpu)
        bench.put(numbers)
        cpu = workers.cpu()
        before = datetime.now(UTC)
        wall = time.perf_counter()
        run_ids = [bench.start(g) for g, _ in made]
        result["live"] = _drain(bench, run_ids, before, time.perf_counter() - wall, workers, cpu)
    finally:
        workers.close()
        bench.app.close()
    return result


def _drain(
    bench: Bench,
    run_ids: list[int],
    before: datetime | None,
    starts: float,
    workers: Workers,
    cpu: dict[str, float],
) -> dict[str, Any]:
    """Wait for these group runs to end; their figures and checks. Throughput is measured from
    ``before`` (the first Run Now), or without it from the first step's start; ``cpu`` is the
    CPU snapshot taken when the phase began."""
    first, last = min(run_ids), max(run_ids)
    mine = f"group_run_id BETWEEN {first} AND {last}"
    active = "state IN ('queued', 'running', 'stopping')"
    deadline = time.monotonic() + 600
    while bench.sql(
        f"SELECT count(*) FROM group_runs WHERE id BETWEEN {first} AND {last} AND {active}"
    )[0][0]:
        if time.monotonic() > deadline:
            raise SystemExit("the group runs did not end within 600 s")
        time.sleep(0.1)
    now = workers.cpu()
    used = {k: now[k] - cpu[k] for k in now}
    states = dict(
        bench.sql(
            f"SELECT state, count(*) FROM group_runs WHERE id BETWEEN {first} AND {last} "
            "GROUP BY state"
        )
    )
    runs = bench.sql(
        "SELECT count(*), count(DISTINCT (group_run_id, position)), "
        "sum(CASE WHEN state = 'succeeded' THEN 1 ELSE 0 END), sum(records_added), "
        f"sum(records_updated), max(attempt), min(started_at), max(ended_at) "
        f"FROM job_runs WHERE {mine}"
    )[0]
    markers = bench.sql(
        "SELECT count(*), count(DISTINCT m.job_run_id) FROM dataconnect_data.import_markers m "
        f"JOIN job_runs j ON j.id = m.job_run_id WHERE j.{mine}"
    )[0]
    rows = bench.rows()
    handoffs: list[float] = []
    for run_id in run_ids:
        handoffs += bench.handoffs(bench.app.group_runs.get(bench.caller, run_id))
    steps = len(run_ids) * THROUGHPUT_STEPS
    elapsed = (runs[7] - (before or runs[6])).total_seconds()
    return {
        "start_all_s": starts,
        "elapsed_s": elapsed,
        "steps_per_s": steps / elapsed,
        "states": states,
        "job_runs": runs[0],
        "distinct_steps": runs[1],
        "succeeded": runs[2],
        "added": runs[3],
        "updated": runs[4],
        "max_attempt": runs[5],
        "markers": markers[0],
        "distinct_markers": markers[1],
        "rows": rows[0],
        "distinct_rows": rows[1],
        "handoff": summary(handoffs),
        "machine_busy": used["busy"] / used["total"],
        "cpu_ms_per_step": {
            k: 1000 * used[k] / steps for k in ("busy", "workers", "postgres", "bench")
        },
    }


def serve_rss(home: Path) -> dict[str, Any]:
    import httpx

    env = clean_env(home, None)
    subprocess.run([EXE, "db", "upgrade"], env=env, check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    with (home / "serve.log").open("w") as log:
        proc = subprocess.Popen(
            [EXE, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("serve did not answer /healthz")
            time.sleep(0.05)
        time.sleep(2)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {"rss_mb": rss / 1024}


def child(case: str, home: Path, url: str | None, args: argparse.Namespace) -> dict[str, Any]:
    if case == "embedded-handoff":
        return embedded_handoff(home, args.runs)
    if case == "embedded-run-now":
        return embedded_run_now(home, args.run_nows)
    if case == "serve-rss":
        return serve_rss(home)
    assert url is not None
    if case == "pg-handoff":
        return pg_handoff(home, url, args.runs)
    if case == "pg-throughput":
        return pg_throughput(home, url, args.groups, args.lists)
    raise SystemExit(f"unknown case {case}")


# --- the parent ------------------------------------------------------------------------------


def run_case(case: str, args: argparse.Namespace) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix=f"dc-runs-{case}-"))
    admin = args.database_url
    name = f"dc_runs_bench_{case.replace('-', '_')}_{os.getpid()}"
    db_url = None
    if case.startswith("pg-"):
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        db_url = admin.rsplit("/", 1)[0] + "/" + name
        subprocess.run(
            [EXE, "db", "upgrade"], env=clean_env(home, db_url), check=True, capture_output=True
        )
    load = background_load()
    deadline = time.monotonic() + args.wait_quiet
    while load > QUIET and time.monotonic() < deadline:
        load = background_load(5.0)
    command = [sys.executable, __file__, "--child", case, "--home", str(home)]
    command += ["--runs", str(args.runs), "--run-nows", str(args.run_nows)]
    command += ["--groups", str(args.groups), "--lists", str(args.lists)]
    try:
        out = subprocess.run(
            command + (["--database-url", db_url] if db_url else []),
            capture_output=True,
            text=True,
            check=False,
            timeout=1200,
        )
    finally:
        if db_url:
            import psycopg

            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(home, ignore_errors=True)
    if out.returncode != 0:
        raise SystemExit(f"{case} failed:\n{out.stderr[-3000:]}")
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load_before": load}


def verdict(value: float, target: float, at_most: bool = True) -> str:
    met = value <= target if at_most else value >= target
    return f"(target {'<=' if at_most else '>='} {target:g}: {'met' if met else 'NOT met'})"


def line(label: str, s: dict[str, float]) -> str:
    return (
        f"{label:34} n={s['n']:<5.0f} p50 {s['p50']:7.2f}  p95 {s['p95']:7.2f}  "
        f"p99 {s['p99']:7.2f}  max {s['max']:7.2f} ms"
    )


def report(results: dict[str, dict[str, Any]]) -> None:
    for case, r in results.items():
        if r["load_before"] > QUIET:
            print(
                f"note: the machine was {100 * r['load_before']:.0f}% busy with other work just "
                f"before {case}: its figures are not those of a quiet machine"
            )
    r = results.get("embedded-handoff")
    if r:
        h = r["handoff"]
        print(line("hand-off, embedded (SQLite)", h))
        print(f"{'':34} p50 {verdict(h['p50'], TARGETS['handoff_p50_ms'])}")
        print(f"{'':34} p99 {verdict(h['p99'], TARGETS['handoff_p99_ms'])}")
        print(line("  one step (1-row import)", r["step"]))
    r = results.get("embedded-run-now")
    if r:
        s = r["run_now"]
        print(line("Run Now → step 1 running, embedded", s))
        print(f"{'':34} p99 {verdict(s['p99'], TARGETS['run_now_p99_ms'])}")
    r = results.get("pg-handoff")
    if r:
        h = r["handoff"]
        print(line(f"hand-off, PostgreSQL, {WORKERS} workers", h))
        print(f"{'':34} p99 {verdict(h['p99'], TARGETS['pg_handoff_p99_ms'])}")
    r = results.get("pg-throughput")
    if r:
        print(
            f"throughput, PostgreSQL, {WORKERS} workers, {r['groups']} groups x "
            f"{THROUGHPUT_STEPS} steps into {r['lists']} list(s) (setup {r['setup_s']:.0f} s; "
            f"{r['groups']} Run Nows with no worker running took "
            f"{r['queued_start_all_s']:.2f} s):"
        )
        for phase, label in (
            ("queued", "all queued, then the workers start: first step → last end"),
            ("live", "Run Nows while the workers run: first Run Now → last end"),
        ):
            p = r[phase]
            print(
                f"  {label}: {p['elapsed_s']:.2f} s, {p['steps_per_s']:.1f} steps/s "
                f"{verdict(p['steps_per_s'], TARGETS['steps_per_s'], at_most=False)}"
            )
            if phase == "live":
                print(f"    the {r['groups']} Run Nows took {p['start_all_s']:.2f} s")
            steps = r["steps"]
            ok = (
                p["states"] == {"succeeded": r["groups"]}
                and p["job_runs"] == p["distinct_steps"] == p["succeeded"] == steps
                and p["added"] + p["updated"] == steps
                and (p["added"], p["updated"]) == ((steps, 0) if phase == "queued" else (0, steps))
                and p["markers"] == p["distinct_markers"] == steps
                and p["rows"] == p["distinct_rows"] == steps
            )
            print(
                f"    group runs {p['states']}; {p['job_runs']} job runs for "
                f"{p['distinct_steps']} steps, {p['succeeded']} succeeded, max attempt "
                f"{p['max_attempt']}; added {p['added']}, updated {p['updated']}; "
                f"{p['markers']} markers; {p['rows']} rows ({p['distinct_rows']} keys): "
                f"{'each step ran once, applied once' if ok else 'CHECK FAILED'}"
            )
            print(line("    hand-off under this load", p["handoff"]))
            c = p["cpu_ms_per_step"]
            other = c["busy"] - c["workers"] - c["postgres"] - c["bench"]
            print(
                f"    CPU: the machine {100 * p['machine_busy']:.0f}% busy (all cores); "
                f"{c['busy']:.1f} ms a step: {WORKERS} workers {c['workers']:.1f}, PostgreSQL "
                f"{c['postgres']:.1f}, this bench {c['bench']:.1f}, the rest {other:.1f}"
                + (" (other work ran meanwhile: not a quiet machine)" if other > 3 else "")
            )
    r = results.get("serve-rss")
    if r:
        print(
            f"serve idle RSS (SQLite): {r['rss_mb']:.0f} MB "
            f"{verdict(r['rss_mb'], TARGETS['serve_rss_mb'])}"
        )
    if importlib.util.find_spec("celery") is None:
        print(f"reference: {CELERY_QUOTE}; not measured in this run (celery is not installed)")
    else:
        print(f"reference: {CELERY_QUOTE}; celery is importable but this bench has no chain case")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10, help="runs of the 50-step group")
    parser.add_argument("--run-nows", type=int, default=50, help="Run Nows of the 2-step group")
    parser.add_argument("--groups", type=int, default=200, help="groups of the throughput case")
    parser.add_argument(
        "--lists",
        type=int,
        default=1,
        help="profile lists the throughput case's groups import into, round robin",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="an admin URL (…/postgres) to create the PostgreSQL cases' databases from",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        help="wait up to this many seconds before each case for other work to end",
    )
    parser.add_argument("--cases", default=None, help="comma-separated; default all that apply")
    parser.add_argument("--child")
    parser.add_argument("--home")
    args = parser.parse_args()
    if args.child:
        result = child(args.child, Path(args.home), args.database_url, args)
        print(json.dumps(result, default=str))
        return
    cases = ["embedded-handoff", "embedded-run-now", "serve-rss"]
    if args.database_url:
        cases[2:2] = ["pg-handoff", "pg-throughput"]
    if args.cases:
        cases = args.cases.split(",")
        if any(c.startswith("pg-") for c in cases) and not args.database_url:
            raise SystemExit("the pg- cases need --database-url")
    results = {}
    for case in cases:
        start = time.perf_counter()
        results[case] = run_case(case, args)
        print(f"[{case}: {time.perf_counter() - start:.0f} s]", file=sys.stderr)
    report(results)


if __name__ == "__main__":
    main()
