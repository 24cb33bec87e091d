"""Buttons that change things: Run Now, Stop, Activate, Deactivate, Delete (after its
confirmation page).

Each is a POST form with the session's CSRF token. The services decide (role, state, running);
a refusal comes back as a note on the page the user was on, with the service's error code.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.errors import DataConnectError, PermissionDenied
from dataconnect.services.sessions import WebSession
from dataconnect.web.kit import (
    Answer,
    AppDep,
    PageSession,
    PeekSession,
    PostedForm,
    Web,
    WebDep,
    parse_id,
    safe_next,
    web_router,
)

# What a verb did: the note to show, and the page to go to (None: back where the user was).
Outcome = tuple[str, str | None]

JOB_VERBS = ("run", "activate", "deactivate", "delete")
GROUP_VERBS = ("run", "stop", "activate", "deactivate", "delete")

router = web_router()


# --- confirmations ---------------------------------------------------------------------------


@router.get("/connect/groups/{group_id}/delete")
def confirm_group_delete(
    request: Request, group_id: str, session: PageSession, dc: AppDep, web: WebDep
) -> Response:
    group = dc.groups.get(session.caller, parse_id(group_id))
    return web.render(
        request,
        "confirm.html",
        {
            "tab": "groups",
            "title": f"Delete group {group.name}?",
            "body": "Deleting a group does not delete its jobs: they stay listed "
            "under All jobs and can be run alone or put in another group.",
            "action": f"/connect/groups/{group.id}/delete",
            "confirm": "Delete group",
            "back": safe_next(request.query_params.get("next"), "/connect/groups"),
        },
        session=session,
    )


@router.get("/connect/jobs/{job_id}/delete")
def confirm_job_delete(
    request: Request, job_id: str, session: PageSession, dc: AppDep, web: WebDep
) -> Response:
    job = dc.jobs.get(session.caller, parse_id(job_id))
    return web.render(
        request,
        "confirm.html",
        {
            "tab": "jobs",
            "title": f"Delete job {job.name}?",
            "body": "The job and its settings are deleted; its past runs stay in "
            "Completed jobs. A job that belongs to a group cannot be deleted: take it "
            "out of the group first.",
            "action": f"/connect/jobs/{job.id}/delete",
            "confirm": "Delete job",
            "back": safe_next(request.query_params.get("next"), "/connect/jobs"),
        },
        session=session,
    )


# --- the verbs -------------------------------------------------------------------------------


def _act(
    request: Request,
    form: FormData,
    session: WebSession,
    web: Web,
    default: str,
    do: Callable[[], Outcome],
) -> Response:
    """Check the form, then ``do``; back to ``next`` (or ``default``) with a note of the outcome."""
    back = safe_next(form.get("next"), default)
    try:
        web.check_post(request, form, session)
        note, target = do()
    except PermissionDenied:
        raise  # refused outright (viewer, CSRF): nothing changed; the error page says so
    except DataConnectError as exc:
        web.dc.sessions.flash(session.token, f"error:{exc} ({exc.code})")
        return RedirectResponse(back, status_code=303)
    web.dc.sessions.flash(session.token, f"ok:{note}")
    return RedirectResponse(target or back, status_code=303)


async def _job_verb(verb: str) -> str:
    if verb not in JOB_VERBS:
        raise Answer(Response(status_code=404))
    return verb


async def _group_verb(verb: str) -> str:
    if verb not in GROUP_VERBS:
        raise Answer(Response(status_code=404))
    return verb


# An unknown verb is a bare 404 before the session is read: declared before PeekSession.
JobVerb = Annotated[str, Depends(_job_verb)]
GroupVerb = Annotated[str, Depends(_group_verb)]


# Each verb's work gets the raw id and parses it after the CSRF check: a bad one is a note.
def _do_job(dc: App, caller: Caller, raw_id: str, verb: str) -> Outcome:
    job_id = parse_id(raw_id)
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


def _do_group(dc: App, caller: Caller, raw_id: str, verb: str) -> Outcome:
    group_id = parse_id(raw_id)
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


def _stop_group_run(dc: App, caller: Caller, raw_id: str) -> Outcome:
    run = dc.group_runs.stop(caller, parse_id(raw_id))
    return f"Stopping {run.group_name} (run {run.id}).", None


def _stop_job_run(dc: App, caller: Caller, raw_id: str) -> Outcome:
    run = dc.runs.stop(caller, parse_id(raw_id))
    return f"Stopping {run.job_name} (run {run.id}).", None


@router.post("/connect/jobs/{job_id}/{verb}")
def job_action(
    request: Request,
    job_id: str,
    form: PostedForm,
    verb: JobVerb,
    session: PeekSession,
    dc: AppDep,
    web: WebDep,
) -> Response:
    do = partial(_do_job, dc, session.caller, job_id, verb)
    return _act(request, form, session, web, "/connect/jobs", do)


@router.post("/connect/groups/{group_id}/{verb}")
def group_action(
    request: Request,
    group_id: str,
    form: PostedForm,
    verb: GroupVerb,
    session: PeekSession,
    dc: AppDep,
    web: WebDep,
) -> Response:
    do = partial(_do_group, dc, session.caller, group_id, verb)
    return _act(request, form, session, web, "/connect/groups", do)


@router.post("/connect/group-runs/{run_id}/stop")
def stop_group_run(
    request: Request, run_id: str, form: PostedForm, session: PeekSession, dc: AppDep, web: WebDep
) -> Response:
    do = partial(_stop_group_run, dc, session.caller, run_id)
    return _act(request, form, session, web, f"/connect/group-runs/{run_id}", do)


@router.post("/connect/job-runs/{run_id}/stop")
def stop_job_run(
    request: Request, run_id: str, form: PostedForm, session: PeekSession, dc: AppDep, web: WebDep
) -> Response:
    do = partial(_stop_job_run, dc, session.caller, run_id)
    return _act(request, form, session, web, f"/connect/job-runs/{run_id}", do)
