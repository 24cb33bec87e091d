"""Who is calling: the token, sent as the original's bare ``Authorization`` value or as a
Bearer token, and the role check of the trigger routes.

The login of the original's clients (``POST /rest/api/v1.3/auth/token``, which hands out a token)
is not here: it will be ``auth.py`` of this package.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dataconnect.api.compat.errors import NOT_ENABLED
from dataconnect.api.deps import AppDep
from dataconnect.domain.accounts import Caller
from dataconnect.errors import PermissionDenied, Unauthenticated


def compat_caller(request: Request, app: AppDep) -> Caller:
    """``Authorization: <token>`` as in the original, or ``Authorization: Bearer <token>``."""
    header = request.headers.get("authorization", "").strip()
    scheme, _, rest = header.partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else header
    if not token:
        raise Unauthenticated(
            "send Authorization: <token> or Authorization: Bearer <token>", code="TOKEN_MISSING"
        )
    return app.accounts.authenticate(token)


CompatCaller = Annotated[Caller, Depends(compat_caller)]


def compat_writer(caller: CompatCaller) -> Caller:
    """Only a data director may trigger; a viewer is refused before anything else is read."""
    if not caller.role.can_write:
        raise PermissionDenied(NOT_ENABLED, code="ROLE_VIEWER_READ_ONLY")
    return caller


CompatWriter = Annotated[Caller, Depends(compat_writer)]
