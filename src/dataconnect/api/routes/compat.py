"""The original system's trigger API (Connect REST API v1.3): trigger jobs and read their runs.

Same tokens and account scoping as ``/api/v1``, but the token may also be sent as the bare
``Authorization`` value, and every error here has the original's shape
``{type, title, errorCode, detail, errorDetails}`` as plain ``application/json`` (not our
problem+json). ``CompatRoute`` turns every exception of these routes into that shape, so the
app-wide problem+json handlers never see them; ``unknown_path`` does the same for any other
path under ``/rest/``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Coroutine, Iterable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from dataconnect.api.deps import MAX_ID, AppDep
from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.domain.jobs import Job, JobState
from dataconnect.domain.localtime import local_to_utc
from dataconnect.domain.paging import MAX_LIMIT
from dataconnect.domain.runs import ACTIVE_JOB_RUN_STATES, JobRun, JobRunState
from dataconnect.errors import (
    BadRequest,
    DataConnectError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)

log = logging.getLogger(__name__)

ROOT = "/rest/"  # every path under it answers errors in the original's shape
BASE = "/rest/api/v1.3/connectJobs"
TRIGGER_MANY = f"{BASE}/trigger"
MAX_TRIGGER = 5
MAX_BODY = 64 * 1024  # a trigger body is {} or five ids
NOT_ENABLED = "DataIntegrationGateway not enabled for user."
_DATE = re.compile(r"[0-9]{2}-[0-9]{2}-[0-9]{4}")  # ASCII digits only

INVALID = "INVALID_PARAMETER"
TITLES = {
    INVALID: "Invalid parameter",
    "UNAUTHORIZED": "Unauthorized",
    "CONNECT_DISABLED_FOR_USER": "Connect disabled for user",
    "CONNECT_JOB_INACTIVE": "Connect job not active",
    "CONNECT_JOB_NOT_TRIGGERABLE": "Connect job cannot be triggered",
    "CONNECT_JOB_ALREADY_RUNNING": "Connect job already running",
    "CONNECT_JOB_NOT_FOUND": "Connect job not found",
    "CONNECT_JOB_RUN_NOT_FOUND": "Running connect job not found",
    "NOT_FOUND": "Not found",
    "METHOD_NOT_ALLOWED": "Method not allowed",
    "BODY_TOO_LARGE": "Body too large",
    "INTERNAL_ERROR": "Internal error",
}

# the services' codes → the original's
_CODES = {
    "JOB_NOT_FOUND": "CONNECT_JOB_NOT_FOUND",
    "JOB_RUN_NOT_FOUND": "CONNECT_JOB_RUN_NOT_FOUND",
    "JOB_NOT_ACTIVE": "CONNECT_JOB_INACTIVE",
    "JOB_TYPE_NOT_RUNNABLE": "CONNECT_JOB_NOT_TRIGGERABLE",
    "JOB_KIND_NOT_RUNNABLE": "CONNECT_JOB_NOT_TRIGGERABLE",
    "JOB_ALREADY_RUNNING": "CONNECT_JOB_ALREADY_RUNNING",
    "GROUP_RUNNING": "CONNECT_JOB_ALREADY_RUNNING",
}

# a queued run has not started yet, but the original knows only these four
_STATUS = {
    JobRunState.QUEUED: "running",
    JobRunState.RUNNING: "running",
    JobRunState.SUCCEEDED: "succeeded",
    JobRunState.FAILED: "failed",
    JobRunState.ABORTED: "aborted",
}


# --- errors ----------------------------------------------------------------------------------


class CompatError(Exception):
    """An answer of these endpoints that is not a success."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def error(status: int, code: str, detail: str, title: str | None = None) -> JSONResponse:
    """An error body in the original system's shape."""
    body = {
        "type": f"https://dataconnect.dev/problems/{code.lower().replace('_', '-')}",
        "title": title or TITLES.get(code, "Error"),
        "errorCode": code,
        "detail": detail,
        "errorDetails": [],
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def translate(exc: DataConnectError) -> CompatError:
    """A service error as the original system would have reported it."""
    if isinstance(exc, Unauthenticated):
        return CompatError(401, "UNAUTHORIZED", exc.message)
    if isinstance(exc, PermissionDenied):
        return CompatError(401, "CONNECT_DISABLED_FOR_USER", NOT_ENABLED)
    if isinstance(exc, ValidationFailed | BadRequest):
        return CompatError(400, INVALID, exc.message)
    code = _CODES.get(exc.code, exc.code)
    return CompatError(404 if isinstance(exc, NotFound) else 400, code, exc.message)


_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "BODY_TOO_LARGE"}

