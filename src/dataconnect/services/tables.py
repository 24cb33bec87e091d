"""Tables of an account: create (with the real SQL table), read, browse rows."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from dataconnect.domain.accounts import Caller
from dataconnect.domain.paging import Keyset
from dataconnect.domain.requests import table_spec_from_request
from dataconnect.domain.tables import TableDef, TableKind, build_table
from dataconnect.errors import NotFound
from dataconnect.services.base import Deps, require_writer


class TableService:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def create(self, caller: Caller, data: Mapping[str, Any]) -> TableDef:
        require_writer(caller)
        spec = table_spec_from_request(data)
        with self._deps.store.write() as tx:
            lists = {
                t.name for t in tx.tables(caller.account_id) if t.kind is TableKind.PROFILE_LIST
            }
            table = build_table(spec, existing_lists=lists)
            table_id = tx.insert_table(caller.account_id, table, self._deps.clock.now())
            # The metadata row commits only if the SQL table exists too.
            self._deps.data.create(caller.account_id, table)
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
        with self._deps.store.read() as tx:
            tables = tx.tables(caller.account_id)
        return [(t, self._deps.data.row_count(caller.account_id, t)) for t in tables]

    def get(self, caller: Caller, name: str) -> tuple[TableDef, int]:
        table = self._find(caller, name)
        return table, self._deps.data.row_count(caller.account_id, table)

    def rows(
        self, caller: Caller, name: str, *, limit: int | None, cursor: str | None
    ) -> tuple[builtins.list[dict[str, Any]], str | None]:
        page = Keyset.of(limit, cursor)
        table = self._find(caller, name)
        return self._deps.data.rows(caller.account_id, table, page)

    def _find(self, caller: Caller, name: str) -> TableDef:
        table = None
        if 0 < len(name) <= 30:
            with self._deps.store.read() as tx:
                table = tx.table(caller.account_id, name)
        if table is None:
            raise NotFound(f"no table named {name[:60]}", code="TABLE_NOT_FOUND")
        return table
