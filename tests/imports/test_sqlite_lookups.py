"""The reader's lookup connection belongs to the thread that opened it.

The writer rolls back (and tidies up) on a repeated key while the reader thread may still be
looking up the next batch; closing the connection under it crashed the interpreter in CI.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from dataconnect.imports.sqlite_lookups import ReaderLookups


def _lookups(tmp_path: Path) -> ReaderLookups:
    path = tmp_path / "t.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute('CREATE TABLE t ("K" TEXT, "RIID_" INTEGER PRIMARY KEY)')
    conn.execute("INSERT INTO t VALUES ('a', 1), ('b', 2)")
    conn.commit()
    conn.close()
    return ReaderLookups(str(path), "t", ["K"], replace_all=True, insert_on_no_match=True)


def test_close_from_another_thread_leaves_the_readers_connection_open(tmp_path: Path) -> None:
    lookups = _lookups(tmp_path)
    opened = threading.Event()
    closing = threading.Event()
    found: list[object] = []

    def reader() -> None:
        found.append(lookups([(("a", 9), ("a",))]).count)
        mine = lookups._conn
        opened.set()
        closing.wait(5)
        # The writer's close() must not have closed it under this thread.
        assert mine is not None
        found.append(mine.execute("SELECT count(*) FROM t").fetchone()[0])
        lookups.close()

    thread = threading.Thread(target=reader)
    thread.start()
    assert opened.wait(5)
    lookups.close()  # the writer's tidy-up, from the main thread
    closing.set()
    thread.join(5)
    assert found == [1, 2]
    assert lookups._conn is None  # closed by its own thread at the end


def test_close_from_the_opening_thread_closes(tmp_path: Path) -> None:
    lookups = _lookups(tmp_path)
    lookups([(("a", 9), ("a",))])
    conn = lookups._conn
    assert conn is not None
    lookups.close()
    assert lookups._conn is None
    try:
        conn.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        pass
    else:
        raise AssertionError("the connection is still open")
