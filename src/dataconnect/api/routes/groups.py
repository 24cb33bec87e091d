from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from dataconnect.api.deps import AppDep, CallerDep, GroupId
from dataconnect.api.schemas import (
    GroupCreate,
    GroupPage,
    GroupPublic,
    GroupUpdate,
    OccurrencePage,
    body,
)
from dataconnect.errors import Problem, ValidationFailed
from dataconnect.services.views import group_view

router = APIRouter(prefix="/api/v1/groups", tags=["groups"])


def _view(app: AppDep, caller: CallerDep, group_id: int) -> dict[str, Any]:
    return group_view(*app.groups.details(caller, group_id))


@router.post("", status_code=201, response_model=GroupPublic)
def create_group(payload: GroupCreate, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    group = app.groups.create(caller, body(payload))
    return _view(app, caller, group.id)


@router.get("", response_model=GroupPage)
def list_groups(
    app: AppDep,
    caller: CallerDep,
    state: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    rows, next_cursor = app.groups.list(caller, state=state, limit=limit, cursor=cursor)
    return {"items": [group_view(*row) for row in rows], "next_cursor": next_cursor}


@router.get("/{group_id}", response_model=GroupPublic)
def get_group(group_id: GroupId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return _view(app, caller, group_id)


@router.patch("/{group_id}", response_model=GroupPublic)
def update_group(
    group_id: GroupId, payload: GroupUpdate, app: AppDep, caller: CallerDep
) -> dict[str, Any]:
    app.groups.update(caller, group_id, body(payload))
    return _view(app, caller, group_id)


@router.delete("/{group_id}", status_code=204)
def delete_group(group_id: GroupId, app: AppDep, caller: CallerDep) -> Response:
    app.groups.delete(caller, group_id)
    return Response(status_code=204)


@router.post("/{group_id}/activate", response_model=GroupPublic)
def activate_group(group_id: GroupId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    app.groups.activate(caller, group_id)
    return _view(app, caller, group_id)


@router.post("/{group_id}/deactivate", response_model=GroupPublic)
def deactivate_group(group_id: GroupId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    app.groups.deactivate(caller, group_id)
    return _view(app, caller, group_id)


@router.get("/{group_id}/occurrences", response_model=OccurrencePage)
def list_occurrences(
    group_id: GroupId,
    app: AppDep,
    caller: CallerDep,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: Annotated[datetime | None, Query()] = None,
) -> dict[str, Any]:
    """Past occurrences with their outcome (fired and its run, skipped, missed, expired) and
    planned ones with their drawn minute; default range: 7 days back to 30 days ahead."""
    for name, value in (("from", from_), ("to", to)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed(
                Problem(name, "TIME_WITHOUT_OFFSET", "give the time with its UTC offset")
            )
    return {"items": app.schedules.occurrences(caller, group_id, from_, to)}
