"""Latency of the API as served by `dataconnect serve`, and the memory of the idle server.

Starts a real server process on SQLite (or on PostgreSQL with --database-url), seeds the demo
account, then times N sequential requests of each kind over HTTP keep-alive. The reference in the
same run is GET /healthz (no auth, no database): the ratio shows what auth + SQL + rendering cost.

    .venv/bin/python bench/api_bench.py [--requests 500] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(client: httpx.Client, method: str, url: str, n: int, **kw: object) -> list[float]:
    out = []
    for i in range(n):
        body = kw.get("json_factory")
        start = time.perf_counter()
        r = client.request(method, url, json=body(i) if callable(body) else None)
        out.append((time.perf_counter() - start) * 1000)
        if r.status_code >= 400:
            raise SystemExit(f"{method} {url} answered {r.status_code}: {r.text[:300]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="dc-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATACONNECT_")}
    env["DATACONNECT_HOME"] = home
    env["DATACONNECT_SFTP_PORT"] = "0"  # the HTTP side only
    if args.database_url:
        env["DATACONNECT_DATABASE_URL"] = args.database_url
    exe = str(Path(sys.executable).parent / "dataconnect")
    subprocess.run([exe, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    # The server's output goes to a file: a pipe nobody reads would fill up and stall it.
    log_path = Path(home) / "serve.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [exe, "serve", "--port", str(port), "--demo"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        token = None
        deadline = time.monotonic() + 30
        while token is None and time.monotonic() < deadline:
            match = re.search(r"demo API token: (\S+)", log_path.read_text())
            token = match.group(1) if match else None
            time.sleep(0.05)
        if token is None:
            raise SystemExit("the server did not print a token")
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
            while True:
                try:
                    c.get("/healthz")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            time.sleep(1)
            idle = rss_mb(proc.pid)
            n = args.requests
            results = {
                "GET /healthz (reference)": timed(c, "GET", "/healthz", n),
                "GET /api/v1/account": timed(c, "GET", "/api/v1/account", n),
                "GET /api/v1/groups": timed(c, "GET", "/api/v1/groups", n),
                "GET /api/v1/jobs/1": timed(c, "GET", "/api/v1/jobs/1", n),
                "POST /api/v1/jobs": timed(
                    c,
                    "POST",
                    "/api/v1/jobs",
                    n,
                    json_factory=lambda i: {
                        "name": f"Bench job {i}",
                        "type": "import",
                        "import": {
                            "file_pattern": "b.csv",
                            "target": "CONTACTS",
                            "mapping": {"id": "CUSTOMER_ID_"},
                            "match": {"columns": ["CUSTOMER_ID_"]},
                        },
                    },
                ),
            }
            busy = rss_mb(proc.pid)
        reference = statistics.median(results["GET /healthz (reference)"])
        backend = "PostgreSQL" if args.database_url else "SQLite"
        print(f"backend {backend}, {n} sequential requests each, keep-alive")
        print(f"{'request':28} {'p50 ms':>8} {'p99 ms':>8} {'x healthz p50':>14}")
        for name, samples in results.items():
            p50 = statistics.median(samples)
            print(f"{name:28} {p50:8.2f} {percentile(samples, 0.99):8.2f} {p50 / reference:14.1f}")
        print(f"server RSS: idle {idle:.0f} MB, after the run {busy:.0f} MB")
    finally:
        log.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
