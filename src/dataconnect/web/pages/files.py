"""The account's files: a file of the download/ folder (a rejects file, an export's file)."""

from __future__ import annotations

from fastapi import Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from dataconnect.web.kit import AppDep, PeekSession, web_router

router = web_router()


@router.get("/connect/files/download/{name}")
def download(name: str, session: PeekSession, dc: AppDep) -> Response:
    """A file of the account's download/ folder, as an attachment."""
    handle = dc.files.open(session.caller, "download", name)
    safe = name.replace('"', "")
    return StreamingResponse(
        iter(lambda: handle.read(65536), b""),
        media_type="text/csv" if name.endswith(".csv") else "application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
        background=BackgroundTask(handle.close),
    )
