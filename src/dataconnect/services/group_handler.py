"""Running a group run: step by step, each step's job run committed before the next starts.

A step is a job run of the group's run (``job_handler`` runs it). The end of a step and the
start of the next commit together, so a group run is never between two steps with neither
running; a worker that takes a group run over picks up the step that was running.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from dataconnect.domain.runs import (
    STEP_STATE_OF_JOB_RUN,
    Claimed,
    GroupRunState,
    JobRun,
    JobRunState,
    RunKind,
    StepState,
    can_move_group_run,
    group_state_after,
)
from dataconnect.errors import Conflict
from dataconnect.services.base import Deps
from dataconnect.services.job_handler import JobRunHandler
from dataconnect.services.notifications import MAIL, record_group_run_end
from dataconnect.services.work import LEASE_SECONDS, Progress
from dataconnect.store.store import Tx


class GroupRunHandler:
    kind = RunKind.GROUP

    def __init__(
        self, deps: Deps, jobs: JobRunHandler, lease_seconds: float = LEASE_SECONDS
    ) -> None:
        self._deps = deps
        self._jobs = jobs
        self.lease = timedelta(seconds=lease_seconds)

    def begin(self, tx: Tx, claimed: Claimed, now: datetime, worker: str) -> None:
        moved = tx.move_group_run(
            claimed.id, GroupRunState.QUEUED, GroupRunState.RUNNING, now, worker
        )
        assert moved

    def execute(
        self,
        claimed: Claimed,
        worker: str,
        stop: threading.Event,
        progress: Progress,
        halt: threading.Event,
    ) -> None:
        self._steps(claimed, worker, stop, progress, halt)
        self._deps.signals.publish(MAIL)  # its email, if any, is committed now

    def _steps(
        self,
        claimed: Claimed,
        worker: str,
        stop: threading.Event,
        progress: Progress,
        halt: threading.Event,
    ) -> None:
        resumed = claimed.taken_over
        with self._deps.store.write() as tx:
            job_run_id, stopping = self._next_step(tx, claimed, worker, resumed)
        while job_run_id is not None:
            if stopping:
                stop.set()  # taken over while stopping: only a committed step is kept
            outcome = self._jobs.attempt(
                claimed.account_id, job_run_id, worker, resumed, stop, progress
            )
            resumed = False
            if outcome is None:
                return  # the lease is gone: the run is another worker's now
            with self._deps.store.write() as tx:
                if outcome.state is JobRunState.ABORTED and halt.is_set():
                    current = tx.group_run(None, claimed.id)
                    if current is not None and current.state is GroupRunState.RUNNING:
                        # Shutting down, not stopped: hand the run back, the step runs again.
                        now = self._deps.clock.now()
                        tx.release_lease(RunKind.JOB, job_run_id, worker, now)
                        tx.release_lease(RunKind.GROUP, claimed.id, worker, now)
                        return
                run = self._jobs.end(tx, job_run_id, outcome, worker)
                if run is None or run.position is None:
                    return
                step_state = STEP_STATE_OF_JOB_RUN[run.state]
                tx.move_step(claimed.id, run.position, StepState.RUNNING, step_state)
                after = group_state_after(step_state)
                if after is not None:
                    tx.skip_pending_steps(claimed.id)
                    failed = after is GroupRunState.FAILED
                    self._end_group(
                        tx,
                        claimed.id,
                        after,
                        worker,
                        run.error_code if failed else None,
                        _step_error(run) if failed else None,
                    )
                    return
                # The hand-off: this step's end and the next one's start commit together.
                job_run_id, stopping = self._next_step(tx, claimed, worker, False)

    def _next_step(
        self, tx: Tx, claimed: Claimed, worker: str, resumed: bool
    ) -> tuple[int | None, bool]:
        """Start the next step, or pick up the interrupted one: its job run and whether the run
        is stopping; no job run when the group run has ended."""
        now = self._deps.clock.now()
        run = tx.group_run(None, claimed.id)
        if run is None or not run.active:
            return None, False
        step = run.next_step()
        if run.state is GroupRunState.STOPPING and (step is None or not resumed):
            # Asked to stop between two steps (or before the first): nothing more runs.
            tx.skip_pending_steps(run.id)
            self._end_group(tx, run.id, GroupRunState.STOPPED, worker)
            return None, False
        if step is None:
            self._end_group(tx, run.id, GroupRunState.SUCCEEDED, worker)
            return None, False
        if step.state is StepState.RUNNING and step.job_run_id is not None:
            tx.take_lease(RunKind.JOB, step.job_run_id, worker, now + self.lease)
            return step.job_run_id, run.state is GroupRunState.STOPPING
        try:
            job_run_id = tx.insert_job_run(
                account_id=run.account_id,
                job_id=step.job_id,
                job_name=step.job_name,
                trigger=run.trigger,
                requested_by=run.requested_by,
                now=now,
                group_run_id=run.id,
                position=step.position,
            )
        except Conflict as refused:
            # The job runs on its own (it started in the instant before this group run did).
            tx.move_step(run.id, step.position, StepState.PENDING, StepState.FAILED)
            tx.skip_pending_steps(run.id)
            self._end_group(tx, run.id, GroupRunState.FAILED, worker, refused.code, refused.message)
            return None, False
        tx.take_lease(RunKind.JOB, job_run_id, worker, now + self.lease)
        tx.move_job_run(job_run_id, JobRunState.QUEUED, JobRunState.RUNNING, now, worker)
        tx.move_step(
            run.id, step.position, StepState.PENDING, StepState.RUNNING, job_run_id=job_run_id
        )
        return job_run_id, False

    def _end_group(
        self,
        tx: Tx,
        run_id: int,
        state: GroupRunState,
        worker: str,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        now = self._deps.clock.now()
        for expected in (GroupRunState.RUNNING, GroupRunState.STOPPING):
            if can_move_group_run(expected, state) and tx.move_group_run(
                run_id,
                expected,
                state,
                now,
                worker,
                owner=worker,
                error_code=code,
                error_message=message,
            ):
                record_group_run_end(tx, run_id, now)  # committed with the final state
                return


def _step_error(run: JobRun) -> str:
    detail = run.error_message or run.state.value
    return f"step {run.position} ({run.job_name}) {run.state.value}: {detail}"
