"""The workers' door: claim a queued run (or one whose worker was lost), run it, report.

A group run goes step by step, each step's import committed before the next one starts. Every
change is guarded by the state it expects and by the worker's lease, so a worker that lost its
lease (it was too slow, or presumed dead) changes nothing any more. The import writes a marker
row with its data; a worker that takes a run over reads it to know whether the interrupted
step's data committed (then the step succeeded) or not (then it runs again, at most
``MAX_ATTEMPTS`` times in all).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dataconnect.domain.imports import RunFailure
from dataconnect.domain.runs import (
    INTERRUPTED,
    MAX_ATTEMPTS,
    STEP_STATE_OF_JOB_RUN,
    GroupRunState,
    JobRun,
    JobRunState,
    StepState,
    can_move_group_run,
    group_state_after,
)
from dataconnect.errors import Conflict
from dataconnect.files.server import FileServer
from dataconnect.imports.engine import ImportOutcome, SinkFactory, run_import
from dataconnect.services.base import Deps
from dataconnect.services.notifications import MAIL, record_group_run_end
from dataconnect.store import schema as s
from dataconnect.store.store import Tx

log = logging.getLogger(__name__)
LEASE_SECONDS = 10.0
FINAL = {
    "succeeded": JobRunState.SUCCEEDED,
    "failed": JobRunState.FAILED,
    "aborted": JobRunState.ABORTED,
}


@dataclass(frozen=True)
class RunContext:
    files: FileServer
    open_sink: SinkFactory


Progress = Callable[[int, int], None]  # (job run id, records read so far)


@dataclass(frozen=True, slots=True)
class Claimed:
    kind: str  # group | job
    id: int
    account_id: int
    taken_over: bool  # its previous worker's lease ran out


class WorkService:
    def __init__(self, deps: Deps, context: RunContext, lease_seconds: float = LEASE_SECONDS):
        self._d = deps
        self._c = context
        self.lease = timedelta(seconds=lease_seconds)

    # --- claiming and leases --------------------------------------------------------------

    def claim(self, worker: str, only: tuple[str, int] | None = None) -> Claimed | None:
        """Take the oldest queued run, or one whose lease ran out; group runs first."""
        now = self._d.clock.now()
        until = now + self.lease
        kinds = [("group", s.group_runs), ("job", s.job_runs)]
        with self._d.store.write() as tx:
            for kind, table in kinds:
                if only is not None and only[0] != kind:
                    continue
                where = {"id": only[1]} if only is not None else {}
                row = tx.claim(table, worker, now, until, **where)
                if row is None:
                    continue
                taken_over = row["state"] != "queued"
                if not taken_over:
                    if kind == "group":
                        moved = tx.move_group_run(
                            row["id"], GroupRunState.QUEUED, GroupRunState.RUNNING, now, worker
                        )
                    else:
                        moved = tx.move_job_run(
                            row["id"], JobRunState.QUEUED, JobRunState.RUNNING, now, worker
                        )
                    assert moved
                else:
                    note = f"taken over from {row['lease_owner']}: its lease ran out"
                    tx.record_event(kind, row["id"], row["state"], row["state"], now, worker, note)
                return Claimed(kind, row["id"], row["account_id"], taken_over)
        return None

    def renew(self, worker: str) -> tuple[set[int], set[int]]:
        """Extend every lease this worker holds; the group and job runs it still holds."""
        until = self._d.clock.now() + self.lease
        with self._d.store.write() as tx:
            return tx.renew_leases(worker, until)

    def stops_for(self, worker: str) -> tuple[set[int], set[int]]:
        with self._d.store.read() as tx:
            return tx.stops_for(worker)

    def report_progress(self, worker: str, rows: dict[int, int]) -> None:
        if not rows:
            return
        with self._d.store.write() as tx:
            for job_run_id, processed in rows.items():
                tx.set_progress(job_run_id, worker, processed)

    # --- running --------------------------------------------------------------------------

    def execute(
        self,
        claimed: Claimed,
        worker: str,
        stop: threading.Event,
        progress: Progress = lambda run, rows: None,
        halt: threading.Event | None = None,
    ) -> None:
        """Run the claimed run to its end. ``stop`` aborts the running import (a stop asked
        for, or ``halt``: this worker is shutting down, and then the run is handed back)."""
        halt = halt or threading.Event()
        if claimed.kind == "group":
            self._group(claimed, worker, stop, progress, halt)
            self._d.signals.publish(MAIL)  # its email, if any, is committed now
        else:
            self._single(claimed, worker, stop, progress, halt)

    def _single(
        self,
        claimed: Claimed,
        worker: str,
        stop: threading.Event,
        progress: Progress,
        halt: threading.Event,
    ) -> None:
        outcome = self._attempt(
            claimed.account_id, claimed.id, worker, claimed.taken_over, stop, progress
        )
        if outcome is None:
            return
        with self._d.store.write() as tx:
            if outcome.state == "aborted" and halt.is_set():
                run = tx.job_run(None, claimed.id)
                if run is not None and run.stop_requested_at is None:
                    tx.release_lease(s.job_runs, claimed.id, worker, self._d.clock.now())
                    return
            self._end_job_run(tx, claimed.id, outcome, worker)

    def _group(
        self,
        claimed: Claimed,
        worker: str,
        stop: threading.Event,
        progress: Progress,
        halt: threading.Event,
    ) -> None:
        resumed = claimed.taken_over
        with self._d.store.write() as tx:
            job_run_id, stopping = self._next_step(tx, claimed, worker, resumed)
        while job_run_id is not None:
            if stopping:
                stop.set()  # taken over while stopping: only a committed step is kept
            outcome = self._attempt(claimed.account_id, job_run_id, worker, resumed, stop, progress)
            resumed = False
            if outcome is None:
                return  # the lease is gone: the run is another worker's now
            with self._d.store.write() as tx:
                if outcome.state == "aborted" and halt.is_set():
                    current = tx.group_run(None, claimed.id)
                    if current is not None and current.state is GroupRunState.RUNNING:
                        # Shutting down, not stopped: hand the run back, the step runs again.
                        now = self._d.clock.now()
                        tx.release_lease(s.job_runs, job_run_id, worker, now)
                        tx.release_lease(s.group_runs, claimed.id, worker, now)
                        return
                run = self._end_job_run(tx, job_run_id, outcome, worker)
                if run is None or run.position is None:
                    return
                step_state = STEP_STATE_OF_JOB_RUN[run.state]
                tx.move_step(claimed.id, run.position, StepState.RUNNING, step_state)
                after = group_state_after(step_state)
                if after is not None:
                    tx.skip_pending_steps(claimed.id)
                    self._end_group(
                        tx,
                        claimed.id,
                        after,
                        worker,
                        run.error_code if after is GroupRunState.FAILED else None,
                        _step_error(run) if after is GroupRunState.FAILED else None,
                    )
                    return
                # The hand-off: this step's end and the next one's start commit together.
                job_run_id, stopping = self._next_step(tx, claimed, worker, False)

    def _next_step(
        self, tx: Tx, claimed: Claimed, worker: str, resumed: bool
    ) -> tuple[int | None, bool]:
        """Start the next step, or pick up the interrupted one: its job run and whether the run
        is stopping; no job run when the group run has ended."""
        now = self._d.clock.now()
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
            tx.take_lease(s.job_runs, step.job_run_id, worker, now + self.lease)
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
        tx.take_lease(s.job_runs, job_run_id, worker, now + self.lease)
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
        now = self._d.clock.now()
        values: dict[str, Any] = {"error_code": code, "error_message": message}
        for expected in (GroupRunState.RUNNING, GroupRunState.STOPPING):
            if can_move_group_run(expected, state) and tx.move_group_run(
                run_id, expected, state, now, worker, owner=worker, **values
            ):
                record_group_run_end(tx, run_id, now)  # committed with the final state
                return

    # --- one import attempt ---------------------------------------------------------------

    def _attempt(
        self,
        account_id: int,
        job_run_id: int,
        worker: str,
        resumed: bool,
        stop: threading.Event,
        progress: Progress = lambda run, rows: None,
    ) -> ImportOutcome | None:
        """Run the job run's import once; ``None`` if the run is no longer this worker's."""
        with self._d.store.read() as tx:
            run = tx.job_run(account_id, job_run_id)
            job = tx.job(account_id, run.job_id) if run else None
            account = tx.account(account_id)
            tables = {t.name: t for t in tx.tables(account_id)}
        if run is None or run.state is not JobRunState.RUNNING:
            return None
        if run.stop_requested_at is not None:
            stop.set()
        if resumed:
            applied = self._d.data.applied(job_run_id)
            if applied is not None:
                return _from_applied(applied)
            if run.attempt >= MAX_ATTEMPTS:
                return ImportOutcome(
                    state="failed",
                    error_code=INTERRUPTED,
                    error_message=(
                        f"the run was interrupted {run.attempt} times (its worker was lost); "
                        "its data was rolled back each time"
                    ),
                    file_name=run.file_name,
                )
            with self._d.store.write() as tx:
                tx.bump_attempt(job_run_id)
                tx.record_event(
                    "job",
                    job_run_id,
                    "running",
                    "running",
                    self._d.clock.now(),
                    worker,
                    f"attempt {run.attempt + 1}: its worker was lost and its data rolled back",
                )
        if job is None or account is None:
            return ImportOutcome(
                state="failed", error_code="JOB_NOT_FOUND", error_message="the job was deleted"
            )
        try:
            return run_import(
                job=job,
                zone=account.timezone,
                tables=tables,
                job_run_id=job_run_id,
                files=self._c.files,
                open_sink=self._c.open_sink,
                now=self._d.clock.now(),
                stop=stop,
                progress=lambda rows: progress(job_run_id, rows),
            )
        except Exception as exc:  # a bug or the database went away: the run still ends
            log.exception("job run %s crashed", job_run_id)
            return ImportOutcome(
                state="failed",
                error_code=RunFailure.INTERNAL_ERROR.value,
                error_message=str(exc)[:500],
            )

    def _end_job_run(
        self, tx: Tx, job_run_id: int, outcome: ImportOutcome, worker: str
    ) -> JobRun | None:
        """Record the outcome, if the run is still this worker's; the run as it ended."""
        ended = tx.move_job_run(
            job_run_id,
            JobRunState.RUNNING,
            FINAL[outcome.state],
            self._d.clock.now(),
            worker,
            owner=worker,
            note="already applied by an earlier attempt" if outcome.already_applied else None,
            records_processed=outcome.processed,
            records_added=outcome.added,
            records_updated=outcome.updated,
            records_rejected=outcome.rejected,
            error_code=outcome.error_code,
            error_message=outcome.error_message,
            rejects_file=outcome.rejects_file,
            file_name=outcome.file_name,
        )
        if not ended:
            return None
        return tx.job_run(None, job_run_id)


def _from_applied(applied: dict[str, Any]) -> ImportOutcome:
    return ImportOutcome(
        state="succeeded",
        processed=applied.get("records_processed", 0),
        added=applied.get("records_added", 0),
        updated=applied.get("records_updated", 0),
        rejected=applied.get("records_rejected", 0),
        file_name=applied.get("file_name"),
        rejects_file=applied.get("rejects_file"),
        already_applied=True,
    )


def _step_error(run: JobRun) -> str:
    detail = run.error_message or run.state.value
    return f"step {run.position} ({run.job_name}) {run.state.value}: {detail}"
