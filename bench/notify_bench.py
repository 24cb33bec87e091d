"""Email latency: from a group run's end to the SMTP server accepting its email.

    .venv/bin/python bench/notify_bench.py [--runs 100] [--database-url postgresql://…/postgres]

A real SMTP server (aiosmtpd) runs in this process; the app runs a worker and a mailer loop as
`dataconnect serve` does (mailer interval 1 s). Each group run fails at once (its first file is
missing), so its email is due as soon as it ends. Latency = SMTP acceptance time - the run's
recorded `ended_at`. Reference in the same run: the time the SMTP server takes to accept one
message handed to it directly (smtplib), the floor of any mailer.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self) -> None:
        self.accepted: dict[str, datetime] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        text = envelope.content.decode("utf-8", "replace")
        subject = next((line for line in text.splitlines() if line.startswith("Message-ID")), "")
        with self.lock:
            self.accepted[subject] = datetime.now(UTC)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from dataconnect.bootstrap import build
    from dataconnect.config import Settings
    from dataconnect.testing import group_request, import_job, make_account

    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    url = None
    if args.database_url:
        import psycopg

        name = f"dc_notify_bench_{os.getpid()}"
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = args.database_url.rsplit("/", 1)[0] + "/" + name
    home = Path(tempfile.mkdtemp(prefix="dc-notify-bench-"))
    app = build(Settings(home=home, database_url=url, smtp_host="127.0.0.1", smtp_port=port))
    app.upgrade_databases()
    caller, _ = make_account(app, "Bench", timezone="UTC")
    app.tables.create(caller, {"name": "CONTACTS", "kind": "profile_list", "fields": []})
    jobs = []
    for n in range(2):
        request = import_job(f"Job {n}")
        request["import"]["file_pattern"] = f"missing_{n}.csv"
        jobs.append(app.jobs.create(caller, request).id)
    spec = group_request("Bench", jobs)
    spec["notification"] = {"when": "failure", "emails": ["ops@example.com"]}
    group = app.groups.create(caller, spec)

    # Reference: one message straight to the server.
    direct = []
    for _ in range(20):
        message = EmailMessage()
        message["Subject"], message["From"], message["To"] = "ref", "a@b.c", "d@e.f"
        message.set_content("x")
        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(message)
        direct.append((time.perf_counter() - start) * 1000)

    app.start_worker(poll=0.25)
    app.start_mailer(interval=1.0)
    latencies = []
    for _ in range(args.runs):
        run = app.group_runs.start(caller, group.id)
        key = f"Message-ID: <dataconnect.group_run-{run.id}@localhost>"
        deadline = time.monotonic() + 60
        while key not in inbox.accepted:
            if time.monotonic() > deadline:
                raise SystemExit(f"no email for run {run.id} within 60 s")
            time.sleep(0.01)
        ended = app.group_runs.get(caller, run.id).ended_at
        assert ended is not None
        latencies.append((inbox.accepted[key] - ended).total_seconds())
    app.close()
    controller.stop()
    if url:
        import psycopg

        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    backend = "PostgreSQL" if url else "SQLite"
    print(f"backend {backend}, {args.runs} group runs, mailer interval 1 s")
    print(
        f"run end -> SMTP accepted: median {statistics.median(latencies):.3f} s, "
        f"p99 {percentile(latencies, 0.99):.3f} s, max {max(latencies):.3f} s (target p99 <= 10 s)"
    )
    print(f"reference, one direct SMTP send: median {statistics.median(direct):.1f} ms")


if __name__ == "__main__":
    main()
