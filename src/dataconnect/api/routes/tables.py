from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from dataconnect.api.deps import AppDep, CallerDep
from dataconnect.api.schemas import RowPage, TableCreate, TableList, TablePublic, body
from dataconnect.services.views import table_view

router = APIRouter(prefix="/api/v1/tables", tags=["tables"])
TableName = Annotated[str, Path(max_length=200)]


@router.post("", status_code=201, response_model=TablePublic)
def create_table(payload: TableCreate, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return table_view(app.tables.create(caller, body(payload)), row_count=0)


@router.get("", response_model=TableList)
def list_tables(app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return {"items": [table_view(t, n) for t, n in app.tables.list(caller)]}


@router.get("/{name}", response_model=TablePublic)
def get_table(name: TableName, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    table, count = app.tables.get(caller, name)
    return table_view(table, count)


@router.get("/{name}/rows", response_model=RowPage)
def browse_rows(
    name: TableName,
    app: AppDep,
    caller: CallerDep,
    limit: Annotated[int | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    rows, next_cursor = app.tables.rows(caller, name, limit=limit, cursor=cursor)
    return {"items": rows, "next_cursor": next_cursor}
