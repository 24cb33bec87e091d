"""SQLite: an import waits for another process's write lock on the data file, however long it is
held, and can be stopped while it waits."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from importing import FILE, Env, contacts, csv_bytes, direct, make_job, put

from dataconnect.bootstrap import App
from dataconnect.imports.engine import ImportOutcome


@pytest.fixture
def env(sqlite_app: App) -> Env:
    return contacts(sqlite_app)


@pytest.fixture
def held(sqlite_app: App) -> Iterator[sqlite3.Connection]:
    """Another process's view: the data file's write lock taken and kept."""
    other = sqlite3.connect(sqlite_app.settings.home / "data.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


def _start(env: Env, stop: threading.Event) -> tuple[threading.Thread, list[ImportOutcome]]:
    job = make_job(env)
    put(env, csv_bytes("C1,a@x.com,Berlin,"), FILE)
    found: list[ImportOutcome] = []
    thread = threading.Thread(
        target=lambda: found.append(direct(env, job.id, 91, stop=stop)), daemon=True
    )
    thread.start()
    return thread, found


def test_an_import_waits_past_the_busy_timeout_then_loads(
    env: Env, held: sqlite3.Connection
) -> None:
    thread, found = _start(env, threading.Event())

    thread.join(2.5)  # longer than one wait for the lock
    assert thread.is_alive() and not found
    held.execute("COMMIT")
    thread.join(10)

    assert [o.state for o in found] == ["succeeded"]
    assert found[0].added == 1


def test_an_import_waiting_for_the_lock_can_be_stopped(env: Env, held: sqlite3.Connection) -> None:
    stop = threading.Event()
    thread, found = _start(env, stop)
    thread.join(1.2)
    assert thread.is_alive()

    asked = time.monotonic()
    stop.set()
    thread.join(5)

    assert [o.state for o in found] == ["aborted"]
    assert time.monotonic() - asked < 1.5
