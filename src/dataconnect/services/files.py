"""The account's files: upload and delete (data directors), list and read (everyone of the
account). ``archive/`` is read-only: it is the record of what runs read."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any, BinaryIO

from dataconnect.domain.accounts import Caller
from dataconnect.errors import Conflict, NotFound, Problem, ValidationFailed
from dataconnect.files.server import ARCHIVE, UPLOAD, FileInfo, FileServer
from dataconnect.services.base import Deps, require_writer

MAX_UPLOAD_BYTES = 2 * 1024**3  # 2 GiB


def too_large() -> ValidationFailed:
    return ValidationFailed(
        Problem("file", "FILE_TOO_LARGE", f"a file holds at most {MAX_UPLOAD_BYTES} bytes (2 GiB)")
    )


def file_view(info: FileInfo) -> dict[str, Any]:
    """The public shape of a file, shared by the API and the CLI's --json."""
    return {"name": info.name, "size": info.size, "modified_at": info.modified_at.isoformat()}


class FileService:
    def __init__(self, deps: Deps, files: FileServer) -> None:
        self._deps = deps
        self._files = files

    def upload(
        self,
        caller: Caller,
        filename: str,
        chunks: Iterable[bytes],
        *,
        declared_size: int | None = None,
    ) -> FileInfo:
        """Store a file in the caller's ``upload/`` folder; replaces one of the same name.

        ``declared_size`` (a Content-Length, say) refuses an oversized file before reading it.
        """
        require_writer(caller)
        self._files.path(caller.account_id, UPLOAD, filename)  # a bad name before any byte
        if declared_size is not None and declared_size > MAX_UPLOAD_BYTES:
            raise too_large()
        try:
            return self._files.put(caller.account_id, UPLOAD, filename, chunks, MAX_UPLOAD_BYTES)
        except ValidationFailed as exc:
            if exc.code == "FILE_TOO_LARGE":
                raise too_large() from None
            raise

    def list(self, caller: Caller, folder: str) -> builtins.list[FileInfo]:
        return self._files.list(caller.account_id, folder)

    def open(self, caller: Caller, folder: str, filename: str) -> BinaryIO:
        """The file opened for reading; the caller closes it."""
        return self._files.open_read(caller.account_id, folder, filename)

    def delete(self, caller: Caller, folder: str, filename: str) -> None:
        """Remove a file of ``upload/`` or ``download/``; ``FILE_NOT_FOUND`` if it is not there,
        ``FOLDER_READ_ONLY`` for ``archive/``."""
        require_writer(caller)
        self._files.folder(caller.account_id, folder)  # FOLDER_NOT_FOUND first
        if folder == ARCHIVE:
            raise Conflict(
                "archive/ keeps what runs read; its files cannot be deleted",
                code="FOLDER_READ_ONLY",
            )
        if not self._files.exists(caller.account_id, folder, filename):
            self._files.path(caller.account_id, folder, filename)  # FILENAME_INVALID first
            raise NotFound(f"no file {filename} in {folder}/", code="FILE_NOT_FOUND")
        self._files.delete(caller.account_id, folder, filename)
