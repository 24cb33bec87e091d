"""A group run's page and a job run's page, and the group run's live state that its pages poll."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from dataconnect.domain.runs import is_terminal_job_run
from dataconnect.errors import DataConnectError, Unauthenticated
from dataconnect.services.views import job_run_view
from dataconnect.web.kit import (
    AppDep,
    PageSession,
    WebDep,
    duration,
    parse_id,
    run_view,
    web_router,
    when,
)

router = web_router()


@router.get("/connect/group-runs/{run_id}")
def group_run_page(
    request: Request, run_id: str, session: PageSession, dc: AppDep, web: WebDep
) -> Response:
    run = dc.group_runs.get(session.caller, parse_id(run_id))
    view = run_view(dc, session.caller, run)
    return web.render(
        request,
        "group_run.html",
        {
            "tab": "groups",
            "run": view,
            "email": dc.group_runs.notification(session.caller, run),
            "history": dc.group_runs.history(session.caller, run.id),
        },
        session=session,
    )


@router.get("/connect/group-runs/{run_id}/live")
def group_run_live(request: Request, run_id: str, dc: AppDep, web: WebDep) -> Response:
    """The run's state and steps as JSON, polled by the page while the run is live."""
    # JSON, not pages: no sign-in redirect, no error page, and the flash note left in place.
    try:
        session = web.session(request, take_flash=False)
    except Unauthenticated as exc:
        return JSONResponse({"code": exc.code, "detail": str(exc)}, status_code=401)
    try:
        run = dc.group_runs.get(session.caller, parse_id(run_id))
        view = run_view(dc, session.caller, run)
        zone = dc.manage.zone(session.caller)
        email = dc.group_runs.notification(session.caller, run)
    except DataConnectError as exc:
        return JSONResponse({"code": exc.code, "detail": str(exc)}, status_code=404)
    # What the page shows, formatted as the server formats it (the account's zone).
    view["labels"] = {
        "ended": when(run.ended_at, zone),
        "duration": duration(view["duration_seconds"]),
        "email": str(email["status"]) if email else "none",
    }
    return JSONResponse(view, headers={"Cache-Control": "no-store"})


@router.get("/connect/job-runs/{run_id}")
def job_run_page(
    request: Request, run_id: str, session: PageSession, dc: AppDep, web: WebDep
) -> Response:
    run = dc.runs.get(session.caller, parse_id(run_id))
    return web.render(
        request,
        "job_run.html",
        {
            "tab": "completed",
            "run": job_run_view(run),
            "stoppable": not is_terminal_job_run(run.state),
            "log": dc.runs.history(session.caller, run.id),
        },
        session=session,
    )
