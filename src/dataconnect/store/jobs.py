"""Queries of the account's table definitions and its jobs (a mixin of ``Tx``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, insert, select, update

from dataconnect.domain.jobs import Job
from dataconnect.domain.paging import Keyset
from dataconnect.domain.runs import ACTIVE_JOB_RUN_STATES
from dataconnect.domain.tables import TableDef
from dataconnect.errors import Conflict
from dataconnect.store import records, schema
from dataconnect.store.base import QueriesBase, like_pattern, refused_as
from dataconnect.store.paging import keyset


def _name_taken(job: Job) -> Conflict:
    return Conflict(f"a job named {job.name} exists", code="JOB_NAME_TAKEN")


def _job_values(job: Job) -> dict[str, Any]:
    return {
        "name": job.name,
        "name_key": job.name.lower(),
        "description": job.description,
        "type": job.type.value,
        "kind": job.kind.value,
        "run_mode": job.run_mode.value,
        "state": job.state.value,
        "schedule": records.schedule_to_json(job.schedule),
        "settings": records.settings_to_json(job.import_settings, job.export_settings),
        "notification": job.notification.to_dict(),
        "expires_at": job.expires_at,
        "updated_at": job.updated_at,
    }


def _jobs_query() -> Select[Any]:
    return select(schema.jobs, schema.group_jobs.c.group_id).outerjoin(
        schema.group_jobs, schema.group_jobs.c.job_id == schema.jobs.c.id
    )


class JobQueries(QueriesBase):
    # --- tables -----------------------------------------------------------------------------

    def insert_table(self, account_id: int, table: TableDef, now: datetime) -> int:
        return self._insert(
            insert(schema.data_tables).values(
                account_id=account_id,
                name=table.name,
                kind=table.kind.value,
                list_name=table.list_name,
                definition=records.table_definition(table),
                created_at=now,
            ),
            Conflict(f"a table named {table.name} exists", code="TABLE_NAME_TAKEN"),
        )

    def tables(self, account_id: int) -> list[TableDef]:
        rows = self.conn.execute(
            select(schema.data_tables)
            .where(schema.data_tables.c.account_id == account_id)
            .order_by(schema.data_tables.c.id)
        ).mappings()
        return [records.table(r) for r in rows]

    def table(self, account_id: int, name: str) -> TableDef | None:
        row = (
            self.conn.execute(
                select(schema.data_tables).where(
                    schema.data_tables.c.account_id == account_id,
                    schema.data_tables.c.name == name.upper(),
                )
            )
            .mappings()
            .first()
        )
        return records.table(row) if row else None

    # --- jobs -------------------------------------------------------------------------------

    def insert_job(self, job: Job) -> int:
        return self._insert(
            insert(schema.jobs).values(
                account_id=job.account_id, created_at=job.created_at, **_job_values(job)
            ),
            _name_taken(job),
        )

    def update_job(self, job: Job) -> None:
        with refused_as(_name_taken(job), self.conn):
            self.conn.execute(
                update(schema.jobs)
                .where(schema.jobs.c.id == job.id, schema.jobs.c.account_id == job.account_id)
                .values(**_job_values(job))
            )

    def delete_job(self, account_id: int, job_id: int) -> None:
        self.conn.execute(
            delete(schema.jobs).where(
                schema.jobs.c.id == job_id, schema.jobs.c.account_id == account_id
            )
        )

    def job(self, account_id: int, job_id: int) -> Job | None:
        row = (
            self.conn.execute(
                _jobs_query().where(
                    schema.jobs.c.id == job_id, schema.jobs.c.account_id == account_id
                )
            )
            .mappings()
            .first()
        )
        return records.job(row, row["group_id"]) if row else None

    def jobs(
        self,
        account_id: int,
        *,
        type_: str | None = None,
        state: str | None = None,
        page: Keyset | None = None,
        ids: Sequence[int] | None = None,
        search: str | None = None,
    ) -> list[Job]:
        """The account's jobs by id, filtered; one page of them, or all."""
        query = _jobs_query().where(schema.jobs.c.account_id == account_id)
        if search:
            query = query.where(schema.jobs.c.name_key.like(like_pattern(search), escape="\\"))
        if type_ is not None:
            query = query.where(schema.jobs.c.type == type_)
        if state is not None:
            query = query.where(schema.jobs.c.state == state)
        if ids is not None:
            query = query.where(schema.jobs.c.id.in_(list(ids)))
        if page is not None:
            query = keyset(query, schema.jobs.c.id, page)
        else:
            query = query.order_by(schema.jobs.c.id)
        return [records.job(r, r["group_id"]) for r in self.conn.execute(query).mappings()]

    def jobs_by_name(self, account_id: int, name: str) -> Job | None:
        row = (
            self.conn.execute(
                _jobs_query().where(
                    schema.jobs.c.account_id == account_id, schema.jobs.c.name_key == name.lower()
                )
            )
            .mappings()
            .first()
        )
        return records.job(row, row["group_id"]) if row else None

    def job_running(self, job_id: int) -> bool:
        return self._exists(
            select(schema.job_runs.c.id).where(
                schema.job_runs.c.job_id == job_id,
                schema.job_runs.c.state.in_([x.value for x in ACTIVE_JOB_RUN_STATES]),
            )
        )
