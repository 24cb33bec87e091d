"""The SQL alone of a SQLite merge: our writer's statements against the raw upsert's.

``import_bench.py`` compares whole runs. This script takes the Python out of both sides: every
row is built before the clock starts. It measures what the database itself costs for the
bench's merge (half the keys present) on a real profile list, in four ways:

  raw          INSERT … ON CONFLICT (CUSTOMER_ID_) DO UPDATE, the bench's reference, 10 columns
  ours         what the SQLite sink's writer runs: UPDATE … WHERE RIID_ = ? for the present
               keys and INSERT for the new ones, with the derived columns (domain, hashes),
               the dates and the run id, 2,000 rows a batch
  ours-noidx   the same with the list's indexes dropped first and built again before COMMIT
  staged       every row into a temporary table, then UPDATE … FROM and INSERT … SELECT

    .venv/bin/python bench/sqlite_merge_floor.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from import_bench import COLUMNS, FIELDS, MAPPING, values  # beside this script

from dataconnect.clock import FakeClock
from dataconnect.store.data import physical_name
from dataconnect.testing import make_account, make_app

# The bench's own table, columns and rows: this measures the same merge as import_bench.py.
MAPPED = [MAPPING[c] for c in COLUMNS]
DERIVED = ["EMAIL_DOMAIN_", "EMAIL_MD5_HASH_", "EMAIL_SHA256_HASH_"]
WRITTEN = MAPPED + DERIVED
NOW = "2026-01-15 12:00:00.000000"
RUN = 7
BATCH = 2000


def q(name: str) -> str:
    return f'"{name}"'


def row(key: int) -> tuple[str, ...]:
    """The bench's row for a key, with what the reader derives from the email address."""
    mapped = values(key)
    raw = mapped[1].lower().encode()
    derived = [
        raw.decode().rpartition("@")[2],
        hashlib.md5(raw, usedforsecurity=False).hexdigest(),
        hashlib.sha256(raw).hexdigest(),
    ]
    return (*mapped, *derived)


def insert_sql(table: str, run: int = RUN) -> str:
    cols = [*WRITTEN, "CREATED_DATE_", "MODIFIED_DATE_", "_RUN_ID", "EMAIL_PERMISSION_STATUS_"]
    values = [*("?" * len(WRITTEN)), f"'{NOW}'", f"'{NOW}'", str(run), "'I'"]
    return f"INSERT INTO {table} ({', '.join(map(q, cols))}) VALUES ({', '.join(values)})"


def prepare(rows: int, work: Path) -> tuple[Path, str]:
    """A real profile list (made by the app) holding the even keys, as the bench's merge has."""
    app = make_app(home=work, database_url=None, clock=FakeClock(datetime(2026, 1, 15, tzinfo=UTC)))
    caller, _ = make_account(app, "Bench", timezone="UTC")
    app.tables.create(caller, {"name": "CONTACTS", "kind": "profile_list", "fields": FIELDS})
    app.close()
    table = q(physical_name(caller.account_id, "CONTACTS"))
    database = work / "data.db"
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(insert_sql(table, RUN - 1), (row(k) for k in range(0, rows, 2)))
    conn.execute("COMMIT")
    conn.close()
    return database, table


def fresh(database: Path, work: Path, cache_kib: int) -> sqlite3.Connection:
    copy = work / "merge.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copy(database, copy)
    conn = sqlite3.connect(copy, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA cache_size=-{cache_kib}")
    return conn


def raw(conn: sqlite3.Connection, table: str, rows: list[tuple[str, ...]]) -> float:
    conn.execute(f"CREATE UNIQUE INDEX uq_cust ON {table} ({q('CUSTOMER_ID_')})")
    sets = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in MAPPED[1:])
    sql = (
        f"INSERT INTO {table} ({', '.join(map(q, MAPPED))}) VALUES ({', '.join('?' * 10)}) "
        f"ON CONFLICT ({q('CUSTOMER_ID_')}) DO UPDATE SET {sets}"
    )
    mapped = [r[:10] for r in rows]
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for i in range(0, len(mapped), 10_000):
        conn.executemany(sql, mapped[i : i + 10_000])
    conn.execute("COMMIT")
    return time.perf_counter() - start


