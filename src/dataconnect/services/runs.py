"""Job runs: start one now, execute it (the import engine), read the history."""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable
from dataclasses import dataclass

from dataconnect.domain import jobs as job_rules
from dataconnect.domain.accounts import Caller
from dataconnect.domain.imports import RunFailure
from dataconnect.domain.paging import check_limit, decode_cursor, encode_cursor
from dataconnect.domain.runs import JobRun, JobRunState, Trigger
from dataconnect.errors import NotFound, Problem, ValidationFailed
from dataconnect.files.server import FileServer
from dataconnect.imports.engine import ImportOutcome, SinkFactory, StopToken, run_import
from dataconnect.services.base import Deps, require_writer
from dataconnect.services.views import iso

log = logging.getLogger(__name__)
FINAL = {
    "succeeded": JobRunState.SUCCEEDED,
    "failed": JobRunState.FAILED,
    "aborted": JobRunState.ABORTED,
}


@dataclass(frozen=True)
class RunContext:
    files: FileServer
    open_sink: SinkFactory


class RunService:
    def __init__(self, deps: Deps, context: RunContext) -> None:
        self._d = deps
        self._c = context

    def start_job(self, caller: Caller, job_id: int, trigger: Trigger = Trigger.MANUAL) -> JobRun:
        """Queue a run of the job now; refused while it or its group runs."""
        require_writer(caller)
        now = self._d.clock.now()
        with self._d.store.write() as tx:
            job = tx.job(caller.account_id, job_id)
            if job is None:
                raise NotFound(f"no job with id {job_id}", code="JOB_NOT_FOUND")
            running = job.group_id is not None and tx.group_running(job.group_id)
            job_rules.check_runnable(job, group_running=running)
            run_id = tx.insert_job_run(
                account_id=caller.account_id,
                job_id=job.id,
                job_name=job.name,
                trigger=trigger,
                requested_by=caller.label,
                now=now,
            )
            run = tx.job_run(caller.account_id, run_id)
        assert run is not None
        return run

    def execute(
        self,
        account_id: int,
        run_id: int,
        stop: StopToken,
        progress: Callable[[int], None] = lambda rows: None,
        actor: str = "worker",
    ) -> JobRun:
        """Run a queued job run to its end and record the outcome."""
        now = self._d.clock.now()
        with self._d.store.write() as tx:
            run = tx.job_run(account_id, run_id)
            if run is None:
                raise NotFound(f"no job run {run_id}", code="JOB_RUN_NOT_FOUND")
            if not tx.move_job_run(run_id, JobRunState.QUEUED, JobRunState.RUNNING, now, actor):
                return run  # someone else took it, or it ended
            job = tx.job(account_id, run.job_id)
            account = tx.account(account_id)
            tables = {t.name: t for t in tx.tables(account_id)}
        if job is None or account is None:
            outcome = ImportOutcome(
                state="failed", error_code="JOB_NOT_FOUND", error_message="the job was deleted"
            )
        else:
            try:
                outcome = run_import(
                    job=job,
                    zone=account.timezone,
                    tables=tables,
                    job_run_id=run_id,
                    files=self._c.files,
                    open_sink=self._c.open_sink,
                    now=now,
                    stop=stop,
                    progress=progress,
                )
            except Exception as exc:  # a bug or the database went away: the run still ends
                log.exception("job run %s crashed", run_id)
                outcome = ImportOutcome(
                    state="failed",
                    error_code=RunFailure.INTERNAL_ERROR.value,
                    error_message=str(exc)[:500],
                )
        return self._finish(account_id, run_id, outcome, actor)

    def _finish(self, account_id: int, run_id: int, outcome: ImportOutcome, actor: str) -> JobRun:
        now = self._d.clock.now()
        with self._d.store.write() as tx:
            tx.move_job_run(
                run_id,
                JobRunState.RUNNING,
                FINAL[outcome.state],
                now,
                actor,
                records_processed=outcome.processed,
                records_added=outcome.added,
                records_updated=outcome.updated,
                records_rejected=outcome.rejected,
                error_code=outcome.error_code,
                error_message=outcome.error_message,
                rejects_file=outcome.rejects_file,
                file_name=outcome.file_name,
            )
            run = tx.job_run(account_id, run_id)
        assert run is not None
        return run

    def get(self, caller: Caller, run_id: int) -> JobRun:
        with self._d.store.read() as tx:
            run = tx.job_run(caller.account_id, run_id)
        if run is None:
            raise NotFound(f"no job run {run_id}", code="JOB_RUN_NOT_FOUND")
        return run

    def history(self, caller: Caller, run_id: int) -> builtins.list[dict[str, object]]:
        self.get(caller, run_id)
        with self._d.store.read() as tx:
            events = tx.run_events("job", run_id)
        return [{**e, "at": iso(e["at"])} for e in events]

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
        size = check_limit(limit)
        before = decode_cursor(cursor)
        with self._d.store.read() as tx:
            found = tx.job_runs(
                caller.account_id, job_id=job_id, state=state, before_id=before, limit=size + 1
            )
        more = len(found) > size
        found = found[:size]
        return found, encode_cursor(found[-1].id) if more else None
