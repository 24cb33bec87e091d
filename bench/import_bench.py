"""Import speed and memory against the database's own raw load path, measured in the same run.

Cases (each in its own process, so peak RSS is that case's alone):
  raw-insert    csv.reader + executemany INSERT into an empty profile list, one transaction
                (SQLite) / COPY of the file into it (PostgreSQL)
  ours-insert   the whole import (checks, rejects file, counts, marker) into an empty list
  raw-upsert    executemany INSERT … ON CONFLICT DO UPDATE into a table keyed on CUSTOMER_ID_,
                half the keys present (SQLite) / COPY to staging + INSERT … ON CONFLICT (PostgreSQL)
  ours-merge    the whole import, half the keys present (replace_all on CUSTOMER_ID_)
  ours-dirty    2.5% malformed rows (a third unclosed quotes): good rows loaded, bad rejected
  memory        peak RSS of ours-insert at --rows and at --memory-rows (flat as the file grows?)

    .venv/bin/python bench/import_bench.py --rows 1000000 [--memory-rows 5000000]
        [--database-url postgresql://postgres@127.0.0.1:5432/dc_bench]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

COLUMNS = [
    "cust_id",
    "email",
    "first",
    "last",
    "city",
    "state",
    "postal",
    "country",
    "mobile",
    "since",
]
FIELDS = [
    {"name": "FIRST_NAME", "type": "text", "length": 50},
    {"name": "LAST_NAME", "type": "text", "length": 50},
    {"name": "SIGNUP", "type": "date"},
]
MAPPING = {
    "cust_id": "CUSTOMER_ID_",
    "email": "EMAIL_ADDRESS_",
    "first": "FIRST_NAME",
    "last": "LAST_NAME",
    "city": "CITY_",
    "state": "STATE_",
    "postal": "POSTAL_CODE_",
    "country": "COUNTRY_",
    "mobile": "MOBILE_NUMBER_",
    "since": "SIGNUP",
}
CITIES = ["Berlin", "Paris", "New York", "São Paulo", "Lagos", "Tokyo", "Sydney", "Toronto"]
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
FILE = "customers_20260115.csv"


# --- data ------------------------------------------------------------------------------------


def values(key: int) -> list[str]:
    """The clean row of a key, one value per column of ``COLUMNS``."""
    return [
        str(key),
        f"user{key}@example.com",
        "Ann, Marie" if key % 10 == 0 else "Ann",
        f"Lee{key % 997}",
        CITIES[key % len(CITIES)],
        "ST",
        str(10000 + key % 89999),
        "DE",
        f"+49170{key % 10_000_000:07d}",
        f"20{key % 25:02d}-0{1 + key % 9}-1{key % 9}",
    ]


def generate(path: Path, rows: int, *, start: int = 0, step: int = 1, dirty: float = 0.0) -> int:
    """Write a profile file; returns the number of malformed rows written."""
    rng = random.Random(rows * 7 + start)
    bad = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(COLUMNS) + "\n")
        for i in range(rows):
            key = start + i * step
            if dirty and rng.random() < dirty:
                bad += 1
                kind = bad % 3
                if kind == 0:  # an unclosed quote: csv would swallow the lines after it
                    f.write(
                        f'{key},"broken{key}@example.com,Ann,Lee,Oslo,OS,0150,NO,+4712345678,2024-01-02\n'
                    )
                elif kind == 1:
                    f.write(f"{key},not-an-email,Ann,Lee,Oslo,OS,0150,NO,+4712345678,2024-01-02\n")
                else:
                    f.write(f"{key},x{key}@example.com,Ann,Lee,Oslo\n")
                continue
            f.write(",".join(f'"{v}"' if "," in v else v for v in values(key)) + "\n")
    return bad


def data_file(work: Path, name: str, rows: int, **kw: object) -> tuple[Path, int]:
    path = work / f"{name}-{rows}.csv"
    meta = path.with_suffix(".bad")
    if not path.exists():
        meta.write_text(str(generate(path, rows, **kw)))  # type: ignore[arg-type]
    return path, int(meta.read_text())


# --- one case in a child process --------------------------------------------------------------


def child(case: str, rows: int, home: Path, url: str | None, work: Path) -> dict[str, float]:
    from dataconnect.clock import FakeClock
    from dataconnect.testing import make_account, make_app

    app = make_app(home=home, database_url=url, clock=FakeClock(NOW))
    caller, _ = make_account(app, "Bench", timezone="UTC")
    app.tables.create(caller, {"name": "CONTACTS", "kind": "profile_list", "fields": FIELDS})
    job = app.jobs.create(
        caller,
        {
            "name": "Bench import",
            "type": "import",
            "activate": True,
            "import": {
                "file_pattern": FILE,
                "target": "CONTACTS",
                "mapping": MAPPING,
                "match": {"columns": ["CUSTOMER_ID_"], "insert_on_no_match": True},
            },
        },
    )
    path, bad = data_file(
        work,
        "clean" if case != "ours-dirty" else "dirty",
        rows,
        dirty=0.025 if case == "ours-dirty" else 0.0,
    )
    if case in ("raw-upsert", "ours-merge"):
        half, _ = data_file(work, "half", rows // 2, step=2)  # the even keys are already there
        _preload(app, caller, job.id, half)
    table = f"a{caller.account_id}_contacts"
    start = time.perf_counter()
    if case == "raw-insert":
        loaded = _raw_insert(app, table, path)
    elif case == "raw-upsert":
        loaded = _raw_upsert(app, table, path)
    else:
        _link(app, caller, path)  # not read through this process: peak RSS is the import's
        start = time.perf_counter()
        cpu_before = _cpu()
        run = app.runs.start_job(caller, job.id)
        done = app.runs.execute(caller.account_id, run.id, threading.Event())
        if done.state.value != "succeeded":
            raise SystemExit(f"import {done.state}: {done.error_code} {done.error_message}")
        loaded = done.records_added + done.records_updated
        elapsed = time.perf_counter() - start
        cpu_after = _cpu()
        return {
            "cpu_writer": cpu_after[0] - cpu_before[0],
            "cpu_reader": cpu_after[1] - cpu_before[1],
            "rows": rows,
            "seconds": elapsed,
            "rows_per_s": rows / elapsed,
            "loaded": loaded,
            "rejected": done.records_rejected,
            "bad": bad,
            "peak_rss_mb": _peak_rss_mb(),
        }
    elapsed = time.perf_counter() - start
    return {
        "rows": rows,
        "seconds": elapsed,
        "rows_per_s": rows / elapsed,
        "loaded": loaded,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its ended children (the reader)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def _peak_rss_mb() -> float:
    """The larger of this process and its reader process, if one was forked."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def _link(app, caller, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Hard-link the file into upload/: copying it through memory would count in peak RSS."""
    target = app.file_server.path(caller.account_id, "upload", FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    os.link(path, target)


def _preload(app, caller, job_id: int, half: Path) -> None:  # type: ignore[no-untyped-def]
    _link(app, caller, half)
    run = app.runs.start_job(caller, job_id)
    done = app.runs.execute(caller.account_id, run.id, threading.Event())
    assert done.state.value == "succeeded", done


def _mapped_rows(path: Path):  # type: ignore[no-untyped-def]
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        yield from reader


def _executemany_file(conn, sql: str, path: Path) -> int:  # type: ignore[no-untyped-def]
    """The plain SQLite path: csv rows in batches of 10,000, one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    count = 0
    batch = []
    for row in _mapped_rows(path):
        batch.append(row)
        if len(batch) == 10_000:
            conn.executemany(sql, batch)
            count += len(batch)
            batch.clear()
    conn.executemany(sql, batch)
    count += len(batch)
    conn.execute("COMMIT")
    return count


def _raw_insert(app, table: str, path: Path) -> int:  # type: ignore[no-untyped-def]
    cols = [MAPPING[c] for c in COLUMNS]
    engines = app.engines
    if engines.dialect == "sqlite":
        conn = engines.data.raw_connection().driver_connection
        quoted = ", ".join(f'"{c}"' for c in cols)
        marks = ", ".join("?" * len(cols))
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})'
        return _executemany_file(conn, sql, path)
    conn = engines.data.raw_connection().driver_connection
    schema = engines.data_schema
    with conn.cursor() as cur:
        columns = ", ".join(f'"{c}"' for c in cols)
        with (
            cur.copy(
                f'COPY "{schema}"."{table}" ({columns}) FROM STDIN (FORMAT csv, HEADER true)'
            ) as copy,
            path.open("rb") as f,
        ):
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        count = cur.rowcount
    conn.commit()
    return count


def _raw_upsert(app, table: str, path: Path) -> int:  # type: ignore[no-untyped-def]
    """The plain reference merge: a table with a UNIQUE key, half the keys present."""
    cols = [MAPPING[c] for c in COLUMNS]
    quoted = ", ".join(f'"{c}"' for c in cols)
    sets = ", ".join(f'"{c}" = excluded."{c}"' for c in cols if c != "CUSTOMER_ID_")
    engines = app.engines
    conn = engines.data.raw_connection().driver_connection
    if engines.dialect == "sqlite":
        conn.execute(f'CREATE UNIQUE INDEX "uq_{table}_cust" ON "{table}" ("CUSTOMER_ID_")')
        marks = ", ".join("?" * len(cols))
        sql = (
            f'INSERT INTO "{table}" ({quoted}) VALUES ({marks}) '
            f'ON CONFLICT ("CUSTOMER_ID_") DO UPDATE SET {sets}'
        )
        return _executemany_file(conn, sql, path)
    schema = engines.data_schema
    with conn.cursor() as cur:
        cur.execute(
            f'CREATE UNIQUE INDEX "uq_{table}_cust" ON "{schema}"."{table}" ("CUSTOMER_ID_")'
        )
        conn.commit()
        cur.execute(
            f'CREATE TEMP TABLE staging AS SELECT {quoted} FROM "{schema}"."{table}" WITH NO DATA'
        )
        with (
            cur.copy(f"COPY staging ({quoted}) FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as f,
        ):
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        cur.execute(
            f'INSERT INTO "{schema}"."{table}" ({quoted}) SELECT {quoted} FROM staging '
            f'ON CONFLICT ("CUSTOMER_ID_") DO UPDATE SET {sets}'
        )
        count = cur.rowcount
    conn.commit()
    return count


# --- the parent ------------------------------------------------------------------------------


def run_case(case: str, rows: int, url: str | None, work: Path) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix=f"dc-{case}-", dir=work))
    db_url = None
    if url:
        import psycopg

        name = f"dc_bench_{case.replace('-', '_')}_{os.getpid()}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        db_url = url.rsplit("/", 1)[0] + "/" + name
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            case,
            "--rows",
            str(rows),
            "--home",
            str(home),
            "--work",
            str(work),
        ]
        + (["--database-url", db_url] if db_url else []),
        capture_output=True,
        text=True,
        check=False,
    )
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(home, ignore_errors=True)  # a case's databases: hundreds of MB each
    if out.returncode != 0:
        raise SystemExit(f"{case} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--memory-rows", type=int, default=0)
    parser.add_argument(
        "--database-url", default=None, help="an existing database to create bench databases from"
    )
    parser.add_argument("--child")
    parser.add_argument("--home")
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "dc-import-bench"))
    parser.add_argument(
        "--cases", default="raw-insert,ours-insert,raw-upsert,ours-merge,ours-dirty"
    )
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if args.child:
        print(json.dumps(child(args.child, args.rows, Path(args.home), args.database_url, work)))
        return
    backend = "PostgreSQL" if args.database_url else "SQLite"
    results = {c: run_case(c, args.rows, args.database_url, work) for c in args.cases.split(",")}
    print(f"backend {backend}, {args.rows:,} rows x {len(COLUMNS)} columns")
    print(f"{'case':12} {'rows/s':>10} {'seconds':>8} {'loaded':>10} {'peak RSS MB':>12}")
    for case, r in results.items():
        print(
            f"{case:12} {r['rows_per_s']:10,.0f} {r['seconds']:8.2f} {r['loaded']:10,.0f} "
            f"{r['peak_rss_mb']:12.0f}"
        )
    for case, r in results.items():
        if "cpu_writer" in r:
            print(
                f"{case}: CPU {r['cpu_writer']:.1f} s in the writing process, "
                f"{r['cpu_reader']:.1f} s in its reader, over {r['seconds']:.1f} s"
            )
    if "raw-insert" in results and "ours-insert" in results:
        ratio = results["ours-insert"]["rows_per_s"] / results["raw-insert"]["rows_per_s"]
        print(f"insert: ours / raw = {ratio:.2f} (target >= 0.60)")
    if "raw-upsert" in results and "ours-merge" in results:
        ratio = results["ours-merge"]["rows_per_s"] / results["raw-upsert"]["rows_per_s"]
        target = "0.75" if args.database_url else "1.00"
        print(f"merge: ours / raw upsert = {ratio:.2f} (target >= {target})")
    if "ours-dirty" in results:
        r = results["ours-dirty"]
        good = r["rows"] - r["bad"]
        print(
            f"dirty: {r['loaded']:,.0f} of {good:,.0f} good rows loaded "
            f"({100 * r['loaded'] / good:.3f}%), {r['rejected']:,.0f} rejected of "
            f"{r['bad']:,.0f} bad (target >= 99.9% loaded, all bad rejected)"
        )
    if args.memory_rows:
        small = results.get("ours-insert") or run_case(
            "ours-insert", args.rows, args.database_url, work
        )
        large = run_case("ours-insert", args.memory_rows, args.database_url, work)
        print(
            f"memory: peak RSS {small['peak_rss_mb']:.0f} MB at {args.rows:,} rows, "
            f"{large['peak_rss_mb']:.0f} MB at {args.memory_rows:,} rows (target <= 200 MB, flat); "
            f"{large['rows_per_s']:,.0f} rows/s"
        )


if __name__ == "__main__":
    main()