def ours(
    conn: sqlite3.Connection, table: str, rows: list[tuple[str, ...]], *, drop: bool = False
) -> float:
    # As SqliteSink: numbered parameters, the match column left out of the SET.
    sets = [f"{q(c)} = ?{i}" for i, c in enumerate(WRITTEN, start=1) if c != "CUSTOMER_ID_"]
    update = (
        f"UPDATE {table} SET {', '.join(sets)}, {q('MODIFIED_DATE_')} = '{NOW}', "
        f"{q('_RUN_ID')} = {RUN} WHERE {q('RIID_')} = ?{len(WRITTEN) + 1}"
    )
    insert = insert_sql(table)
    # The reader's work, done before the clock: updates by RIID_ (even keys, preloaded in
    # order, so key k has RIID_ k/2 + 1) and inserts.
    batches = []
    for i in range(0, len(rows), BATCH):
        keys = range(i, min(i + BATCH, len(rows)))
        batches.append(
            (
                [(*rows[k], k // 2 + 1) for k in keys if k % 2 == 0],
                [rows[k] for k in keys if k % 2],
            )
        )
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    indexes = []
    if drop:
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {q(name)}")
    for updates, inserts in batches:
        conn.executemany(update, updates)
        conn.executemany(insert, inserts)
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    return time.perf_counter() - start


def staged(conn: sqlite3.Connection, table: str, rows: list[tuple[str, ...]]) -> float:
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(f"CREATE TEMP TABLE s (idx INTEGER PRIMARY KEY, {', '.join(map(q, WRITTEN))})")
    stage = f"INSERT INTO temp.s VALUES (NULL, {', '.join('?' * len(WRITTEN))})"
    for i in range(0, len(rows), BATCH):
        conn.executemany(stage, rows[i : i + BATCH])
    key = q("CUSTOMER_ID_")
    sets = ", ".join(f"{q(c)} = s.{q(c)}" for c in WRITTEN if c != "CUSTOMER_ID_")
    conn.execute(
        f"UPDATE {table} AS t SET {sets}, {q('MODIFIED_DATE_')} = '{NOW}', {q('_RUN_ID')} = {RUN} "
        f"FROM temp.s AS s WHERE t.{key} = s.{key}"
    )
    conn.execute(
        f"INSERT INTO {table} ({', '.join(map(q, WRITTEN))}, {q('_RUN_ID')}) "
        f"SELECT {', '.join('s.' + q(c) for c in WRITTEN)}, {RUN} FROM temp.s AS s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.{key} = s.{key})"
    )
    conn.execute("COMMIT")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dc-merge-floor-"))
    try:
        database, table = prepare(args.rows, work)
        rows = [row(k) for k in range(args.rows)]
        cases: dict[str, Callable[[sqlite3.Connection], Any]] = {
            "raw": lambda c: raw(c, table, rows),
            "ours": lambda c: ours(c, table, rows),
            "ours-noidx": lambda c: ours(c, table, rows, drop=True),
            "staged": lambda c: staged(c, table, rows),
        }
        # The raw reference runs with the pool's default cache, as in import_bench.py; ours
        # with the import's 64 MB.
        cache = {"raw": 2000, "ours": 65536, "ours-noidx": 65536, "staged": 65536}
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.repeat):  # interleaved: the machine's speed drifts
            for name, case in cases.items():
                conn = fresh(database, work, cache[name])
                times[name].append(case(conn))
                # Every key once: the statements did the merge they stand for.
                distinct, total = conn.execute(
                    f"SELECT count(DISTINCT {q('CUSTOMER_ID_')}), count(*) FROM {table}"
                ).fetchone()
                assert distinct == total == args.rows, (name, distinct, total)
                conn.close()
        print(
            f"SQLite merge, SQL only: {args.rows:,} rows, half present; seconds, {args.repeat} runs"
        )
        base = statistics.median(times["raw"])
        for name, runs in times.items():
            median = statistics.median(runs)
            listed = ", ".join(f"{t:.2f}" for t in sorted(runs))
            print(f"{name:11} median {median:6.2f}  ({listed})  raw / this = {base / median:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
