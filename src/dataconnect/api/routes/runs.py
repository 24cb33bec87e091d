from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from dataconnect.api.deps import MAX_ID, AppDep, CallerDep, JobId
from dataconnect.api.schemas import JobRunPage, JobRunPublic
from dataconnect.services.views import job_run_view

router = APIRouter(tags=["runs"])
RunId = Annotated[int, Path(ge=1, le=MAX_ID, description="job run id")]


@router.post("/api/v1/jobs/{job_id}/run", status_code=202, response_model=JobRunPublic)
def run_job(job_id: JobId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return job_run_view(app.runs.start_job(caller, job_id))


@router.get("/api/v1/job-runs", response_model=JobRunPage)
def list_job_runs(
    app: AppDep,
    caller: CallerDep,
    job_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    state: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    runs, next_cursor = app.runs.list(
        caller, job_id=job_id, state=state, limit=limit, cursor=cursor
    )
    return {"items": [job_run_view(r) for r in runs], "next_cursor": next_cursor}


@router.get("/api/v1/job-runs/{run_id}", response_model=JobRunPublic)
def get_job_run(run_id: RunId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    view = job_run_view(app.runs.get(caller, run_id))
    view["history"] = app.runs.history(caller, run_id)
    return view


@router.post("/api/v1/job-runs/{run_id}/stop", status_code=202, response_model=JobRunPublic)
def stop_job_run(run_id: RunId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    """Stop a single job run (a step of a group run is stopped with its group run)."""
    return job_run_view(app.runs.stop(caller, run_id))
