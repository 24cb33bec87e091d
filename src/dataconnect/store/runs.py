"""Queries of run records (a mixin of ``Tx``): insert, guarded transitions, reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import RowMapping

from dataconnect.domain.paging import Keyset
from dataconnect.domain.runs import (
    ChangeMark,
    JobRun,
    JobRunState,
    RunEvent,
    RunKind,
    RunRef,
    Trigger,
    is_terminal_job_run,
)
from dataconnect.errors import Conflict
from dataconnect.store import schema
from dataconnect.store.base import QueriesBase
from dataconnect.store.paging import keyset


def job_run(row: RowMapping) -> JobRun:
    return JobRun(
        id=row["id"],
        account_id=row["account_id"],
        job_id=row["job_id"],
        job_name=row["job_name"],
        group_run_id=row["group_run_id"],
        state=JobRunState(row["state"]),
        trigger=Trigger(row["trigger"]),
        requested_by=row["requested_by"],
        records_processed=row["records_processed"],
        records_added=row["records_added"],
        records_updated=row["records_updated"],
        records_rejected=row["records_rejected"],
        error_code=row["error_code"],
        error_message=row["error_message"],
        rejects_file=row["rejects_file"],
        file_name=row["file_name"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        position=row["position"],
        attempt=row["attempt"],
        stop_requested_at=row["stop_requested_at"],
        stopped_by=row["stopped_by"],
        output_files=tuple(row["output_files"] or ()),
        change_mark=None
        if row["change_seq"] is None
        else ChangeMark(row["change_table"], row["change_seq"]),
    )


# The hottest statements of a step, built once: building a statement with .values() and
# keying it for SQLAlchemy's compile cache costs more CPU than running it. The SET clause of
# these updates comes from the keys of the parameters given.
_ENDED_JOB_RUN_STATES = [st.value for st in JobRunState if is_terminal_job_run(st)]
_INSERT_JOB_RUN = insert(schema.job_runs)
_INSERT_EVENT = insert(schema.run_events)
_JOB_RUN = select(schema.job_runs).where(schema.job_runs.c.id == bindparam("b_id"))
_JOB_RUN_OF = _JOB_RUN.where(schema.job_runs.c.account_id == bindparam("b_account"))
_MOVE_JOB_RUN = update(schema.job_runs).where(
    schema.job_runs.c.id == bindparam("b_id"), schema.job_runs.c.state == bindparam("b_state")
)
_MOVE_OWN_JOB_RUN = _MOVE_JOB_RUN.where(schema.job_runs.c.lease_owner == bindparam("b_owner"))


class RunQueries(QueriesBase):
    def insert_job_run(
        self,
        *,
        account_id: int,
        job_id: int,
        job_name: str,
        trigger: Trigger,
        requested_by: str,
        now: datetime,
        group_run_id: int | None = None,
        position: int | None = None,
    ) -> int:
        """A queued run; the partial unique index refuses a second active run of the job."""
        run_id = self._insert(
            _INSERT_JOB_RUN,
            Conflict(f"job {job_name} is already running", code="JOB_ALREADY_RUNNING"),
            {
                "account_id": account_id,
                "job_id": job_id,
                "job_name": job_name,
                "state": JobRunState.QUEUED.value,
                "trigger": trigger.value,
                "requested_by": requested_by,
                "group_run_id": group_run_id,
                "position": position,
                "created_at": now,
            },
        )
        self.record_event(
            RunRef(RunKind.JOB, run_id), None, JobRunState.QUEUED.value, now, requested_by
        )
        return run_id

    def move_job_run(
        self,
        run_id: int,
        expected: JobRunState,
        new: JobRunState,
        now: datetime,
        actor: str,
        *,
        owner: str | None = None,
        note: str | None = None,
        **values: Any,
    ) -> bool:
        """Guarded transition: applies only if the run is still in ``expected`` (and, for a
        worker, only while it holds the run's lease)."""
        return self._move(
            RunRef(RunKind.JOB, run_id),
            (_MOVE_JOB_RUN, _MOVE_OWN_JOB_RUN),
            expected.value,
            new.value,
            now,
            actor,
            owner=owner,
            note=note,
            started=new is JobRunState.RUNNING,
            ended=is_terminal_job_run(new),
            values=values,
        )

    def _move(
        self,
        run: RunRef,
        statements: tuple[Any, Any],
        expected: str,
        new: str,
        now: datetime,
        actor: str,
        *,
        owner: str | None,
        note: str | None,
        started: bool,
        ended: bool,
        values: dict[str, Any],
    ) -> bool:
        """The guarded update of a job or group run, and its event when it applied."""
        if started:
            values.setdefault("started_at", now)
        elif ended:  # an ended run holds no lease any more
            values.setdefault("ended_at", now)
            values.setdefault("lease_owner", None)
            values.setdefault("lease_expires_at", None)
        guard: dict[str, Any] = {"b_id": run.id, "b_state": expected}
        if owner is not None:
            guard["b_owner"] = owner
        plain, own = statements
        result = self.conn.execute(
            own if owner is not None else plain, {**values, "state": new, **guard}
        )
        if result.rowcount != 1:
            return False
        self.record_event(run, expected, new, now, actor, note)
        return True

    def record_event(
        self,
        run: RunRef,
        old: str | None,
        new: str,
        now: datetime,
        actor: str,
        note: str | None = None,
    ) -> None:
        self.conn.execute(
            _INSERT_EVENT,
            {
                "run_kind": run.kind.value,
                "run_id": run.id,
                "from_state": old,
                "to_state": new,
                "at": now,
                "actor": actor,
                "note": note,
            },
        )

    def job_run(self, account_id: int | None, run_id: int) -> JobRun | None:
        """The run, within the account (``None``: a worker, which serves every account)."""
        if account_id is None:
            found = self.conn.execute(_JOB_RUN, {"b_id": run_id})
        else:
            found = self.conn.execute(_JOB_RUN_OF, {"b_id": run_id, "b_account": account_id})
        row = found.mappings().first()
        return job_run(row) if row else None

    def job_runs(
        self, account_id: int, *, job_id: int | None, state: str | None, page: Keyset
    ) -> list[JobRun]:
        """One page of the account's job runs, newest first."""
        query = select(schema.job_runs).where(schema.job_runs.c.account_id == account_id)
        if job_id is not None:
            query = query.where(schema.job_runs.c.job_id == job_id)
        if state is not None:
            query = query.where(schema.job_runs.c.state == state)
        rows = self.conn.execute(keyset(query, schema.job_runs.c.id, page, newest_first=True))
        return [job_run(r) for r in rows.mappings()]

    def ended_job_runs(self, account_id: int, *, page: Keyset) -> list[JobRun]:
        """One page of finished job runs, newest first (the Completed jobs tab)."""
        query = select(schema.job_runs).where(
            schema.job_runs.c.account_id == account_id,
            schema.job_runs.c.state.in_(_ENDED_JOB_RUN_STATES),
        )
        rows = self.conn.execute(keyset(query, schema.job_runs.c.id, page, newest_first=True))
        return [job_run(r) for r in rows.mappings()]

    def run_events(self, run: RunRef) -> list[RunEvent]:
        """The run's recorded transitions, oldest first."""
        rows = self.conn.execute(
            select(schema.run_events)
            .where(
                schema.run_events.c.run_kind == run.kind.value, schema.run_events.c.run_id == run.id
            )
            .order_by(schema.run_events.c.id)
        ).mappings()
        return [
            RunEvent(
                from_state=r["from_state"],
                to_state=r["to_state"],
                at=r["at"],
                actor=r["actor"],
                note=r["note"],
            )
            for r in rows
        ]

    def last_change_mark(self, job_id: int) -> ChangeMark | None:
        """How far the job's newest successful export read its source, if it recorded it."""
        runs = schema.job_runs
        row = self.conn.execute(
            select(runs.c.change_table, runs.c.change_seq)
            .where(
                runs.c.job_id == job_id,
                runs.c.state == JobRunState.SUCCEEDED.value,
                runs.c.change_seq.is_not(None),
            )
            .order_by(runs.c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else ChangeMark(row.change_table, row.change_seq)

    def last_job_runs(self, account_id: int, job_ids: Sequence[int]) -> dict[int, JobRun]:
        """The newest run (highest id) of each of these jobs of the account."""
        out: dict[int, JobRun] = {}
        ids = list(dict.fromkeys(job_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            newest = (
                select(func.max(schema.job_runs.c.id).label("id"))
                .where(
                    schema.job_runs.c.account_id == account_id, schema.job_runs.c.job_id.in_(chunk)
                )
                .group_by(schema.job_runs.c.job_id)
                .subquery()
            )
            rows = self.conn.execute(
                select(schema.job_runs).join(newest, newest.c.id == schema.job_runs.c.id)
            ).mappings()
            out.update((r["job_id"], job_run(r)) for r in rows)
        return out

    def job_runs_between(
        self,
        account_id: int,
        job_id: int,
        *,
        since: datetime | None,
        until: datetime | None,
        limit: int,
    ) -> list[JobRun]:
        """Runs of a job that started (or, still queued, were requested) in [since, until),
        newest first."""
        start = func.coalesce(schema.job_runs.c.started_at, schema.job_runs.c.created_at)
        query = select(schema.job_runs).where(
            schema.job_runs.c.account_id == account_id, schema.job_runs.c.job_id == job_id
        )
        if since is not None:
            query = query.where(start >= since)
        if until is not None:
            query = query.where(start < until)
        rows = self.conn.execute(
            query.order_by(schema.job_runs.c.id.desc()).limit(limit)
        ).mappings()
        return [job_run(r) for r in rows]
