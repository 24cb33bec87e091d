"""Errors in the original system's shape ``{type, title, errorCode, detail, errorDetails}``.

Every exception of a compatibility route ends here (``CompatRoute``): a ``CompatError`` as it is,
a service error translated (``translate``), FastAPI's and Starlette's own errors, and a bug as a
500. The answer is plain ``application/json``, never our problem+json.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from dataconnect import error_codes
from dataconnect.errors import (
    BadRequest,
    DataConnectError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)

log = logging.getLogger(__name__)

NOT_ENABLED = "DataIntegrationGateway not enabled for user."

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

# Starlette's own errors (no route, wrong method, body too large); any other status: INVALID.
HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "BODY_TOO_LARGE"}

# A path id FastAPI refused: (its name in the detail, the code when no record can have it, the
# start of that detail).
_PATH_IDS = {
    "jobId": ("Job Id", "CONNECT_JOB_NOT_FOUND", "no job with id"),
    "jobRunId": ("Job Run Id", "CONNECT_JOB_RUN_NOT_FOUND", "no job run with id"),
}


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
    """A service error as the original system would have reported it: by its class for the
    token, role and input errors, else under the original's name for its code (the registry's
    ``compat``; a code the original has no name for is kept), 404 for NotFound and 400 for the
    rest."""
    if isinstance(exc, Unauthenticated):
        return CompatError(401, "UNAUTHORIZED", exc.message)
    if isinstance(exc, PermissionDenied):
        return CompatError(401, "CONNECT_DISABLED_FOR_USER", NOT_ENABLED)
    if isinstance(exc, ValidationFailed | BadRequest):
        return CompatError(400, INVALID, exc.message)
    code = error_codes.compat_code(exc.code)
    return CompatError(404 if isinstance(exc, NotFound) else 400, code, exc.message)


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
                code = HTTP_CODES.get(exc.status_code, INVALID)
                failure = CompatError(exc.status_code, code, str(exc.detail)[:500])
            except Exception as exc:
                log.exception("unhandled error", exc_info=exc)
                failure = CompatError(500, "INTERNAL_ERROR", "this is a bug; it has been logged")
            return error(failure.status, failure.code, failure.detail)

        return answer
