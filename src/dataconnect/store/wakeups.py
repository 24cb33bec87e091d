"""Wake-ups between processes on PostgreSQL: ``NOTIFY`` in the transaction that queues or stops
a run, ``LISTEN`` in every worker process. Delivered at commit, so a worker never wakes up to a
run it cannot see yet. SQLite has no such thing: its processes poll (and the embedded mode
needs none: one process).

A lost notification costs only latency: workers still poll every fraction of a second.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine

from dataconnect.domain.runs import RunKind, RunRef

log = logging.getLogger(__name__)
CHANNEL = "dataconnect"
RECONNECT_AFTER = 1.0


def notify(conn: Connection, event: str, kind: str, run_id: int) -> None:
    """Queue a wake-up in this transaction (PostgreSQL only)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": CHANNEL, "payload": f"{event}:{kind}:{run_id}"},
        )


def listen(engine: Engine, deliver: Callable[[str, RunRef], None], halt: threading.Event) -> None:
    """Call ``deliver(event, run)`` for each wake-up until ``halt`` is set."""
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not halt.is_set():
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                while not halt.is_set():
                    for note in conn.notifies(timeout=0.5, stop_after=100):
                        parsed = _parse(note.payload)
                        if parsed is not None:
                            deliver(*parsed)
        except psycopg.Error:
            log.warning("lost the wake-up connection; polling meanwhile", exc_info=True)
            halt.wait(RECONNECT_AFTER)


def _parse(payload: str) -> tuple[str, RunRef] | None:
    event, _, rest = payload.partition(":")
    kind, _, number = rest.partition(":")
    if not number.isdigit() or kind not in set(RunKind):
        return None
    return event, RunRef(RunKind(kind), int(number))
