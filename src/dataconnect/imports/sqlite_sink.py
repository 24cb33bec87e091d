"""The import sink for SQLite: batched lookups and executemany in one IMMEDIATE transaction.

Rows this run wrote carry its id in ``_RUN_ID``, so a key seen twice in a file is found in the
table itself and memory stays flat whatever the file size.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine

from dataconnect.domain.imports import Reject
from dataconnect.domain.job_settings import SupplementalMode, UpdateOnMatch
from dataconnect.domain.tables import FieldType, TableKind
from dataconnect.imports.plan import RowPlan
from dataconnect.imports.sink import (
    BATCH_ROWS,
    AlreadyApplied,
    Applied,
    BatchResult,
    Prepare,
    Prepared,
    RepeatedKeys,
    Row,
    Stopped,
    Target,
    result_row,
)
from dataconnect.imports.sqlite_lookups import ReaderLookups, pack, unpack
from dataconnect.store.data import (
    CHANGE_SEQ,
    RESULT_COLUMNS,
    ROW_ID,
    RUN_ID,
    physical_name,
    quote,
)

LOOKUP_CHUNK = 500
LOCK_POLL_MS = 1000  # while waiting for the write lock, the stop token is read this often
BUSY_TIMEOUT_MS = 30000  # the pool's own setting (store/engine.py), put back afterwards
IMPORT_CACHE_KIB = 65536


def _adapt_datetime(value: datetime) -> str:
    # The text SQLAlchemy's SQLite DATETIME reads back; values are UTC.
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


_SAFE_TEXT = re.compile(r"[0-9A-Za-z :._-]*")


def _literal(value: object) -> str:
    """An SQL literal for one of the run's own constants (ids, timestamps, permission codes)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and _SAFE_TEXT.fullmatch(value):
        return f"'{value}'"
    raise ValueError(f"not a run constant: {value!r}")


def _as_stored(value: Any) -> Any:
    return _adapt_datetime(value) if isinstance(value, datetime) else value


sqlite3.register_adapter(datetime, _adapt_datetime)
sqlite3.register_adapter(date, date.isoformat)


def _stored_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(_as_stored(x) for x in key)


def _values_only(rows: list[Row]) -> Prepared:
    return pack([values for values, _ in rows], len(rows), final=True)  # inserts refuse none


def _whole_rows(rows: list[Row]) -> Prepared:
    return pack(rows, len(rows))


