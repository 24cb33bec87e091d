"""Files of an account, on local disk: ``<root>/a<account id>/{upload,download,archive}/<name>``.

Every name is checked before it touches the disk: a plain file name (no folders, no leading dot,
no control characters, at most 255 characters and 255 bytes in UTF-8) whose path stays inside its
folder. Writes go to a temporary file in the same folder (``.tmp-…``, never listed, never a valid
name) and are renamed into place with ``os.replace``, so a reader sees the old file or the whole new
one, never half of one. Folders are created when something is first written to them.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import shutil
import stat
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, NamedTuple

from dataconnect.errors import Conflict, NotFound, Problem, ValidationFailed

UPLOAD = "upload"
DOWNLOAD = "download"
ARCHIVE = "archive"
FOLDERS = (UPLOAD, DOWNLOAD, ARCHIVE)

NAME_MAX = 255  # characters, and bytes in UTF-8 (the limit of common file systems)
PREFIX_MAX = 100
TEMP_PREFIX = ".tmp-"
CHUNK = 1024 * 1024


class StoredFile(NamedTuple):
    """Where a file of the file server is (or is to be): its account, folder and plain name.

    What the engine, the file services and the SFTP server pass around; the server's methods
    take it unpacked (``files.open_read(*stored)``). The name is checked when it is used.
    """

    account_id: int
    folder: str
    name: str

    def sibling(self, name: str) -> StoredFile:
        """Another file of the same folder (a count file beside its data file)."""
        return self._replace(name=name)

    def __str__(self) -> str:
        return f"{self.folder}/{self.name}"


@dataclass(frozen=True, slots=True)
class FileInfo:
    name: str
    size: int
    modified_at: datetime  # aware, UTC


def name_problem(name: object) -> str | None:
    """Why ``name`` is not a plain file name, or None when it is one."""
    if not isinstance(name, str) or not name:
        return "a file name of 1 to 255 characters"
    if len(name) > NAME_MAX:
        return f"a file name has at most {NAME_MAX} characters"
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:
        return "a file name is valid Unicode text"
    if len(encoded) > NAME_MAX:
        return f"a file name has at most {NAME_MAX} bytes in UTF-8"
    if "\ufffd" in name:  # what a URL's invalid UTF-8 (%FF) decodes to: the name was mangled
        return "a file name is valid UTF-8 text"
    if name in (".", ".."):
        return "a file name, not . or .."
    if "/" in name or "\\" in name:
        return "a plain file name, without / or \\"
    if any(unicodedata.category(c) == "Cc" for c in name):
        return "a file name without control characters"
    if name.startswith("."):
        return "a file name does not start with a dot"
    return None


def archive_name(prefix: str, name: str) -> str:
    """``<prefix>_<name>``; a name too long for that loses characters from its start."""
    if name_problem(prefix) is not None or len(prefix) > PREFIX_MAX:
        raise ValueError(f"archive prefix {prefix[:PREFIX_MAX]!r} is not a short plain name")
    archived = f"{prefix}_{name}"
    while len(archived) > NAME_MAX or len(archived.encode("utf-8")) > NAME_MAX:
        name = name[1:]
        archived = f"{prefix}_{name}"
    return archived


def _check_account(account_id: int) -> None:
    if isinstance(account_id, bool) or not isinstance(account_id, int) or account_id < 1:
        raise ValueError(f"account id {account_id!r} is not a positive integer")


def _modified(st: os.stat_result) -> datetime:
    return datetime.fromtimestamp(st.st_mtime, UTC)


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(Problem("filename", "FILENAME_INVALID", message))


def _missing(folder: str, name: str) -> NotFound:
    return NotFound(f"no file {name} in {folder}/", code="FILE_NOT_FOUND")


class PendingFile:
    """A file being written under a temporary name; see ``FileServer.begin_write``."""

    def __init__(self, fd: int, temp: Path, target: Path) -> None:
        self._fd: int | None = fd
        self._temp = temp
        self.target = target
        self.size = 0  # the end of what was written

    def write(self, offset: int, data: bytes) -> None:
        assert self._fd is not None, "written after publish or discard"
        os.pwrite(self._fd, data, offset)
        self.size = max(self.size, offset + len(data))

    def read(self, offset: int, size: int) -> bytes:
        assert self._fd is not None
        return os.pread(self._fd, size, offset)

    def publish(self) -> FileInfo:
        """Flush it to disk and rename it into place: the whole file appears at once."""
        assert self._fd is not None
        try:
            os.fsync(self._fd)
            st = os.fstat(self._fd)
            os.replace(self._temp, self.target)
        except BaseException:
            self.discard()
            raise
        finally:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        return FileInfo(name=self.target.name, size=st.st_size, modified_at=_modified(st))

    def discard(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._temp)


class FileServer:
    """The three folders of every account under one root folder."""

    def __init__(self, root: Path) -> None:
        self._root = Path(root)

    @property
    def root(self) -> Path:
        return self._root

    def folder(self, account_id: int, folder: str) -> Path:
        """The folder's path (not created); NotFound ``FOLDER_NOT_FOUND`` for an unknown folder."""
        _check_account(account_id)
        if folder not in FOLDERS:
            raise NotFound(
                f"no folder {str(folder)[:60]!r}; the folders are upload, download and archive",
                code="FOLDER_NOT_FOUND",
            )
        return self._root / f"a{account_id}" / folder

    def path(self, account_id: int, folder: str, name: str) -> Path:
        """The checked path of a file (which need not exist)."""
        directory = self.folder(account_id, folder)
        problem = name_problem(name)
        if problem is not None:
            raise _invalid(problem)
        target = directory / name
        # The name rules already keep it inside (no separators, no ..); what is left is a
        # symbolic link, which could lead anywhere: none is followed (one lstat, no resolve).
        if target.is_symlink():
            raise _invalid("the name is a symbolic link; links are not followed")
        return target

    def put(
        self,
        account_id: int,
        folder: str,
        name: str,
        chunks: Iterable[bytes],
        max_bytes: int,
    ) -> FileInfo:
        """Store a file from its chunks, atomically; nothing is left behind on any error."""
        if max_bytes < 0:
            raise ValueError("max_bytes must not be negative")
        with self.writer(account_id, folder, name) as out:
            written = 0
            for chunk in chunks:
                written += len(chunk)
                if written > max_bytes:
                    raise ValidationFailed(
                        Problem("file", "FILE_TOO_LARGE", f"a file holds at most {max_bytes} bytes")
                    )
                out.write(chunk)
            out.flush()
            st = os.fstat(out.fileno())
        return FileInfo(name=name, size=st.st_size, modified_at=_modified(st))

    @contextlib.contextmanager
    def writer(self, account_id: int, folder: str, name: str) -> Iterator[BinaryIO]:
        """A binary file to write; renamed into place on success, deleted on an exception."""
        target = self.path(account_id, folder, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                yield out
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise

    def list(self, account_id: int, folder: str) -> builtins.list[FileInfo]:
        """The folder's files by name; temporary files, folders and links are left out."""
        directory = self.folder(account_id, folder)
        try:
            with os.scandir(directory) as it:
                entries = builtins.list(it)
        except FileNotFoundError:
            return []
        found: builtins.list[FileInfo] = []
        for entry in entries:
            if name_problem(entry.name) is not None:
                continue  # temporary files, and names no one could ask for
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # removed meanwhile
            found.append(FileInfo(name=entry.name, size=st.st_size, modified_at=_modified(st)))
        return sorted(found, key=lambda f: f.name)

    def open_read(self, account_id: int, folder: str, name: str) -> BinaryIO:
        """The file opened for reading; NotFound ``FILE_NOT_FOUND`` when it is not there."""
        target = self.path(account_id, folder, name)
        try:
            return open(target, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise _missing(folder, name) from None

    def exists(self, account_id: int, folder: str, name: str) -> bool:
        """Whether the file is there; a name that could never be stored is not."""
        try:
            target = self.path(account_id, folder, name)
        except ValidationFailed:
            return False
        return target.is_file()

    def size(self, account_id: int, folder: str, name: str) -> int:
        target = self.path(account_id, folder, name)
        if not target.is_file():
            raise _missing(folder, name)
        try:
            return target.stat().st_size
        except FileNotFoundError:
            raise _missing(folder, name) from None

    def archive(self, account_id: int, name: str, prefix: str, *, move: bool = False) -> str:
        """Copy ``upload/<name>`` to ``archive/<prefix>_<name>`` (or move it there, when the
        upload is to go anyway: a rename, not a second copy of a large file); returns the
        archived name."""
        source_path = self.path(account_id, UPLOAD, name)  # the name is checked before use
        archived = archive_name(prefix, name)
        if move:
            target = self.path(account_id, ARCHIVE, archived)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(source_path, target)
            except FileNotFoundError:
                raise _missing(UPLOAD, name) from None
            return archived
        with (
            self.open_read(account_id, UPLOAD, name) as source,
            self.writer(account_id, ARCHIVE, archived) as copy,
        ):
            shutil.copyfileobj(source, copy, CHUNK)
        return archived

    def info(self, account_id: int, folder: str, name: str) -> FileInfo:
        """The file's size and time; NotFound ``FILE_NOT_FOUND`` unless it is a plain file."""
        target = self.path(account_id, folder, name)
        try:
            st = target.lstat()
        except FileNotFoundError:
            raise _missing(folder, name) from None
        if not stat.S_ISREG(st.st_mode):
            raise _missing(folder, name)
        return FileInfo(name=name, size=st.st_size, modified_at=_modified(st))

    def rename(
        self, account_id: int, folder: str, old: str, new: str, *, replace: bool = False
    ) -> None:
        """Rename a file inside its folder, atomically. Without ``replace`` an existing ``new``
        is refused (``FILE_EXISTS``), as SFTP's own rename is; with it, it is replaced whole."""
        source = self.path(account_id, folder, old)
        target = self.path(account_id, folder, new)
        if not source.is_file():
            raise _missing(folder, old)
        if replace:
            os.replace(source, target)
            return
        try:
            os.link(source, target)  # fails if ``new`` exists: no window where both are lost
        except FileExistsError:
            raise Conflict(f"{folder}/{new} exists", code="FILE_EXISTS") from None
        os.unlink(source)

    def begin_write(self, account_id: int, folder: str, name: str) -> PendingFile:
        """A file written in pieces (at any offset, as SFTP writes), under a hidden temporary
        name until ``publish``; ``discard`` leaves nothing."""
        target = self.path(account_id, folder, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
        return PendingFile(fd, Path(temp), target)

    def delete(self, account_id: int, folder: str, name: str) -> None:
        """Remove the file; one that is already gone is fine."""
        target = self.path(account_id, folder, name)
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
