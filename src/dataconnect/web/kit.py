"""The web UI's toolkit: templates and their filters, the session cookie, CSRF, rendering, error
pages, and the FastAPI dependencies and route class the pages are written with.

Page modules (``web/pages/``) import this and no other module of the web package; ``mount``
puts them on the app, and this module imports neither. Pages call the same services as the
API: this only turns HTTP into calls and results into HTML. Every state-changing request is a
POST carrying the session's CSRF token, from our own origin.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from dataconnect import __version__
from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.domain.runs import GroupRun, is_terminal_group_run
from dataconnect.domain.schedules import slot_minutes
from dataconnect.errors import (
    DataConnectError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from dataconnect.services.base import require_writer
from dataconnect.services.sessions import SESSION_HOURS, WebSession
from dataconnect.services.views import group_run_view

TEMPLATES = Path(__file__).parent / "templates"
COOKIE = "dc_session"
LOGIN_CSRF_COOKIE = "dc_login_csrf"
MAX_ID = 2**63 - 1

STATE_LABELS = {
    "succeeded": "Succeeded",
    "failed": "Failed",
    "aborted": "Aborted",
    "stopped": "Stopped",
    "stopping": "Stopping",
    "running": "Running",
    "queued": "Queued",
    "not_run": "Not run",
    "pending": "Pending",
    "active": "Active",
    "saved": "Saved",
    "inactive": "Inactive",
}
SCHEDULE_LABELS = {
    "on_demand": "On demand",
    "once": "Once",
    "daily": "Daily",
    "weekly": "Weekly",
    "monthly": "Monthly",
}


# --- filters ---------------------------------------------------------------------------------


def when(value: datetime | str | None, zone: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(ZoneInfo(zone))
    return local.strftime("%Y-%m-%d %H:%M %Z")


def window_label(start: datetime, end: datetime, zone: str) -> str:
    """A slot as the user reads it: "2026-11-26 02:00-02:14 CET" (the end minute included)."""
    tz = ZoneInfo(zone)
    first, last = start.astimezone(tz), (end - timedelta(minutes=1)).astimezone(tz)
    if first.date() == last.date():
        return f"{first:%Y-%m-%d %H:%M}\u2013{last:%H:%M %Z}"
    return f"{first:%Y-%m-%d %H:%M %Z} \u2013 {last:%Y-%m-%d %H:%M %Z}"


def slot_span(hour: int, slot: int) -> str:
    """A slot as the pages show it: hour 2, slot 1 → "02:15-02:29" (with an en dash)."""
    first, last = slot_minutes(slot)
    return f"{hour:02d}:{first:02d}\u2013{hour:02d}:{last:02d}"


def _iso(value: datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.astimezone(UTC).isoformat()


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def make_templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["iso"] = _iso
    env.globals["window"] = window_label
    env.globals["slot_span"] = slot_span
    env.filters["duration"] = duration
    env.filters["number"] = _number
    env.globals["STATE_LABELS"] = STATE_LABELS
    env.globals["SCHEDULE_LABELS"] = SCHEDULE_LABELS
    env.globals["version"] = __version__
    return env


# --- the per-app helpers ---------------------------------------------------------------------


class Web:
    """Per-app helpers of the pages: sessions, the CSRF check, rendering, the error page."""

    def __init__(self, dc: App) -> None:
        self.dc = dc
        self.templates = make_templates()

    def session(self, request: Request, *, take_flash: bool = True) -> WebSession:
        token = request.cookies.get(COOKIE)
        if take_flash:
            return self.dc.sessions.current(token)
        return self.dc.sessions.peek(token)

    def check_post(self, request: Request, form: FormData, session: WebSession) -> None:
        """CSRF: the form's token must be the session's, and the request from our origin."""
        sent = form.get("csrf_token") or request.headers.get("x-csrf-token") or ""
        if not isinstance(sent, str) or not hmac.compare_digest(
            sent.encode(), session.csrf_token.encode()
        ):
            raise PermissionDenied(
                "this form is out of date or not ours; reload the page and try again",
                code="CSRF_INVALID",
            )
        check_origin(request)

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any],
        *,
        status: int = 200,
        session: WebSession | None = None,
    ) -> HTMLResponse:
        zone = "UTC"
        account_name = ""
        if session is not None:
            account = self.dc.accounts.account(session.caller)
            zone, account_name = account.timezone, account.name
        html = self.templates.get_template(template).render(
            request=request,
            session=session,
            zone=zone,
            account_name=account_name,
            path=request.url.path,
            full_path=_full_path(request),
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def error_page(
        self, request: Request, exc: DataConnectError, session: WebSession | None
    ) -> HTMLResponse:
        status = {
            ValidationFailed: 400,
            NotFound: 404,
            PermissionDenied: 403,
            Unauthenticated: 401,
        }.get(type(exc), 409)
        problems = exc.problems if isinstance(exc, ValidationFailed) else []
        return self.render(
            request,
            "error.html",
            {"status": status, "message": str(exc), "code": exc.code, "problems": problems},
            status=status,
            session=session,
        )


def run_view(dc: App, caller: Caller, run: GroupRun) -> dict[str, Any]:
    """A group run with its steps' counts, and whether it can still change (the pages poll)."""
    view = group_run_view(run, dc.group_runs.progress(caller, run))
    view["live"] = not is_terminal_group_run(run.state)
    return view


