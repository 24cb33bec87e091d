"""The account's outside SFTP servers (connections): data directors create, edit, test and
delete them; everyone of the account sees them, never their secrets. Jobs reach a connection
through ``open_remote`` (export destinations, import sources)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from dataconnect.domain.accounts import Caller
from dataconnect.domain.connections import Connection, ConnectionAuth, spec_from_request
from dataconnect.domain.text import text_problems
from dataconnect.errors import Conflict, NotFound, collect
from dataconnect.files.remote_sftp import RemoteLogin, RemoteSftp, generate_key_pair
from dataconnect.services.base import Deps, require_writer
from dataconnect.services.secrets import SecretBox
from dataconnect.store.store import Tx

log = logging.getLogger("dataconnect.connections")


def _not_found(connection_id: int | str) -> NotFound:
    return NotFound(f"no connection {connection_id}", code="CONNECTION_NOT_FOUND")


def _users(tx: Tx, account_id: int, name: str) -> list[str]:
    """The names of the jobs that name the connection (export destination, import source)."""
    used = []
    for job in tx.jobs(account_id):
        exported = job.export_settings
        imported = job.import_settings
        target = exported.destination if exported is not None else None
        source = getattr(imported, "source", None) if imported is not None else None
        for place in (target, source):
            if place is not None and place.connection.casefold() == name.casefold():
                used.append(job.name)
    return used


class ConnectionService:
    def __init__(self, deps: Deps, box: SecretBox) -> None:
        self._deps = deps
        self._box = box

    def create(self, caller: Caller, data: Mapping[str, Any]) -> Connection:
        require_writer(caller)
        collect(text_problems(dict(data)))
        spec, problems = spec_from_request(data)
        collect(problems)
        assert spec is not None
        public_key = None
        if spec.auth is ConnectionAuth.KEY:
            secret, public_key = generate_key_pair()
        else:
            assert spec.password is not None
            secret = spec.password
        with self._deps.store.write() as tx:
            created = tx.add_connection(
                caller.account_id,
                spec,
                secret=self._box.seal(secret),
                public_key=public_key,
                now=self._deps.clock.now(),
            )
        log.info(
            "connection created: account %s, %s (%s@%s:%s, auth %s), by %s",
            caller.account_id,
            created.name,
            created.username,
            created.host,
            created.port,
            created.auth,
            caller.label,
        )
        return created

    def list(self, caller: Caller) -> list[Connection]:
        with self._deps.store.read() as tx:
            return tx.connections(caller.account_id)

    def get(self, caller: Caller, connection_id: int) -> Connection:
        with self._deps.store.read() as tx:
            found = tx.connection(caller.account_id, connection_id)
        if found is None:
            raise _not_found(connection_id)
        return found

    def update(self, caller: Caller, connection_id: int, data: Mapping[str, Any]) -> Connection:
        """Change fields; a new host or port unpins the host key; auth key keeps its key pair
        (a change to key makes a new one); a password is kept unless one is given."""
        require_writer(caller)
        collect(text_problems(dict(data)))
        with self._deps.store.write() as tx:
            before = tx.connection(caller.account_id, connection_id)
            if before is None:
                raise _not_found(connection_id)
            spec, problems = spec_from_request(data, before)
            collect(problems)
            assert spec is not None
            if spec.name.casefold() != before.name.casefold() and (
                users := _users(tx, caller.account_id, before.name)
            ):
                raise Conflict(
                    f"jobs use {before.name} by its name: {', '.join(users[:5])}",
                    code="CONNECTION_IN_USE",
                )
            secret = None
            public_key = before.public_key if spec.auth is ConnectionAuth.KEY else None
            if spec.auth is ConnectionAuth.KEY and before.auth is not ConnectionAuth.KEY:
                secret, public_key = generate_key_pair()
            elif spec.password is not None:
                secret = spec.password
            tx.update_connection(
                caller.account_id,
                connection_id,
                spec,
                secret=self._box.seal(secret) if secret is not None else None,
                public_key=public_key,
                forget_host_key=(spec.host, spec.port) != (before.host, before.port),
                now=self._deps.clock.now(),
            )
            after = tx.connection(caller.account_id, connection_id)
        assert after is not None
        return after

    def remove(self, caller: Caller, connection_id: int) -> None:
        require_writer(caller)
        with self._deps.store.write() as tx:
            found = tx.connection(caller.account_id, connection_id)
            if found is None:
                raise _not_found(connection_id)
            users = _users(tx, caller.account_id, found.name)
            if users:
                raise Conflict(
                    f"jobs use {found.name}: {', '.join(users[:5])}; change them first",
                    code="CONNECTION_IN_USE",
                )
            tx.delete_connection(caller.account_id, connection_id)
        log.info(
            "connection removed: account %s, %s, by %s",
            caller.account_id,
            found.name,
            caller.label,
        )

    def test(self, caller: Caller, connection_id: int) -> Connection:
        """Log in and list the login folder; the first success pins the remote host key.
        Errors: SFTP_UNREACHABLE, SFTP_AUTH_FAILED, SFTP_HOST_KEY_CHANGED."""
        require_writer(caller)
        with self.open_remote(caller.account_id, self.get(caller, connection_id).name) as remote:
            remote.listing("")
        return self.get(caller, connection_id)

    def open_remote(self, account_id: int, name: str) -> RemoteSftp:
        """A logged-in session on the connection named ``name`` (a job's destination or
        source); the remote host key is pinned if none is yet."""
        with self._deps.store.read() as tx:
            found = tx.connection_by_name(account_id, name)
            sealed = tx.connection_secret(account_id, found.id) if found else None
        if found is None or sealed is None:
            raise _not_found(name)
        secret = self._box.open(sealed)
        key = found.auth is ConnectionAuth.KEY
        remote = RemoteSftp.open(
            RemoteLogin(
                host=found.host,
                port=found.port,
                username=found.username,
                password=None if key else secret,
                private_key=secret if key else None,
                host_key=found.host_key,
            )
        )
        seen = remote.host_key
        if found.host_key is None and seen is not None:
            with self._deps.store.write() as tx:
                if tx.pin_host_key(account_id, found.id, seen.line, seen.fingerprint):
                    log.info(
                        "connection %s of account %s: host key %s pinned",
                        found.name,
                        account_id,
                        seen.fingerprint,
                    )
        return remote
