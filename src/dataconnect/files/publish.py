"""Publishing files together: written hidden, then renamed into place all at once, in order.

Every file of a publication (an export's data file, its count file, its ready file) is written
under a hidden temporary name in its folder (``.tmp-<tag>-…``: never listed, never a valid name
to ask for) and synced to disk; only when all of them are complete are they renamed into place,
in the order they were added, so a ready file added last appears last, and a client that waits
for it never reads a partial file. ``os.replace`` swaps a file of the same name atomically: a
reader sees the old file or the whole new one. On any error nothing is published and the
temporary files go. The tag names their owner (a run), so a later attempt of the same run can
remove what a lost one left behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from dataconnect.files.server import TEMP_PREFIX, FileServer, StoredFile, name_problem


class Publication:
    def __init__(self, server: FileServer, account_id: int, folder: str, tag: str) -> None:
        if name_problem(tag) is not None or "-" in tag or len(tag) > 40:
            raise ValueError(f"a publication's tag is a short word without dashes: {tag!r}")
        self._server = server
        self._account_id = account_id
        self._folder = folder
        self._prefix = f"{TEMP_PREFIX}{tag}-"
        self._pending: list[tuple[Path, StoredFile, BinaryIO]] = []
        self.published: list[StoredFile] = []

    def __enter__(self) -> Publication:
        self.discard_leftovers()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self._publish()
        else:
            self._discard()

    def discard_leftovers(self) -> None:
        """Remove the temporary files an earlier, lost attempt of the same owner left."""
        directory = self._server.folder(self._account_id, self._folder)
        with contextlib.suppress(FileNotFoundError), os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.startswith(self._prefix):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)

    def create(self, name: str) -> BinaryIO:
        """A new file of the publication, open for writing; it is this publication's to close."""
        target = self._server.path(self._account_id, self._folder, name)
        for _, stored, _ in self._pending:
            if stored.name == name:
                raise ValueError(f"{name} is in the publication already")
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.parent / f"{self._prefix}{secrets.token_hex(6)}"
        stream = open(temp, "xb")  # noqa: SIM115 - closed by _publish or _discard
        self._pending.append((temp, StoredFile(self._account_id, self._folder, name), stream))
        return stream

    def write_text(self, name: str, text: str) -> None:
        self.create(name).write(text.encode("utf-8"))

    def _publish(self) -> None:
        try:
            for _, _, stream in self._pending:
                stream.flush()
                os.fsync(stream.fileno())
                stream.close()
        except BaseException:
            self._discard()
            raise
        for temp, stored, _ in self._pending:
            os.replace(temp, self._server.path(*stored))
            self.published.append(stored)
        self._pending.clear()
        if self.published:
            _sync_folder(self._server.folder(self._account_id, self._folder))

    def _discard(self) -> None:
        for temp, _, stream in self._pending:
            with contextlib.suppress(OSError):
                stream.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        self._pending.clear()


def _sync_folder(path: Path) -> None:
    """The renames themselves survive a crash of the machine once the folder is synced."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
