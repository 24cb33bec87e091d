"""The SSH side of the built-in SFTP server: public-key logins within the login limits, the
sftp subsystem and nothing else, sessions of removed keys closed, in a thread of its own.

asyncssh speaks the protocol; this module only decides. The account behind a login name is
found through ``services.sftp_access``; what a session may do with its files is
``sftp.session``'s business.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dataconnect.domain.ssh_keys import SftpLogin
from dataconnect.services.sftp_access import SftpAccess
from dataconnect.sftp.session import AccountSFTPServer

with warnings.catch_warnings():  # asyncssh still defines DSA support; we refuse DSA keys
    warnings.filterwarnings("ignore", "DSA is deprecated")
    import asyncssh

log = logging.getLogger("dataconnect.sftp")

MAX_KEYS_PER_CONNECTION = 6  # as OpenSSH's MaxAuthTries
LOGIN_TIMEOUT_SECONDS = 30
REVOKE_CHECK_SECONDS = 1.0


class _Connection(asyncssh.SSHServer):
    """One client connection: its address, its tries, and its login once accepted."""

    def __init__(self, server: SftpServer) -> None:
        self._server = server
        self._access = server.access
        self._conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"
        self._locked: str | None = None
        self._tries = 0
        self._candidate: SftpLogin | None = None
        self._touch: asyncio.Future[None] | None = None
        self.login: SftpLogin | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._server.connected(self)
        peer = conn.get_extra_info("peername")
        self.address = str(peer[0]) if peer else "?"

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.forget(self)
        if self.login is not None:
            log.info(
                "sftp logout: account %s (%s), key %s, from %s",
                self.login.account_id,
                self.login.username,
                self.login.fingerprint,
                self.address,
            )

    def begin_auth(self, username: str) -> bool:
        self._locked = self._access.refused(self.address, username)
        if self._locked:
            log.warning(
                "sftp login refused: %s (from %s as %s); try again later",
                self._locked,
                self.address,
                username,
            )
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return self._locked is None

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        if self._locked is not None:
            return False
        self._tries += 1
        fingerprint = key.get_fingerprint("sha256")
        login = await asyncio.to_thread(self._access.find, self.address, username, fingerprint)
        if login is None:
            log.warning(
                "sftp login failed: key %s is not a key of %s (from %s)",
                fingerprint,
                username,
                self.address,
            )
            if self._tries >= MAX_KEYS_PER_CONNECTION and self._conn is not None:
                self._conn.disconnect(
                    asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE, "too many keys tried"
                )
            return False
        self._candidate = login
        return True

    def auth_completed(self) -> None:
        login = self._candidate
        assert login is not None
        self.login = login
        self._server.remember(self)
        # last_used_at, written off the event loop (kept referenced until it is done)
        self._touch = asyncio.ensure_future(asyncio.to_thread(self._access.logged_in, login))
        log.info(
            "sftp login: account %s (%s), key %s, from %s",
            login.account_id,
            login.username,
            login.fingerprint,
            self.address,
        )

    def close(self, reason: str) -> asyncio.Task[None] | None:
        """Disconnect; the task that waits until the connection is gone."""
        if self._conn is None:
            return None
        log.info("sftp session closed: %s (%s)", reason, self.address)
        self._conn.disconnect(asyncssh.DISC_BY_APPLICATION, reason)
        return asyncio.ensure_future(self._conn.wait_closed())

    # No forwarding of any kind, no shell, no exec: the sftp subsystem only (create_server).
    def connection_requested(self, *args: Any) -> bool:
        return False

    def server_requested(self, *args: Any) -> bool:
        return False

    def unix_connection_requested(self, *args: Any) -> bool:
        return False

    def unix_server_requested(self, *args: Any) -> bool:
        return False


class SftpServer:
    """The listening server, in a thread with its own event loop: ``start`` returns once it
    listens (``port`` is then the one bound), ``close`` stops it and ends every session."""

    def __init__(
        self,
        access: SftpAccess,
        host_keys: Sequence[Path],
        host: str = "127.0.0.1",
        port: int = 2222,
    ) -> None:
        self.access = access
        self._host_keys = [str(p) for p in host_keys]
        self._host = host
        self.port = port
        self._sessions: dict[_Connection, None] = {}  # logged in
        self._connections: dict[_Connection, None] = {}  # every open one
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: asyncssh.SSHAcceptor | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._error: BaseException | None = None

    def connected(self, conn: _Connection) -> None:
        self._connections[conn] = None

    def remember(self, conn: _Connection) -> None:
        self._sessions[conn] = None

    def forget(self, conn: _Connection) -> None:
        self._sessions.pop(conn, None)
        self._connections.pop(conn, None)

    @property
    def sessions(self) -> int:
        return len(self._sessions)

    def _session(self, chan: asyncssh.SSHServerChannel[bytes]) -> AccountSFTPServer:
        conn: _Connection = chan.get_connection().get_owner()  # type: ignore[assignment]
        login = conn.login
        assert login is not None
        return AccountSFTPServer(chan, self.access.files(login), login)

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        try:
            self._listener = await asyncssh.create_server(
                lambda: _Connection(self),
                self._host,
                self.port,
                server_host_keys=self._host_keys,
                sftp_factory=self._session,
                allow_scp=False,
                agent_forwarding=False,
                x11_forwarding=False,
                login_timeout=LOGIN_TIMEOUT_SECONDS,
                encoding=None,
            )
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self.port = self._listener.sockets[0].getsockname()[1]
        self._ready.set()
        revoker = asyncio.create_task(self._close_removed_keys())
        await self._stopped.wait()
        revoker.cancel()
        self._listener.close()
        closing = [c.close("the server stops") for c in list(self._connections)]
        waits = [w for w in closing if w is not None]
        if waits:
            await asyncio.wait(waits, timeout=5)
        await self._listener.wait_closed()
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in rest:  # sessions still winding down: end them before the loop closes
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    async def _close_removed_keys(self) -> None:
        """Every second: the sessions whose key was removed are closed."""
        while True:
            await asyncio.sleep(REVOKE_CHECK_SECONDS)
            open_ = [c for c in self._sessions if c.login is not None]
            if not open_:
                continue
            try:
                live = await asyncio.to_thread(
                    self.access.live_keys, {c.login.key_id for c in open_ if c.login}
                )
            except Exception:  # the database is away: try again, keep the sessions
                log.exception("sftp: could not check the sessions' keys")
                continue
            for conn in open_:
                if conn.login is not None and conn.login.key_id not in live:
                    conn.close(f"key {conn.login.fingerprint} was removed")

    def start(self, timeout: float = 30.0) -> SftpServer:
        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve())
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="dc-sftp", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the SFTP server did not start")
        if self._error is not None:
            raise self._error
        log.info("sftp: listening on %s:%s", self._host, self.port)
        return self

    def close(self, timeout: float = 10.0) -> None:
        loop, stopped = self._loop, self._stopped
        if loop is not None and stopped is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopped.set)
        if self._thread is not None:
            self._thread.join(timeout)
