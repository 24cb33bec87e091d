"""Queries of occurrences (a mixin of ``Tx``): planned fires of schedules and their outcomes.

``UNIQUE(owner_kind, owner_id, nominal_at)`` makes planning idempotent: two schedulers planning
the same occurrence insert it once, and the first one's drawn minute is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping

from dataconnect.domain.planning import Occurrence, OccurrenceState, Planned
from dataconnect.domain.runs import RunKind, RunRef
from dataconnect.store import schema

_occ = schema.occurrences
PLANNED = OccurrenceState.PLANNED.value
_RUN_COLUMN = {RunKind.GROUP: "group_run_id", RunKind.JOB: "job_run_id"}


def _of(kind: RunKind, owner_id: int) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The occurrences of one group's or job's schedule."""
    return _occ.c.owner_kind == kind.value, _occ.c.owner_id == owner_id


def _occurrence(row: RowMapping) -> Occurrence:
    return Occurrence(
        id=row["id"],
        account_id=row["account_id"],
        owner_kind=RunKind(row["owner_kind"]),
        owner_id=row["owner_id"],
        nominal_at=row["nominal_at"],
        fire_at=row["fire_at"],
        state=OccurrenceState(row["state"]),
        group_run_id=row["group_run_id"],
        job_run_id=row["job_run_id"],
        decided_at=row["decided_at"],
    )


class OccurrenceQueries:
    conn: Connection

    def plan_occurrences(
        self, account_id: int, kind: RunKind, owner_id: int, planned: Sequence[Planned]
    ) -> None:
        if not planned:
            return
        rows = [
            {
                "account_id": account_id,
                "owner_kind": kind.value,
                "owner_id": owner_id,
                "nominal_at": p.nominal_at,
                "fire_at": p.fire_at,
                "state": PLANNED,
            }
            for p in planned
        ]
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(_occ).on_conflict_do_nothing(
            index_elements=["owner_kind", "owner_id", "nominal_at"]
        )
        self.conn.execute(statement, rows)

    def drop_planned(
        self, kind: RunKind, owner_id: int, state: OccurrenceState | None = None
    ) -> None:
        """Forget the owner's planned occurrences (or record them ``state``, e.g. expired)."""
        where = (
            _occ.c.owner_kind == kind.value,
            _occ.c.owner_id == owner_id,
            _occ.c.state == PLANNED,
        )
        if state is None:
            self.conn.execute(delete(_occ).where(*where))
        else:
            self.conn.execute(update(_occ).where(*where).values(state=state.value))

    def last_nominal(self, kind: RunKind, owner_id: int) -> datetime | None:
        return self.conn.execute(
            select(func.max(_occ.c.nominal_at)).where(
                _occ.c.owner_kind == kind.value, _occ.c.owner_id == owner_id
            )
        ).scalar()

    def has_planned(self, kind: RunKind, owner_id: int) -> bool:
        row = self.conn.execute(
            select(_occ.c.id)
            .where(
                _occ.c.owner_kind == kind.value,
                _occ.c.owner_id == owner_id,
                _occ.c.state == PLANNED,
            )
            .limit(1)
        ).first()
        return row is not None

    def due_occurrences(self, now: datetime, limit: int) -> list[Occurrence]:
        """Planned occurrences whose minute has come, oldest first; rows another scheduler is
        firing are skipped (PostgreSQL), SQLite's write lock lets one scheduler at a time."""
        rows = self.conn.execute(
            select(_occ)
            .where(_occ.c.state == PLANNED, _occ.c.fire_at <= now)
            .order_by(_occ.c.fire_at, _occ.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).mappings()
        return [_occurrence(r) for r in rows]

    def decide_occurrence(
        self, occurrence_id: int, state: OccurrenceState, now: datetime, run: RunRef | None = None
    ) -> bool:
        """Record a planned occurrence's outcome (and the run it fired); False if another
        scheduler decided it first."""
        values = {} if run is None else {_RUN_COLUMN[run.kind]: run.id}
        result = self.conn.execute(
            update(_occ)
            .where(_occ.c.id == occurrence_id, _occ.c.state == PLANNED)
            .values(state=state.value, decided_at=now, **values)
        )
        return result.rowcount == 1

    def occurrences(
        self,
        account_id: int,
        kind: RunKind,
        owner_id: int,
        start: datetime | None,
        end: datetime | None,
        limit: int,
    ) -> list[Occurrence]:
        query = select(_occ).where(
            _occ.c.account_id == account_id,
            _occ.c.owner_kind == kind.value,
            _occ.c.owner_id == owner_id,
        )
        if start is not None:
            query = query.where(_occ.c.nominal_at >= start)
        if end is not None:
            query = query.where(_occ.c.nominal_at <= end)
        rows = self.conn.execute(query.order_by(_occ.c.nominal_at).limit(limit)).mappings()
        return [_occurrence(r) for r in rows]

    def next_fire_times(self, kind: RunKind, owner_ids: Sequence[int]) -> dict[int, datetime]:
        if not owner_ids:
            return {}
        rows = self.conn.execute(
            select(_occ.c.owner_id, func.min(_occ.c.fire_at))
            .where(
                _occ.c.owner_kind == kind.value,
                _occ.c.owner_id.in_(list(owner_ids)),
                _occ.c.state == PLANNED,
            )
            .group_by(_occ.c.owner_id)
        )
        return {r[0]: r[1] for r in rows}
