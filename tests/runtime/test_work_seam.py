"""The workers' seam: what runs a job run is its job type's executor, plugged in beside the claim
loop (``services/work.py``), never written into it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from grouping import account

from dataconnect.bootstrap import App
from dataconnect.domain.jobs import JobType
from dataconnect.domain.runs import JobRunState, RunOutcome, StopToken, Trigger
from dataconnect.services.base import Deps
from dataconnect.services.group_handler import GroupRunHandler
from dataconnect.services.job_handler import JobRunHandler, JobWork
from dataconnect.services.work import WorkService
from dataconnect.store.data import DataTables
from dataconnect.store.store import Store

EXPORT_JOB = {
    "name": "Contacts out",
    "type": "export",
    "activate": True,
    "export": {"source": "CONTACTS", "fields": ["CUSTOMER_ID_"], "file_pattern": "out.csv"},
}


@dataclass
class CountingExecutor:
    """An executor of a job type the product does not run yet: it reports what it was given."""

    seen: list[JobWork] = field(default_factory=list)

    def run(self, work: JobWork, stop: StopToken, progress: Callable[[int], None]) -> RunOutcome:
        self.seen.append(work)
        progress(7)
        return RunOutcome(state=JobRunState.SUCCEEDED, processed=7, file_name="out.csv")


def queue_run(app: App, account_id: int, job_id: int, name: str) -> int:
    """A queued run of the job, put straight into the store."""
    with Store(app.engines).write() as tx:
        return tx.insert_job_run(
            account_id=account_id,
            job_id=job_id,
            job_name=name,
            trigger=Trigger.MANUAL,
            requested_by="test",
            now=app.clock.now(),
        )


def test_a_new_job_type_runs_by_adding_its_executor_alone(app: App) -> None:
    env = account(app)
    job = app.jobs.create(env.caller, EXPORT_JOB)
    run_id = queue_run(app, env.account_id, job.id, job.name)
    deps = Deps(
        store=Store(app.engines),
        data=DataTables(app.engines.data, app.engines.data_schema),
        clock=app.clock,
    )
    exports = CountingExecutor()
    jobs = JobRunHandler(deps, {JobType.EXPORT: exports})
    work = WorkService(deps, [GroupRunHandler(deps, jobs), jobs])
    rows: list[tuple[int, int]] = []

    claimed = work.claim("w1")
    assert claimed is not None and claimed.id == run_id
    work.execute(claimed, "w1", threading.Event(), lambda run, n: rows.append((run, n)))

    assert [(w.job.id, w.job_run_id, w.zone) for w in exports.seen] == [
        (job.id, run_id, "Europe/Berlin")
    ]
    assert rows == [(run_id, 7)]
    ended = app.runs.get(env.caller, run_id)
    assert (ended.state, ended.records_processed, ended.file_name) == (
        JobRunState.SUCCEEDED,
        7,
        "out.csv",
    )


def test_a_run_of_a_job_type_nothing_runs_ends_failed_with_a_clear_code(app: App) -> None:
    env = account(app)
    job = app.jobs.create(env.caller, EXPORT_JOB)
    run_id = queue_run(app, env.account_id, job.id, job.name)
    deps = Deps(
        store=Store(app.engines),
        data=DataTables(app.engines.data, app.engines.data_schema),
        clock=app.clock,
    )
    jobs = JobRunHandler(deps, {})  # a worker that runs no job type at all
    work = WorkService(deps, [jobs])

    claimed = work.claim("w1")
    assert claimed is not None and claimed.id == run_id
    work.execute(claimed, "w1", threading.Event())

    ended = app.runs.get(env.caller, run_id)
    assert (ended.state, ended.error_code) == (JobRunState.FAILED, "JOB_TYPE_NOT_RUNNABLE")
