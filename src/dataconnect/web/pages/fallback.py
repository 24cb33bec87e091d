"""A page for any other address under /connect, so a mistyped link gets a page, not JSON.

Its route takes every path under /connect: ``web.mount`` includes it after all the others.
"""

from __future__ import annotations

from fastapi import Response

from dataconnect.errors import NotFound
from dataconnect.web.kit import PageSession, web_router

router = web_router()


@router.get("/connect/{rest:path}")
def not_found(rest: str, session: PageSession) -> Response:
    # The session all the same: a visitor who is not signed in signs in first, as on any page.
    raise NotFound(f"there is no page at /connect/{rest[:100]}", code="PAGE_NOT_FOUND")
