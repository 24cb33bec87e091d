"""Queries of the outbox (a mixin of ``Tx``): emails written with what they report, then claimed
and sent by mailers. A claim is a short lease: a mailer that dies with a claim lets it run out,
and another sends the email."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update
from sqlalchemy.engine import RowMapping

from dataconnect.domain.notifications import OutboxEntry
from dataconnect.store import schema

_box = schema.outbox
PENDING = "pending"


def _entry(row: RowMapping) -> OutboxEntry:
    return OutboxEntry(
        id=row["id"],
        account_id=row["account_id"],
        kind=row["kind"],
        dedupe_key=row["dedupe_key"],
        payload=row["payload"],
        status=row["status"],
        attempts=row["attempts"],
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"],
        sent_at=row["sent_at"],
        last_error=row["last_error"],
        group_run_id=row["group_run_id"],
    )


class OutboxQueries:
    conn: Connection

    def add_outbox(
        self,
        account_id: int,
        kind: str,
        dedupe_key: str,
        payload: dict[str, Any],
        now: datetime,
        group_run_id: int | None = None,
        status: str = PENDING,
    ) -> bool:
        """An email to send, once per ``dedupe_key``; False if it was already there."""
        if self.conn.execute(select(_box.c.id).where(_box.c.dedupe_key == dedupe_key)).first():
            return False
        self.conn.execute(
            insert(_box).values(
                account_id=account_id,
                kind=kind,
                dedupe_key=dedupe_key,
                payload=payload,
                next_attempt_at=now,
                created_at=now,
                group_run_id=group_run_id,
                status=status,
            )
        )
        return True

    def outbox(self, account_id: int) -> list[dict[str, Any]]:
        """The account's emails as stored rows, oldest first: for inspection (the tests)."""
        rows = self.conn.execute(
            select(_box).where(_box.c.account_id == account_id).order_by(_box.c.id)
        ).mappings()
        return [dict(r) for r in rows]

    def outbox_for_runs(self, run_ids: list[int]) -> dict[int, OutboxEntry]:
        if not run_ids:
            return {}
        rows = self.conn.execute(select(_box).where(_box.c.group_run_id.in_(run_ids))).mappings()
        return {r["group_run_id"]: _entry(r) for r in rows}

    def claim_outbox(
        self, mailer: str, now: datetime, until: datetime, limit: int
    ) -> list[OutboxEntry]:
        rows = list(
            self.conn.execute(
                select(_box)
                .where(
                    _box.c.status == PENDING,
                    _box.c.next_attempt_at <= now,
                    or_(_box.c.claimed_until.is_(None), _box.c.claimed_until < now),
                )
                .order_by(_box.c.next_attempt_at, _box.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).mappings()
        )
        if rows:
            self.conn.execute(
                update(_box)
                .where(_box.c.id.in_([r["id"] for r in rows]))
                .values(claimed_by=mailer, claimed_until=until)
            )
        return [_entry(r) for r in rows]

    def settle_outbox(self, outbox_id: int, mailer: str, **values: Any) -> bool:
        """Record a send's result, only while this mailer's claim stands."""
        result = self.conn.execute(
            update(_box)
            .where(_box.c.id == outbox_id, _box.c.claimed_by == mailer, _box.c.status == PENDING)
            .values(claimed_by=None, claimed_until=None, **values)
        )
        return result.rowcount == 1
