"""Buttons that change things: Run Now, Stop, Activate, Deactivate, Delete.

Each is a POST form with the session's CSRF token. The services decide (role, state, running);
a refusal comes back as a note on the page the user was on, with the service's error code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from dataconnect.errors import DataConnectError, PermissionDenied, Unauthenticated
from dataconnect.services.sessions import WebSession
from dataconnect.web.app import Web, in_thread, login_redirect, parse_id, read_form, safe_next

# What a verb did: the note to show, and the page to go to (None: back where the user was).
Outcome = tuple[str, str | None]


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    dc = web.dc

    def act(
        request: Request, form: Any, default: str, do: Callable[[WebSession], Outcome]
    ) -> Response:
        try:
            session = web.session(request, take_flash=False)
        except Unauthenticated:
            return login_redirect(request)
        back = safe_next(form.get("next"), default)
        try:
            web.check_post(request, form, session)
            note, target = do(session)
        except PermissionDenied as exc:
            # Refused outright (viewer, CSRF): nothing changed; say so plainly.
            return web.error_page(request, exc, session)
        except DataConnectError as exc:
            dc.sessions.flash(session.token, f"error:{exc} ({exc.code})")
            return RedirectResponse(back, status_code=303)
        dc.sessions.flash(session.token, f"ok:{note}")
        return RedirectResponse(target or back, status_code=303)

    def job_verb(session: WebSession, job_id: int, verb: str) -> Outcome:
        caller = session.caller
        if verb == "run":
            run = dc.runs.start_job(caller, job_id)
            return f"{run.job_name} started (run {run.id}).", f"/connect/job-runs/{run.id}"
        if verb == "activate":
            return f"{dc.jobs.activate(caller, job_id).name} is active.", None
        if verb == "deactivate":
            return f"{dc.jobs.deactivate(caller, job_id).name} is inactive.", None
        name = dc.jobs.get(caller, job_id).name
        dc.jobs.delete(caller, job_id)
        return f"Job {name} deleted.", "/connect/jobs"

    def group_verb(session: WebSession, group_id: int, verb: str) -> Outcome:
        caller = session.caller
        if verb == "run":
            run = dc.group_runs.start(caller, group_id)
            return f"{run.group_name} started (run {run.id}).", f"/connect/group-runs/{run.id}"
        if verb == "stop":
            run = dc.group_runs.stop_group(caller, group_id)
            return f"Stopping {run.group_name} (run {run.id}).", None
        if verb == "activate":
            return f"{dc.groups.activate(caller, group_id).name} is active.", None
        if verb == "deactivate":
            return f"{dc.groups.deactivate(caller, group_id).name} is saved (inactive).", None
        name = dc.groups.get(caller, group_id).name
        dc.groups.delete(caller, group_id)
        return f"Group {name} deleted; its jobs are still listed under All jobs.", "/connect/groups"

    @router.post("/connect/jobs/{job_id}/{verb}")
    async def job_action(request: Request, job_id: str, verb: str) -> Response:
        form = await read_form(request)
        if verb not in ("run", "activate", "deactivate", "delete"):
            return Response(status_code=404)

        def do(session: WebSession) -> Outcome:
            return job_verb(session, parse_id(job_id), verb)

        return await in_thread(act, request, form, "/connect/jobs", do)

    @router.post("/connect/groups/{group_id}/{verb}")
    async def group_action(request: Request, group_id: str, verb: str) -> Response:
        form = await read_form(request)
        if verb not in ("run", "stop", "activate", "deactivate", "delete"):
            return Response(status_code=404)

        def do(session: WebSession) -> Outcome:
            return group_verb(session, parse_id(group_id), verb)

        return await in_thread(act, request, form, "/connect/groups", do)

    @router.post("/connect/group-runs/{run_id}/stop")
    async def stop_group_run(request: Request, run_id: str) -> Response:
        form = await read_form(request)

        def do(session: WebSession) -> Outcome:
            run = dc.group_runs.stop(session.caller, parse_id(run_id))
            return f"Stopping {run.group_name} (run {run.id}).", None

        return await in_thread(act, request, form, f"/connect/group-runs/{run_id}", do)

    @router.post("/connect/job-runs/{run_id}/stop")
    async def stop_job_run(request: Request, run_id: str) -> Response:
        form = await read_form(request)

        def do(session: WebSession) -> Outcome:
            run = dc.runs.stop(session.caller, parse_id(run_id))
            return f"Stopping {run.job_name} (run {run.id}).", None

        return await in_thread(act, request, form, f"/connect/job-runs/{run_id}", do)

    return router
