"""Tables of an account: create (with the real SQL table), read, browse rows."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from dataconnect.domain.accounts import Caller
from dataconnect.domain.paging import check_limit, decode_cursor, encode_cursor
from dataconnect.domain.tables import FieldSpec, TableDef, TableKind, TableSpec, build_table
from dataconnect.domain.text import text_problems
from dataconnect.errors import NotFound, Problem, collect
from dataconnect.services.base import Deps, require_writer

TABLE_KEYS = {"name", "kind", "list", "fields", "primary_key"}


def _spec(data: Mapping[str, Any]) -> TableSpec:
    if not isinstance(data, Mapping):
        collect([Problem("body", "BODY_INVALID", "a JSON object is expected")])
    collect(text_problems(data))
    problems = [
        Problem(str(k)[:60], "UNKNOWN_FIELD", f"{str(k)[:60]} is not a known field")
        for k in data
        if k not in TABLE_KEYS
    ]
    raw_fields = data.get("fields", [])
    if not isinstance(raw_fields, list) or not all(isinstance(f, Mapping) for f in raw_fields):
        problems.append(
            Problem("fields", "FIELDS_INVALID", "fields is a list of {name, type, length?}")
        )
        raw_fields = []
    for i, f in enumerate(raw_fields):
        for k in f:
            if k not in ("name", "type", "length"):
                problems.append(
                    Problem(f"fields[{i}].{str(k)[:60]}", "UNKNOWN_FIELD", "not a field setting")
                )
    primary_key = data.get("primary_key") or []
    if not isinstance(primary_key, list):
        problems.append(Problem("primary_key", "PRIMARY_KEY_INVALID", "a list of field names"))
        primary_key = []
    collect(problems)
    return TableSpec(
        name=data.get("name"),
        kind=data.get("kind"),
        fields=[
            FieldSpec(name=f.get("name"), type=f.get("type"), length=f.get("length"))
            for f in raw_fields
        ],
        list_name=data.get("list"),
        primary_key=list(primary_key),
    )


class TableService:
    def __init__(self, deps: Deps) -> None:
        self._d = deps

    def create(self, caller: Caller, data: Mapping[str, Any]) -> TableDef:
        require_writer(caller)
        spec = _spec(data)
        with self._d.store.write() as tx:
            lists = {
                t.name for t in tx.tables(caller.account_id) if t.kind is TableKind.PROFILE_LIST
            }
            table = build_table(spec, existing_lists=lists)
            table_id = tx.insert_table(caller.account_id, table, self._d.clock.now())
            # The metadata row commits only if the SQL table exists too.
            self._d.data.create(caller.account_id, table)
        return TableDef(
            id=table_id,
            account_id=caller.account_id,
            name=table.name,
            kind=table.kind,
            fields=table.fields,
            list_name=table.list_name,
            primary_key=table.primary_key,
        )

    def list(self, caller: Caller) -> list[tuple[TableDef, int]]:
        with self._d.store.read() as tx:
            tables = tx.tables(caller.account_id)
        return [(t, self._d.data.row_count(caller.account_id, t)) for t in tables]

    def get(self, caller: Caller, name: str) -> tuple[TableDef, int]:
        table = self._find(caller, name)
        return table, self._d.data.row_count(caller.account_id, table)

    def rows(
        self, caller: Caller, name: str, *, limit: int | None, cursor: str | None
    ) -> tuple[builtins.list[dict[str, Any]], str | None]:
        size = check_limit(limit)
        after = decode_cursor(cursor)
        table = self._find(caller, name)
        rows, next_key = self._d.data.rows(caller.account_id, table, after=after, limit=size)
        return rows, encode_cursor(next_key) if next_key is not None else None

    def _find(self, caller: Caller, name: str) -> TableDef:
        table = None
        if 0 < len(name) <= 30:
            with self._d.store.read() as tx:
                table = tx.table(caller.account_id, name)
        if table is None:
            raise NotFound(f"no table named {name[:60]}", code="TABLE_NOT_FOUND")
        return table
