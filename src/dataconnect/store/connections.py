"""Queries of the accounts' outside SFTP servers (a mixin of ``Tx``). The secret column holds
ciphertext only; it is answered on its own (``connection_secret``), never inside the record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import RowMapping, delete, insert, select, update

from dataconnect.domain.connections import Connection, ConnectionAuth, ConnectionSpec, name_key
from dataconnect.errors import Conflict
from dataconnect.store import schema
from dataconnect.store.base import QueriesBase, refused_as


def _connection(row: RowMapping) -> Connection:
    return Connection(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        kind=row["kind"],
        host=row["host"],
        port=row["port"],
        username=row["username"],
        auth=ConnectionAuth(row["auth"]),
        public_key=row["public_key"],
        host_key=row["host_key"],
        host_key_fingerprint=row["host_key_fingerprint"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _taken(name: str) -> Conflict:
    return Conflict(f"a connection named {name} exists already", code="CONNECTION_EXISTS")


class ConnectionQueries(QueriesBase):
    def add_connection(
        self,
        account_id: int,
        spec: ConnectionSpec,
        *,
        secret: str,
        public_key: str | None,
        now: datetime,
    ) -> Connection:
        new_id = self._insert(
            insert(schema.connections).values(
                account_id=account_id,
                name=spec.name,
                name_key=name_key(spec.name),
                kind="sftp",
                host=spec.host,
                port=spec.port,
                username=spec.username,
                auth=spec.auth.value,
                secret=secret,
                public_key=public_key,
                created_at=now,
                updated_at=now,
            ),
            _taken(spec.name),
        )
        found = self.connection(account_id, new_id)
        assert found is not None
        return found

    def update_connection(
        self,
        account_id: int,
        connection_id: int,
        spec: ConnectionSpec,
        *,
        secret: str | None,
        public_key: str | None,
        forget_host_key: bool,
        now: datetime,
    ) -> None:
        """Change the fields; ``secret`` None keeps the stored one; ``forget_host_key`` unpins
        the remote host key (the host or port changed)."""
        t = schema.connections
        values: dict[str, object] = {
            "name": spec.name,
            "name_key": name_key(spec.name),
            "host": spec.host,
            "port": spec.port,
            "username": spec.username,
            "auth": spec.auth.value,
            "public_key": public_key,
            "updated_at": now,
        }
        if secret is not None:
            values["secret"] = secret
        if forget_host_key:
            values["host_key"] = None
            values["host_key_fingerprint"] = None
        with refused_as(_taken(spec.name), self.conn):
            self.conn.execute(
                update(t)
                .where(t.c.account_id == account_id, t.c.id == connection_id)
                .values(**values)
            )

    def connections(self, account_id: int) -> list[Connection]:
        t = schema.connections
        rows = self.conn.execute(
            select(t).where(t.c.account_id == account_id).order_by(t.c.name_key)
        ).mappings()
        return [_connection(r) for r in rows]

    def connection(self, account_id: int, connection_id: int) -> Connection | None:
        t = schema.connections
        row = (
            self.conn.execute(
                select(t).where(t.c.account_id == account_id, t.c.id == connection_id)
            )
            .mappings()
            .first()
        )
        return _connection(row) if row else None

    def connection_by_name(self, account_id: int, name: str) -> Connection | None:
        t = schema.connections
        row = (
            self.conn.execute(
                select(t).where(t.c.account_id == account_id, t.c.name_key == name_key(name))
            )
            .mappings()
            .first()
        )
        return _connection(row) if row else None

    def connection_names(self, account_id: int) -> set[str]:
        t = schema.connections
        rows = self.conn.execute(select(t.c.name).where(t.c.account_id == account_id))
        return {r[0] for r in rows}

    def connection_secret(self, account_id: int, connection_id: int) -> str | None:
        """The encrypted secret (ciphertext, as stored)."""
        t = schema.connections
        return self.conn.execute(
            select(t.c.secret).where(t.c.account_id == account_id, t.c.id == connection_id)
        ).scalar()

    def pin_host_key(
        self, account_id: int, connection_id: int, host_key: str, fingerprint: str
    ) -> bool:
        """Pin the host key unless one is pinned already (a race of two first tests: the first
        wins); whether this call pinned it."""
        t = schema.connections
        result = self.conn.execute(
            update(t)
            .where(t.c.account_id == account_id, t.c.id == connection_id, t.c.host_key.is_(None))
            .values(host_key=host_key, host_key_fingerprint=fingerprint)
        )
        return result.rowcount > 0

    def delete_connection(self, account_id: int, connection_id: int) -> bool:
        t = schema.connections
        result = self.conn.execute(
            delete(t).where(t.c.account_id == account_id, t.c.id == connection_id)
        )
        return result.rowcount > 0
