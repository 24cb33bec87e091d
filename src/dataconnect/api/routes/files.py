"""The account's files: upload a raw body into ``upload/``, list a folder, download a file.

Uploads are streamed to disk chunk by chunk (never held in memory); the file appears in its folder
only once it is complete.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, BinaryIO
from urllib.parse import quote

import anyio
import anyio.from_thread
import anyio.to_thread
from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.requests import ClientDisconnect

from dataconnect.api.deps import AppDep, CallerDep
from dataconnect.errors import BadRequest
from dataconnect.services.files import file_view

router = APIRouter(prefix="/api/v1/files", tags=["files"])

CHUNK = 1024 * 1024
# Paths take everything after the folder, slashes included, so `a/b` is refused by the name rules
# (422 FILENAME_INVALID) rather than by the router (404).
FileName = Annotated[str, Path(description="a plain file name, 1 to 255 characters")]
Folder = Annotated[str, Path(description="upload, download or archive")]
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9 !#$&+,.;=@^_`{}~()\[\]-]")


class FilePublic(BaseModel):
    name: str
    size: int
    modified_at: str


class FileList(BaseModel):
    items: list[FilePublic]


_RAW_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the file's bytes, as they are (at most 2 GiB)",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


async def _next_chunk(stream: AsyncIterator[bytes]) -> bytes | None:
    try:
        return await stream.__anext__()
    except StopAsyncIteration:
        return None


def _body_chunks(stream: AsyncIterator[bytes]) -> Iterator[bytes]:
    """The request body as a plain iterator, for a worker thread: each chunk from the event loop."""
    while (chunk := anyio.from_thread.run(_next_chunk, stream)) is not None:
        if chunk:
            yield chunk


def _declared_size(request: Request) -> int | None:
    length = request.headers.get("content-length", "")
    return int(length) if length.isdigit() and len(length) < 20 else None


@router.put(
    "/upload/{filename:path}",
    status_code=201,
    response_model=FilePublic,
    openapi_extra=_RAW_BODY,
    summary="Store a file (the raw body) in the account's upload/ folder",
)
async def upload_file(
    filename: FileName, request: Request, app: AppDep, caller: CallerDep
) -> dict[str, Any]:
    upload = functools.partial(
        app.files.upload,
        caller,
        filename,
        _body_chunks(request.stream()),
        declared_size=_declared_size(request),
    )
    try:
        info = await anyio.to_thread.run_sync(upload)
    except ClientDisconnect:
        raise BadRequest(
            "the client went away before the whole file arrived; nothing was stored",
            code="UPLOAD_INTERRUPTED",
        ) from None
    return file_view(info)


@router.get("/{folder}", response_model=FileList, summary="List a folder's files by name")
def list_files(folder: Folder, app: AppDep, caller: CallerDep) -> dict[str, Any]:
    return {"items": [file_view(f) for f in app.files.list(caller, folder)]}


def _read(stream: BinaryIO, size: int) -> Iterator[bytes]:
    """At most ``size`` bytes (what Content-Length announced), then the file is closed."""
    with stream:
        left = size
        while left > 0 and (chunk := stream.read(min(CHUNK, left))):
            left -= len(chunk)
            yield chunk


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and, when needed, the UTF-8 name (RFC 6266)."""
    fallback = _UNSAFE_ASCII.sub("_", name)
    quoted = quote(name, safe="")
    if fallback == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quoted}"


@router.get(
    "/{folder}/{filename:path}",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file"}},
    summary="Download a file",
)
def download_file(
    folder: Folder, filename: FileName, app: AppDep, caller: CallerDep
) -> StreamingResponse:
    stream = app.files.open(caller, folder, filename)
    try:
        size = os.fstat(stream.fileno()).st_size
    except BaseException:
        stream.close()
        raise
    return StreamingResponse(
        _read(stream, size),
        media_type="application/octet-stream",
        headers={"Content-Disposition": content_disposition(filename), "Content-Length": str(size)},
    )


@router.delete(
    "/{folder}/{filename:path}",
    status_code=204,
    summary="Delete a file of upload/ or download/ (archive/ is read-only)",
)
def delete_file(folder: Folder, filename: FileName, app: AppDep, caller: CallerDep) -> Response:
    app.files.delete(caller, folder, filename)
    return Response(status_code=204)
