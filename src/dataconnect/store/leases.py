"""Queries of the leases workers hold on runs (a mixin of ``Tx``): claim, renew, hand back.

A run of any kind is claimed the same way: the oldest queued one, or one whose worker's lease
ran out. Every later change a worker makes is guarded by its lease (``WHERE lease_owner = …``),
so a worker that lost a run to another can change nothing of it any more. The kind of a run
picks its table here and nowhere else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Table, bindparam, or_, select, update

from dataconnect.domain.runs import (
    Claimed,
    GroupRunState,
    JobRunState,
    RunKind,
    RunRef,
)
from dataconnect.store import schema
from dataconnect.store.wakeups import notify

TABLES: dict[RunKind, Table] = {RunKind.GROUP: schema.group_runs, RunKind.JOB: schema.job_runs}
STATES: dict[RunKind, type[GroupRunState] | type[JobRunState]] = {
    RunKind.GROUP: GroupRunState,
    RunKind.JOB: JobRunState,
}
# The states in which a run's lease means something: a worker is running it.
HELD: dict[RunKind, list[str]] = {
    RunKind.GROUP: [GroupRunState.RUNNING.value, GroupRunState.STOPPING.value],
    RunKind.JOB: [JobRunState.RUNNING.value],
}
QUEUED = "queued"  # the same word in both state machines
# Renewals take job runs first, then group runs: the order in which a step's transactions
# change them, so a renewal never waits in a cycle with a step (PostgreSQL would take a second
# to find such a deadlock and abort one of the two).
RENEWAL_ORDER = (RunKind.JOB, RunKind.GROUP)

_TAKE_LEASE = {
    kind: update(table).where(table.c.id == bindparam("b_id")) for kind, table in TABLES.items()
}


class LeaseQueries:
    conn: Connection

    def claim_run(
        self,
        kind: RunKind,
        worker: str,
        now: datetime,
        until: datetime,
        run_id: int | None = None,
    ) -> Claimed | None:
        """Take one queued run of this kind (or this one, ``run_id``), or one whose worker's
        lease ran out; ``None`` if there is none. Job runs that are steps of a group run are
        claimed with their group run, never alone.

        PostgreSQL skips rows another worker is claiming (``FOR UPDATE SKIP LOCKED``); SQLite
        holds its write lock from the transaction's first statement.
        """
        table = TABLES[kind]
        query = (
            select(table.c.id, table.c.account_id, table.c.state, table.c.lease_owner)
            .where(
                or_(
                    table.c.state == QUEUED,
                    table.c.state.in_(HELD[kind]) & (table.c.lease_expires_at < now),
                )
            )
            .order_by(table.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if run_id is not None:
            query = query.where(table.c.id == run_id)
        if kind is RunKind.JOB:
            query = query.where(table.c.group_run_id.is_(None))
        row = self.conn.execute(query).first()
        if row is None:
            return None
        self.conn.execute(
            update(table)
            .where(table.c.id == row.id)
            .values(lease_owner=worker, lease_expires_at=until)
        )
        return Claimed(
            kind=kind,
            id=row.id,
            account_id=row.account_id,
            state=STATES[kind](row.state),
            previous_owner=row.lease_owner,
        )

    def renew_leases(self, worker: str, until: datetime) -> frozenset[RunRef]:
        """Extend this worker's leases; the runs it still holds."""
        held: set[RunRef] = set()
        for kind in RENEWAL_ORDER:
            table = TABLES[kind]
            mine = (table.c.lease_owner == worker, table.c.state.in_(HELD[kind]))
            self.conn.execute(update(table).where(*mine).values(lease_expires_at=until))
            held.update(
                RunRef(kind, r[0]) for r in self.conn.execute(select(table.c.id).where(*mine))
            )
        return frozenset(held)

    def stops_for(self, worker: str) -> frozenset[RunRef]:
        """Runs this worker holds whose stop was asked for."""
        groups = self.conn.execute(
            select(schema.group_runs.c.id).where(
                schema.group_runs.c.lease_owner == worker,
                schema.group_runs.c.state == GroupRunState.STOPPING.value,
            )
        )
        jobs = self.conn.execute(
            select(schema.job_runs.c.id).where(
                schema.job_runs.c.lease_owner == worker,
                schema.job_runs.c.state == JobRunState.RUNNING.value,
                schema.job_runs.c.stop_requested_at.is_not(None),
            )
        )
        return frozenset(
            [RunRef(RunKind.GROUP, r[0]) for r in groups]
            + [RunRef(RunKind.JOB, r[0]) for r in jobs]
        )

    def take_lease(self, kind: RunKind, run_id: int, worker: str, until: datetime) -> None:
        self.conn.execute(
            _TAKE_LEASE[kind], {"lease_owner": worker, "lease_expires_at": until, "b_id": run_id}
        )

    def release_lease(self, kind: RunKind, run_id: int, worker: str, now: datetime) -> None:
        """Hand a run back: any worker may take it over at once."""
        table = TABLES[kind]
        self.conn.execute(
            update(table)
            .where(table.c.id == run_id, table.c.lease_owner == worker)
            .values(lease_expires_at=now)
        )

    def bump_attempt(self, job_run_id: int) -> None:
        self.conn.execute(
            update(schema.job_runs)
            .where(schema.job_runs.c.id == job_run_id)
            .values(attempt=schema.job_runs.c.attempt + 1)
        )

    def request_job_stop(self, job_run_id: int, now: datetime, actor: str) -> bool:
        result = self.conn.execute(
            update(schema.job_runs)
            .where(
                schema.job_runs.c.id == job_run_id,
                schema.job_runs.c.state == JobRunState.RUNNING.value,
                schema.job_runs.c.stop_requested_at.is_(None),
            )
            .values(stop_requested_at=now, stopped_by=actor)
        )
        return result.rowcount == 1

    def set_progress(self, job_run_id: int, worker: str, processed: int) -> None:
        self.conn.execute(
            update(schema.job_runs)
            .where(schema.job_runs.c.id == job_run_id, schema.job_runs.c.lease_owner == worker)
            .values(records_processed=processed)
        )

    def notify(self, event: str, run: RunRef) -> None:
        """Wake the workers of other processes when this transaction commits."""
        notify(self.conn, event, run.kind.value, run.id)
