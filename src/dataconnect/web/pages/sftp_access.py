"""SFTP access: how to reach the account's folders over SFTP (host, port, login name, the host
keys' fingerprints) and the SSH keys that may log in, with a form to add one and a Remove button
(after its confirmation page) on each.

Everyone of the account sees the page; only a data director gets the forms, and the services
refuse a viewer's POST all the same. Errors of a new key come back all at once, each beside its
field and listed at the top.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from dataconnect.bootstrap import App
from dataconnect.errors import DataConnectError, PermissionDenied, Problem, ValidationFailed
from dataconnect.services.sessions import WebSession
from dataconnect.web.kit import (
    AppDep,
    PageSession,
    PostedForm,
    Web,
    WebDep,
    WriterSession,
    parse_id,
    web_router,
)

PAGE = "/connect/sftp"
# The id of the control each field's error sits beside; any other problem goes with the key.
FIELD_TARGETS = {"name": "k-name", "public_key": "k-public-key"}
KEY_TARGET = "k-public-key"
# Longer than the service takes (16 KiB), so that it, not the page, says a line is too long.
TEXT_MAX = 20_000

router = web_router()


@dataclass(frozen=True, slots=True)
class ShownError:
    target: str
    label: str
    message: str
    code: str


def shown_errors(problems: list[Problem]) -> list[ShownError]:
    found = []
    for p in problems:
        target = FIELD_TARGETS.get(p.field.split("[", 1)[0], KEY_TARGET)
        label = "Name" if target == "k-name" else "Public key"
        found.append(ShownError(target, label, p.message, p.code))
    return sorted(found, key=lambda e: e.target != "k-name")


def _text(value: object) -> str:
    return value[:TEXT_MAX] if isinstance(value, str) else ""


def _render(
    request: Request,
    dc: App,
    web: Web,
    session: WebSession,
    *,
    name: str = "",
    public_key: str = "",
    errors: list[ShownError] | None = None,
    status: int = 200,
) -> Response:
    endpoint = dc.sftp_access.endpoint(session.caller)
    errors = errors or []
    by_target: dict[str, list[ShownError]] = {}
    for e in errors:
        by_target.setdefault(e.target, []).append(e)
    return web.render(
        request,
        "sftp.html",
        {
            "tab": "sftp",
            "endpoint": endpoint,
            "keys": dc.ssh_keys.list(session.caller),
            "form": {"name": name, "public_key": public_key},
            "errors": errors,
            "errors_at": by_target,
        },
        status=status,
        session=session,
    )


@router.get(PAGE)
def sftp_page(request: Request, session: PageSession, dc: AppDep, web: WebDep) -> Response:
    return _render(request, dc, web, session)


@router.post(f"{PAGE}/keys")
def add_key(
    request: Request, form: PostedForm, session: WriterSession, dc: AppDep, web: WebDep
) -> Response:
    web.check_post(request, form, session)
    name, public_key = _text(form.get("name")), _text(form.get("public_key"))
    try:
        key = dc.ssh_keys.add(session.caller, name.strip(), public_key)
    except ValidationFailed as exc:
        errors = shown_errors(exc.problems)
        return _render(
            request, dc, web, session, name=name, public_key=public_key, errors=errors, status=400
        )
    except PermissionDenied:
        raise  # refused outright: the error page says so
    except DataConnectError as exc:  # SSH_KEY_EXISTS
        errors = [ShownError(KEY_TARGET, "Public key", str(exc), exc.code)]
        return _render(
            request, dc, web, session, name=name, public_key=public_key, errors=errors, status=409
        )
    dc.sessions.flash(session.token, f"ok:Key {key.name} added ({key.fingerprint}).")
    return RedirectResponse(PAGE, status_code=303)


@router.get(f"{PAGE}/keys/{{key_id}}/remove")
def confirm_remove(
    request: Request, key_id: str, session: WriterSession, dc: AppDep, web: WebDep
) -> Response:
    key = dc.ssh_keys.get(session.caller, parse_id(key_id))
    return web.render(
        request,
        "confirm.html",
        {
            "tab": None,
            "title": f"Remove SSH key {key.name}?",
            "body": f"The key {key.fingerprint} logs in no more from now on, and the SFTP "
            "sessions it opened are closed. To use it again, add it again.",
            "action": f"{PAGE}/keys/{key.id}/remove",
            "confirm": "Remove key",
            "back": PAGE,
        },
        session=session,
    )


@router.post(f"{PAGE}/keys/{{key_id}}/remove")
def remove_key(
    request: Request, key_id: str, form: PostedForm, session: WriterSession, dc: AppDep, web: WebDep
) -> Response:
    web.check_post(request, form, session)
    try:
        key = dc.ssh_keys.get(session.caller, parse_id(key_id))
        dc.ssh_keys.remove(session.caller, key.id)
    except PermissionDenied:
        raise
    except DataConnectError as exc:  # SSH_KEY_NOT_FOUND, a bad id
        dc.sessions.flash(session.token, f"error:{exc} ({exc.code})")
        return RedirectResponse(PAGE, status_code=303)
    dc.sessions.flash(session.token, f"ok:Key {key.name} removed; it logs in no more.")
    return RedirectResponse(PAGE, status_code=303)
