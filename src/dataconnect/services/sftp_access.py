"""The SFTP server's door: who may log in (a key of the account, within the login limits), and
what a session may do with the account's files.

``upload/`` is read-write (an upload appears whole when the client closes it), ``download/``
read and delete, ``archive/`` read-only; the root holds the three folders and nothing else.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import BinaryIO

from dataconnect.domain.accounts import Caller
from dataconnect.domain.login_limits import LoginLimits
from dataconnect.domain.ssh_keys import SftpLogin
from dataconnect.errors import Conflict, NotFound
from dataconnect.files.server import ARCHIVE, UPLOAD, FileInfo, FileServer, PendingFile
from dataconnect.services.base import Deps
from dataconnect.services.files import MAX_UPLOAD_BYTES, too_large
from dataconnect.services.host_keys import HostKeys

log = logging.getLogger("dataconnect.sftp")


def _read_only(folder: str, what: str) -> Conflict:
    return Conflict(f"{folder}/ is read-only over SFTP: {what} is refused", code="FOLDER_READ_ONLY")


class Upload:
    """A file a client writes into ``upload/``: hidden until ``publish`` (the client's close),
    gone after ``discard`` (an aborted session). Past the size limit it fails and keeps nothing."""

    def __init__(self, pending: PendingFile, max_bytes: int) -> None:
        self._pending = pending
        self._max = max_bytes
        self._too_large = False
        self.name = pending.target.name

    @property
    def size(self) -> int:
        return self._pending.size

    def write(self, offset: int, data: bytes) -> None:
        if self._too_large or offset + len(data) > self._max:
            self._too_large = True
            self._pending.discard()
            raise too_large()
        self._pending.write(offset, data)

    def read(self, offset: int, size: int) -> bytes:
        return self._pending.read(offset, size)

    def publish(self) -> FileInfo:
        if self._too_large:
            raise too_large()
        return self._pending.publish()

    def discard(self) -> None:
        self._pending.discard()


class SftpFiles:
    """One session's view of its account's files."""

    def __init__(self, files: FileServer, account_id: int, max_bytes: int) -> None:
        self._files = files
        self._account = account_id
        self._max = max_bytes

    def list(self, folder: str) -> builtins.list[FileInfo]:
        return self._files.list(self._account, folder)

    def info(self, folder: str, name: str) -> FileInfo:
        return self._files.info(self._account, folder, name)

    def open_read(self, folder: str, name: str) -> BinaryIO:
        return self._files.open_read(self._account, folder, name)

    def begin_upload(self, folder: str, name: str) -> Upload:
        if folder != UPLOAD:
            self._files.folder(self._account, folder)  # FOLDER_NOT_FOUND first
            raise _read_only(folder, "writing a file")
        return Upload(self._files.begin_write(self._account, UPLOAD, name), self._max)

    def delete(self, folder: str, name: str) -> None:
        if folder == ARCHIVE:
            raise _read_only(folder, "deleting a file")
        self._files.info(self._account, folder, name)  # FILE_NOT_FOUND when it is not there
        self._files.delete(self._account, folder, name)

    def rename(self, folder: str, old: str, new_folder: str, new: str, *, replace: bool) -> None:
        if folder != UPLOAD or new_folder != UPLOAD:
            bad = folder if folder != UPLOAD else new_folder
            self._files.folder(self._account, bad)
            raise _read_only(bad, "renaming a file")
        self._files.rename(self._account, UPLOAD, old, new, replace=replace)


@dataclass(frozen=True, slots=True)
class SftpEndpoint:
    """Where an account's SFTP folders are: what a user types into an SFTP client."""

    host: str
    port: int
    username: str
    host_key_fingerprints: builtins.list[str]


class SftpAccess:
    def __init__(
        self,
        deps: Deps,
        files: FileServer,
        host_keys: HostKeys,
        *,
        public_host: str = "127.0.0.1",
        port: int = 2222,
        limits: LoginLimits | None = None,
        max_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        self._deps = deps
        self._files = files
        self.host_keys = host_keys
        self._public_host = public_host
        self._port = port
        self._limits = limits or LoginLimits()
        self._max = max_bytes

    def with_limits(
        self, limits: LoginLimits | None = None, max_bytes: int | None = None
    ) -> SftpAccess:
        """The same door with other login limits or upload size (tests, benchmarks)."""
        return SftpAccess(
            self._deps,
            self._files,
            self.host_keys,
            public_host=self._public_host,
            port=self._port,
            limits=limits or self._limits,
            max_bytes=self._max if max_bytes is None else max_bytes,
        )

    def endpoint(self, caller: Caller) -> SftpEndpoint:
        with self._deps.store.read() as tx:
            account = tx.account(caller.account_id)
        if account is None:
            raise NotFound("no such account", code="ACCOUNT_NOT_FOUND")
        return SftpEndpoint(
            host=self._public_host,
            port=self._port,
            username=account.sftp_username,
            host_key_fingerprints=self.host_keys.fingerprints(),
        )

    def _now(self) -> float:
        return self._deps.clock.now().timestamp()

    def refused(self, address: str, username: str) -> str | None:
        """Why this address or login name may not even try now (too many failures), or None."""
        return self._limits.refused(address, username, self._now())

    def find(self, address: str, username: str, fingerprint: str) -> SftpLogin | None:
        """The login, when ``fingerprint`` is a key of the account named ``username``; a miss
        counts as a failure of both the address and the name. (The client has yet to prove it
        holds the private key: ``logged_in`` follows when it has.)"""
        with self._deps.store.read() as tx:
            found = tx.ssh_key_for_login(username, fingerprint)
        if found is None:
            self._limits.failed(address, username, self._now())
            return None
        account_name, key = found
        return SftpLogin(
            account_id=key.account_id,
            account_name=account_name,
            username=username,
            key_id=key.id,
            fingerprint=key.fingerprint,
        )

    def logged_in(self, login: SftpLogin) -> None:
        """The key's ``last_used_at``."""
        with self._deps.store.write() as tx:
            tx.touch_ssh_key(login.key_id, self._deps.clock.now())

    def live_keys(self, key_ids: Collection[int]) -> set[int]:
        """Which of the sessions' keys are still keys: the others' sessions are closed."""
        with self._deps.store.read() as tx:
            return tx.existing_ssh_keys(key_ids)

    def files(self, login: SftpLogin) -> SftpFiles:
        return SftpFiles(self._files, login.account_id, self._max)
