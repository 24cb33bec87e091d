"""Merging into a SQLite profile list with the keys looked up by the reader, not the writer.

Under WAL a second connection reads the table as last committed, and nothing else can commit
while the run holds the write lock: the reader's own read-only connection sees the table exactly
as the run began. It finds each key's profiles and hands the writer ready statements' parameters
(updates by ``RIID_``, inserts), so the writing process does only the database's work.

What the reader cannot see is what this run wrote: a key repeated in the file. That is found at
the end (``SqliteSink.check_keys``), and such a file is read again with the writer's own checks.
"""

from __future__ import annotations

import contextlib
import marshal
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from dataconnect.domain.imports import Reject
from dataconnect.imports.sink import Prepared, Row
from dataconnect.store.data import quote

LOOKUP_CHUNK = 500
READER_CACHE_KIB = 16384  # the reader's page cache: its lookups walk the key index only


class ReaderLookups:
    """The reader's half of a batch: ``(updates, touches, inserts, updated)`` marshalled."""

    def __init__(
        self,
        database: str,
        table: str,
        key_columns: Sequence[str],
        *,
        replace_all: bool,
        insert_on_no_match: bool,
        stored_key: Any = None,  # converts a key to its stored form (timestamps as text)
    ) -> None:
        self._database = database
        self._replace_all = replace_all
        self._insert = insert_on_no_match
        self._stored_key = stored_key
        self._single = len(key_columns) == 1
        first = quote(key_columns[0])
        selected = ", ".join(quote(c) for c in key_columns)
        self._sql = f"SELECT {selected}, {quote('RIID_')} FROM {table} WHERE {first} IN "
        self._conn: sqlite3.Connection | None = None
        self._owner: int | None = None  # the thread that opened ``_conn``

    def _connection(self) -> sqlite3.Connection:
        # Opened where it is used (in the reader process or thread): a SQLite connection must
        # never cross a fork. The run holds the write lock meanwhile, so nothing commits while
        # the reader reads.
        if self._conn is None:
            conn = sqlite3.connect(self._database, check_same_thread=False)
            conn.execute("PRAGMA query_only=ON")
            conn.execute(f"PRAGMA cache_size=-{READER_CACHE_KIB}")
            self._conn, self._owner = conn, threading.get_ident()
        return self._conn

    def close(self) -> None:
        """Called by the thread that used the connection when it is done (a forked reader's
        connection ends with the process). From any other thread it does nothing: closing a
        connection another thread is executing on crashes the interpreter (the writer rolls
        back on a repeated key while the reader thread may still be looking up the next batch)."""
        if self._conn is not None and self._owner == threading.get_ident():
            self._conn.close()
            self._conn = self._owner = None

    def _existing(self, keys: list[Any]) -> tuple[dict[Any, int], dict[Any, list[int]]]:
        """The first profile of each key found, and the further profiles of the few keys
        that several profiles share. A key is its value alone when there is one key column."""
        conn = self._connection()
        first: dict[Any, int] = {}
        more: dict[Any, list[int]] = {}
        single = self._single
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            values = chunk if single else list(dict.fromkeys(k[0] for k in chunk))
            sql = f"{self._sql}({', '.join('?' * len(values))})"
            cursor = conn.execute(sql, values)
            # With two key columns the IN list narrows on the first only. Profiles that match
            # on it alone are kept too; they are never asked for, as only whole keys are.
            found = cursor.fetchall() if single else [(row[:-1], row[-1]) for row in cursor]
            for key, riid in found:
                if key in first:
                    more.setdefault(key, []).append(riid)
                else:
                    first[key] = riid
        return first, more

    def __call__(self, rows: list[Row]) -> Prepared:
        if self._stored_key is not None:
            rows = [(values, self._stored_key(key)) for values, key in rows]
        keys = [key[0] for _, key in rows] if self._single else [key for _, key in rows]
        if len(set(keys)) != len(keys):
            return Prepared(None, len(rows), repeats=True)
        first, more = self._existing(keys)
        updates: list[tuple[Any, ...]] = []
        touches: list[tuple[int]] = []
        inserts: list[tuple[Any, ...]] = []
        rejects: list[tuple[int, Reject]] = []
        updated = 0
        for index, ((values, _), key) in enumerate(zip(rows, keys, strict=True)):
            riid = first.get(key)
            if riid is None:
                if self._insert:
                    inserts.append(values)
                else:
                    rejects.append((index, Reject.NO_MATCHING_RECORD))
                continue
            shared = more.get(key) if more else None  # the key's further profiles, if any
            if self._replace_all:
                updates.append((*values, riid))
                if shared:
                    updates += [(*values, r) for r in shared]
                updated += 1
            else:
                touches.append((riid,))
                if shared:
                    touches += [(r,) for r in shared]
        return pack((updates, touches, inserts, updated), len(rows), rejects, final=True)


def pack(
    data: Any, count: int, rejects: list[tuple[int, Reject]] | None = None, *, final: bool = False
) -> Prepared:
    """``data`` marshalled: a third of pickle's time for the reader, as quick to read back."""
    with contextlib.suppress(ValueError):  # a timestamp, which marshal cannot hold: as objects
        data = marshal.dumps(data)
    return Prepared(data, count, rejects or [], final=final)


def unpack(batch: Prepared) -> Any:
    data = batch.data
    return marshal.loads(data) if type(data) is bytes else data  # noqa: S302 - our reader's
