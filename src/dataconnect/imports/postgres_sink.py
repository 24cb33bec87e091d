"""The import sink for PostgreSQL: COPY each batch into a staging table, then merge set-wise.

Everything happens in one transaction on one connection: the target table is locked against
other writers (readers go on seeing the old rows), each batch is copied into a temporary table
and merged with a few statements, and the run's marker row commits with the data.

Rows this run wrote carry its id in ``_RUN_ID``, so a key seen twice in a file is found in the
table itself; within one batch, repeated keys are set aside in Python before the copy, so the
staging table holds each key once and every statement can join on the key alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine

from dataconnect.domain.imports import Reject
from dataconnect.domain.job_settings import SupplementalMode, UpdateOnMatch
from dataconnect.domain.tables import FieldDef, TableKind
from dataconnect.imports.copy_text import CopyText
from dataconnect.imports.plan import RowPlan
from dataconnect.imports.postgres_staging import IDX, RIID, Staging, match_on, pg_type
from dataconnect.imports.sink import (
    BATCH_ROWS,
    AlreadyApplied,
    Applied,
    BatchResult,
    Prepare,
    Prepared,
    RepeatedKeys,
    Row,
    Target,
    result_row,
)
from dataconnect.store.data import CHANGE_SEQ, RESULT_COLUMNS, RUN_ID, physical_name, quote


class PostgresSink:
    # Each staged batch costs the server a few statements (copy, merge, truncate): 10,000 rows
    # (about 1.2 MB of COPY text) merged about a tenth faster than 2,000. A straight COPY has
    # nothing to spread, and the reader's smaller batches stay in its CPU cache (set in begin).
    batch_rows = 10_000

    def __init__(self, engine: Engine, schema: str, target: Target, plan: RowPlan) -> None:
        self._engine = engine
        self._target = target
        self._plan = plan
        self._pooled: Any = None  # the pool's wrapper of ``_conn``, given back at the end
        self._conn: psycopg.Connection[Any] | None = None
        self._written = False  # has this run written a row yet (else no duplicate can exist)
        self._fresh = False  # the table was empty when the run began: its rows are all ours
        self._trusting = False  # fresh, and copied straight in: keys checked once at the end
        table = target.table
        self._kind = table.kind
        self._schema = quote(schema)
        self._table_key = physical_name(target.account_id, table.name)
        self._table = f"{self._schema}.{quote(self._table_key)}"
        self._markers = f"{self._schema}.{quote('import_markers')}"
        self._stamp = (
            [] if table.kind is TableKind.SUPPLEMENTAL else ["CREATED_DATE_", "MODIFIED_DATE_"]
        )
        written = self._written_columns = list(plan.written_columns)
        # Rows are merged on a key; for a supplemental table only on its complete primary key:
        # a key column the file does not feed is NULL in every row, and NULL matches nothing.
        self._keyed = table.kind is not TableKind.SUPPLEMENTAL or (
            bool(plan.key_columns) and len(plan.key_positions) == len(plan.key_columns)
        )
        # Staged per row: idx, the values, and for a PET the list key (in match order) after them.
        names = list(written)
        if table.kind is TableKind.PET:
            names += plan.key_columns
        types: list[FieldDef] = []
        for name in names:
            source = table if name in written else target.parent
            assert source is not None
            found = source.field(name)
            assert found is not None, name
            types.append(found)
        self._stage_columns = [(n, pg_type(f)) for n, f in zip(names, types, strict=True)]
        self._with_key = table.kind is TableKind.PET
        self._seq = 0  # the run's change sequence in the table, taken in begin under its lock
        self._insert_const_columns = [*self._stamp, RUN_ID, CHANGE_SEQ, *plan.insert_extra]
        # Session temp tables, one per shape, emptied at each commit: created once per pooled
        # connection instead of once per run (catalog writes cost more than a small import).
        shape = hashlib.sha1(repr(self._stage_columns).encode(), usedforsecurity=False)
        self._stage = f"{quote('pg_temp')}.{quote('dc_stage_' + shape.hexdigest()[:16])}"
        self._pet_stage = f"{quote('pg_temp')}.{quote('dc_pet_stage_' + shape.hexdigest()[:16])}"
        self._stage_dirty = False
        self._copy_sql = (
            f"COPY {self._stage} ({', '.join([IDX, *(quote(n) for n in names)])}) FROM STDIN"
        )
        self._trusting_copy_sql = (
            f"COPY {self._table} "
            f"({', '.join(quote(c) for c in [*written, *self._insert_const_columns])}) FROM STDIN"
        )
        self._direct_copy_sql = (
            f"COPY {self._table} "
            f"({', '.join(quote(c) for c in [*written, RUN_ID, CHANGE_SEQ])}) FROM STDIN"
        )

    @property
    def _insert_consts(self) -> tuple[Any, ...]:
        """What every inserted row of the run holds alike, in ``_insert_const_columns`` order."""
        target = self._target
        stamps = [target.now] * len(self._stamp)
        return (*stamps, target.job_run_id, self._seq, *self._plan.insert_extra.values())

    # --- transaction ----------------------------------------------------------------------

    def begin(self) -> None:
        self._pooled = self._engine.raw_connection()
        conn: psycopg.Connection[Any] = self._pooled.driver_connection
        self._conn = conn
        try:
            if conn.info.transaction_status is not TransactionStatus.IDLE:
                conn.rollback()
            conn.autocommit = False  # every statement below runs in the one transaction
            # Timestamps given as text without an offset are UTC, whatever the server's zone.
            # A batch is a few thousand staged rows joined to a table that grows inside this
            # transaction, with statistics that know nothing of it (nor of _RUN_ID): left to
            # itself the planner may scan the whole table once per batch, or once per staged
            # row. Every match key is indexed, so one index probe per staged row is always
            # right: joins are nested loops, and EXISTS tests are per-row subplans (OFFSET 0).
            conn.execute(  # one round trip: no parameters, so several statements may go
                "SET LOCAL TimeZone = 'UTC'; SET LOCAL client_encoding = 'UTF8'; "
                "SET LOCAL enable_hashjoin = off; "
                "SET LOCAL enable_mergejoin = off; SET LOCAL jit = off"
            )
            # One writer per table at a time (a second run of it waits here); readers go on.
            conn.execute(f"LOCK TABLE {self._table} IN SHARE ROW EXCLUSIVE MODE")
            found = conn.execute(
                f"SELECT 1 FROM {self._markers} WHERE job_run_id = %s",
                (self._target.job_run_id,),
            ).fetchone()
            if found:
                self.rollback()
                raise AlreadyApplied
            # Taken under the table's lock: its writers commit in the order of these numbers.
            seq = conn.execute(
                f"SELECT coalesce(max(seq), 0) + 1 FROM {self._markers} WHERE table_key = %s",
                (self._table_key,),
            ).fetchone()
            assert seq is not None
            self._seq = int(seq[0])
            if self._kind is TableKind.SUPPLEMENTAL and (
                self._plan.supplemental_mode is SupplementalMode.REPLACE
            ):
                # Inside the run's transaction: readers keep the old rows until the commit.
                conn.execute(f"DELETE FROM {self._table}")
            if not self._keyed:
                return  # rows are copied straight into the table
            # Held under the lock above: an empty table can only hold what this run writes,
            # so a staged key found in it is a repeat in the file, nothing to update or probe.
            empty = conn.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {self._table})").fetchone()
            self._fresh = bool(empty and empty[0]) and self._kind is not TableKind.PET
            if self._fresh and self._target.optimistic:
                # Every row is an insert: COPY straight into the table, as a raw load would,
                # and one query at the end tells whether the file repeated a key.
                self._trusting = True
                self.batch_rows = BATCH_ROWS
                return
            columns = ", ".join(f"{quote(n)} {t}" for n, t in self._stage_columns)
            conn.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {self._stage} ({IDX} int NOT NULL, {columns}) "
                "ON COMMIT DELETE ROWS"
            )
            if self._kind is TableKind.PET:
                own = [
                    f"{quote(n)} {t}" for n, t in self._stage_columns[: len(self._written_columns)]
                ]
                pet = ", ".join([f"{IDX} int NOT NULL", f"{RIID} bigint NOT NULL", *own])
                conn.execute(
                    f"CREATE TEMP TABLE IF NOT EXISTS {self._pet_stage} ({pet}) "
                    "ON COMMIT DELETE ROWS"
                )
        except AlreadyApplied:
            raise
        except BaseException:
            self.rollback()
            raise

    def check_keys(self) -> None:
        if not self._trusting:
            return
        assert self._conn is not None
        keys = ", ".join(quote(c) for c in self._plan.key_columns)
        found = self._conn.execute(
            f"SELECT 1 FROM {self._table} GROUP BY {keys} HAVING count(*) > 1 LIMIT 1"
        ).fetchone()
        if found is not None:
            self.rollback()
            raise RepeatedKeys

    def commit(self, applied: Applied) -> None:
        assert self._conn is not None
        try:
            self._conn.execute(
                f"INSERT INTO {self._markers} (job_run_id, account_id, applied_at, table_key, seq) "
                "VALUES (%s, %s, %s, %s, %s)",
                (
                    self._target.job_run_id,
                    self._target.account_id,
                    self._target.now,
                    self._table_key,
                    self._seq,
                ),
            )
            self._conn.execute(
                f"INSERT INTO {self._schema}.{quote('import_results')} "
                f"({', '.join(RESULT_COLUMNS)}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                result_row(self._target.job_run_id, applied),
            )
        except pg_errors.UniqueViolation:
            self.rollback()
            raise AlreadyApplied from None
        self._conn.commit()
        self._release()

    def rollback(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.rollback()
        except psycopg.Error:
            # A broken connection: the server rolls back; the pool must not reuse it.
            self._pooled.invalidate()
        self._release()

    def _release(self) -> None:
        self._pooled.close()
        self._conn = self._pooled = None

    # --- writing --------------------------------------------------------------------------

    def write(self, rows: list[Row]) -> BatchResult:
        return self.write_prepared(self.preparer()(rows))

    def preparer(self) -> Prepare:
        """The reader's half of each batch: everything but the database's part."""
        if self._trusting:
            return CopyText(len(self._written_columns), self._insert_consts)
        if not self._keyed:
            return CopyText(len(self._written_columns), (self._target.job_run_id, self._seq))
        return Staging(len(self._stage_columns), self._with_key)

    def write_prepared(self, batch: Prepared) -> BatchResult:
        conn = self._conn
        assert conn is not None, "write() before begin()"
        if batch.count == 0:
            return BatchResult(rejects=batch.rejects)
        if self._trusting:
            try:
                with conn.cursor() as cur, cur.copy(self._trusting_copy_sql) as copy:
                    copy.write(batch.data)
            except pg_errors.UniqueViolation:  # a unique primary key (supplemental) repeated
                self.rollback()
                raise RepeatedKeys from None
            return BatchResult(added=batch.count, rejects=batch.rejects)
        if not self._keyed:
            # No complete key: every row is new; copied straight into the table.
            with conn.cursor() as cur, cur.copy(self._direct_copy_sql) as copy:
                copy.write(batch.data)
            return BatchResult(added=batch.count, rejects=batch.rejects)

        text, later = batch.data
        if self._stage_dirty:  # empty at the start of the transaction
            conn.execute(f"TRUNCATE {self._stage}")
        self._stage_dirty = True
        with conn.cursor() as cur, cur.copy(self._copy_sql) as copy:
            copy.write(text)
        refused: dict[int, Reject] = {}
        if self._kind is TableKind.PET:
            added, updated = self._merge_pet(conn, refused)
        else:
            added, updated = self._merge(
                conn,
                self._stage,
                self._plan.key_columns,
                self._written_columns,
                refused,
                per_row=True,
            )
        result = BatchResult(added=added, updated=updated, rejects=list(batch.rejects))
        for index, seen in later:
            result.rejects.append((index, refused.get(seen, Reject.DUPLICATE_KEY_IN_FILE)))
        result.rejects += refused.items()
        result.rejects.sort()
        return result

    def _merge_pet(
        self, conn: psycopg.Connection[Any], refused: dict[int, Reject]
    ) -> tuple[int, int]:
        parent = self._target.parent
        assert parent is not None
        list_table = f"{self._schema}.{quote(physical_name(self._target.account_id, parent.name))}"
        written = [quote(c) for c in self._written_columns]
        into = ", ".join([IDX, RIID, *written])
        picked = ", ".join([f"s.{IDX}", f"l.{RIID}", *(f"s.{c}" for c in written)])
        conn.execute(f"TRUNCATE {self._pet_stage}")
        # One PET row per matching profile; batch rows that match no profile are refused.
        unmatched = conn.execute(
            f"WITH m AS (INSERT INTO {self._pet_stage} ({into}) "
            f"SELECT {picked} FROM {self._stage} s JOIN {list_table} l "
            f"ON {match_on(self._plan.key_columns, 'l', 's')} RETURNING {IDX}) "
            f"SELECT s.{IDX} FROM {self._stage} s WHERE s.{IDX} NOT IN (SELECT {IDX} FROM m)"
        ).fetchall()
        for (index,) in unmatched:
            refused[index] = Reject.NO_MATCHING_PROFILE
        return self._merge(
            conn,
            self._pet_stage,
            ["RIID_"],
            self._written_columns,
            refused,
            per_row=False,
            pet=True,
        )

    def _merge(
        self,
        conn: psycopg.Connection[Any],
        stage: str,
        keys: Sequence[str],
        written: Sequence[str],
        refused: dict[int, Reject],
        *,
        per_row: bool,
        pet: bool = False,
    ) -> tuple[int, int]:
        """Merge ``stage`` (each key once) into the target; returns (added, updated).

        ``per_row``: an update counts once per staged row however many target rows it changed
        (a list key may match several profiles); otherwise once per target row (PET rows).
        """
        plan, run, table = self._plan, self._target.job_run_id, self._table
        match = match_on(keys)

        def exists(condition: str = "") -> str:
            # OFFSET 0 keeps it a per-row subplan: one index probe per staged row.
            return f"EXISTS (SELECT 1 FROM {table} t WHERE {match}{condition} OFFSET 0)"

        def refuse(sql: str, params: Sequence[Any], reason: Reject) -> None:
            for (index,) in conn.execute(sql, params).fetchall():
                refused.setdefault(index, reason)

        if self._written:
            # A key this run already wrote (in an earlier batch).
            refuse(
                f"DELETE FROM {stage} s WHERE {exists(f' AND t.{quote(RUN_ID)} = %s')} "
                f"RETURNING s.{IDX}",
                (run,),
                Reject.DUPLICATE_KEY_IN_FILE,
            )
        append_only = (
            self._kind is TableKind.SUPPLEMENTAL
            and plan.supplemental_mode is SupplementalMode.APPEND
        )
        updated = 0
        if self._fresh:
            pass  # no row but this run's: the repeats were refused above
        elif append_only:
            refuse(
                f"DELETE FROM {stage} s WHERE {exists()} RETURNING s.{IDX}",
                (),
                Reject.KEY_EXISTS,
            )
        elif plan.update_on_match is UpdateOnMatch.REPLACE_ALL:
            sets = [f"{quote(c)} = s.{quote(c)}" for c in written]
            params: list[Any] = []
            if self._stamp:
                sets.append(f"{quote('MODIFIED_DATE_')} = %s")
                params.append(self._target.now)
            sets.append(f"{quote(RUN_ID)} = %s")
            sets.append(f"{quote(CHANGE_SEQ)} = %s")
            params += [run, self._seq]
            changed = conn.execute(
                f"UPDATE {table} t SET {', '.join(sets)} FROM {stage} s "
                f"WHERE {match} RETURNING s.{IDX}",
                params,
            ).fetchall()
            updated = len({i for (i,) in changed}) if per_row else len(changed)
            self._written = self._written or bool(changed)
        else:
            touched = conn.execute(
                f"UPDATE {table} t SET {quote(RUN_ID)} = %s FROM {stage} s WHERE {match}",
                (run,),
            )
            self._written = self._written or touched.rowcount > 0

        added = 0
        missing = "TRUE" if self._fresh else f"NOT {exists()}"
        if plan.insert_on_no_match or self._kind is TableKind.SUPPLEMENTAL:
            own = ["RIID_", *written] if pet else list(written)
            columns = ", ".join(quote(c) for c in [*own, *self._insert_const_columns])
            values = ", ".join(
                [*(f"s.{quote(c)}" for c in own), *("%s" for _ in self._insert_consts)]
            )
            order = f"s.{IDX}, s.{RIID}" if pet else f"s.{IDX}"
            inserted = conn.execute(
                f"INSERT INTO {table} ({columns}) SELECT {values} FROM {stage} s "
                f"WHERE {missing} ORDER BY {order}",
                self._insert_consts,
            )
            added = max(inserted.rowcount, 0)
            self._written = self._written or added > 0
        else:
            refuse(
                f"SELECT s.{IDX} FROM {stage} s WHERE {missing}",
                (),
                Reject.NO_MATCHING_RECORD,
            )
        return added, updated
