"""One exception tree for the whole package; every error carries a stable upper-case ``code``.

    DataConnectError                  base; never raised itself
    ├── ValidationFailed   (422)      bad input; ``problems`` lists every problem at once
    ├── NotFound           (404)      missing, or belongs to another account
    ├── Conflict           (409)      the request is valid but the current state refuses it
    ├── PermissionDenied   (403)      the caller's role may not do this
    ├── Unauthenticated    (401)      no or unknown credentials
    └── BadRequest         (400)      malformed request that is not a field problem

Transports translate these once, at their edge (``api/errors.py``, ``cli``); nothing below them
knows about HTTP statuses or exit codes. Every code is registered, with its meaning, in
``error_codes``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem: which field, a stable code and a sentence for people."""

    field: str
    code: str
    message: str


class DataConnectError(Exception):
    code = "ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ValidationFailed(DataConnectError):
    code = "VALIDATION_FAILED"

    def __init__(self, problems: list[Problem] | Problem, message: str | None = None) -> None:
        items = [problems] if isinstance(problems, Problem) else list(problems)
        if not items:
            raise ValueError("ValidationFailed needs at least one problem")
        text = message or "; ".join(f"{p.field}: {p.message}" for p in items)
        # A single problem lends its code to the whole error, so callers can match on it.
        super().__init__(text, code=items[0].code if len(items) == 1 else None)
        self.problems = items


class NotFound(DataConnectError):
    code = "NOT_FOUND"


class Conflict(DataConnectError):
    code = "CONFLICT"


class PermissionDenied(DataConnectError):
    code = "FORBIDDEN"


class Unauthenticated(DataConnectError):
    code = "UNAUTHENTICATED"


class BadRequest(DataConnectError):
    code = "BAD_REQUEST"


def collect(problems: list[Problem]) -> None:
    """Raise ``ValidationFailed`` with every collected problem, if there is any."""
    if problems:
        raise ValidationFailed(problems)
