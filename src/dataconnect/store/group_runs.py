"""Queries of group runs and their steps (a mixin of ``Tx``).

Every change a worker makes is guarded twice: by the state it expects (``WHERE state = …``) and,
where it holds one, by its lease (``WHERE lease_owner = …``, see ``leases``). A worker that lost
its lease to another can change nothing of that run any more.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import RowMapping

from dataconnect.domain.paging import Keyset
from dataconnect.domain.runs import (
    ACTIVE_GROUP_RUN_STATES,
    GroupRun,
    GroupRunState,
    JobRunState,
    RunKind,
    RunRef,
    Step,
    StepState,
    Trigger,
    is_terminal_group_run,
)
from dataconnect.errors import Conflict
from dataconnect.store import schema
from dataconnect.store.paging import keyset
from dataconnect.store.runs import RunQueries

_ACTIVE_GROUP = [x.value for x in ACTIVE_GROUP_RUN_STATES]


def group_run(row: RowMapping, steps: Sequence[Step]) -> GroupRun:
    return GroupRun(
        id=row["id"],
        account_id=row["account_id"],
        group_id=row["group_id"],
        group_name=row["group_name"],
        state=GroupRunState(row["state"]),
        trigger=Trigger(row["trigger"]),
        requested_by=row["requested_by"],
        stop_requested_at=row["stop_requested_at"],
        stopped_by=row["stopped_by"],
        error_code=row["error_code"],
        error_message=row["error_message"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        steps=tuple(steps),
    )


def _step(row: RowMapping) -> Step:
    return Step(
        position=row["position"],
        job_id=row["job_id"],
        job_name=row["job_name"],
        state=StepState(row["state"]),
        job_run_id=row["job_run_id"],
    )


# Built once (see store/runs.py): the statements every step runs.
_GROUP_RUN = select(schema.group_runs).where(schema.group_runs.c.id == bindparam("b_id"))
_GROUP_RUN_OF = _GROUP_RUN.where(schema.group_runs.c.account_id == bindparam("b_account"))
_STEPS = (
    select(schema.group_run_steps)
    .where(schema.group_run_steps.c.group_run_id.in_(bindparam("b_ids", expanding=True)))
    .order_by(schema.group_run_steps.c.group_run_id, schema.group_run_steps.c.position)
)
_MOVE_STEP = update(schema.group_run_steps).where(
    schema.group_run_steps.c.group_run_id == bindparam("b_run"),
    schema.group_run_steps.c.position == bindparam("b_position"),
    schema.group_run_steps.c.state == bindparam("b_state"),
)
_MOVE_GROUP_RUN = update(schema.group_runs).where(
    schema.group_runs.c.id == bindparam("b_id"), schema.group_runs.c.state == bindparam("b_state")
)
_MOVE_OWN_GROUP_RUN = _MOVE_GROUP_RUN.where(schema.group_runs.c.lease_owner == bindparam("b_owner"))


class GroupRunQueries(RunQueries):
    # --- creating and reading -------------------------------------------------------------

    def insert_group_run(
        self,
        *,
        account_id: int,
        group_id: int,
        group_name: str,
        jobs: Sequence[tuple[int, str]],
        trigger: Trigger,
        requested_by: str,
        now: datetime,
        occurrence_id: int | None = None,
    ) -> int:
        """A queued run with one pending step per job; the partial unique index refuses a
        second run in progress of the group."""
        run_id = self._insert(
            insert(schema.group_runs).values(
                account_id=account_id,
                group_id=group_id,
                group_name=group_name,
                state=GroupRunState.QUEUED.value,
                trigger=trigger.value,
                requested_by=requested_by,
                occurrence_id=occurrence_id,
                created_at=now,
            ),
            Conflict(
                f"group {group_name} already has a run in progress", code="GROUP_ALREADY_RUNNING"
            ),
        )
        self.conn.execute(
            insert(schema.group_run_steps),
            [
                {
                    "group_run_id": run_id,
                    "position": position,
                    "job_id": job_id,
                    "job_name": job_name,
                    "state": StepState.PENDING.value,
                }
                for position, (job_id, job_name) in enumerate(jobs, start=1)
            ],
        )
        self.record_event(
            RunRef(RunKind.GROUP, run_id), None, GroupRunState.QUEUED.value, now, requested_by
        )
        return run_id

    def group_run(self, account_id: int | None, run_id: int) -> GroupRun | None:
        if account_id is None:
            found = self.conn.execute(_GROUP_RUN, {"b_id": run_id})
        else:
            found = self.conn.execute(_GROUP_RUN_OF, {"b_id": run_id, "b_account": account_id})
        row = found.mappings().first()
        if row is None:
            return None
        return group_run(row, self._steps([run_id])[run_id])

    def active_group_run(self, account_id: int, group_id: int) -> GroupRun | None:
        row = (
            self.conn.execute(
                select(schema.group_runs).where(
                    schema.group_runs.c.account_id == account_id,
                    schema.group_runs.c.group_id == group_id,
                    schema.group_runs.c.state.in_(_ACTIVE_GROUP),
                )
            )
            .mappings()
            .first()
        )
        return group_run(row, self._steps([row["id"]])[row["id"]]) if row else None

    def group_runs(
        self, account_id: int, *, group_id: int | None, state: str | None, page: Keyset
    ) -> list[GroupRun]:
        """One page of the account's group runs, newest first."""
        query = select(schema.group_runs).where(schema.group_runs.c.account_id == account_id)
        if group_id is not None:
            query = query.where(schema.group_runs.c.group_id == group_id)
        if state is not None:
            query = query.where(schema.group_runs.c.state == state)
        query = keyset(query, schema.group_runs.c.id, page, newest_first=True)
        rows = list(self.conn.execute(query).mappings())
        steps = self._steps([r["id"] for r in rows])
        return [group_run(r, steps[r["id"]]) for r in rows]

    def _steps(self, run_ids: Iterable[int]) -> dict[int, list[Step]]:
        ids = list(run_ids)
        found: dict[int, list[Step]] = {i: [] for i in ids}
        if not ids:
            return found
        rows = self.conn.execute(_STEPS, {"b_ids": ids}).mappings()
        for row in rows:
            found[row["group_run_id"]].append(_step(row))
        return found

    def running_job_ids(self, job_ids: Sequence[int]) -> list[int]:
        """Which of these jobs have a run in progress (on their own or in a group)."""
        if not job_ids:
            return []
        rows = self.conn.execute(
            select(schema.job_runs.c.job_id).where(
                schema.job_runs.c.job_id.in_(list(job_ids)),
                schema.job_runs.c.state.in_([JobRunState.QUEUED.value, JobRunState.RUNNING.value]),
            )
        )
        return [r[0] for r in rows]

    # --- transitions ----------------------------------------------------------------------

    def move_group_run(
        self,
        run_id: int,
        expected: GroupRunState,
        new: GroupRunState,
        now: datetime,
        actor: str,
        *,
        owner: str | None = None,
        note: str | None = None,
        **values: Any,
    ) -> bool:
        """Guarded transition (and, for a worker, guarded by its lease)."""
        return self._move(
            RunRef(RunKind.GROUP, run_id),
            (_MOVE_GROUP_RUN, _MOVE_OWN_GROUP_RUN),
            expected.value,
            new.value,
            now,
            actor,
            owner=owner,
            note=note,
            started=new is GroupRunState.RUNNING,
            ended=is_terminal_group_run(new),
            values=values,
        )

    def move_step(
        self,
        run_id: int,
        position: int,
        expected: StepState,
        new: StepState,
        **values: Any,
    ) -> bool:
        result = self.conn.execute(
            _MOVE_STEP,
            {
                **values,
                "state": new.value,
                "b_run": run_id,
                "b_position": position,
                "b_state": expected.value,
            },
        )
        return result.rowcount == 1

    def skip_pending_steps(self, run_id: int) -> None:
        self.conn.execute(
            update(schema.group_run_steps)
            .where(
                schema.group_run_steps.c.group_run_id == run_id,
                schema.group_run_steps.c.state == StepState.PENDING.value,
            )
            .values(state=StepState.NOT_RUN.value)
        )
