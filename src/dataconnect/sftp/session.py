"""One SFTP session on its account's root, answered through ``services.sftp_access``.

An upload is written under a hidden temporary name and published when the client closes the
file. asyncssh also closes the files a session leaves open when the connection ends (from
``SFTPServerHandler._cleanup``); such a close is an aborted upload, and publishes nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import stat
import sys
import warnings
from collections.abc import AsyncIterator, Awaitable
from typing import Any, BinaryIO, NoReturn

from dataconnect.domain.ssh_keys import SftpLogin
from dataconnect.errors import Conflict, DataConnectError, NotFound, ValidationFailed
from dataconnect.files.server import FOLDERS, UPLOAD, FileInfo
from dataconnect.services.sftp_access import SftpFiles, Upload
from dataconnect.sftp.paths import BadPath, Place, resolve

with warnings.catch_warnings():  # asyncssh still defines DSA support; cryptography warns of it
    warnings.filterwarnings("ignore", "DSA is deprecated")
    import asyncssh
    from asyncssh import FXF_APPEND, FXF_EXCL, FXF_TRUNC, FXF_WRITE, SFTPAttrs, SFTPName

log = logging.getLogger("dataconnect.sftp")

_DIR = stat.S_IFDIR | 0o755
_READ_ONLY_FILE = stat.S_IFREG | 0o444
_FILE = stat.S_IFREG | 0o644
COPY_CHUNK = 1024 * 1024


def _sftp_error(exc: DataConnectError, place: str) -> asyncssh.SFTPError:
    """The SFTP status of a service's refusal (the message says which rule)."""
    reason = f"{place}: {exc}"
    if isinstance(exc, NotFound):
        return asyncssh.SFTPNoSuchFile(reason)
    if isinstance(exc, Conflict) and exc.code == "FILE_EXISTS":
        return asyncssh.SFTPFileAlreadyExists(reason)
    if isinstance(exc, Conflict):
        return asyncssh.SFTPPermissionDenied(reason)
    if isinstance(exc, ValidationFailed) and exc.code == "FILENAME_INVALID":
        return asyncssh.SFTPInvalidFilename(reason)
    return asyncssh.SFTPFailure(reason)


class _Reader:
    def __init__(self, place: Place, stream: BinaryIO) -> None:
        self.place = place
        self.stream = stream
        self.sent = 0

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        # asyncssh's ranges@asyncssh.com (what its client's get() asks for) finds a file's
        # data with SEEK_DATA/SEEK_HOLE; reads use pread, so the position is free to move.
        return os.lseek(self.stream.fileno(), offset, whence)


class _Writer:
    def __init__(self, place: Place, upload: Upload) -> None:
        self.place = place
        self.upload = upload


