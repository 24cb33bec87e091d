"""DataConnect: import jobs and job groups that move marketing data in the right order."""

from dataconnect.errors import (
    BadRequest,
    Conflict,
    DataConnectError,
    NotFound,
    PermissionDenied,
    Problem,
    Unauthenticated,
    ValidationFailed,
)

__version__ = "0.1.0"

__all__ = [
    "BadRequest",
    "Conflict",
    "DataConnectError",
    "NotFound",
    "PermissionDenied",
    "Problem",
    "Unauthenticated",
    "ValidationFailed",
    "__version__",
]
