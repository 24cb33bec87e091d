"""The export's read: one consistent snapshot of an account table, streamed in key order.

One read transaction (SQLite: a WAL read; PostgreSQL: REPEATABLE READ, READ ONLY) holds both the
table's rows and its change sequence, so an import committing meanwhile is wholly in the export
(its rows and its number) or wholly out (then its number is higher than the one recorded, and
the next changed-since export finds its rows). Values come formatted as the file shows them,
in SQL: timestamps ``2026-01-15T12:00:00.000000+00:00`` (UTC), dates ISO, booleans
``true``/``false``, numbers in their shortest exact form; text and integers as they are.

On PostgreSQL, ``copy_csv`` has the server write the whole file (``COPY (SELECT …) TO STDOUT``)
when the format allows it.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Engine

from dataconnect.domain.formats import FileFormat
from dataconnect.domain.runs import ChangeMark
from dataconnect.domain.tables import FieldDef, FieldType, TableDef, TableKind
from dataconnect.store.data import CHANGE_SEQ, ROW_ID, physical_name, quote

# strftime directives PostgreSQL's to_char can write the same way (no locale, no padding)
_TO_CHAR = {"Y": "YYYY", "y": "YY", "m": "MM", "d": "DD", "H": "HH24", "M": "MI", "S": "SS"}
_PG_ENCODINGS = {"utf-8": "UTF8", "iso-8859-1": "LATIN1", "windows-1252": "WIN1252"}


class SourceMissing(Exception):
    """The source table (or a PET's profile list) is not in the data database any more."""


class Unencodable(Exception):
    """A value cannot be written in the file's encoding (PostgreSQL found it while copying)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportQuery:
    account_id: int
    table: TableDef
    parent: TableDef | None  # a PET's profile list: fields the PET lacks come from it
    fields: tuple[str, ...]  # in file order
    since: int | None  # only rows changed after this change sequence; None: every row

    def columns(self) -> list[tuple[FieldDef, bool]]:
        """Each field with whether it comes from the profile list (joined on RIID_)."""
        out: list[tuple[FieldDef, bool]] = []
        for name in self.fields:
            own = self.table.field(name)
            if own is not None:
                out.append((own, False))
                continue
            listed = self.parent.field(name) if self.parent is not None else None
            if listed is None:
                raise SourceMissing(f"{name} is not a field of {self.table.name} any more")
            out.append((listed, True))
        return out


def select_sql(
    query: ExportQuery, schema: str | None, postgres: bool, date_pattern: str = "YYYY-MM-DD"
) -> str:
    """The export's SELECT, values formatted as the file shows them. Every identifier comes
    from the table definitions (checked names, ``quote``); ``since`` is an integer."""
    prefix = f"{quote(schema)}." if schema else ""
    columns = query.columns()
    exprs = []
    for f, from_list in columns:
        column = f"{'l' if from_list else 't'}.{quote(f.name)}"
        exprs.append(f"{_formatted(column, f, postgres, date_pattern)} AS {quote(f.name)}")
    order = ROW_ID if query.table.kind is TableKind.SUPPLEMENTAL else "RIID_"
    table = quote(physical_name(query.account_id, query.table.name))
    sql = f"SELECT {', '.join(exprs)} FROM {prefix}{table} t"
    if any(from_list for _, from_list in columns):
        assert query.parent is not None
        parent = quote(physical_name(query.account_id, query.parent.name))
        sql += f" LEFT JOIN {prefix}{parent} l ON l.{quote('RIID_')} = t.{quote('RIID_')}"
    if query.since is not None:
        sql += f" WHERE t.{quote(CHANGE_SEQ)} > {int(query.since)}"
    return sql + f" ORDER BY t.{quote(order)}"


def _formatted(column: str, f: FieldDef, postgres: bool, date_pattern: str) -> str:
    if f.type is FieldType.TIMESTAMP:
        if postgres:
            iso = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'
            return f"to_char({column} AT TIME ZONE 'UTC', '{iso}')"
        return f"replace({column}, ' ', 'T') || '+00:00'"  # stored as UTC text
    if f.type is FieldType.BOOLEAN:
        if postgres:
            return f"CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' END"
        return f"CASE {column} WHEN 1 THEN 'true' WHEN 0 THEN 'false' END"
    if f.type is FieldType.DATE and postgres:
        return f"to_char({column}, '{date_pattern}')"
    if f.type is FieldType.NUMBER:
        # The shortest text that reads back the same value, alike on both: 7, 7.25, 1e+20.
        if postgres:
            return f"({column})::text"
        return (
            f"CASE WHEN {column} = CAST({column} AS INTEGER) AND abs({column}) < 1e15 "
            f"THEN CAST(CAST({column} AS INTEGER) AS TEXT) ELSE {column} END"
        )
    return column  # text, integers, and SQLite's ISO date text


def to_char_pattern(date_format: str) -> str | None:
    """``date_format`` as a PostgreSQL ``to_char`` pattern writing the same text, or ``None``
    (a directive ``to_char`` writes otherwise: names of days and months, their padding)."""
    if any(c in date_format for c in "\"'\\"):
        return None
    parts: list[str] = []
    literal = ""
    chars = iter(date_format)
    for c in chars:
        if c != "%":
            literal += c
            continue
        directive = next(chars, "")
        if directive == "%":
            literal += "%"
            continue
        mapped = _TO_CHAR.get(directive)
        if mapped is None:
            return None
        parts += [_literal(literal), mapped]
        literal = ""
    return "".join([*parts, _literal(literal)])


def _literal(text: str) -> str:
    """Text ``to_char`` writes as it is: quoted where it holds letters or digits."""
    return f'"{text}"' if re.search(r"[A-Za-z0-9]", text) else text


class Snapshot:
    """An open read transaction on the data database: the source's change mark, then its rows
    (``rows``, or on PostgreSQL ``copy_csv``), one of the two, once."""

    def __init__(self, conn: Any, query: ExportQuery, schema: str | None, postgres: bool) -> None:
        self._conn = conn
        self._query = query
        self._schema = schema
        self._postgres = postgres
        self.rowcount = 0  # the rows ``copy_csv`` wrote, once it is done
        self._streams: list[Generator[Any, None, None]] = []  # closed before the transaction ends
        key = physical_name(query.account_id, query.table.name)
        markers = f"{quote(schema)}.import_markers" if schema else "import_markers"
        placeholder = "%s" if postgres else "?"
        row = conn.execute(
            f"SELECT coalesce(max(seq), 0) FROM {markers} WHERE table_key = {placeholder}",
            (key,),
        ).fetchone()
        self.mark = ChangeMark(key, int(row[0]))

    def rows(self, batch: int) -> Iterator[list[tuple[Any, ...]]]:
        """The rows in key order, ``batch`` at a time."""
        stream = self._rows(batch)
        self._streams.append(stream)
        return stream

    def close(self) -> None:
        """End what is still being read (a stopped export): a COPY is cancelled."""
        for stream in self._streams:
            stream.close()

    def _rows(self, batch: int) -> Generator[list[tuple[Any, ...]], None, None]:
        select = select_sql(self._query, self._schema, self._postgres)
        cursor = self._conn.cursor(name="dc_export") if self._postgres else self._conn.cursor()
        if self._postgres:
            cursor.itersize = batch
        with contextlib.closing(cursor):
            cursor.execute(select)
            while found := cursor.fetchmany(batch):
                yield found

    def copy_csv(self, fmt: FileFormat) -> Iterator[bytes] | None:
        """The whole file as the server writes it (PostgreSQL, a format it can write), chunk by
        chunk; ``None`` when it cannot, and ``rows`` it is."""
        if not self._postgres or fmt.qualifier is None:
            return None
        pattern = to_char_pattern(fmt.date_format)
        if pattern is None:
            return None
        select = select_sql(self._query, self._schema, True, pattern)
        delimiter = "E'\\t'" if fmt.delimiter == "\t" else f"'{fmt.delimiter}'"
        options = (
            f"FORMAT csv, DELIMITER {delimiter}, QUOTE '\"', HEADER {str(fmt.header).lower()}, "
            f"ENCODING '{_PG_ENCODINGS[fmt.encoding]}'"
        )
        stream = self._copy(f"COPY ({select}) TO STDOUT WITH ({options})")
        self._streams.append(stream)
        return stream

    def _copy(self, statement: str) -> Generator[bytes, None, None]:
        with self._conn.cursor() as cursor:
            try:
                with cursor.copy(statement) as copy:
                    for data in copy:
                        yield bytes(data)
            except psycopg.errors.UntranslatableCharacter as exc:
                raise Unencodable(str(exc).splitlines()[0]) from None
            self.rowcount = max(cursor.rowcount, 0)


@contextlib.contextmanager
def snapshot(engine: Engine, schema: str | None, query: ExportQuery) -> Iterator[Snapshot]:
    """One read transaction on the data database for the export ``query``; ``SourceMissing``
    when its table is gone."""
    postgres = engine.dialect.name == "postgresql"
    pooled = engine.raw_connection()
    conn: Any = pooled.driver_connection
    try:
        if postgres:
            conn.rollback()
            conn.autocommit = True  # the transaction is ours: begun and ended below
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        else:
            conn.execute("BEGIN")  # deferred: the first read takes the snapshot
        opened: Snapshot | None = None
        try:
            opened = Snapshot(conn, query, schema, postgres)
            yield opened
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn) as exc:
            raise SourceMissing(str(exc).splitlines()[0]) from None
        except sqlite3.OperationalError as exc:
            if "no such" in str(exc):
                raise SourceMissing(str(exc)) from None
            raise
        finally:
            if opened is not None:
                opened.close()
            conn.execute("ROLLBACK")  # read only: nothing to keep
    finally:
        if postgres:
            conn.autocommit = False
        pooled.close()
