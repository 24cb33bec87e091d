"""The account's outside SFTP servers (connections). Secrets are write-only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from dataconnect.api.deps import MAX_ID, AppDep, CallerDep
from dataconnect.api.schemas import (
    ConnectionCreate,
    ConnectionList,
    ConnectionPublic,
    ConnectionUpdate,
)
from dataconnect.services.views import connection_view

router = APIRouter(prefix="/api/v1/connections", tags=["connections"])
ConnectionId = Annotated[int, Path(ge=1, le=MAX_ID, description="connection id")]


@router.get("", response_model=ConnectionList)
def list_connections(app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return {"items": [connection_view(c) for c in app.connections.list(caller)]}


@router.post("", status_code=201, response_model=ConnectionPublic)
def create_connection(payload: ConnectionCreate, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    data = payload.model_dump(exclude_none=True)
    return connection_view(app.connections.create(caller, data))


@router.get("/{connection_id}", response_model=ConnectionPublic)
def get_connection(connection_id: ConnectionId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return connection_view(app.connections.get(caller, connection_id))


@router.patch("/{connection_id}", response_model=ConnectionPublic)
def update_connection(
    connection_id: ConnectionId, payload: ConnectionUpdate, app: AppDep, caller: CallerDep
) -> dict[str, Any]:
    data = payload.model_dump(exclude_none=True)
    return connection_view(app.connections.update(caller, connection_id, data))


@router.delete("/{connection_id}", status_code=204)
def remove_connection(connection_id: ConnectionId, app: AppDep, caller: CallerDep) -> Response:
    app.connections.remove(caller, connection_id)
    return Response(status_code=204)


@router.post("/{connection_id}/test", response_model=ConnectionPublic)
def test_connection(connection_id: ConnectionId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    """Log in to the remote server; the first success pins its host key."""
    return connection_view(app.connections.test(caller, connection_id))
