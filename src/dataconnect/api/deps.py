"""Dependencies of the routes, as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.errors import Unauthenticated

MAX_ID = 2**63 - 1


def get_app(request: Request) -> App:
    app: App = request.app.state.dc
    return app


def get_caller(request: Request) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send Authorization: Bearer <token>", code="TOKEN_MISSING")
    return get_app(request).accounts.authenticate(token.strip())


AppDep = Annotated[App, Depends(get_app)]
CallerDep = Annotated[Caller, Depends(get_caller)]
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="job id")]
GroupId = Annotated[int, Path(ge=1, le=MAX_ID, description="group id")]
