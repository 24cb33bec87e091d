"""Pages you read: sign-in, the three Manage Connect tabs, a group, a group run, a job run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from starlette.background import BackgroundTask

from dataconnect.domain.accounts import Caller
from dataconnect.domain.runs import GroupRun, is_terminal_group_run, is_terminal_job_run
from dataconnect.errors import (
    DataConnectError,
    NotFound,
    Problem,
    Unauthenticated,
    ValidationFailed,
)
from dataconnect.services.manage import DEFAULT_PAGE_SIZE, SCHEDULE_TYPES
from dataconnect.services.sessions import WebSession
from dataconnect.services.views import group_run_view, job_run_view
from dataconnect.web.app import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    Web,
    check_origin,
    duration,
    in_thread,
    login_redirect,
    new_login_csrf,
    parse_id,
    read_form,
    safe_next,
    set_session_cookie,
    when,
)

HOME = "/connect/jobs"
RUNS_ON_GROUP_PAGE = 20
NEXT_RUNS_SHOWN = 5


def _int_arg(value: str | None, field: str, default: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit() or len(value) > 7:
        raise ValidationFailed(Problem(field, "INTEGER_EXPECTED", f"{field} is a whole number"))
    return int(value)


def _choice(value: str | None) -> str | None:
    return value or None


def guarded(
    web: Web, request: Request, build: Callable[[WebSession], Response], *, flash: bool = True
) -> Response:
    """A page for a signed-in user; errors become an error page, never a 500."""
    try:
        session = web.session(request, take_flash=flash)
    except Unauthenticated:
        return login_redirect(request)
    try:
        return build(session)
    except DataConnectError as exc:
        return web.error_page(request, exc, session)


def routes(web: Web) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    dc = web.dc

    # --- signing in and out -------------------------------------------------------------------

    @router.get("/")
    def root() -> Response:
        return RedirectResponse(HOME, status_code=303)

    @router.get("/connect")
    def connect() -> Response:
        return RedirectResponse(HOME, status_code=303)

    def login_form(
        request: Request,
        *,
        status: int = 200,
        error: str | None = None,
        target: str | None = None,
        **values: str,
    ) -> Response:
        csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or new_login_csrf()
        response = web.render(
            request,
            "login.html",
            {
                "error": error,
                "login_csrf": csrf,
                "next": safe_next(target or request.query_params.get("next"), HOME),
                **values,
            },
            status=status,
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict", max_age=3600, path="/login"
        )
        return response

    @router.get("/login")
    def login_page(request: Request) -> Response:
        try:
            web.session(request, take_flash=False)
        except Unauthenticated:
            return login_form(request)
        return RedirectResponse(HOME, status_code=303)

    def _login(request: Request, form: Any) -> Response:
        account = str(form.get("account", ""))
        email = str(form.get("email", ""))
        password = str(form.get("password", ""))
        sent = str(form.get("login_csrf", ""))
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or sent != expected:
            return login_form(
                request,
                status=403,
                error="This sign-in form expired. Please try again.",
                target=str(form.get("next", "")),
                account=account,
                email=email,
            )
        try:
            check_origin(request)
            session = dc.sessions.sign_in(account, email, password)
        except DataConnectError as exc:
            return login_form(
                request,
                status=401,
                error=str(exc).capitalize() + ".",
                target=str(form.get("next", "")),
                account=account,
                email=email,
            )
        target = safe_next(form.get("next"), HOME)
        response = RedirectResponse(target, status_code=303)
        set_session_cookie(response, request, session.token)
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @router.post("/login")
    async def login(request: Request) -> Response:
        return await in_thread(_login, request, await read_form(request))

    def _logout(request: Request, form: Any) -> Response:
        try:
            session = web.session(request, take_flash=False)
        except Unauthenticated:
            return RedirectResponse("/login", status_code=303)
        try:
            web.check_post(request, form, session)
        except DataConnectError as exc:
            return web.error_page(request, exc, session)
        dc.sessions.sign_out(session.token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        return await in_thread(_logout, request, await read_form(request))

    # --- the three tabs -----------------------------------------------------------------------

    @router.get("/connect/jobs")
    def all_jobs(request: Request) -> Response:
        q = request.query_params

        def build(session: WebSession) -> Response:
            filters = {
                "q": q.get("q", ""),
                "type": q.get("type", ""),
                "state": q.get("state", ""),
                "schedule": q.get("schedule", ""),
            }
            page = dc.manage.all_jobs(
                session.caller,
                search=filters["q"] or None,
                type_=_choice(filters["type"]),
                state=_choice(filters["state"]),
                schedule=_choice(filters["schedule"]),
                page=_int_arg(q.get("page"), "page", 1),
                size=_int_arg(q.get("size"), "size", DEFAULT_PAGE_SIZE),
            )
            return web.render(
                request,
                "jobs.html",
                {
                    "tab": "jobs",
                    "page": page,
                    "filters": filters,
                    "schedule_types": SCHEDULE_TYPES,
                },
                session=session,
            )

        return guarded(web, request, build)

    @router.get("/connect/completed")
    def completed(request: Request) -> Response:
        q = request.query_params

        def build(session: WebSession) -> Response:
            runs, cursor = dc.manage.completed(
                session.caller,
                cursor=q.get("cursor") or None,
                size=_int_arg(q.get("size"), "size", DEFAULT_PAGE_SIZE),
            )
            return web.render(
                request,
                "completed.html",
                {"tab": "completed", "runs": runs, "next_cursor": cursor},
                session=session,
            )

        return guarded(web, request, build)

    @router.get("/connect/groups")
    def group_jobs(request: Request) -> Response:
        q = request.query_params

        def build(session: WebSession) -> Response:
            filters = {"q": q.get("q", ""), "state": q.get("state", "")}
            page = dc.manage.group_jobs(
                session.caller,
                search=filters["q"] or None,
                state=_choice(filters["state"]),
                page=_int_arg(q.get("page"), "page", 1),
                size=_int_arg(q.get("size"), "size", DEFAULT_PAGE_SIZE),
            )
            return web.render(
                request,
                "groups.html",
                {"tab": "groups", "page": page, "filters": filters},
                session=session,
            )

        return guarded(web, request, build)

    # --- one group, one run -------------------------------------------------------------------

    def _run_view(caller: Caller, run: GroupRun) -> dict[str, Any]:
        """The run with its steps' counts, and whether it can still change (the page polls)."""
        view = group_run_view(run, dc.group_runs.progress(caller, run))
        view["live"] = not is_terminal_group_run(run.state)
        return view

    def _latest_run(caller: Caller, group_id: int) -> dict[str, Any] | None:
        runs, _ = dc.group_runs.list(caller, group_id=group_id, limit=1)
        if not runs:
            return None
        return _run_view(caller, runs[0])

    @router.get("/connect/groups/{group_id}")
    def group_page(request: Request, group_id: str) -> Response:
        def build(session: WebSession) -> Response:
            caller = session.caller
            group, jobs, last, upcoming = dc.groups.details(caller, parse_id(group_id))
            runs, _ = dc.group_runs.list(caller, group_id=group.id, limit=RUNS_ON_GROUP_PAGE)
            next_runs = (
                dc.schedules.next_runs(caller, group.id, NEXT_RUNS_SHOWN)
                if group.schedule is not None and group.state.value == "active"
                else []
            )
            return web.render(
                request,
                "group.html",
                {
                    "tab": "groups",
                    "group": group,
                    "jobs": jobs,
                    "last": last,
                    "next_run_at": upcoming,
                    "next_runs": next_runs,
                    "runs": [group_run_view(r) for r in runs],
                    "latest": _latest_run(caller, group.id),
                },
                session=session,
            )

        return guarded(web, request, build)

    @router.get("/connect/group-runs/{run_id}")
    def group_run_page(request: Request, run_id: str) -> Response:
        def build(session: WebSession) -> Response:
            run = dc.group_runs.get(session.caller, parse_id(run_id))
            view = _run_view(session.caller, run)
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

        return guarded(web, request, build)

    @router.get("/connect/group-runs/{run_id}/live")
    def group_run_live(request: Request, run_id: str) -> Response:
        """The run's state and steps as JSON, polled by the page while the run is live."""
        try:
            session = web.session(request, take_flash=False)
        except Unauthenticated as exc:
            return JSONResponse({"code": exc.code, "detail": str(exc)}, status_code=401)
        try:
            run = dc.group_runs.get(session.caller, parse_id(run_id))
            view = _run_view(session.caller, run)
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
    def job_run_page(request: Request, run_id: str) -> Response:
        def build(session: WebSession) -> Response:
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

        return guarded(web, request, build)

    @router.get("/connect/files/download/{name}")
    def download(request: Request, name: str) -> Response:
        """A file of the account's download/ folder (rejects files), as an attachment."""

        def build(session: WebSession) -> Response:
            handle = dc.files.open(session.caller, "download", name)
            safe = name.replace('"', "")
            return StreamingResponse(
                iter(lambda: handle.read(65536), b""),
                media_type="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{safe}"'},
                background=BackgroundTask(handle.close),
            )

        return guarded(web, request, build, flash=False)

    # --- confirmations ------------------------------------------------------------------------

    @router.get("/connect/groups/{group_id}/delete")
    def confirm_group_delete(request: Request, group_id: str) -> Response:
        def build(session: WebSession) -> Response:
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

        return guarded(web, request, build)

    @router.get("/connect/jobs/{job_id}/delete")
    def confirm_job_delete(request: Request, job_id: str) -> Response:
        def build(session: WebSession) -> Response:
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

        return guarded(web, request, build)

    return router


def fallback(web: Web) -> APIRouter:
    """A page for any other address under /connect, so a mistyped link gets a page, not JSON."""
    router = APIRouter(include_in_schema=False)

    @router.get("/connect/{rest:path}")
    def not_found(request: Request, rest: str) -> Response:
        def build(session: WebSession) -> Response:
            raise NotFound(f"there is no page at /connect/{rest[:100]}", code="PAGE_NOT_FOUND")

        return guarded(web, request, build)

    return router
