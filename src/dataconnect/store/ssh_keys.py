"""Queries of the accounts' SSH keys (a mixin of ``Tx``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import RowMapping, delete, insert, select, update

from dataconnect.domain.ssh_keys import SshKey
from dataconnect.errors import Conflict
from dataconnect.store import schema
from dataconnect.store.base import QueriesBase


def _key(row: RowMapping) -> SshKey:
    return SshKey(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        key_type=row["key_type"],
        bits=row["bits"],
        fingerprint=row["fingerprint"],
        public_key=row["public_key"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        last_used_at=row["last_used_at"],
    )


class SshKeyQueries(QueriesBase):
    def add_ssh_key(
        self,
        account_id: int,
        *,
        name: str,
        key_type: str,
        bits: int,
        fingerprint: str,
        public_key: str,
        created_by: str,
        now: datetime,
    ) -> SshKey:
        new_id = self._insert(
            insert(schema.ssh_keys).values(
                account_id=account_id,
                name=name,
                key_type=key_type,
                bits=bits,
                fingerprint=fingerprint,
                public_key=public_key,
                created_at=now,
                created_by=created_by,
            ),
            Conflict(
                f"the key {fingerprint} is already one of the account's", code="SSH_KEY_EXISTS"
            ),
        )
        key = self.ssh_key(account_id, new_id)
        assert key is not None
        return key

    def ssh_keys(self, account_id: int) -> list[SshKey]:
        t = schema.ssh_keys
        rows = self.conn.execute(
            select(t).where(t.c.account_id == account_id).order_by(t.c.id)
        ).mappings()
        return [_key(r) for r in rows]

    def ssh_key(self, account_id: int, key_id: int) -> SshKey | None:
        t = schema.ssh_keys
        row = (
            self.conn.execute(select(t).where(t.c.account_id == account_id, t.c.id == key_id))
            .mappings()
            .first()
        )
        return _key(row) if row else None

    def delete_ssh_key(self, account_id: int, key_id: int) -> bool:
        t = schema.ssh_keys
        result = self.conn.execute(delete(t).where(t.c.account_id == account_id, t.c.id == key_id))
        return result.rowcount > 0

    def ssh_key_for_login(self, username: str, fingerprint: str) -> tuple[str, SshKey] | None:
        """The account's name and the key, when ``fingerprint`` is a key of the account whose
        SFTP login name is ``username``."""
        t, a = schema.ssh_keys, schema.accounts
        row = (
            self.conn.execute(
                select(t, a.c.name.label("account_name"))
                .join(a, a.c.id == t.c.account_id)
                .where(a.c.sftp_username == username, t.c.fingerprint == fingerprint)
            )
            .mappings()
            .first()
        )
        return (row["account_name"], _key(row)) if row else None

    def touch_ssh_key(self, key_id: int, now: datetime) -> None:
        t = schema.ssh_keys
        self.conn.execute(update(t).where(t.c.id == key_id).values(last_used_at=now))

    def existing_ssh_keys(self, key_ids: Collection[int]) -> set[int]:
        """Which of ``key_ids`` are still keys (of any account)."""
        if not key_ids:
            return set()
        t = schema.ssh_keys
        rows = self.conn.execute(select(t.c.id).where(t.c.id.in_(list(key_ids))))
        return {r[0] for r in rows}