class SqliteSink:
    # Marshalled, about 0.4 MB: the reader's pipe (1 MB) holds two, so the reader goes on while
    # the writer stores. Larger batches made both inserts and merges slower (bench/README.md).
    batch_rows = BATCH_ROWS

    def __init__(self, engine: Engine, target: Target, plan: RowPlan) -> None:
        self._engine = engine
        self._target = target
        self._plan = plan
        self._conn: Any = None
        self._fast = False
        self._trusting = False  # writing into an empty table, keys checked once at commit
        # Merging into a profile list with the keys looked up by the reader (sqlite_lookups):
        # rows this run changed and inserted, checked against the table at the end.
        self._lookups: ReaderLookups | None = None
        self._changed = self._inserted = 0
        self._riid_before = 0
        self._seen_sql = ""
        self._pooled: Any = None  # the pool's wrapper of ``_conn``, given back at the end
        table = target.table
        self._table_key = physical_name(target.account_id, table.name)
        self._table = quote(self._table_key)
        self._seq = 0
        self._kind = table.kind
        self._rowkey = ROW_ID if table.kind is TableKind.SUPPLEMENTAL else "RIID_"
        self._stamp = (
            [] if table.kind is TableKind.SUPPLEMENTAL else ["CREATED_DATE_", "MODIFIED_DATE_"]
        )
        self._insert_sql = self._update_sql = ""  # made in begin: they hold its sequence
        key_table = target.parent if table.kind is TableKind.PET and target.parent else table
        self._time_keys = any(
            (f := key_table.field(c)) is not None and f.type is FieldType.TIMESTAMP
            for c in plan.key_columns
        )
        # A match left alone (no_update) is marked this run's, to find a repeat in the file,
        # but keeps its change sequence: it did not change.
        self._touch_sql = (
            f"UPDATE {self._table} SET {quote(RUN_ID)} = {_literal(target.job_run_id)} "
            f"WHERE {quote(self._rowkey)} = ?"
        )

    def _write_statements(self, seq: int) -> None:
        """The insert and update of the run: what every row of it has alike (its id, times,
        change sequence) goes into the SQL as literals (checked by ``_literal``): binding them
        again for each row costs a fifth of the insert."""
        target, plan = self._target, self._plan
        written = plan.written_columns
        insert_cols = ["RIID_", *written] if self._kind is TableKind.PET else list(written)
        now_text = _adapt_datetime(target.now)
        constants = {
            **dict.fromkeys(self._stamp, now_text),
            RUN_ID: target.job_run_id,
            CHANGE_SEQ: seq,
            **plan.insert_extra,
        }
        cols = [*insert_cols, *constants]
        values = [*("?" for _ in insert_cols), *(_literal(v) for v in constants.values())]
        self._insert_sql = (
            f"INSERT INTO {self._table} ({', '.join(quote(c) for c in cols)}) "
            f"VALUES ({', '.join(values)})"
        )
        # Parameters are numbered: an update binds the row's values as they come, and leaves out
        # its match columns (equal by definition), which spares their index entries.
        unchanged = set(plan.key_columns) if self._kind is not TableKind.PET else set()
        sets = [f"{quote(c)} = ?{i}" for i, c in enumerate(written, start=1) if c not in unchanged]
        if self._stamp:
            sets.append(f"{quote('MODIFIED_DATE_')} = {_literal(now_text)}")
        sets.append(f"{quote(RUN_ID)} = {_literal(target.job_run_id)}")
        sets.append(f"{quote(CHANGE_SEQ)} = {_literal(seq)}")
        self._update_sql = (
            f"UPDATE {self._table} SET {', '.join(sets)} "
            f"WHERE {quote(self._rowkey)} = ?{len(written) + 1}"
        )

    # --- transaction ----------------------------------------------------------------------

    def begin(self) -> None:
        self._pooled = self._engine.raw_connection()
        self._conn = self._pooled.driver_connection
        self._conn.execute(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
        self._begin_when_free()
        found = self._conn.execute(
            "SELECT 1 FROM import_markers WHERE job_run_id = ?", (self._target.job_run_id,)
        ).fetchone()
        if found:
            self.rollback()
            raise AlreadyApplied
        # Taken under the data file's write lock: the table's writers commit in this order.
        (self._seq,) = self._conn.execute(
            "SELECT coalesce(max(seq), 0) + 1 FROM import_markers WHERE table_key = ?",
            (self._table_key,),
        ).fetchone()
        self._write_statements(self._seq)
        if self._kind is TableKind.SUPPLEMENTAL and (
            self._plan.supplemental_mode is SupplementalMode.REPLACE
        ):
            # Inside the run's transaction: readers keep the old table until the commit.
            self._conn.execute(f"DELETE FROM {self._table}")
        empty = self._conn.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {self._table})").fetchone()
        keys = self._plan.key_columns
        self._fast = bool(empty[0]) and self._kind is not TableKind.PET and bool(keys)
        if (
            not empty[0]
            and self._target.optimistic
            and self._kind is TableKind.PROFILE_LIST
            and keys
        ):
            self._lookups = self._reader_lookups()
        if self._fast and self._target.optimistic:
            # Nothing but this run's rows can be in the table: every row is an insert, and one
            # query at commit tells whether the file repeated a key.
            self._trusting = True
            self._fast = False
        if self._fast:
            # An empty target holds only what this run writes. A temporary key table, filled by
            # SQLite itself, tells whether a batch repeats any key; if not, the batch is inserted
            # with no lookup and no per-row Python work (the GIL stays with the reader thread).
            self._conn.execute("DROP TABLE IF EXISTS temp.dc_run_keys")
            names = ", ".join(f"k{i}" for i in range(len(keys)))
            self._conn.execute(
                f"CREATE TEMP TABLE dc_run_keys ({names}, PRIMARY KEY ({names})) WITHOUT ROWID"
            )
            self._seen_sql = (
                f"INSERT OR IGNORE INTO temp.dc_run_keys VALUES ({', '.join('?' for _ in keys)})"
            )

    def _reader_lookups(self) -> ReaderLookups | None:
        database = self._engine.url.database
        mode = self._conn.execute("PRAGMA journal_mode").fetchone()[0]
        if not database or database == ":memory:" or str(mode).lower() != "wal":
            return None  # another connection would not see the table as this run began
        (self._riid_before,) = self._conn.execute(
            f"SELECT coalesce(max({quote('RIID_')}), 0) FROM {self._table}"
        ).fetchone()
        return ReaderLookups(
            database,
            self._table,
            self._plan.key_columns,
            replace_all=self._plan.update_on_match is UpdateOnMatch.REPLACE_ALL,
            insert_on_no_match=self._plan.insert_on_no_match,
            stored_key=_stored_key if self._time_keys else None,
        )

    def _begin_when_free(self) -> None:
        """Take the data file's write lock, however long another run holds it (an import of
        a large file in another process), looking at the stop token every second meanwhile."""
        self._conn.execute(f"PRAGMA busy_timeout={LOCK_POLL_MS}")
        while True:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    self._close()
                    raise
                stop = self._target.stop
                if stop is not None and stop.is_set():
                    self._close()
                    raise Stopped from None

    def check_keys(self) -> None:
        repeated = (self._trusting and self._repeats()) or (
            self._lookups is not None and self._written_twice()
        )
        if repeated:
            self.rollback()
            raise RepeatedKeys

    def _written_twice(self) -> bool:
        """Did this run change a row twice, or insert one key twice? Either means the file
        repeated a key, which the reader's lookups could not see."""
        (ours,) = self._conn.execute(
            f"SELECT count(*) FROM {self._table} WHERE {quote(RUN_ID)} = ?",
            (self._target.job_run_id,),
        ).fetchone()
        if ours != self._changed + self._inserted:
            return True
        return self._repeats(after_riid=self._riid_before)

    def commit(self, applied: Applied) -> None:
        try:
            self._conn.execute(
                "INSERT INTO import_markers (job_run_id, account_id, applied_at, table_key, seq) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    self._target.job_run_id,
                    self._target.account_id,
                    self._target.now,
                    self._table_key,
                    self._seq,
                ),
            )
            self._conn.execute(
                f"INSERT INTO import_results ({', '.join(RESULT_COLUMNS)}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                result_row(self._target.job_run_id, applied),
            )
        except sqlite3.IntegrityError:
            self.rollback()
            raise AlreadyApplied from None
        self._conn.execute("COMMIT")
        self._close()

    def _repeats(self, after_riid: int | None = None) -> bool:
        """Does a key appear twice in the table (among rows inserted after ``after_riid``)?"""
        keys = ", ".join(quote(c) for c in self._plan.key_columns)
        where, params = (
            ("", ()) if after_riid is None else (f"WHERE {quote('RIID_')} > ? ", (after_riid,))
        )
        found = self._conn.execute(
            f"SELECT 1 FROM {self._table} {where}GROUP BY {keys} HAVING count(*) > 1 LIMIT 1",
            params,
        ).fetchone()
        return found is not None

    def rollback(self) -> None:
        if self._conn is not None:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._close()

    def _close(self) -> None:
        self._conn.execute("PRAGMA cache_size=-2000")
        self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._pooled.close()
        self._conn = self._pooled = None
        if self._lookups is not None:
            self._lookups.close()  # opened here only when write() ran the reader's half itself

    # --- lookups --------------------------------------------------------------------------

    def _lookup(
        self, table: str, key_columns: Sequence[str], rowkey: str, keys: Iterable[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], list[tuple[int, int | None]]]:
        """Existing rows by key → [(row key, run id)], matching every key column (AND)."""
        wanted = list(dict.fromkeys(keys))
        first = quote(key_columns[0])
        selected = ", ".join(quote(c) for c in key_columns)
        found: dict[tuple[Any, ...], list[tuple[int, int | None]]] = {}
        want = set(wanted)
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            firsts = list(dict.fromkeys(k[0] for k in chunk))
            sql = (
                f"SELECT {quote(rowkey)}, {quote(RUN_ID) if table == self._table else 'NULL'}, "
                f"{selected} FROM {table} WHERE {first} IN ({', '.join('?' for _ in firsts)})"
            )
            for row in self._conn.execute(sql, firsts):
                key = tuple(row[2:])
                if key in want:
                    found.setdefault(key, []).append((row[0], row[1]))
        return found

    # --- writing --------------------------------------------------------------------------

    def write(self, rows: list[Row]) -> BatchResult:
        if self._lookups is not None or self._inserts_only():
            return self.write_prepared(self.preparer()(rows))  # the reader's half, done here
        if self._time_keys:
            # SQLite keeps timestamps as text: compare keys the way they are stored.
            rows = [(v, _stored_key(k)) for v, k in rows]
        if self._kind is TableKind.PET:
            return self._write_pet(rows)
        if self._fast:
            keys = [k for _, k in rows]
            before = self._conn.total_changes
            self._conn.executemany(self._seen_sql, keys)
            if self._conn.total_changes - before == len(keys):  # every key is new to this run
                self._conn.executemany(self._insert_sql, [v for v, _ in rows])
                return BatchResult(added=len(rows))
        existing = self._lookup(
            self._table, self._plan.key_columns, self._rowkey, (k for _, k in rows)
        )
        return self._apply(rows, existing, lambda values, _: values)

    def _inserts_only(self) -> bool:
        return self._trusting or (
            self._kind is TableKind.SUPPLEMENTAL and not self._plan.key_columns
        )

    def preparer(self) -> Prepare:
        if self._lookups is not None:
            return self._lookups
        # Inserts need only the values: half the objects to cross from the reader.
        return _values_only if self._inserts_only() else _whole_rows

    def write_prepared(self, batch: Prepared) -> BatchResult:
        if self._lookups is not None:
            return self._write_looked_up(batch)
        if not self._inserts_only():
            return self.write(unpack(batch))
        try:
            self._conn.executemany(self._insert_sql, unpack(batch))
        except sqlite3.IntegrityError:
            if not self._trusting:
                raise
            self.rollback()  # a unique primary key (supplemental) repeated
            raise RepeatedKeys from None
        return BatchResult(added=batch.count)

    def _write_looked_up(self, batch: Prepared) -> BatchResult:
        if batch.repeats:
            self.rollback()
            raise RepeatedKeys
        updates, touches, inserts, updated = unpack(batch)
        before = self._conn.total_changes
        if updates:
            self._conn.executemany(self._update_sql, updates)
        if touches:
            self._conn.executemany(self._touch_sql, touches)
        self._changed += self._conn.total_changes - before
        if inserts:
            self._conn.executemany(self._insert_sql, inserts)
        self._inserted += len(inserts)
        return BatchResult(added=len(inserts), updated=updated, rejects=batch.rejects)

    def _write_pet(self, rows: list[Row]) -> BatchResult:
        parent = self._target.parent
        assert parent is not None
        list_table = quote(physical_name(self._target.account_id, parent.name))
        profiles = self._lookup(list_table, self._plan.key_columns, "RIID_", (k for _, k in rows))
        result = BatchResult()
        # Each profile is a PET key: one PET row per matching profile.
        by_riid: list[Row] = []
        origin: list[int] = []
        for index, (values, key) in enumerate(rows):
            matches = profiles.get(key)
            if not matches:
                result.rejects.append((index, Reject.NO_MATCHING_PROFILE))
                continue
            for riid, _ in matches:
                by_riid.append((values, (riid,)))
                origin.append(index)
        existing = self._lookup(self._table, ["RIID_"], "RIID_", (k for _, k in by_riid))
        inner = self._apply(by_riid, existing, lambda values, key: (key[0], *values))
        # A file row that found several profiles is refused once, with its first reason.
        first: dict[int, Reject] = {}
        for i, reason in inner.rejects:
            first.setdefault(origin[i], reason)
        result.rejects = sorted([*result.rejects, *first.items()])
        result.added, result.updated = inner.added, inner.updated
        return result

    def _apply(
        self,
        rows: list[Row],
        existing: dict[tuple[Any, ...], list[tuple[int, int | None]]],
        insert_values: Any,
    ) -> BatchResult:
        plan, run = self._plan, self._target.job_run_id
        result = BatchResult()
        seen: set[tuple[Any, ...]] = set()
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        touches: list[tuple[Any, ...]] = []
        append_only = (
            self._kind is TableKind.SUPPLEMENTAL
            and plan.supplemental_mode is SupplementalMode.APPEND
        )
        for index, (values, key) in enumerate(rows):
            matches = existing.get(key)
            if key in seen or (matches and any(r == run for _, r in matches)):
                result.rejects.append((index, Reject.DUPLICATE_KEY_IN_FILE))
                continue
            # Only written keys count as seen: a repeat of a refused row is judged on its own.
            if matches:
                if append_only:
                    result.rejects.append((index, Reject.KEY_EXISTS))
                    continue
                if plan.update_on_match is UpdateOnMatch.REPLACE_ALL:
                    updates += [(*values, rowkey) for rowkey, _ in matches]
                    result.updated += 1
                else:
                    touches += [(rowkey,) for rowkey, _ in matches]
            elif plan.insert_on_no_match or self._kind is TableKind.SUPPLEMENTAL:
                inserts.append(insert_values(values, key))
                result.added += 1
            else:
                result.rejects.append((index, Reject.NO_MATCHING_RECORD))
                continue
            seen.add(key)
        if updates:
            self._conn.executemany(self._update_sql, updates)
        if touches:
            self._conn.executemany(self._touch_sql, touches)
        if inserts:
            self._conn.executemany(self._insert_sql, inserts)
        return result
