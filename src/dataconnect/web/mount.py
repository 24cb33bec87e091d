"""Puts the web UI on the API's app: the toolkit, the static files, the page routers in their
order, and the security headers of every page."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from dataconnect.bootstrap import App
from dataconnect.web.kit import Web
from dataconnect.web.pages import (
    actions,
    fallback,
    files,
    group,
    runs,
    sftp_access,
    signin,
    tabs,
    wizard,
)

STATIC = Path(__file__).parent / "static"

# Our own files only: no inline script or style, no other origin, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)

# First match wins: the wizard before group (/connect/groups/new is not a group id), and the
# fallback, which takes any path under /connect, last.
PAGES = (wizard, signin, tabs, group, runs, files, actions, sftp_access, fallback)


def install(api: FastAPI, dc: App) -> None:
    """Mount the web UI on the API's app: pages under /, /login and /connect, files at /static."""
    api.state.web = Web(dc)
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    for page in PAGES:
        api.include_router(page.router)
    api.middleware("http")(security_headers)


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
