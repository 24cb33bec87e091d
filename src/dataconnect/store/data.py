"""The accounts' own tables (profile lists, PETs, supplemental tables) in the data database.

Identifiers come only from ``TableDef`` objects, whose names passed ``domain.names`` rules;
SQLAlchemy quotes them. Values always travel as bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeEngine

from dataconnect.domain.paging import Keyset
from dataconnect.domain.tables import FieldDef, FieldType, TableDef, TableKind
from dataconnect.store.paging import keyset
from dataconnect.store.types import Id, UTCDateTime

ROW_ID = "_ROW_ID"  # internal key of supplemental tables; no user field can take this name
RUN_ID = "_RUN_ID"  # the import run that last wrote the row: finds keys repeated in one file
# The change sequence of the import that last changed the row (inserted or updated it, not a
# match left alone): imports of one table commit in the order of their sequence numbers, so an
# export that read up to number K finds everything changed since in ``_CHANGE_SEQ > K``.
CHANGE_SEQ = "_CHANGE_SEQ"
HIDDEN_COLUMNS = frozenset({ROW_ID, RUN_ID, CHANGE_SEQ})
_SAFE_IDENT = re.compile(r"[A-Za-z0-9_$#]{1,63}")
# Every list is indexed on its usual keys; other match keys get an index when a job needs one,
# so imports do not pay for indexes nobody matches on.
INDEXED_LIST_FIELDS = ("CUSTOMER_ID_", "EMAIL_ADDRESS_")


def data_metadata(schema: str | None) -> MetaData:
    """Fixed tables of the data database."""
    md = MetaData(schema=schema)
    Table(
        "import_markers",
        md,
        # Written in the same transaction as an import's rows: proof the step's data committed.
        Column("job_run_id", Id, primary_key=True),
        Column("account_id", Id, nullable=False),
        Column("applied_at", UTCDateTime, nullable=False),
        # The table the run wrote (its physical name) and its change sequence there: taken
        # under the table's write lock, so a table's numbers follow the order of its commits.
        Column("table_key", String(80), nullable=True),
        Column("seq", BigInteger, nullable=True),
        Index("ix_import_markers_table_key_seq", "table_key", "seq", unique=True),
    )
    Table(
        "import_results",
        md,
        # Beside the marker, in the same transaction: the counts of the run that committed.
        Column("job_run_id", Id, primary_key=True),
        Column("records_processed", BigInteger, nullable=False),
        Column("records_added", BigInteger, nullable=False),
        Column("records_updated", BigInteger, nullable=False),
        Column("records_rejected", BigInteger, nullable=False),
        Column("file_name", String(300), nullable=True),
        Column("rejects_file", String(300), nullable=True),
    )
    return md


RESULT_COLUMNS = (
    "job_run_id",
    "records_processed",
    "records_added",
    "records_updated",
    "records_rejected",
    "file_name",
    "rejects_file",
)


def quote(identifier: str) -> str:
    """Quote a name that already passed the name rules; anything else is a bug, not input."""
    if not _SAFE_IDENT.fullmatch(identifier):
        raise ValueError(f"unsafe SQL identifier {identifier!r}")
    return f'"{identifier}"'


def physical_name(account_id: int, table_name: str) -> str:
    return f"a{account_id}_{table_name.lower()}"


def _column_type(f: FieldDef) -> TypeEngine[Any]:
    if f.type is FieldType.TEXT:
        return String(f.length)
    if f.type is FieldType.INTEGER:
        return BigInteger()
    if f.type is FieldType.NUMBER:
        return Float()
    if f.type is FieldType.DATE:
        return Date()
    if f.type is FieldType.TIMESTAMP:
        return UTCDateTime()
    return Boolean()


def sql_table(account_id: int, table: TableDef, schema: str | None) -> Table:
    md = MetaData(schema=schema)
    name = physical_name(account_id, table.name)
    columns: list[Any] = []
    if table.kind is TableKind.PROFILE_LIST:
        columns.append(Column("RIID_", Id, primary_key=True, autoincrement=True))
    elif table.kind is TableKind.PET:
        columns.append(Column("RIID_", Id, primary_key=True, autoincrement=False))
    else:
        columns.append(Column(ROW_ID, Id, primary_key=True, autoincrement=True))
    for f in table.fields:
        if f.name == "RIID_":
            continue
        columns.append(Column(f.name, _column_type(f), nullable=True))
    columns.append(Column(RUN_ID, BigInteger(), nullable=True))
    columns.append(Column(CHANGE_SEQ, BigInteger(), nullable=True))
    extras: list[Any] = []
    if table.kind is TableKind.SUPPLEMENTAL and table.primary_key:
        extras.append(UniqueConstraint(*table.primary_key, name=f"uq_{name}_pk"))
    if table.kind is TableKind.PROFILE_LIST:
        extras += [Index(f"ix_{name}_{n.lower()}", n) for n in INDEXED_LIST_FIELDS]
    return Table(name, md, *columns, *extras)


class DataTables:
    """DDL and browsing of account tables; the import engine writes rows itself."""

    def __init__(self, engine: Engine, schema: str | None) -> None:
        self._engine = engine
        self._schema = schema

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def schema(self) -> str | None:
        """The schema of the account tables (PostgreSQL); ``None`` on SQLite."""
        return self._schema

    def applied(self, job_run_id: int) -> dict[str, Any] | None:
        """The counts of the run if its data committed (its marker exists), else ``None``."""
        md = data_metadata(self._schema)
        markers, results = (
            md.tables[self._qualified("import_markers")],
            md.tables[self._qualified("import_results")],
        )
        with self._engine.connect() as conn:
            marker = conn.execute(
                select(markers.c.job_run_id).where(markers.c.job_run_id == job_run_id)
            ).first()
            if marker is None:
                return None
            row = (
                conn.execute(select(results).where(results.c.job_run_id == job_run_id))
                .mappings()
                .first()
            )
        return dict(row) if row else {"job_run_id": job_run_id}

    def _qualified(self, name: str) -> str:
        return f"{self._schema}.{name}" if self._schema else name

    def create(self, account_id: int, table: TableDef) -> None:
        with self._engine.begin() as conn:
            sql_table(account_id, table, self._schema).create(conn)

    def ensure_index(self, account_id: int, table: TableDef, columns: Sequence[str]) -> None:
        """An index on the match columns of a job, created once when the job is saved."""
        if not columns or list(columns) == ["RIID_"]:
            return
        t = sql_table(account_id, table, self._schema)
        name = f"ix_{physical_name(account_id, table.name)}_" + "_".join(c.lower() for c in columns)
        with self._engine.begin() as conn:
            Index(name[:63], *(t.c[c] for c in columns)).create(conn, checkfirst=True)

    def drop(self, account_id: int, table: TableDef) -> None:
        with self._engine.begin() as conn:
            sql_table(account_id, table, self._schema).drop(conn, checkfirst=True)

    def row_count(self, account_id: int, table: TableDef) -> int:
        t = sql_table(account_id, table, self._schema)
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t)).scalar_one())

    def rows(
        self, account_id: int, table: TableDef, page: Keyset
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of rows in key order, and the next page's cursor."""
        t = sql_table(account_id, table, self._schema)
        key = t.c[ROW_ID] if table.kind is TableKind.SUPPLEMENTAL else t.c["RIID_"]
        with self._engine.connect() as conn:
            found = [dict(r._mapping) for r in conn.execute(keyset(select(t), key, page))]
        rows, cursor = page.cut(found, key=lambda row: int(row[key.name]))
        return [_public(r) for r in rows], cursor


def _public(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k in HIDDEN_COLUMNS:
            continue
        out[k] = v.isoformat() if isinstance(v, datetime | date) else v
    return out
