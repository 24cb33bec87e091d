"""Export speed and memory against the database's own raw way out, measured in the same run.

A profile list of --rows rows (loaded by our own import first), then, alternating, --repeat times:
  raw     SQLite: SELECT … ORDER BY RIID_ + csv.writer into a file, in this process;
          PostgreSQL: COPY (SELECT … ORDER BY RIID_) TO STDOUT WITH (FORMAT csv, HEADER) into a
          file through psycopg
  ours    a real ``dataconnect serve``: from POST /api/v1/jobs/{id}/run until the run's ready file
          is in download/ (the run claimed by the server's worker, read, written, published)
then the same export with changed_since_last_run, after an import changed 1% of the rows, against
the full export (target: at least 10 times faster), and the server's peak RSS (VmHWM).

The same five fields either way: RIID_, CUSTOMER_ID_, EMAIL_ADDRESS_, CITY_, MODIFIED_DATE_
(a timestamp, which ours writes as ISO 8601 and the raw path as the database gives it).

    .venv/bin/python bench/export_bench.py --rows 1000000 [--repeat 3]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

from dataconnect.testing import contacts_table, import_job, make_account, make_app

FIELDS = ["RIID_", "CUSTOMER_ID_", "EMAIL_ADDRESS_", "CITY_", "MODIFIED_DATE_"]
CITIES = ["Berlin", "Paris", "New York", "São Paulo", "Lagos", "Tokyo", "Sydney", "Toronto"]
EXE = str(Path(sys.executable).parent / "dataconnect")


def contacts_file(path: Path, keys: range, city: str | None = None) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("cust_id,email,city,legacy\n")
        for key in keys:
            f.write(f"{key},user{key}@example.com,{city or CITIES[key % len(CITIES)]},\n")


def export_request(name: str, pattern: str, changed: bool) -> dict[str, Any]:
    return {
        "name": name,
        "type": "export",
        "activate": True,
        "expires_at": "never",  # made on the test clock's day: never swept by the server
        "export": {
            "source": "CONTACTS",
            "fields": FIELDS,
            "file_pattern": pattern,
            "ready_file": True,
            "changed_since_last_run": changed,
        },
    }


class Bench:
    def __init__(self, rows: int, url: str | None, work: Path) -> None:
        self.rows, self.work = rows, work
        self.home = work / "home"
        self.url = self._database(url) if url else None
        app = make_app(home=self.home, database_url=self.url)
        caller, self.token = make_account(app, "Acme", timezone="UTC")
        app.tables.create(caller, contacts_table())
        self.account_id = caller.account_id
        load = import_job("Load", expires_at="never")
        load["import"]["file_pattern"] = "load.csv"
        self.load_job = app.jobs.create(caller, load).id
        touch = import_job("Touch", expires_at="never")
        touch["import"]["file_pattern"] = "touch.csv"
        self.touch_job = app.jobs.create(caller, touch).id
        self.full_job = app.jobs.create(caller, export_request("Full", "full.csv", False)).id
        self.changed_job = app.jobs.create(
            caller, export_request("Changed", "changed.csv", True)
        ).id
        source = work / "load.csv"
        contacts_file(source, range(rows))
        with source.open("rb") as f:
            app.file_server.put(
                self.account_id, "upload", "load.csv", iter(lambda: f.read(1 << 20), b""), 10**11
            )
        began = time.monotonic()
        run = app.runs.start_job(caller, self.load_job)
        done = app.runs.execute(self.account_id, run.id, threading.Event())
        assert done.state.value == "succeeded", done
        print(f"loaded {rows:,} rows in {time.monotonic() - began:.1f} s", flush=True)
        self.table = f"a{self.account_id}_contacts"
        self.download = app.file_server.folder(self.account_id, "download")
        app.close()
        self.server: subprocess.Popen[bytes] | None = None

    def _database(self, url: str) -> str:
        name = f"dc_export_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        self._admin, self._name = url, name
        return url.rsplit("/", 1)[0] + "/" + name

    def close(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(30)
        if self.url:
            with psycopg.connect(self._admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')  # type: ignore[arg-type]

    # --- the server ----------------------------------------------------------------------------

    def serve(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("DATACONNECT_")}
        env["DATACONNECT_HOME"] = str(self.home)
        env["DATACONNECT_SFTP_PORT"] = "0"  # the HTTP side only
        if self.url:
            env["DATACONNECT_DATABASE_URL"] = self.url
        log = (self.work / "serve.log").open("wb")
        self.server = subprocess.Popen(
            [EXE, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.1)

    def rss_mb(self, field: str = "VmHWM") -> float:
        """The server's peak (VmHWM) or current (VmRSS) resident memory."""
        assert self.server is not None
        for line in Path(f"/proc/{self.server.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def run_export(self, job_id: int, ready: str) -> tuple[float, int]:
        """From POST …/run to the ready file: seconds, and the rows the run wrote."""
        (self.download / ready).unlink(missing_ok=True)
        began = time.perf_counter()
        answer = self.client.post(f"/api/v1/jobs/{job_id}/run")
        assert answer.status_code == 202, answer.text
        run = answer.json()
        deadline = time.monotonic() + 600
        while not (self.download / ready).exists():
            assert time.monotonic() < deadline, "no ready file"
            time.sleep(0.002)
        took = time.perf_counter() - began
        while (found := self.client.get(f"/api/v1/job-runs/{run['id']}").json())["state"] in (
            "queued",
            "running",
        ):
            time.sleep(0.01)
        assert found["state"] == "succeeded", found
        return took, int(found["records_processed"])

    def touch(self, share: float, city: str) -> int:
        """An import through the server changing ``share`` of the rows."""
        keys = range(0, self.rows, int(1 / share))
        path = self.work / "touch.csv"
        contacts_file(path, keys, city)
        with path.open("rb") as f:
            self.client.put("/api/v1/files/upload/touch.csv", content=f.read())
        run = self.client.post(f"/api/v1/jobs/{self.touch_job}/run").json()
        while (found := self.client.get(f"/api/v1/job-runs/{run['id']}").json())["state"] in (
            "queued",
            "running",
        ):
            time.sleep(0.01)
        assert found["state"] == "succeeded", found
        return len(keys)

    # --- the raw way out -------------------------------------------------------------------------

    def raw(self) -> float:
        target = self.work / "raw.csv"
        columns = ", ".join(f'"{c}"' for c in FIELDS)
        began = time.perf_counter()
        if self.url is None:
            conn = sqlite3.connect(self.home / "data.db")
            try:
                cursor = conn.execute(f'SELECT {columns} FROM "{self.table}" ORDER BY "RIID_"')
                with target.open("w", encoding="utf-8", newline="") as f:
                    writer = csv.writer(f)
                    writer.writerow(FIELDS)
                    writer.writerows(cursor)
            finally:
                conn.close()
        else:
            with psycopg.connect(self.url) as conn, conn.cursor() as cur, target.open("wb") as f:
                select = f'SELECT {columns} FROM dataconnect_data."{self.table}" ORDER BY "RIID_"'
                with cur.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                    for data in copy:
                        f.write(data)
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dc-export-bench-"))
    bench = Bench(args.rows, args.database_url, work)
    try:
        bench.serve()
        backend = "PostgreSQL" if args.database_url else "SQLite"
        print(f"backend {backend}, {args.rows:,} rows x {len(FIELDS)} fields", flush=True)
        print(f"serve RSS when idle: {bench.rss_mb('VmRSS'):.0f} MB", flush=True)
        raws, ours, ratios = [], [], []
        for i in range(args.repeat):
            raw = bench.raw()
            took, written = bench.run_export(bench.full_job, "full.ready")
            assert written == args.rows
            raws.append(raw)
            ours.append(took)
            ratios.append(raw / took)
            print(
                f"run {i + 1}: raw {raw:.2f} s ({args.rows / raw:,.0f} rows/s), ours {took:.2f} s "
                f"({args.rows / took:,.0f} rows/s), ours / raw {raw / took:.2f}",
                flush=True,
            )
        print(
            f"median: raw {statistics.median(raws):.2f} s, ours {statistics.median(ours):.2f} s, "
            f"ours / raw {statistics.median(ratios):.2f} (target >= 0.8)"
        )
        print(f"serve peak RSS after the full exports: {bench.rss_mb():.0f} MB (target <= 200)")
        bench.run_export(bench.changed_job, "changed.ready")  # its first run: every row
        speedups = []
        for i in range(args.repeat):
            changed = bench.touch(0.01, f"Changed {i}")
            took, written = bench.run_export(bench.changed_job, "changed.ready")
            assert written == changed, (written, changed)
            full = statistics.median(ours)
            speedups.append(full / took)
            print(
                f"changed since last run, {written:,} rows: {took:.3f} s, {full / took:.1f}x faster"
            )
        print(f"changed since: median {statistics.median(speedups):.1f}x faster (target >= 10)")
        # The imports of the 1% ran in the server too (their SQLite page cache is 64 MB).
        print(f"serve peak RSS at the end, imports included: {bench.rss_mb():.0f} MB")
    finally:
        bench.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
