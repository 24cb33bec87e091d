"""Queries of expiry (a mixin of ``Tx``): what expires or is about to, by indexed time ranges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from dataconnect.store import schema


class ExpiryQueries:
    conn: Connection

    def groups_expiring(self, until: datetime, limit: int) -> list[tuple[int, int]]:
        """(account id, group id) of groups whose expiry is at or before ``until``."""
        rows = self.conn.execute(
            select(schema.groups.c.account_id, schema.groups.c.id)
            .where(schema.groups.c.expires_at <= until)
            .order_by(schema.groups.c.expires_at)
            .limit(limit)
        )
        return [(r[0], r[1]) for r in rows]

    def groups_to_warn(self, until: datetime, limit: int) -> list[tuple[int, int]]:
        rows = self.conn.execute(
            select(schema.groups.c.account_id, schema.groups.c.id)
            .where(schema.groups.c.expires_at <= until, schema.groups.c.expiry_warned_at.is_(None))
            .order_by(schema.groups.c.expires_at)
            .limit(limit)
        )
        return [(r[0], r[1]) for r in rows]

    def mark_warned(self, group_id: int, now: datetime) -> None:
        self.conn.execute(
            update(schema.groups).where(schema.groups.c.id == group_id).values(expiry_warned_at=now)
        )

    def clear_warned(self, group_id: int) -> None:
        """A new expiry date: a new warning will be due three days before it."""
        self.conn.execute(
            update(schema.groups)
            .where(schema.groups.c.id == group_id)
            .values(expiry_warned_at=None)
        )

    def jobs_expiring(self, until: datetime, limit: int) -> list[tuple[int, int]]:
        rows = self.conn.execute(
            select(schema.jobs.c.account_id, schema.jobs.c.id)
            .where(schema.jobs.c.expires_at.is_not(None), schema.jobs.c.expires_at <= until)
            .order_by(schema.jobs.c.expires_at)
            .limit(limit)
        )
        return [(r[0], r[1]) for r in rows]
