"""The machinery of the registry: what carries a code (``Kind``), what a code is (``Code``), and
the HTTP status an exception is answered with (its class's, never its code's)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from dataconnect.errors import (
    BadRequest,
    Conflict,
    DataConnectError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)


class Kind(StrEnum):
    """What carries a code to whoever reads it."""

    # an exception of dataconnect.errors (the value is its class's name)
    VALIDATION_FAILED = "ValidationFailed"
    NOT_FOUND = "NotFound"
    CONFLICT = "Conflict"
    PERMISSION_DENIED = "PermissionDenied"
    UNAUTHENTICATED = "Unauthenticated"
    BAD_REQUEST = "BadRequest"
    ERROR = "DataConnectError"  # the base class; never raised itself
    # a field's code in ValidationFailed.problems; a lone problem lends it to the error (422)
    PROBLEM = "problem"
    # answered by an HTTP layer itself, outside the exception tree (``Code.status``)
    HTTP = "http"
    # the original system's code, answered by the compatibility API only (``Code.status``)
    COMPAT = "compat"
    RUN_FAILURE = "run failure"  # a job run or group run ends failed with it (``error_code``)
    REJECT = "reject"  # why a row was refused: the rejects file's REJECT_REASON
    CLI = "cli"  # printed by the command line, which then exits with status 1


# The exception classes in the order the API matches them; anything else is a DataConnectError.
EXCEPTION_KINDS: Mapping[type[DataConnectError], Kind] = {
    ValidationFailed: Kind.VALIDATION_FAILED,
    NotFound: Kind.NOT_FOUND,
    Conflict: Kind.CONFLICT,
    PermissionDenied: Kind.PERMISSION_DENIED,
    Unauthenticated: Kind.UNAUTHENTICATED,
    BadRequest: Kind.BAD_REQUEST,
}

KIND_STATUS: Mapping[Kind, int] = {
    Kind.VALIDATION_FAILED: 422,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.PERMISSION_DENIED: 403,
    Kind.UNAUTHENTICATED: 401,
    Kind.BAD_REQUEST: 400,
    Kind.ERROR: 400,
    Kind.PROBLEM: 422,
}


def kind_of(exc: DataConnectError) -> Kind:
    return next((k for cls, k in EXCEPTION_KINDS.items() if isinstance(exc, cls)), Kind.ERROR)


def http_status(exc: DataConnectError) -> int:
    """The status ``/api/v1`` answers an exception with: its class's."""
    return KIND_STATUS[kind_of(exc)]


@dataclass(frozen=True, slots=True)
class Code:
    """One code: the kinds it is raised or reported as, and a line on what it means."""

    name: str
    kinds: tuple[Kind, ...]
    meaning: str
    compat: str | None = None  # the original's code for it, where the compatibility API renames it
    status: int | None = None  # kinds HTTP and COMPAT: the status it is answered with (None: any)
    reserved: bool = False  # registered although nothing raises it (the tests allow it)

    @property
    def statuses(self) -> frozenset[int]:
        """Every HTTP status an answer with this code can have."""
        found = {KIND_STATUS[k] for k in self.kinds if k in KIND_STATUS}
        return frozenset(found if self.status is None else found | {self.status})


def code(
    name: str,
    kinds: Kind | tuple[Kind, ...],
    meaning: str,
    *,
    compat: str | None = None,
    status: int | None = None,
    reserved: bool = False,
) -> Code:
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    return Code(name, kinds, meaning, compat, status, reserved)


# short names for the tables of codes
P = Kind.PROBLEM
NF = Kind.NOT_FOUND
CF = Kind.CONFLICT
BR = Kind.BAD_REQUEST
UA = Kind.UNAUTHENTICATED
PD = Kind.PERMISSION_DENIED
RF = Kind.RUN_FAILURE
RJ = Kind.REJECT
HTTP = Kind.HTTP
COMPAT = Kind.COMPAT
CLI = Kind.CLI
