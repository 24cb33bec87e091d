"""Job runs: start one now (a worker runs it), stop it, read the history."""

from __future__ import annotations

import builtins
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from dataconnect.domain import jobs as job_rules
from dataconnect.domain.accounts import Caller
from dataconnect.domain.paging import Keyset
from dataconnect.domain.runs import JobRun, JobRunState, RunKind, RunRef, Trigger
from dataconnect.errors import Conflict, NotFound, Problem, ValidationFailed
from dataconnect.services.base import Deps, require_writer
from dataconnect.services.signals import NEW_WORK, STOP
from dataconnect.services.views import event_view
from dataconnect.services.work import WorkService

HISTORY_MAX = 1000  # runs in one answer of the Connect run history


class RunService:
    def __init__(self, deps: Deps, work: WorkService) -> None:
        self._deps = deps
        self._work = work

    def start_job(self, caller: Caller, job_id: int, trigger: Trigger = Trigger.MANUAL) -> JobRun:
        """Queue a run of the job now; refused while it or its group runs."""
        require_writer(caller)
        now = self._deps.clock.now()
        with self._deps.store.write() as tx:
            job = tx.job(caller.account_id, job_id)
            if job is None:
                raise NotFound(f"no job with id {job_id}", code="JOB_NOT_FOUND")
            running = job.group_id is not None and tx.group_running(job.group_id)
            job_rules.check_runnable(job, group_running=running)
            if trigger is Trigger.API:
                job_rules.check_triggerable(job)
            run_id = tx.insert_job_run(
                account_id=caller.account_id,
                job_id=job.id,
                job_name=job.name,
                trigger=trigger,
                requested_by=caller.label,
                now=now,
            )
            run = tx.job_run(caller.account_id, run_id)
            tx.notify(NEW_WORK, RunRef(RunKind.JOB, run_id))
        assert run is not None
        self._deps.signals.publish(NEW_WORK, RunRef(RunKind.JOB, run_id))
        return run

    def execute(
        self,
        account_id: int,
        run_id: int,
        stop: threading.Event,
        progress: Callable[[int], None] = lambda rows: None,
        actor: str = "worker",
    ) -> JobRun:
        """Run this queued job run here, in the calling thread, and return it as it ended.

        For the CLI's ``--wait`` and for tests; it claims the run like any worker, so a run
        another worker already took is only waited for (by the caller), never run twice.
        """
        worker = f"{actor}:{uuid.uuid4().hex[:12]}"
        claimed = self._work.claim(worker, only=RunRef(RunKind.JOB, run_id))
        if claimed is not None:
            self._work.execute(claimed, worker, stop, lambda _, rows: progress(rows))
        with self._deps.store.read() as tx:
            run = tx.job_run(account_id, run_id)
        if run is None:
            raise NotFound(f"no job run {run_id}", code="JOB_RUN_NOT_FOUND")
        return run

    def stop(self, caller: Caller, run_id: int) -> JobRun:
        """Stop a job run: a queued one ends at once, a running one within a second."""
        require_writer(caller)
        now = self._deps.clock.now()
        with self._deps.store.write() as tx:
            run = tx.job_run(caller.account_id, run_id)
            if run is None:
                raise NotFound(f"no job run {run_id}", code="JOB_RUN_NOT_FOUND")
            if run.group_run_id is not None and run.state is JobRunState.RUNNING:
                raise Conflict(
                    f"job run {run_id} is a step of group run {run.group_run_id}; "
                    "stop the group run",
                    code="JOB_RUN_IN_GROUP_RUN",
                )
            if run.state is JobRunState.QUEUED:
                tx.move_job_run(
                    run_id,
                    JobRunState.QUEUED,
                    JobRunState.ABORTED,
                    now,
                    caller.label,
                    stop_requested_at=now,
                    stopped_by=caller.label,
                )
            elif run.state is JobRunState.RUNNING:
                tx.request_job_stop(run_id, now, caller.label)
            else:
                raise Conflict(
                    f"job run {run_id} already ended ({run.state.value})",
                    code="RUN_ALREADY_ENDED",
                )
            run = tx.job_run(caller.account_id, run_id)
            tx.notify(STOP, RunRef(RunKind.JOB, run_id))
        assert run is not None
        self._deps.signals.publish(STOP, RunRef(RunKind.JOB, run_id))
        return run

    def get(self, caller: Caller, run_id: int) -> JobRun:
        with self._deps.store.read() as tx:
            run = tx.job_run(caller.account_id, run_id)
        if run is None:
            raise NotFound(f"no job run {run_id}", code="JOB_RUN_NOT_FOUND")
        return run

    def history(self, caller: Caller, run_id: int) -> builtins.list[dict[str, object]]:
        self.get(caller, run_id)
        with self._deps.store.read() as tx:
            events = tx.run_events(RunRef(RunKind.JOB, run_id))
        return [event_view(e) for e in events]

    def list(
        self,
        caller: Caller,
        *,
        job_id: int | None = None,
        state: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> tuple[builtins.list[JobRun], str | None]:
        if state is not None and state not in {s.value for s in JobRunState}:
            raise ValidationFailed(
                Problem(
                    "state",
                    "JOB_RUN_STATE_INVALID",
                    "queued, running, succeeded, failed or aborted",
                )
            )
        page = Keyset.of(limit, cursor)
        with self._deps.store.read() as tx:
            found = tx.job_runs(caller.account_id, job_id=job_id, state=state, page=page)
        return page.cut(found, key=lambda run: run.id)

    # --- the Connect trigger API (compatibility endpoints) --------------------------------------

    def trigger(self, caller: Caller, job_id: int) -> JobRun:
        """Queue a run for the original system's trigger API (``Trigger.API``): like
        ``start_job``, and partner-integration jobs are refused too."""
        return self.start_job(caller, job_id, Trigger.API)

    def last_runs(self, caller: Caller, job_ids: Iterable[int]) -> dict[int, JobRun]:
        """The newest run of each of these jobs (job id → run; jobs never run are left out).

        A job has at most one queued or running run, and no run can be added while it has
        one, so a job is running exactly when its newest run is queued or running.
        """
        with self._deps.store.read() as tx:
            return tx.last_job_runs(caller.account_id, builtins.list(job_ids))

    def job_history(
        self,
        caller: Caller,
        job_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = HISTORY_MAX,
    ) -> builtins.list[JobRun]:
        """The runs of a job that started (or, still queued, were requested) in
        ``[since, until)``, newest first, at most ``limit``; the job must exist."""
        with self._deps.store.read() as tx:
            if tx.job(caller.account_id, job_id) is None:
                raise NotFound(f"no job with id {job_id}", code="JOB_NOT_FOUND")
            return tx.job_runs_between(
                caller.account_id, job_id, since=since, until=until, limit=limit
            )
