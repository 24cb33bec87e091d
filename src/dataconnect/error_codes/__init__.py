"""Every error code of DataConnect, once: what carries it, what it means and, where the
compatibility API renames it, the original system's code.

Raise sites keep their literals (``raise NotFound("no job with id 7", code="JOB_NOT_FOUND")``);
the registry is what the doors read — ``api/errors.py`` the status of an exception, the
compatibility API (``api/compat``) the original's names — and what
``tests/unit/test_error_codes.py`` holds the source and the docs to: every code the source
raises or reports is registered here with the kind it is raised as, every registered code is
raised somewhere (or marked ``reserved``) and documented in ``docs/``.

An exception's HTTP status is decided by its class (``EXCEPTION_KINDS``, ``KIND_STATUS``), never
by its code: one code may be raised as a Conflict and reported as a field problem, and is then
answered 409 or 422 accordingly.
"""

from __future__ import annotations

from collections.abc import Mapping

from dataconnect.error_codes.core import CORE
from dataconnect.error_codes.kinds import (
    EXCEPTION_KINDS,
    KIND_STATUS,
    Code,
    Kind,
    http_status,
    kind_of,
)
from dataconnect.error_codes.transfers import TRANSFERS

__all__ = [
    "CODES",
    "COMPAT_NAMES",
    "EXCEPTION_KINDS",
    "KIND_STATUS",
    "Code",
    "Kind",
    "compat_code",
    "http_status",
    "kind_of",
]

_ALL = CORE + TRANSFERS
CODES: Mapping[str, Code] = {c.name: c for c in _ALL}

# The services' codes the compatibility API answers under the original's name.
COMPAT_NAMES: Mapping[str, str] = {c.name: c.compat for c in _ALL if c.compat is not None}


def compat_code(code: str) -> str:
    """The original system's code for one of ours; ours when the original has no name for it."""
    return COMPAT_NAMES.get(code, code)