def _full_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def check_origin(request: Request) -> None:
    """Refuse a POST that a browser says came from another site (a second line behind CSRF)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return
    host = request.headers.get("host", "")
    if urlsplit(origin).netloc != host:
        raise PermissionDenied("this request came from another site", code="ORIGIN_INVALID")


def safe_next(target: object, default: str) -> str:
    """Only our own pages: a path under /connect, never another host (open redirects)."""
    if not isinstance(target, str) or len(target) > 2000:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/connect") or "\\" in target:
        return default
    return target


def parse_id(text: str) -> int:
    """An id from the path, checked in the page (after the session), so a bad one is a 404 page."""
    if not text.isdigit() or len(text) > 19 or not 1 <= int(text) <= MAX_ID:
        raise NotFound(f"no such id {text[:30]!r}", code="NOT_FOUND")
    return int(text)


def login_redirect(request: Request) -> RedirectResponse:
    target = quote(_full_path(request), safe="/?=&")
    return RedirectResponse(f"/login?next={target}", status_code=303)


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


# --- routes and dependencies -----------------------------------------------------------------


class Answer(Exception):
    """Raised by a dependency to answer before the page runs; the web route sends ``response``."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class WebRoute(APIRoute):
    """A route of the web UI: a dependency's ``Answer`` is sent as is, and a service's refusal
    becomes the error page with its status and the visitor's session, never a 500 or the API's
    problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except Answer as early:
                return early.response
            except DataConnectError as exc:
                web: Web = request.app.state.web
                session = getattr(request.state, "web_session", None)
                # Rendering reads the account: off the event loop, like the page itself.
                return await run_in_threadpool(web.error_page, request, exc, session)

        return answer


def web_router() -> APIRouter:
    """The router of one page module: web routes, none of them in the OpenAPI document."""
    return APIRouter(include_in_schema=False, route_class=WebRoute)


# The trivial ones are async so that FastAPI does not send them to a worker thread.
async def get_app(request: Request) -> App:
    app: App = request.app.state.dc
    return app


async def get_web(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


async def read_form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=2000)


AppDep = Annotated[App, Depends(get_app)]
WebDep = Annotated[Web, Depends(get_web)]
PostedForm = Annotated[FormData, Depends(read_form)]


def _signed_in(request: Request, web: Web, *, take_flash: bool) -> WebSession:
    try:
        session = web.session(request, take_flash=take_flash)
    except Unauthenticated:
        raise Answer(login_redirect(request)) from None
    # For the error page, should the page go on to fail.
    request.state.web_session = session
    return session


def page_session(request: Request, web: WebDep) -> WebSession:
    return _signed_in(request, web, take_flash=True)


def peek_session(request: Request, web: WebDep) -> WebSession:
    return _signed_in(request, web, take_flash=False)


# The signed-in visitor's session; without one the visitor is sent to /login?next=<this page>.
# PageSession takes the flash note (the page shows it, once); PeekSession leaves it for the
# next page (downloads, and POSTs that redirect to a page that shows it).
PageSession = Annotated[WebSession, Depends(page_session)]
PeekSession = Annotated[WebSession, Depends(peek_session)]


async def writer_session(session: PageSession) -> WebSession:
    require_writer(session.caller)
    return session


# A data director's session, its flash note taken; a viewer gets the 403 error page.
WriterSession = Annotated[WebSession, Depends(writer_session)]
