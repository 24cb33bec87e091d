"""The compatibility endpoints: trigger jobs, read their runs and list the jobs
(``docs/api-compat.md``). Every route is a ``CompatRoute``, so every error of these routes has
the original's shape; ``unknown_path``, the router's last route, answers every other path under
``/rest/`` in that shape too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match

from dataconnect.api.compat.callers import CompatCaller, CompatWriter
from dataconnect.api.compat.errors import INVALID, CompatError, CompatRoute, error, translate
from dataconnect.api.compat.params import job_ids, json_body, midnight, parse_day
from dataconnect.api.compat.shapes import (
    ERRORS,
    TRIGGER_MANY_BODY,
    TRIGGER_ONE_BODY,
    ConnectJob,
    ConnectRunStatus,
    ConnectRunSummary,
    ConnectTriggerAnswer,
    ConnectTriggerResult,
)
from dataconnect.api.deps import MAX_ID, AppDep
from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.domain.jobs import Job, JobState
from dataconnect.domain.paging import MAX_LIMIT
from dataconnect.domain.runs import ACTIVE_JOB_RUN_STATES, JobRun, JobRunState
from dataconnect.errors import DataConnectError, NotFound

ROOT = "/rest/"  # every path under it answers errors in the original's shape
BASE = "/rest/api/v1.3/connectJobs"
TRIGGER_MANY = f"{BASE}/trigger"

# a queued run has not started yet, but the original knows only these four
_STATUS = {
    JobRunState.QUEUED: "running",
    JobRunState.RUNNING: "running",
    JobRunState.SUCCEEDED: "succeeded",
    JobRunState.FAILED: "failed",
    JobRunState.ABORTED: "aborted",
}

JobIdPath = Annotated[int, Path(alias="jobId", ge=1, le=MAX_ID, description="job id")]
RunIdPath = Annotated[int, Path(alias="jobRunId", ge=1, le=MAX_ID, description="job run id")]

router = APIRouter(tags=["connect (compatibility)"], route_class=CompatRoute, responses=ERRORS)


# --- helpers ---------------------------------------------------------------------------------


def _links(job_id: int, run_id: int | None) -> list[dict[str, str]]:
    links = [{"rel": "self", "href": TRIGGER_MANY, "method": "PUT"}]
    if run_id is not None:
        links.append(
            {
                "rel": "getConnectJobRunStatus",
                "href": f"{BASE}/{job_id}/jobRuns/{run_id}/status",
                "method": "GET",
            }
        )
    return links


def _trigger_each(app: App, caller: Caller, ids: Iterable[int]) -> list[dict[str, Any]]:
    out = []
    for job_id in ids:
        run_id: int | None = None
        message = ""
        try:
            run_id = app.runs.trigger(caller, job_id).id
        except DataConnectError as exc:
            message = translate(exc).detail
        out.append(
            {
                "jobId": job_id,
                "success": run_id is not None,
                "jobRunId": run_id,
                "errorMessage": message,
                "links": _links(job_id, run_id),
            }
        )
    return out


def _seconds(run: JobRun) -> int | None:
    seconds = run.duration_seconds
    return None if seconds is None else round(seconds)


def _local(value: datetime | None, zone: str) -> str | None:
    return None if value is None else value.astimezone(ZoneInfo(zone)).isoformat()


def _start(run: JobRun) -> datetime:
    """When a run started; while it is still queued, when it was requested."""
    return run.started_at or run.created_at


# --- routes ----------------------------------------------------------------------------------


@router.put(
    f"{BASE}/{{jobId}}/trigger",
    response_model=ConnectTriggerAnswer,
    openapi_extra=TRIGGER_ONE_BODY,
)
async def trigger_job(
    job_id: JobIdPath, request: Request, app: AppDep, caller: CompatWriter
) -> dict[str, Any]:
    """Trigger one job now; the body must be the empty JSON object ``{}``."""
    body = await json_body(request)
    if not isinstance(body, dict) or body:
        raise CompatError(400, INVALID, "the body must be the empty JSON object {}")
    run = await run_in_threadpool(app.runs.trigger, caller, job_id)
    return {"jobRunId": run.id, "errorMessage": "", "success": True}


@router.put(
    TRIGGER_MANY,
    response_model=list[ConnectTriggerResult],
    openapi_extra=TRIGGER_MANY_BODY,
)
async def trigger_jobs(request: Request, app: AppDep, caller: CompatWriter) -> list[dict[str, Any]]:
    """Trigger 1 to 5 jobs; one answer per job, in the order asked. One job failing does not
    keep the others from starting; a bad body starts none."""
    ids = job_ids(await json_body(request))
    return await run_in_threadpool(_trigger_each, app, caller, ids)


@router.get(f"{BASE}/{{jobId}}/jobRuns/{{jobRunId}}/status", response_model=ConnectRunStatus)
def run_status(
    job_id: JobIdPath, run_id: RunIdPath, app: AppDep, caller: CompatCaller
) -> dict[str, Any]:
    """The state and counts of one run of the job (a queued run reads ``running``)."""
    run = app.runs.get(caller, run_id)
    if run.job_id != job_id:
        raise NotFound(f"job {job_id} has no run {run_id}", code="JOB_RUN_NOT_FOUND")
    message = run.error_message or ""
    return {
        "jobRunStatus": _STATUS[run.state],
        "errorMessage": message,
        "errrorMessage": message,
        "recordsProcessed": run.records_processed,
        "recordsAdded": run.records_added,
        "recordsUpdated": run.records_updated,
        "recordsRejected": run.records_rejected,
        "durationInSeconds": _seconds(run),
    }


@router.get(f"{BASE}/{{jobId}}/jobRuns", response_model=list[ConnectRunSummary])
def run_history(
    job_id: JobIdPath,
    app: AppDep,
    caller: CompatCaller,
    sdate: Annotated[str | None, Query(description="first day, MM-DD-YYYY")] = None,
    edate: Annotated[str | None, Query(description="last day, MM-DD-YYYY")] = None,
) -> list[dict[str, Any]]:
    """The job's runs, newest first, that started on the days from ``sdate`` to ``edate``
    (both included, both optional; days in the account's time zone)."""
    first, last = parse_day(sdate, "sdate"), parse_day(edate, "edate")
    if first is not None and last is not None and first > last:
        raise CompatError(400, INVALID, "sdate is after edate")
    zone = app.accounts.account(caller).timezone
    since = midnight(first, zone) if first is not None else None
    until = None
    if last is not None and last < date.max:
        until = midnight(last + timedelta(days=1), zone)
    runs = app.runs.job_history(caller, job_id, since=since, until=until)
    return [
        {
            "jobRunId": run.id,
            "jobName": run.job_name,
            "jobRunStatus": {"value": _STATUS[run.state]},
            "durationInSeconds": _seconds(run),
            "jobStartTime": _local(_start(run), zone),
        }
        for run in runs
    ]


@router.get(BASE, response_model=list[ConnectJob])
def list_jobs(app: AppDep, caller: CompatCaller) -> list[dict[str, Any]]:
    """Every job of the account, with its newest run and whether it is running now."""
    jobs: list[Job] = []
    cursor: str | None = None
    while True:
        page, cursor = app.jobs.list(caller, limit=MAX_LIMIT, cursor=cursor)
        jobs += page
        if cursor is None:
            break
    last = app.runs.last_runs(caller, [job.id for job in jobs])
    zone = app.accounts.account(caller).timezone
    out = []
    for job in jobs:
        run = last.get(job.id)
        out.append(
            {
                "jobId": job.id,
                "jobName": job.name,
                "jobType": job.type.value,
                # Always null, also for a scheduled job: the scheduler does plan its runs (the
                # web's All jobs tab shows the next one; app.schedules.next_fire_times("job",
                # ids) has it), but this list does not read them, as docs/api-compat.md says.
                "nextJobRun": None,
                "lastJobRun": _local(_start(run), zone) if run is not None else None,
                "scheduleType": job.run_mode.value,
                "active": job.state is JobState.ACTIVE,
                "running": run is not None and run.state in ACTIVE_JOB_RUN_STATES,
            }
        )
    return out


@router.api_route(
    f"{ROOT}{{rest:path}}",
    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
)
async def unknown_path(request: Request) -> Response:
    """Any other path under /rest/: a 405 when only the method is wrong, else a 404. It must
    stay the router's last route (a route added after it would never be reached)."""
    allowed: set[str] = set()
    for route in router.routes:
        if isinstance(route, APIRoute) and route.endpoint is not unknown_path:
            match, _ = route.matches(request.scope)
            if match is Match.PARTIAL:
                allowed |= route.methods or set()
    if allowed:
        response = error(405, "METHOD_NOT_ALLOWED", f"use {', '.join(sorted(allowed))}")
        response.headers["Allow"] = ", ".join(sorted(allowed))
        return response
    return error(404, "NOT_FOUND", f"no endpoint {request.url.path[:200]}")
