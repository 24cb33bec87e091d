"""Import and export jobs: create, read, change, activate, deactivate, delete."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from dataconnect.domain import jobs as job_rules
from dataconnect.domain.accounts import Caller
from dataconnect.domain.jobs import Job, JobState, JobType
from dataconnect.domain.paging import Keyset
from dataconnect.domain.requests import job_from_request
from dataconnect.domain.runs import RunKind
from dataconnect.domain.tables import TableDef, TableKind
from dataconnect.errors import Conflict, NotFound, Problem, ValidationFailed
from dataconnect.services.base import Deps, require_writer
from dataconnect.services.schedules import ScheduleService
from dataconnect.store.data import CHANGE_SEQ
from dataconnect.store.store import Tx


def _not_found(job_id: int) -> NotFound:
    return NotFound(f"no job with id {job_id}", code="JOB_NOT_FOUND")


class JobService:
    def __init__(self, deps: Deps, schedules: ScheduleService) -> None:
        self._deps = deps
        self._schedules = schedules

    def _account_zone(self, tx: Tx, caller: Caller) -> str:
        account = tx.account(caller.account_id)
        if account is None:
            raise NotFound("the account no longer exists", code="ACCOUNT_NOT_FOUND")
        return account.timezone

    def _get(self, tx: Tx, caller: Caller, job_id: int) -> Job:
        job = tx.job(caller.account_id, job_id)
        if job is None:
            raise _not_found(job_id)
        return job

    def create(self, caller: Caller, data: Mapping[str, Any]) -> Job:
        require_writer(caller)
        now = self._deps.clock.now()
        with self._deps.store.write() as tx:
            tables = {t.name: t for t in tx.tables(caller.account_id)}
            job = job_from_request(
                data,
                account_id=caller.account_id,
                account_zone=self._account_zone(tx, caller),
                tables=tables,
                connections=tx.connection_names(caller.account_id),
                now=now,
            )
            if job.state is JobState.ACTIVE:
                job_rules.activate(job)
            created = replace(job, id=tx.insert_job(job))
            self._ensure_indexes(caller, created, tables)
            self._schedules.replan(tx, created, self._account_zone(tx, caller), now)
            return created

    def _ensure_indexes(self, caller: Caller, job: Job, tables: Mapping[str, TableDef]) -> None:
        """Make sure an index serves what the job looks rows up by: an import's match columns,
        a changed-since export's change sequence."""
        exported = job.export_settings
        if exported is not None:
            source = tables.get(exported.source)
            if exported.changed_since_last_run and source is not None:
                self._deps.data.ensure_index(caller.account_id, source, [CHANGE_SEQ])
            return
        settings = job.import_settings
        if settings is None or not settings.match.columns:
            return
        table = tables.get(settings.target)
        if table is not None and table.kind is TableKind.PET and table.list_name:
            table = tables.get(table.list_name)
        if table is not None and table.kind is not TableKind.SUPPLEMENTAL:
            self._deps.data.ensure_index(caller.account_id, table, settings.match.columns[:1])

    def get(self, caller: Caller, job_id: int) -> Job:
        with self._deps.store.read() as tx:
            return self._get(tx, caller, job_id)

    def by_name(self, caller: Caller, name: str) -> Job:
        with self._deps.store.read() as tx:
            job = tx.jobs_by_name(caller.account_id, name) if len(name) <= 100 else None
        if job is None:
            raise NotFound(f"no job named {name[:100]}", code="JOB_NOT_FOUND")
        return job

    def list(
        self,
        caller: Caller,
        *,
        type_: str | None = None,
        state: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> tuple[list[Job], str | None]:
        problems = []
        if type_ is not None and type_ not in {t.value for t in JobType}:
            problems.append(Problem("type", "JOB_TYPE_INVALID", "import or export"))
        if state is not None and state not in {s.value for s in JobState}:
            problems.append(Problem("state", "JOB_STATE_INVALID", "saved, active or inactive"))
        if problems:
            raise ValidationFailed(problems)
        page = Keyset.of(limit, cursor)
        with self._deps.store.read() as tx:
            found = tx.jobs(caller.account_id, type_=type_, state=state, page=page)
        return page.cut(found, key=lambda job: job.id)

    def update(self, caller: Caller, job_id: int, data: Mapping[str, Any]) -> Job:
        require_writer(caller)
        now = self._deps.clock.now()
        with self._deps.store.write() as tx:
            before = self._get(tx, caller, job_id)
            after = job_from_request(
                data,
                account_id=caller.account_id,
                account_zone=self._account_zone(tx, caller),
                tables={t.name: t for t in tx.tables(caller.account_id)},
                now=now,
                existing=before,
                connections=tx.connection_names(caller.account_id),
            )
            problems = job_rules.membership_problems(before, after)
            if problems:
                raise Conflict(problems[0].message, code=problems[0].code)
            tx.update_job(after)
            self._ensure_indexes(caller, after, {t.name: t for t in tx.tables(caller.account_id)})
            if (before.schedule, before.run_mode, before.state) != (
                after.schedule,
                after.run_mode,
                after.state,
            ):
                # Only a change of when it runs re-plans (future occurrences only).
                self._schedules.replan(tx, after, self._account_zone(tx, caller), now)
            return after

    def activate(self, caller: Caller, job_id: int) -> Job:
        require_writer(caller)
        with self._deps.store.write() as tx:
            job = self._get(tx, caller, job_id)
            now = self._deps.clock.now()
            job = replace(job, state=job_rules.activate(job), updated_at=now)
            tx.update_job(job)
            self._schedules.replan(tx, job, self._account_zone(tx, caller), now)
            return job

    def deactivate(self, caller: Caller, job_id: int) -> Job:
        require_writer(caller)
        with self._deps.store.write() as tx:
            job = self._get(tx, caller, job_id)
            job = replace(job, state=job_rules.deactivate(job), updated_at=self._deps.clock.now())
            tx.update_job(job)
            self._schedules.forget(tx, RunKind.JOB, job.id)
            return job

    def delete(self, caller: Caller, job_id: int) -> None:
        require_writer(caller)
        with self._deps.store.write() as tx:
            job = self._get(tx, caller, job_id)
            job_rules.check_deletable(job)
            if tx.job_running(job.id):
                raise Conflict(f"job {job.name} is running; stop it first", code="JOB_RUNNING")
            tx.delete_job(caller.account_id, job.id)
            self._schedules.forget(tx, RunKind.JOB, job.id)
