"""The original system's trigger API (Connect REST API v1.3): trigger jobs and read their runs.

Same tokens and account scoping as ``/api/v1``, but the token may also be sent as the bare
``Authorization`` value, and every error here has the original's shape
``{type, title, errorCode, detail, errorDetails}`` as plain ``application/json`` (not our
problem+json). ``CompatRoute`` turns every exception of these routes into that shape, so the
app-wide problem+json handlers never see them; ``unknown_path`` does the same for any other
path under ``/rest/``.

    errors.py    CompatError, the error body, the translation of service errors, CompatRoute
    shapes.py    the request and response bodies (pydantic, the original's camelCase names)
    callers.py   the token from the Authorization header; only a data director may trigger
    params.py    the JSON body and the MM-DD-YYYY days
    routes.py    the router: the endpoints, then ``unknown_path``

The app needs only ``ROOT``, ``error`` and ``router``. The original's login, with which its
clients get a token (``POST /rest/api/v1.3/auth/token``), is to come as ``auth.py``; its route
goes on the router before ``unknown_path``.
"""

from __future__ import annotations

from dataconnect.api.compat.errors import error
from dataconnect.api.compat.routes import ROOT, router

__all__ = ["ROOT", "error", "router"]
