"""Errors to application/problem+json, in one place: exception class → HTTP status (the
registry's, ``dataconnect.error_codes``)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from dataconnect import error_codes
from dataconnect.errors import DataConnectError, ValidationFailed

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"

# Exception class → status, as the registry has it (in its order; anything else is 400).
STATUS: dict[type[DataConnectError], int] = {
    cls: error_codes.KIND_STATUS[kind] for cls, kind in error_codes.EXCEPTION_KINDS.items()
}

TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Body too large",
    422: "Validation failed",
}

# pydantic's error types → our stable codes
_PYDANTIC_CODES = {
    "extra_forbidden": "UNKNOWN_FIELD",
    "missing": "FIELD_REQUIRED",
    "json_invalid": "JSON_INVALID",
    "model_attributes_type": "OBJECT_EXPECTED",
    "dict_type": "OBJECT_EXPECTED",
    "list_type": "LIST_EXPECTED",
    "int_parsing": "INTEGER_EXPECTED",
    "int_type": "INTEGER_EXPECTED",
    "int_from_float": "INTEGER_EXPECTED",
    "bool_parsing": "BOOLEAN_EXPECTED",
    "bool_type": "BOOLEAN_EXPECTED",
    "string_type": "STRING_EXPECTED",
    "float_parsing": "NUMBER_EXPECTED",
    "float_type": "NUMBER_EXPECTED",
    "greater_than_equal": "VALUE_OUT_OF_RANGE",
    "less_than_equal": "VALUE_OUT_OF_RANGE",
    "literal_error": "VALUE_NOT_ALLOWED",
    "enum": "VALUE_NOT_ALLOWED",
}


def problem(
    status: int, code: str, title: str, detail: str, errors: list[dict[str, str]] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://dataconnect.dev/problems/{code.lower().replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(DataConnectError)
    async def _domain(_: Request, exc: DataConnectError) -> JSONResponse:
        status = error_codes.http_status(exc)
        errors = None
        if isinstance(exc, ValidationFailed):
            errors = [
                {"field": p.field, "code": p.code, "message": p.message} for p in exc.problems
            ]
        title = TITLES.get(status, "Error")
        return problem(status, exc.code, title, exc.message, errors)

    @app.exception_handler(RequestValidationError)
    async def _request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            code = _PYDANTIC_CODES.get(e.get("type", ""), "VALUE_INVALID")
            errors.append(
                {
                    "field": _field(tuple(e.get("loc", ()))),
                    "code": code,
                    "message": str(e.get("msg")),
                }
            )
        code = errors[0]["code"] if len(errors) == 1 else "VALIDATION_FAILED"
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, code, "Validation failed", detail[:2000], errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            400: "BODY_INVALID",
            401: "UNAUTHENTICATED",
            404: "NOT_FOUND",
            405: "METHOD_NOT_ALLOWED",
            413: "BODY_TOO_LARGE",
        }
        code = codes.get(exc.status_code, "HTTP_ERROR")
        title = TITLES.get(exc.status_code, "Error")
        return problem(exc.status_code, code, title, str(exc.detail))

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return problem(500, "INTERNAL_ERROR", "Internal error", "this is a bug; it has been logged")
