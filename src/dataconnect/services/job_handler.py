"""Running a job run, on its own or as a step of a group run.

A job's type picks the ``JobExecutor`` that does the work (``import_executor`` for imports);
this module reads what the run needs, resumes a run whose worker was lost, and records the
outcome under the worker's lease. A job type with no executor cannot run.

A run that commits data writes a marker row with it (in the data database); a worker that takes
an interrupted run over reads it to know whether the run's data committed (then it succeeded)
or not (then it runs again, at most ``MAX_ATTEMPTS`` times in all).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from dataconnect.domain.imports import RunFailure
from dataconnect.domain.jobs import Job, JobType
from dataconnect.domain.runs import (
    INTERRUPTED,
    MAX_ATTEMPTS,
    Claimed,
    JobRun,
    JobRunState,
    RunKind,
    RunOutcome,
    RunRef,
    StopToken,
)
from dataconnect.domain.tables import TableDef
from dataconnect.services.base import Deps
from dataconnect.services.notifications import MAIL, record_job_run_end
from dataconnect.services.work import Progress
from dataconnect.store.store import Tx

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class JobWork:
    """What one attempt of a job run gets to work with."""

    job: Job
    zone: str  # the account's time zone
    tables: Mapping[str, TableDef]  # the account's tables, by name
    job_run_id: int
    now: datetime  # this attempt's start
    started_at: datetime  # the run's first start (an attempt after a lost one keeps it)


class JobExecutor(Protocol):
    """Does the work of one job type's runs."""

    def run(self, work: JobWork, stop: StopToken, progress: Callable[[int], None]) -> RunOutcome:
        """One attempt, to its end: succeeded, failed (with a code) or aborted (``stop`` was
        set). ``progress`` receives the records handled so far. Raising is a bug: the run is
        recorded failed ``INTERNAL_ERROR``."""


class JobRunHandler:
    kind = RunKind.JOB

    def __init__(self, deps: Deps, executors: Mapping[JobType, JobExecutor]) -> None:
        self._deps = deps
        self._executors = dict(executors)

    def begin(self, tx: Tx, claimed: Claimed, now: datetime, worker: str) -> None:
        moved = tx.move_job_run(claimed.id, JobRunState.QUEUED, JobRunState.RUNNING, now, worker)
        assert moved

    def execute(
        self,
        claimed: Claimed,
        worker: str,
        stop: threading.Event,
        progress: Progress,
        halt: threading.Event,
    ) -> None:
        outcome = self.attempt(
            claimed.account_id, claimed.id, worker, claimed.taken_over, stop, progress
        )
        if outcome is None:
            return
        with self._deps.store.write() as tx:
            if outcome.state is JobRunState.ABORTED and halt.is_set():
                run = tx.job_run(None, claimed.id)
                if run is not None and run.stop_requested_at is None:
                    # Shutting down, not stopped: hand the run back, it runs again.
                    tx.release_lease(RunKind.JOB, claimed.id, worker, self._deps.clock.now())
                    return
            self.end(tx, claimed.id, outcome, worker)
        self._deps.signals.publish(MAIL)  # its email, if any, is committed now

    def attempt(
        self,
        account_id: int,
        job_run_id: int,
        worker: str,
        resumed: bool,
        stop: threading.Event,
        progress: Progress = lambda run, rows: None,
    ) -> RunOutcome | None:
        """Run the job run once; ``None`` if the run is no longer this worker's."""
        with self._deps.store.read() as tx:
            run = tx.job_run(account_id, job_run_id)
            job = tx.job(account_id, run.job_id) if run else None
            account = tx.account(account_id)
            tables = {t.name: t for t in tx.tables(account_id)}
        if run is None or run.state is not JobRunState.RUNNING:
            return None
        if run.stop_requested_at is not None:
            stop.set()
        if resumed:
            resumed_outcome = self._resume(run, worker)
            if resumed_outcome is not None:
                return resumed_outcome
        if job is None or account is None:
            return _failed("JOB_NOT_FOUND", "the job was deleted")
        executor = self._executors.get(job.type)
        now = self._deps.clock.now()
        if executor is None:
            return _failed("JOB_TYPE_NOT_RUNNABLE", f"{job.type.value} jobs cannot run")
        work = JobWork(
            job=job,
            zone=account.timezone,
            tables=tables,
            job_run_id=job_run_id,
            now=now,
            started_at=run.started_at or now,
        )
        try:
            return executor.run(work, stop, lambda rows: progress(job_run_id, rows))
        except Exception as exc:  # a bug or the database went away: the run still ends
            log.exception("job run %s crashed", job_run_id)
            return _failed(RunFailure.INTERNAL_ERROR.value, str(exc)[:500])

    def _resume(self, run: JobRun, worker: str) -> RunOutcome | None:
        """A run taken over from a lost worker: what its data's marker says it did, a failure
        after too many attempts, or ``None`` (run it again, one attempt more)."""
        applied = self._deps.data.applied(run.id)
        if applied is not None:
            return _from_applied(applied)
        if run.attempt >= MAX_ATTEMPTS:
            return RunOutcome(
                state=JobRunState.FAILED,
                error_code=INTERRUPTED,
                error_message=(
                    f"the run was interrupted {run.attempt} times (its worker was lost); "
                    "its data was rolled back each time"
                ),
                file_name=run.file_name,
            )
        with self._deps.store.write() as tx:
            tx.bump_attempt(run.id)
            tx.record_event(
                RunRef(RunKind.JOB, run.id),
                JobRunState.RUNNING.value,
                JobRunState.RUNNING.value,
                self._deps.clock.now(),
                worker,
                f"attempt {run.attempt + 1}: its worker was lost and its data rolled back",
            )
        return None

    def end(self, tx: Tx, job_run_id: int, outcome: RunOutcome, worker: str) -> JobRun | None:
        """Record the outcome, if the run is still this worker's; the run as it ended."""
        ended = tx.move_job_run(
            job_run_id,
            JobRunState.RUNNING,
            outcome.state,
            self._deps.clock.now(),
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
            output_files=list(outcome.output_files) or None,
            change_table=outcome.change_mark.table if outcome.change_mark else None,
            change_seq=outcome.change_mark.seq if outcome.change_mark else None,
        )
        if not ended:
            return None
        run = tx.job_run(None, job_run_id)
        if run is not None:
            record_job_run_end(tx, run, self._deps.clock.now())  # committed with the end
        return run


def _failed(code: str, message: str) -> RunOutcome:
    return RunOutcome(state=JobRunState.FAILED, error_code=code, error_message=message)


def _from_applied(applied: dict[str, Any]) -> RunOutcome:
    return RunOutcome(
        state=JobRunState.SUCCEEDED,
        processed=applied.get("records_processed", 0),
        added=applied.get("records_added", 0),
        updated=applied.get("records_updated", 0),
        rejected=applied.get("records_rejected", 0),
        file_name=applied.get("file_name"),
        rejects_file=applied.get("rejects_file"),
        already_applied=True,
    )
