"""Signing in and out, and the addresses that lead to the first tab."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from dataconnect.errors import DataConnectError, Unauthenticated
from dataconnect.web.kit import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    AppDep,
    PostedForm,
    Web,
    WebDep,
    check_origin,
    new_login_csrf,
    safe_next,
    set_session_cookie,
    web_router,
)

HOME = "/connect/jobs"

router = web_router()


@router.get("/")
def root() -> Response:
    return RedirectResponse(HOME, status_code=303)


@router.get("/connect")
def connect() -> Response:
    return RedirectResponse(HOME, status_code=303)


def _login_form(
    web: Web,
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
def login_page(request: Request, web: WebDep) -> Response:
    try:
        web.session(request, take_flash=False)
    except Unauthenticated:
        return _login_form(web, request)
    return RedirectResponse(HOME, status_code=303)


@router.post("/login")
def login(request: Request, form: PostedForm, dc: AppDep, web: WebDep) -> Response:
    account = str(form.get("account", ""))
    email = str(form.get("email", ""))
    password = str(form.get("password", ""))
    sent = str(form.get("login_csrf", ""))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or sent != expected:
        return _login_form(
            web,
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
        return _login_form(
            web,
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


@router.post("/logout")
def logout(request: Request, form: PostedForm, dc: AppDep, web: WebDep) -> Response:
    # Not PeekSession: without a session this goes to /login itself, not back here after it.
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
