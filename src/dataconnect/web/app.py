"""The web UI's plumbing: templates, the session cookie, CSRF, security headers, error pages.

Pages and actions call the same services as the API; this module only turns HTTP into calls
and results into HTML. Every state-changing request is a POST carrying the session's CSRF
token, from our own origin.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from dataconnect import __version__
from dataconnect.bootstrap import App
from dataconnect.domain.schedules import slot_minutes
from dataconnect.errors import (
    DataConnectError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from dataconnect.services.sessions import SESSION_HOURS, WebSession

HERE = Path(__file__).parent
COOKIE = "dc_session"
LOGIN_CSRF_COOKIE = "dc_login_csrf"
MAX_ID = 2**63 - 1

# Our own files only: no inline script or style, no other origin, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)

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
        loader=FileSystemLoader(HERE / "templates"),
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


class Web:
    """Per-app helpers shared by the page, action and wizard modules."""

    def __init__(self, dc: App) -> None:
        self.dc = dc
        self.templates = make_templates()

    # --- sessions ---------------------------------------------------------------------------

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

    # --- rendering --------------------------------------------------------------------------

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


def install(api: FastAPI, dc: App) -> None:
    """Mount the web UI on the API's app: pages under /, /login and /connect, files at /static."""
    from dataconnect.web import actions, pages, wizard

    web = Web(dc)
    api.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # The wizard first: /connect/groups/new is not a group id.
    for module in (wizard, pages, actions):
        api.include_router(module.routes(web))
    api.include_router(pages.fallback(web))

    @api.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        began = time.perf_counter()
        response = await call_next(request)
        path = request.url.path
        if path.startswith("/connect"):
            # What the page cost the server, for browsers' dev tools and bench/web_bench.py.
            spent = (time.perf_counter() - began) * 1000
            response.headers["Server-Timing"] = f"app;dur={spent:.1f}"
        if path == "/" or path.startswith(("/connect", "/login", "/logout", "/static/")):
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            if not path.startswith("/static/"):
                response.headers.setdefault("Cache-Control", "no-store")
        return response


async def read_form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=2000)


async def in_thread(fn: Callable[..., Response], *args: Any) -> Response:
    return await run_in_threadpool(fn, *args)