class AccountSFTPServer(asyncssh.SFTPServer):
    def __init__(self, chan: asyncssh.SSHServerChannel[bytes], files: SftpFiles, login: SftpLogin):
        super().__init__(chan)
        self._files = files
        self._login = login
        self._open: set[_Writer] = set()

    # --- paths ------------------------------------------------------------------------------

    def _place(self, path: bytes) -> Place:
        try:
            return resolve(path)
        except BadPath as exc:
            raise asyncssh.SFTPNoSuchFile(str(exc)) from None

    def _file(self, path: bytes) -> Place:
        place = self._place(path)
        if place.name is None:
            raise asyncssh.SFTPFailure(f"{place.text()} is a folder")
        return place

    def _call(self, place: Place, action: Any, *args: Any) -> Any:
        try:
            return action(*args)
        except DataConnectError as exc:
            raise _sftp_error(exc, place.text()) from None

    def _log(self, what: str, place: Place, size: int | None = None) -> None:
        login = self._login
        log.info(
            "sftp %s: account %s (%s), key %s, %s%s",
            what,
            login.account_id,
            login.username,
            login.fingerprint,
            place.text(),
            "" if size is None else f", {size} bytes",
        )

    def realpath(self, path: bytes) -> bytes:
        return self._place(path).text().encode()

    # --- attributes -------------------------------------------------------------------------

    @staticmethod
    def _attrs(info: FileInfo, folder: str) -> SFTPAttrs:
        mtime = int(info.modified_at.timestamp())
        mode = _FILE if folder == UPLOAD else _READ_ONLY_FILE
        return SFTPAttrs(
            type=asyncssh.FILEXFER_TYPE_REGULAR,
            size=info.size,
            permissions=mode,
            uid=0,
            gid=0,
            atime=mtime,
            mtime=mtime,
        )

    @staticmethod
    def _dir_attrs() -> SFTPAttrs:
        return SFTPAttrs(type=asyncssh.FILEXFER_TYPE_DIRECTORY, permissions=_DIR, uid=0, gid=0)

    def stat(self, path: bytes) -> SFTPAttrs:
        place = self._place(path)
        if place.folder is None or place.name is None:
            return self._dir_attrs()
        return self._attrs(
            self._call(place, self._files.info, place.folder, place.name), place.folder
        )

    lstat = stat

    def fstat(self, file_obj: object) -> SFTPAttrs:
        if isinstance(file_obj, _Writer):
            size = file_obj.upload.size
            return SFTPAttrs(
                type=asyncssh.FILEXFER_TYPE_REGULAR, size=size, permissions=_FILE, uid=0, gid=0
            )
        assert isinstance(file_obj, _Reader)
        st = os.fstat(file_obj.stream.fileno())
        folder = file_obj.place.folder or ""
        return SFTPAttrs(
            type=asyncssh.FILEXFER_TYPE_REGULAR,
            size=st.st_size,
            permissions=_FILE if folder == UPLOAD else _READ_ONLY_FILE,
            uid=0,
            gid=0,
            atime=int(st.st_mtime),
            mtime=int(st.st_mtime),
        )

    def setstat(self, path: bytes, attrs: SFTPAttrs) -> None:
        # Clients set times or modes after an upload; the file server keeps neither, and a
        # refusal would fail their transfer. Only upload/ files may be "changed" so.
        place = self._file(path)
        if place.folder != UPLOAD:
            raise asyncssh.SFTPPermissionDenied(f"{place.text()}: {place.folder}/ is read-only")
        self._call(place, self._files.info, place.folder, place.name)

    lsetstat = setstat

    def fsetstat(self, file_obj: object, attrs: SFTPAttrs) -> None:
        if not isinstance(file_obj, _Writer):
            raise asyncssh.SFTPPermissionDenied("the file is open for reading only")

    def statvfs(self, path: bytes) -> NoReturn:
        raise asyncssh.SFTPOpUnsupported("statvfs is not supported")

    def fstatvfs(self, file_obj: object) -> NoReturn:
        raise asyncssh.SFTPOpUnsupported("statvfs is not supported")

    # --- folders ----------------------------------------------------------------------------

    async def scandir(self, path: bytes) -> AsyncIterator[SFTPName]:
        place = self._place(path)
        if place.name is not None:
            raise asyncssh.SFTPNotADirectory(f"{place.text()} is a file")
        for dot in (b".", b".."):
            yield SFTPName(dot, attrs=self._dir_attrs())
        if place.folder is None:
            for folder in FOLDERS:
                yield SFTPName(folder.encode(), attrs=self._dir_attrs())
            return
        folder = place.folder
        for info in self._call(place, self._files.list, folder):
            yield SFTPName(info.name.encode(), attrs=self._attrs(info, folder))

    def mkdir(self, path: bytes, attrs: SFTPAttrs) -> None:
        raise asyncssh.SFTPPermissionDenied("the root holds upload, download and archive only")

    def rmdir(self, path: bytes) -> None:
        raise asyncssh.SFTPPermissionDenied("the folders upload, download and archive stay")

    # --- links: none, ever ------------------------------------------------------------------

    def readlink(self, path: bytes) -> bytes:
        raise asyncssh.SFTPNoSuchFile("there are no links here")

    def symlink(self, oldpath: bytes, newpath: bytes) -> None:
        raise asyncssh.SFTPPermissionDenied("links cannot be made")

    def link(self, oldpath: bytes, newpath: bytes) -> None:
        raise asyncssh.SFTPPermissionDenied("links cannot be made")

    # --- files ------------------------------------------------------------------------------

    def open(self, path: bytes, pflags: int, attrs: SFTPAttrs) -> object:
        place = self._file(path)
        assert place.folder is not None and place.name is not None
        if not pflags & FXF_WRITE:
            stream = self._call(place, self._files.open_read, place.folder, place.name)
            return _Reader(place, stream)
        exists = place.folder == UPLOAD and self._exists(place)
        if pflags & FXF_EXCL and exists:
            raise asyncssh.SFTPFileAlreadyExists(f"{place.text()} exists")
        upload = self._call(place, self._files.begin_upload, place.folder, place.name)
        if exists and (pflags & FXF_APPEND or not pflags & FXF_TRUNC):
            self._copy_existing(place, upload)  # appended to, or written over in place
        writer = _Writer(place, upload)
        self._open.add(writer)
        return writer

    def _exists(self, place: Place) -> bool:
        assert place.folder is not None and place.name is not None
        try:
            self._files.info(place.folder, place.name)
        except DataConnectError:
            return False
        return True

    def _copy_existing(self, place: Place, upload: Upload) -> None:
        assert place.folder is not None and place.name is not None
        with self._call(place, self._files.open_read, place.folder, place.name) as source:
            offset = 0
            while chunk := source.read(COPY_CHUNK):
                self._call(place, upload.write, offset, chunk)
                offset += len(chunk)

    def read(self, file_obj: object, offset: int, size: int) -> bytes:
        if not isinstance(file_obj, _Reader):
            assert isinstance(file_obj, _Writer)
            return file_obj.upload.read(offset, size)
        data = os.pread(file_obj.stream.fileno(), size, offset)
        file_obj.sent += len(data)
        return data

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        if not isinstance(file_obj, _Writer):
            raise asyncssh.SFTPPermissionDenied("the file is open for reading only")
        if file_obj.place.folder is None or offset < 0:
            raise asyncssh.SFTPFailure("a bad offset")
        try:
            file_obj.upload.write(offset, data)
        except DataConnectError as exc:
            self._open.discard(file_obj)
            self._log("upload refused (too large)", file_obj.place, offset + len(data))
            raise _sftp_error(exc, file_obj.place.text()) from None
        return len(data)

    def close(self, file_obj: object) -> Awaitable[None] | None:
        if isinstance(file_obj, _Reader):
            file_obj.stream.close()
            self._log("download", file_obj.place, file_obj.sent)
            return None
        assert isinstance(file_obj, _Writer)
        # asyncssh's own cleanup closes what the client left open: that upload was aborted.
        aborted = sys._getframe(1).f_code.co_name == "_cleanup"
        self._open.discard(file_obj)
        if aborted:
            file_obj.upload.discard()
            self._log("upload aborted (connection lost), nothing kept", file_obj.place)
            return None
        return self._publish(file_obj)

    async def _publish(self, writer: _Writer) -> None:
        try:
            info = await asyncio.to_thread(writer.upload.publish)  # fsync off the event loop
        except OSError as exc:
            raise asyncssh.SFTPFailure(f"{writer.place.text()}: not stored ({exc})") from None
        except DataConnectError as exc:
            raise _sftp_error(exc, writer.place.text()) from None
        self._log("upload", writer.place, info.size)

    def remove(self, path: bytes) -> None:
        place = self._file(path)
        self._call(place, self._files.delete, place.folder, place.name)
        self._log("delete", place)

    def _rename(self, oldpath: bytes, newpath: bytes, *, replace: bool) -> None:
        old, new = self._file(oldpath), self._file(newpath)
        assert old.folder and old.name and new.folder and new.name
        rename = functools.partial(self._files.rename, replace=replace)
        self._call(old, rename, old.folder, old.name, new.folder, new.name)
        self._log(f"rename to {new.text()}", old)

    def rename(self, oldpath: bytes, newpath: bytes) -> None:
        self._rename(oldpath, newpath, replace=False)

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        self._rename(oldpath, newpath, replace=True)

    def exit(self) -> None:
        for writer in list(self._open):  # never closed by the client: aborted
            writer.upload.discard()
        self._open.clear()
