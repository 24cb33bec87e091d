from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from dataconnect.api.deps import MAX_ID, AppDep, CallerDep, GroupId
from dataconnect.api.schemas import GroupRunPage, GroupRunPublic
from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.domain.runs import GroupRun
from dataconnect.services.views import group_run_view

router = APIRouter(tags=["group runs"])
RunId = Annotated[int, Path(ge=1, le=MAX_ID, description="group run id")]


def _view(app: App, caller: Caller, run: GroupRun) -> dict[str, Any]:
    view = group_run_view(run, app.group_runs.progress(caller, run))
    view["notification"] = app.group_runs.notification(caller, run)
    return view


@router.post("/api/v1/groups/{group_id}/run", status_code=202, response_model=GroupRunPublic)
def run_group(group_id: GroupId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    """Run Now: the run is queued and a worker starts its first step at once."""
    return _view(app, caller, app.group_runs.start(caller, group_id))


@router.post("/api/v1/groups/{group_id}/stop", status_code=202, response_model=GroupRunPublic)
def stop_group(group_id: GroupId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    """Stop the group's run in progress: its running step is rolled back within a second."""
    return _view(app, caller, app.group_runs.stop_group(caller, group_id))


@router.get("/api/v1/group-runs", response_model=GroupRunPage)
def list_group_runs(
    app: AppDep,
    caller: CallerDep,
    group_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    state: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    runs, next_cursor = app.group_runs.list(
        caller, group_id=group_id, state=state, limit=limit, cursor=cursor
    )
    return {"items": [_view(app, caller, r) for r in runs], "next_cursor": next_cursor}


@router.get("/api/v1/group-runs/{run_id}", response_model=GroupRunPublic)
def get_group_run(run_id: RunId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    view = _view(app, caller, app.group_runs.get(caller, run_id))
    view["history"] = app.group_runs.history(caller, run_id)
    return view


@router.post("/api/v1/group-runs/{run_id}/stop", status_code=202, response_model=GroupRunPublic)
def stop_group_run(run_id: RunId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return _view(app, caller, app.group_runs.stop(caller, run_id))
