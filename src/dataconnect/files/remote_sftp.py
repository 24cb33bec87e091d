"""A client of outside SFTP servers (asyncssh), with blocking calls for worker threads.

``RemoteSftp.open`` logs in and answers a session whose methods block: it runs its own event
loop in the calling thread, so a worker thread (or a request's thread) uses it like a file API.
The remote host key is checked before any secret is sent: with a pinned key only that key is
accepted (another one fails with ``SFTP_HOST_KEY_CHANGED``); without one the key seen is
answered so the caller can pin it. Uploads go under a temporary name and are renamed into place
in order, so a ready file renamed last appears last; on any error the temporary files are
removed and nothing is renamed.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import posixpath
import secrets
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from dataconnect.errors import BadRequest, Conflict, DataConnectError

with warnings.catch_warnings():  # asyncssh still defines DSA support; cryptography warns of it
    warnings.filterwarnings("ignore", "DSA is deprecated")
    import asyncssh

TIMEOUT = 10.0  # connect and log in, each


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteLogin:
    host: str
    port: int
    username: str
    password: str | None = None
    private_key: str | None = None  # OpenSSH PEM
    host_key: str | None = None  # the pinned key (OpenSSH line); None: accept and report it


@dataclass(frozen=True, slots=True)
class SeenHostKey:
    line: str  # "<type> <base64>"
    fingerprint: str  # "SHA256:…"


def generate_key_pair() -> tuple[str, str]:
    """A new ed25519 key pair: (private key in OpenSSH PEM, public key line)."""
    key = asyncssh.generate_private_key("ssh-ed25519", comment="dataconnect")
    private = key.export_private_key("openssh").decode("ascii")
    public = key.export_public_key("openssh").decode("ascii").strip()
    return private, public


def _where(login: RemoteLogin) -> str:
    return f"{login.username}@{login.host}:{login.port}"


def _remote_failure(exc: BaseException, what: str) -> DataConnectError:
    if isinstance(exc, asyncssh.SFTPNoSuchFile):
        return BadRequest(f"{what}: no such file or folder remotely", code="SFTP_REMOTE_NOT_FOUND")
    return BadRequest(f"{what}: {exc}"[:500], code="SFTP_TRANSFER_FAILED")


class RemoteSftp:
    """One logged-in SFTP session; use as a context manager."""

    def __init__(self, login: RemoteLogin) -> None:
        self._login = login
        self._loop = asyncio.new_event_loop()
        self._conn: asyncssh.SSHClientConnection | None = None
        self._sftp: asyncssh.SFTPClient | None = None
        self.host_key: SeenHostKey | None = None

    @classmethod
    def open(cls, login: RemoteLogin) -> RemoteSftp:
        session = cls(login)
        try:
            session._run(session._connect())
        except BaseException:
            session.close()
            raise
        return session

    def __enter__(self) -> RemoteSftp:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self, coroutine: Any) -> Any:
        return self._loop.run_until_complete(coroutine)

    async def _connect(self) -> None:
        login = self._login
        options: dict[str, Any] = {
            "username": login.username,
            "connect_timeout": TIMEOUT,
            "login_timeout": TIMEOUT,
            "agent_path": None,
            "config": None,
            "keepalive_interval": 30,
        }
        if login.host_key:
            pinned = asyncssh.import_public_key(login.host_key)
            options["known_hosts"] = ([pinned], [], [])
            options["server_host_key_algs"] = [pinned.get_algorithm()]
        else:
            options["known_hosts"] = None
        if login.private_key:
            options["client_keys"] = [asyncssh.import_private_key(login.private_key)]
            options["password"] = None
            options["preferred_auth"] = "publickey"
        else:
            options["client_keys"] = None
            options["password"] = login.password
            options["preferred_auth"] = "password,keyboard-interactive"
        try:
            self._conn = await asyncssh.connect(login.host, login.port, **options)
            key = self._conn.get_server_host_key()
            if key is not None:
                self.host_key = SeenHostKey(
                    key.export_public_key("openssh").decode("ascii").strip(),
                    key.get_fingerprint("sha256"),
                )
            self._sftp = await self._conn.start_sftp_client()
        except asyncssh.HostKeyNotVerifiable:
            raise Conflict(
                f"the host key of {login.host}:{login.port} is not the pinned one; if the "
                "server's key was changed on purpose, edit the connection to pin the new one",
                code="SFTP_HOST_KEY_CHANGED",
            ) from None
        except asyncssh.KeyExchangeFailed as exc:
            if login.host_key:  # the server offers no key of the pinned key's type any more
                raise Conflict(
                    f"{login.host}:{login.port} no longer offers the pinned host key ({exc})",
                    code="SFTP_HOST_KEY_CHANGED",
                ) from None
            raise BadRequest(f"{_where(login)}: {exc}", code="SFTP_UNREACHABLE") from None
        except asyncssh.PermissionDenied:
            raise BadRequest(
                f"{_where(login)} refused the login: wrong user name, password or key "
                "(is the public key installed on the remote server?)",
                code="SFTP_AUTH_FAILED",
            ) from None
        except (OSError, TimeoutError, asyncssh.DisconnectError, asyncssh.ChannelOpenError) as exc:
            raise BadRequest(
                f"{login.host}:{login.port} cannot be reached: {exc or type(exc).__name__}",
                code="SFTP_UNREACHABLE",
            ) from None

    @property
    def _client(self) -> asyncssh.SFTPClient:
        assert self._sftp is not None
        return self._sftp

    def close(self) -> None:
        async def _close() -> None:
            if self._sftp is not None:
                self._sftp.exit()
            if self._conn is not None:
                self._conn.close()
                with contextlib.suppress(Exception):
                    await self._conn.wait_closed()

        with contextlib.suppress(Exception):
            self._loop.run_until_complete(_close())
        self._loop.close()

    # --- files ---------------------------------------------------------------------------

    def listing(self, folder: str) -> list[str]:
        """The plain file names in the folder (no folders, no dot files)."""

        async def _list() -> list[str]:
            names = []
            async for entry in self._client.scandir(folder or "."):
                name = str(entry.filename)
                if name.startswith(".") or entry.attrs.type != asyncssh.FILEXFER_TYPE_REGULAR:
                    continue
                names.append(name)
            return sorted(names)

        try:
            found: list[str] = self._run(_list())
        except (asyncssh.SFTPError, OSError) as exc:
            raise _remote_failure(exc, f"listing {folder or '.'}") from None
        return found

    def matching(self, folder: str, pattern: str) -> list[str]:
        return [n for n in self.listing(folder) if fnmatch.fnmatchcase(n, pattern)]

    def get(self, folder: str, name: str, local: Path) -> None:
        """Stream the remote file to ``local`` (written whole, or removed)."""
        try:
            self._run(self._client.get(posixpath.join(folder, name), str(local)))
        except (asyncssh.SFTPError, OSError) as exc:
            with contextlib.suppress(FileNotFoundError):
                local.unlink()
            raise _remote_failure(exc, f"fetching {posixpath.join(folder, name)}") from None

    def remove(self, folder: str, name: str) -> None:
        try:
            self._run(self._client.remove(posixpath.join(folder, name)))
        except (asyncssh.SFTPError, OSError) as exc:
            raise _remote_failure(exc, f"removing {posixpath.join(folder, name)}") from None

    def rename(self, folder: str, name: str, new_folder: str, new_name: str) -> None:
        old, new = posixpath.join(folder, name), posixpath.join(new_folder, new_name)
        try:
            self._run(self._rename(old, new))
        except (asyncssh.SFTPError, OSError) as exc:
            raise _remote_failure(exc, f"moving {old} to {new}") from None

    async def _rename(self, old: str, new: str) -> None:
        try:
            await self._client.posix_rename(old, new)  # replaces a file of the same name
        except asyncssh.SFTPOpUnsupported:
            with contextlib.suppress(asyncssh.SFTPNoSuchFile):
                await self._client.remove(new)
            await self._client.rename(old, new)

    def deliver(self, files: Sequence[tuple[Path, str]], folder: str) -> list[str]:
        """Upload each local file under a temporary name in ``folder``; when all are there,
        rename them into place in order (a ready file last). On an error nothing is renamed
        (unless the error is in the renames) and the temporary files go. The names delivered."""
        token = secrets.token_hex(4)
        pending: list[tuple[str, str]] = []
        try:
            for local, name in files:
                temp = posixpath.join(folder, f"{name}.{token}.part")
                pending.append((temp, posixpath.join(folder, name)))
                self._run(self._client.put(str(local), temp))
            for temp, final in pending:
                self._run(self._rename(temp, final))
            return [posixpath.basename(final) for _, final in pending]
        except (asyncssh.SFTPError, OSError) as exc:
            for temp, _ in pending:
                with contextlib.suppress(asyncssh.SFTPError, OSError):
                    self._run(self._client.remove(temp))
            raise _remote_failure(exc, f"delivering to {folder or '.'}") from None
