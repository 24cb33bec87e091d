"""All metadata queries. ``Store.write()`` / ``Store.read()`` open a transaction and hand out a
``Tx`` whose methods are the only SQL the services run.

``Tx`` is put together from one query mixin per subject (accounts, jobs, groups, runs, leases,
occurrences, expiry, outbox, sessions); each answers domain records, never rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from dataconnect.store.accounts import AccountQueries
from dataconnect.store.connections import ConnectionQueries
from dataconnect.store.engine import Engines
from dataconnect.store.expiry import ExpiryQueries
from dataconnect.store.group_runs import GroupRunQueries
from dataconnect.store.groups import GroupQueries
from dataconnect.store.jobs import JobQueries
from dataconnect.store.leases import LeaseQueries
from dataconnect.store.occurrences import OccurrenceQueries
from dataconnect.store.outbox import OutboxQueries
from dataconnect.store.sessions import SessionQueries
from dataconnect.store.ssh_keys import SshKeyQueries


class Store:
    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A read-write transaction; on SQLite it holds the write lock from its first statement."""
        with self.engines.meta.connect() as conn:
            conn = conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield Tx(conn)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self.engines.meta.connect() as conn, conn.begin():
            yield Tx(conn)


class Tx(
    AccountQueries,
    ConnectionQueries,
    JobQueries,
    GroupQueries,
    GroupRunQueries,
    LeaseQueries,
    OccurrenceQueries,
    ExpiryQueries,
    OutboxQueries,
    SessionQueries,
    SshKeyQueries,
):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
