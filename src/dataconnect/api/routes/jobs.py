from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from dataconnect.api.deps import AppDep, CallerDep, JobId
from dataconnect.api.schemas import JobCreate, JobPage, JobPublic, JobUpdate, body
from dataconnect.services.views import job_view

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


@router.post("", status_code=201, response_model=JobPublic)
def create_job(payload: JobCreate, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return job_view(app.jobs.create(caller, body(payload)))


@router.get("", response_model=JobPage)
def list_jobs(
    app: AppDep,
    caller: CallerDep,
    type: Annotated[str | None, Query(max_length=20)] = None,
    state: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    jobs, next_cursor = app.jobs.list(caller, type_=type, state=state, limit=limit, cursor=cursor)
    return {"items": [job_view(j) for j in jobs], "next_cursor": next_cursor}


@router.get("/{job_id}", response_model=JobPublic)
def get_job(job_id: JobId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return job_view(app.jobs.get(caller, job_id))


@router.patch("/{job_id}", response_model=JobPublic)
def update_job(job_id: JobId, payload: JobUpdate, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return job_view(app.jobs.update(caller, job_id, body(payload)))


@router.delete("/{job_id}", status_code=204)
def delete_job(job_id: JobId, app: AppDep, caller: CallerDep) -> Response:
    app.jobs.delete(caller, job_id)
    return Response(status_code=204)


@router.post("/{job_id}/activate", response_model=JobPublic)
def activate_job(job_id: JobId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return job_view(app.jobs.activate(caller, job_id))


@router.post("/{job_id}/deactivate", response_model=JobPublic)
def deactivate_job(job_id: JobId, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return job_view(app.jobs.deactivate(caller, job_id))
