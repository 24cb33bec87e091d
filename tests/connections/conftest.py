"""Fixtures of the outside-connection tests: real SFTP servers on free ports, never mocks.

``remote``: a second DataConnect (its own home, SQLite) serving its accounts' folders over SFTP;
a key connection logs in to it with the public key installed as an SSH key of its account.
``password_server``: a small asyncssh server with password logins, its SFTP chrooted to a
temporary folder (our own server has no passwords).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.services.host_keys import HostKeys
from dataconnect.sftp.server import SftpServer
from dataconnect.testing import make_account, make_app

PASSWORD = "s3cret-Pa55"


def free_port() -> int:
    """A port nothing listens on (bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Remote:
    """A second DataConnect whose account Partner is the remote side."""

    app: App
    caller: Caller
    keys: Path
    server: SftpServer | None = None
    port: int = 0

    @property
    def username(self) -> str:
        return self.app.accounts.account(self.caller).sftp_username

    @property
    def account_id(self) -> int:
        return self.caller.account_id

    def start(self, keys: Path | None = None) -> None:
        """Serve SFTP (again on the same port, with the host keys of ``keys`` if given)."""
        self.server = SftpServer(
            self.app.sftp_access,
            HostKeys(keys or self.keys).paths(),
            "127.0.0.1",
            port=self.port,
        ).start()
        self.port = self.server.port

    def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def install(self, public_key: str) -> None:
        self.app.ssh_keys.add(self.caller, "dataconnect", public_key)

    def files(self, folder: str = "upload", *, hidden: bool = False) -> list[str]:
        if not hidden:
            return sorted(f.name for f in self.app.file_server.list(self.account_id, folder))
        path = self.app.file_server.folder(self.account_id, folder)
        return sorted(p.name for p in path.iterdir()) if path.exists() else []

    def read(self, name: str, folder: str = "upload") -> bytes:
        with self.app.file_server.open_read(self.account_id, folder, name) as f:
            data: bytes = f.read()
        return data

    def put(self, name: str, data: bytes, folder: str = "upload") -> None:
        self.app.file_server.put(self.account_id, folder, name, [data], 10**10)

    def key_connection(self, name: str = "partner") -> dict[str, Any]:
        return {
            "name": name,
            "host": "127.0.0.1",
            "port": self.port,
            "username": self.username,
            "auth": "key",
        }


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Remote]:
    app = make_app(home=tmp_path / "remote-home")
    caller, _ = make_account(app, "Partner", email="ops@partner.example.com")
    side = Remote(app, caller, tmp_path / "remote-keys")
    side.start()
    yield side
    side.stop()
    app.close()


@dataclass
class PasswordServer:
    """An asyncssh SFTP server taking one user and password, chrooted to ``root``."""

    root: Path
    username: str = "etl"
    password: str = PASSWORD
    port: int = 0
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    _thread: threading.Thread | None = None
    _acceptor: Any = None

    def start(self, host_key: asyncssh.SSHKey) -> None:
        ready = threading.Event()
        server = self

        class _Server(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                return True

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                return username == server.username and password == server.password

        def sftp(chan: asyncssh.SSHServerChannel[bytes]) -> asyncssh.SFTPServer:
            return asyncssh.SFTPServer(chan, chroot=str(server.root).encode())

        async def serve() -> None:
            self._acceptor = await asyncssh.create_server(
                _Server,
                "127.0.0.1",
                0,
                server_host_keys=[host_key],
                sftp_factory=sftp,
                allow_scp=False,
            )
            self.port = self._acceptor.sockets[0].getsockname()[1]
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.create_task(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        assert ready.wait(10)

    def close(self) -> None:
        async def stop() -> None:
            self._acceptor.close()
            await self._acceptor.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        assert self._thread is not None
        self._thread.join(10)
        self._loop.close()

    def connection(self, name: str = "etl", **changes: Any) -> dict[str, Any]:
        data = {
            "name": name,
            "host": "127.0.0.1",
            "port": self.port,
            "username": self.username,
            "auth": "password",
            "password": self.password,
        }
        data.update(changes)
        return data


@pytest.fixture
def password_server(tmp_path: Path) -> Iterator[PasswordServer]:
    root = tmp_path / "sftp-root"
    root.mkdir()
    server = PasswordServer(root)
    server.start(asyncssh.generate_private_key("ssh-ed25519"))
    yield server
    server.close()