_PATH_IDS = {
    "jobId": ("Job Id", "CONNECT_JOB_NOT_FOUND", "no job with id"),
    "jobRunId": ("Job Run Id", "CONNECT_JOB_RUN_NOT_FOUND", "no job run with id"),
}


def _from_validation(exc: RequestValidationError) -> CompatError:
    """FastAPI's checks of the path: a non-numeric id is a bad parameter, while a number no
    record can have (0, negative, beyond 64 bits) is simply not found."""
    problems = list(exc.errors())
    for name, (label, missing, sentence) in _PATH_IDS.items():
        for problem in problems:
            if tuple(problem.get("loc", ()))[:2] != ("path", name):
                continue
            if problem.get("type") in ("greater_than_equal", "less_than_equal"):
                shown = str(problem.get("input", ""))[:40]
                return CompatError(404, missing, f"{sentence} {shown}")
            return CompatError(400, INVALID, f"{label} should be a numeric value.")
    fields = ", ".join(str(p.get("loc", ("?",))[-1]) for p in problems[:5])
    return CompatError(400, INVALID, f"invalid parameter: {fields}"[:500])


class CompatRoute(APIRoute):
    """Every exception of a route becomes an error in the original system's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except CompatError as exc:
                failure = exc
            except DataConnectError as exc:
                failure = translate(exc)
            except RequestValidationError as exc:
                failure = _from_validation(exc)
            except StarletteHTTPException as exc:
                code = _HTTP_CODES.get(exc.status_code, INVALID)
                failure = CompatError(exc.status_code, code, str(exc.detail)[:500])
            except Exception as exc:
                log.exception("unhandled error", exc_info=exc)
                failure = CompatError(500, "INTERNAL_ERROR", "this is a bug; it has been logged")
            return error(failure.status, failure.code, failure.detail)

        return answer


# --- auth ------------------------------------------------------------------------------------


def compat_caller(request: Request, app: AppDep) -> Caller:
    """``Authorization: <token>`` as in the original, or ``Authorization: Bearer <token>``."""
    header = request.headers.get("authorization", "").strip()
    scheme, _, rest = header.partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else header
    if not token:
        raise Unauthenticated(
            "send Authorization: <token> or Authorization: Bearer <token>", code="TOKEN_MISSING"
        )
    return app.accounts.authenticate(token)


CompatCaller = Annotated[Caller, Depends(compat_caller)]


def compat_writer(caller: CompatCaller) -> Caller:
    """Only a data director may trigger; a viewer is refused before anything else is read."""
    if not caller.role.can_write:
        raise PermissionDenied(NOT_ENABLED, code="ROLE_VIEWER_READ_ONLY")
    return caller


CompatWriter = Annotated[Caller, Depends(compat_writer)]
JobIdPath = Annotated[int, Path(alias="jobId", ge=1, le=MAX_ID, description="job id")]
RunIdPath = Annotated[int, Path(alias="jobRunId", ge=1, le=MAX_ID, description="job run id")]


# --- shapes (for the OpenAPI document; the original's camelCase names) -----------------------


class Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ConnectError(Camel):
    type: str
    title: str
    error_code: str
    detail: str
    error_details: list[Any]


class ConnectTriggerAnswer(Camel):
    job_run_id: int
    error_message: str
    success: bool


class ConnectLink(Camel):
    rel: str
    href: str
    method: str


class ConnectTriggerResult(Camel):
    job_id: int
    success: bool
    job_run_id: int | None
    error_message: str
    links: list[ConnectLink]


class ConnectRunStatus(Camel):
    job_run_status: str = Field(description="running, failed, succeeded or aborted")
    error_message: str
    errror_message: str = Field(
        alias="errrorMessage", description="errorMessage again, as spelled in the original doc"
    )
    records_processed: int
    records_added: int
    records_updated: int
    records_rejected: int
    duration_in_seconds: int | None


class ConnectRunStatusValue(Camel):
    value: str


class ConnectRunSummary(Camel):
    job_run_id: int
    job_name: str
    job_run_status: ConnectRunStatusValue
    duration_in_seconds: int | None
    job_start_time: str | None


class ConnectJob(Camel):
    job_id: int
    job_name: str
    job_type: str
    next_job_run: str | None
    last_job_run: str | None
    schedule_type: str
    active: bool
    running: bool


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ConnectError, "description": description}
    for status, description in (
        (400, "INVALID_PARAMETER, or the job cannot be triggered now"),
        (401, "UNAUTHORIZED, or CONNECT_DISABLED_FOR_USER"),
        (404, "CONNECT_JOB_NOT_FOUND or CONNECT_JOB_RUN_NOT_FOUND"),
    )
}


def _body_doc(example: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema, "example": example}},
        }
    }


router = APIRouter(tags=["connect (compatibility)"], route_class=CompatRoute, responses=ERRORS)


# --- helpers ---------------------------------------------------------------------------------


async def _json_body(request: Request) -> Any:
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            raise CompatError(413, "BODY_TOO_LARGE", f"at most {MAX_BODY} bytes")
    try:
        return json.loads(bytes(data))
    except (ValueError, RecursionError):
        raise CompatError(400, INVALID, "the body is not valid JSON") from None


def _job_ids(body: Any) -> list[int]:
    """``{"jobIds": [...]}``: 1 to 5 different ids; anything else starts nothing."""
    if not isinstance(body, dict) or set(body) != {"jobIds"}:
        raise CompatError(400, INVALID, 'the body must be {"jobIds": [ids]}')
    ids = body["jobIds"]
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_TRIGGER:
        raise CompatError(400, INVALID, f"jobIds must list 1 to {MAX_TRIGGER} job ids")
    for job_id in ids:
        if isinstance(job_id, bool) or not isinstance(job_id, int):
            raise CompatError(400, INVALID, "Job Id should be a numeric value.")
        if not 1 <= job_id <= MAX_ID:
            raise CompatError(400, INVALID, f"{str(job_id)[:40]} is not a job id")
    if len(set(ids)) != len(ids):
        raise CompatError(400, INVALID, "jobIds lists a job more than once")
    return ids


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


def _trigger_each(app: App, caller: Caller, job_ids: Iterable[int]) -> list[dict[str, Any]]:
    out = []
    for job_id in job_ids:
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


def _date(value: str | None, name: str) -> date | None:
    if value is None or value == "":
        return None
    if not _DATE.fullmatch(value):
        raise CompatError(400, INVALID, f"{name} must be a date as MM-DD-YYYY")
    month, day, year = (int(part) for part in value.split("-"))
    try:
        return date(year, month, day)
    except ValueError:
        raise CompatError(400, INVALID, f"{name} {value} is not a date") from None


def _midnight(day: date, zone: str) -> datetime | None:
    """The UTC instant a local day begins; ``None`` when it is beyond what a datetime holds."""
    try:
        return local_to_utc(day, time(0, 0), zone)
    except (OverflowError, ValueError):
        return None


# --- routes ----------------------------------------------------------------------------------


@router.put(
    f"{BASE}/{{jobId}}/trigger",
    response_model=ConnectTriggerAnswer,
    openapi_extra=_body_doc({}, {"type": "object", "maxProperties": 0}),
)
async def trigger_job(
    job_id: JobIdPath, request: Request, app: AppDep, caller: CompatWriter
) -> dict[str, Any]:
    """Trigger one job now; the body must be the empty JSON object ``{}``."""
    body = await _json_body(request)
    if not isinstance(body, dict) or body:
        raise CompatError(400, INVALID, "the body must be the empty JSON object {}")
    run = await run_in_threadpool(app.runs.trigger, caller, job_id)
    return {"jobRunId": run.id, "errorMessage": "", "success": True}


@router.put(
    TRIGGER_MANY,
    response_model=list[ConnectTriggerResult],
    openapi_extra=_body_doc(
        {"jobIds": [1, 2, 3]},
        {
            "type": "object",
            "required": ["jobIds"],
            "properties": {
                "jobIds": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "minItems": 1,
                    "maxItems": MAX_TRIGGER,
                    "uniqueItems": True,
                }
            },
        },
    ),
)
async def trigger_jobs(request: Request, app: AppDep, caller: CompatWriter) -> list[dict[str, Any]]:
    """Trigger 1 to 5 jobs; one answer per job, in the order asked. One job failing does not
    keep the others from starting; a bad body starts none."""
    job_ids = _job_ids(await _json_body(request))
    return await run_in_threadpool(_trigger_each, app, caller, job_ids)


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
    first, last = _date(sdate, "sdate"), _date(edate, "edate")
    if first is not None and last is not None and first > last:
        raise CompatError(400, INVALID, "sdate is after edate")
    zone = app.accounts.account(caller).timezone
    since = _midnight(first, zone) if first is not None else None
    until = None
    if last is not None and last < date.max:
        until = _midnight(last + timedelta(days=1), zone)
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
                "nextJobRun": None,  # planned runs come with the scheduler
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
    """Any other path under /rest/: a 405 when only the method is wrong, else a 404."""
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
