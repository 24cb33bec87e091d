"""All metadata queries. ``Store.write()`` / ``Store.read()`` open a transaction and hand out a
``Tx`` whose methods are the only SQL the services run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from dataconnect.domain.accounts import Account, Role, User
from dataconnect.domain.groups import Group, GroupState
from dataconnect.domain.jobs import Job
from dataconnect.domain.runs import ACTIVE_GROUP_RUN_STATES, ACTIVE_JOB_RUN_STATES
from dataconnect.domain.tables import TableDef
from dataconnect.errors import Conflict
from dataconnect.store import records
from dataconnect.store import schema as s
from dataconnect.store.engine import Engines
from dataconnect.store.expiry import ExpiryQueries
from dataconnect.store.group_runs import GroupRunQueries
from dataconnect.store.occurrences import OccurrenceQueries
from dataconnect.store.outbox import OutboxQueries
from dataconnect.store.sessions import SessionQueries


class Store:
    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A read-write transaction; on SQLite it holds the write lock from its first statement."""
        with self.engines.meta.connect() as conn:
            conn = conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield Tx(conn)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self.engines.meta.connect() as conn, conn.begin():
            yield Tx(conn)


def _unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text


def like_pattern(text: str) -> str:
    """A case-insensitive "contains" pattern for a ``name_key`` column, wildcards escaped; it
    is always bound, never spliced into the SQL."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _group_filter(query: Any, account_id: int, state: GroupState | None, search: str | None) -> Any:
    query = query.where(s.groups.c.account_id == account_id)
    if state is not None:
        query = query.where(s.groups.c.state == state.value)
    if search:
        query = query.where(s.groups.c.name_key.like(like_pattern(search), escape="\\"))
    return query


class Tx(GroupRunQueries, OccurrenceQueries, ExpiryQueries, OutboxQueries, SessionQueries):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _insert(self, statement: Any, conflict: Conflict) -> int:
        try:
            with self.conn.begin_nested():
                result = self.conn.execute(statement)
        except IntegrityError as exc:
            if _unique_violation(exc):
                raise conflict from None
            raise
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    # --- accounts, users, tokens ---------------------------------------------------------

    def create_account(self, name: str, timezone: str, now: datetime) -> Account:
        new_id = self._insert(
            insert(s.accounts).values(
                name=name, name_key=name.lower(), timezone=timezone, created_at=now
            ),
            Conflict(f"an account named {name} exists", code="ACCOUNT_NAME_TAKEN"),
        )
        return Account(id=new_id, name=name, timezone=timezone, created_at=now)

    def account(self, account_id: int) -> Account | None:
        row = (
            self.conn.execute(select(s.accounts).where(s.accounts.c.id == account_id))
            .mappings()
            .first()
        )
        return records.account(row) if row else None

    def account_by_name(self, name: str) -> Account | None:
        row = (
            self.conn.execute(select(s.accounts).where(s.accounts.c.name_key == name.lower()))
            .mappings()
            .first()
        )
        return records.account(row) if row else None

    def accounts(self) -> list[Account]:
        rows = self.conn.execute(select(s.accounts).order_by(s.accounts.c.id)).mappings()
        return [records.account(r) for r in rows]

    def create_user(
        self, account_id: int, email: str, role: Role, password_hash: str | None, now: datetime
    ) -> User:
        new_id = self._insert(
            insert(s.users).values(
                account_id=account_id,
                email=email,
                email_key=email.lower(),
                role=role.value,
                password_hash=password_hash,
                created_at=now,
            ),
            Conflict(f"user {email} exists in this account", code="USER_EXISTS"),
        )
        return User(id=new_id, account_id=account_id, email=email, role=role)

    def user_by_email(self, account_id: int, email: str) -> User | None:
        row = (
            self.conn.execute(
                select(s.users).where(
                    s.users.c.account_id == account_id, s.users.c.email_key == email.lower()
                )
            )
            .mappings()
            .first()
        )
        return records.user(row) if row else None

    def users(self, account_id: int) -> list[User]:
        rows = self.conn.execute(
            select(s.users).where(s.users.c.account_id == account_id).order_by(s.users.c.id)
        ).mappings()
        return [records.user(r) for r in rows]

    def password_hash(self, user_id: int) -> str | None:
        return self.conn.execute(
            select(s.users.c.password_hash).where(s.users.c.id == user_id)
        ).scalar_one_or_none()

    def create_token(self, user_id: int, token_hash: str, prefix: str, now: datetime) -> int:
        return self._insert(
            insert(s.api_tokens).values(
                user_id=user_id, token_hash=token_hash, prefix=prefix, created_at=now
            ),
            Conflict("token collision; try again", code="TOKEN_COLLISION"),
        )

    def user_by_token_hash(self, token_hash: str) -> User | None:
        row = (
            self.conn.execute(
                select(s.users)
                .join(s.api_tokens, s.api_tokens.c.user_id == s.users.c.id)
                .where(s.api_tokens.c.token_hash == token_hash, s.api_tokens.c.revoked_at.is_(None))
            )
            .mappings()
            .first()
        )
        return records.user(row) if row else None

    def revoke_tokens(self, user_id: int, now: datetime) -> int:
        result = self.conn.execute(
            update(s.api_tokens)
            .where(s.api_tokens.c.user_id == user_id, s.api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount)

    # --- tables -----------------------------------------------------------------------------

    def insert_table(self, account_id: int, table: TableDef, now: datetime) -> int:
        return self._insert(
            insert(s.data_tables).values(
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
            select(s.data_tables)
            .where(s.data_tables.c.account_id == account_id)
            .order_by(s.data_tables.c.id)
        ).mappings()
        return [records.table(r) for r in rows]

    def table(self, account_id: int, name: str) -> TableDef | None:
        row = (
            self.conn.execute(
                select(s.data_tables).where(
                    s.data_tables.c.account_id == account_id, s.data_tables.c.name == name.upper()
                )
            )
            .mappings()
            .first()
        )
        return records.table(row) if row else None

    # --- jobs -------------------------------------------------------------------------------

    def _job_values(self, job: Job) -> dict[str, Any]:
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
            "expires_at": job.expires_at,
            "updated_at": job.updated_at,
        }

    def insert_job(self, job: Job) -> int:
        return self._insert(
            insert(s.jobs).values(
                account_id=job.account_id, created_at=job.created_at, **self._job_values(job)
            ),
            Conflict(f"a job named {job.name} exists", code="JOB_NAME_TAKEN"),
        )

    def update_job(self, job: Job) -> None:
        statement = (
            update(s.jobs)
            .where(s.jobs.c.id == job.id, s.jobs.c.account_id == job.account_id)
            .values(**self._job_values(job))
        )
        try:
            with self.conn.begin_nested():
                self.conn.execute(statement)
        except IntegrityError as exc:
            if _unique_violation(exc):
                raise Conflict(f"a job named {job.name} exists", code="JOB_NAME_TAKEN") from None
            raise

    def delete_job(self, account_id: int, job_id: int) -> None:
        self.conn.execute(
            delete(s.jobs).where(s.jobs.c.id == job_id, s.jobs.c.account_id == account_id)
        )

    def _jobs_query(self) -> Any:
        return select(s.jobs, s.group_jobs.c.group_id).outerjoin(
            s.group_jobs, s.group_jobs.c.job_id == s.jobs.c.id
        )

    def job(self, account_id: int, job_id: int) -> Job | None:
        row = (
            self.conn.execute(
                self._jobs_query().where(s.jobs.c.id == job_id, s.jobs.c.account_id == account_id)
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
        after_id: int | None = None,
        limit: int | None = None,
        ids: Sequence[int] | None = None,
        search: str | None = None,
    ) -> list[Job]:
        query = self._jobs_query().where(s.jobs.c.account_id == account_id)
        if search:
            query = query.where(s.jobs.c.name_key.like(like_pattern(search), escape="\\"))
        if type_ is not None:
            query = query.where(s.jobs.c.type == type_)
        if state is not None:
            query = query.where(s.jobs.c.state == state)
        if after_id is not None:
            query = query.where(s.jobs.c.id > after_id)
        if ids is not None:
            query = query.where(s.jobs.c.id.in_(list(ids)))
        query = query.order_by(s.jobs.c.id)
        if limit is not None:
            query = query.limit(limit)
        return [records.job(r, r["group_id"]) for r in self.conn.execute(query).mappings()]

    def jobs_by_name(self, account_id: int, name: str) -> Job | None:
        row = (
            self.conn.execute(
                self._jobs_query().where(
                    s.jobs.c.account_id == account_id, s.jobs.c.name_key == name.lower()
                )
            )
            .mappings()
            .first()
        )
        return records.job(row, row["group_id"]) if row else None

    def job_running(self, job_id: int) -> bool:
        return self._exists(
            select(s.job_runs.c.id).where(
                s.job_runs.c.job_id == job_id,
                s.job_runs.c.state.in_([x.value for x in ACTIVE_JOB_RUN_STATES]),
            )
        )

    # --- groups -----------------------------------------------------------------------------

    def _group_values(self, group: Group) -> dict[str, Any]:
        return {
            "name": group.name,
            "name_key": group.name.lower(),
            "description": group.description,
            "notification": group.notification.to_dict(),
            "schedule": records.schedule_to_json(group.schedule),
            "state": group.state.value,
            "expires_at": group.expires_at,
            "updated_at": group.updated_at,
        }

    def insert_group(self, group: Group) -> int:
        group_id = self._insert(
            insert(s.groups).values(
                account_id=group.account_id,
                created_at=group.created_at,
                **self._group_values(group),
            ),
            Conflict(f"a group named {group.name} exists", code="GROUP_NAME_TAKEN"),
        )
        self._set_members(group_id, group.job_ids)
        return group_id

    def update_group(self, group: Group) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    update(s.groups)
                    .where(s.groups.c.id == group.id, s.groups.c.account_id == group.account_id)
                    .values(**self._group_values(group))
                )
        except IntegrityError as exc:
            if _unique_violation(exc):
                raise Conflict(
                    f"a group named {group.name} exists", code="GROUP_NAME_TAKEN"
                ) from None
            raise
        self._set_members(group.id, group.job_ids)

    def _set_members(self, group_id: int, job_ids: Sequence[int]) -> None:
        self.conn.execute(delete(s.group_jobs).where(s.group_jobs.c.group_id == group_id))
        if not job_ids:
            return
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(s.group_jobs),
                    [
                        {"group_id": group_id, "position": i, "job_id": j}
                        for i, j in enumerate(job_ids)
                    ],
                )
        except IntegrityError as exc:
            if _unique_violation(exc):
                raise Conflict(
                    "a job of the list joined another group meanwhile", code="JOB_IN_OTHER_GROUP"
                ) from None
            raise

    def delete_group(self, account_id: int, group_id: int) -> None:
        self.conn.execute(delete(s.group_jobs).where(s.group_jobs.c.group_id == group_id))
        self.conn.execute(
            delete(s.groups).where(s.groups.c.id == group_id, s.groups.c.account_id == account_id)
        )

    def _members(self, group_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
        out: dict[int, list[int]] = {g: [] for g in group_ids}
        if group_ids:
            rows = self.conn.execute(
                select(s.group_jobs)
                .where(s.group_jobs.c.group_id.in_(list(group_ids)))
                .order_by(s.group_jobs.c.group_id, s.group_jobs.c.position)
            ).mappings()
            for r in rows:
                out[r["group_id"]].append(r["job_id"])
        return {g: tuple(v) for g, v in out.items()}

    def group(self, account_id: int, group_id: int) -> Group | None:
        row = (
            self.conn.execute(
                select(s.groups).where(
                    s.groups.c.id == group_id, s.groups.c.account_id == account_id
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return records.group(row, self._members([group_id])[group_id])

    def groups(
        self,
        account_id: int,
        *,
        state: GroupState | None = None,
        after_id: int | None = None,
        limit: int | None = None,
        search: str | None = None,
        offset: int = 0,
    ) -> list[Group]:
        query = _group_filter(select(s.groups), account_id, state, search)
        if after_id is not None:
            query = query.where(s.groups.c.id > after_id)
        query = query.order_by(s.groups.c.id)
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        rows = list(self.conn.execute(query).mappings())
        members = self._members([r["id"] for r in rows])
        return [records.group(r, members[r["id"]]) for r in rows]

    def group_names(self, account_id: int, group_ids: Sequence[int]) -> dict[int, str]:
        if not group_ids:
            return {}
        rows = self.conn.execute(
            select(s.groups.c.id, s.groups.c.name).where(
                s.groups.c.account_id == account_id, s.groups.c.id.in_(list(group_ids))
            )
        )
        return {r[0]: r[1] for r in rows}

    def count_groups(
        self, account_id: int, *, state: GroupState | None = None, search: str | None = None
    ) -> int:
        query = _group_filter(select(func.count()).select_from(s.groups), account_id, state, search)
        return int(self.conn.execute(query).scalar_one())

    def group_running(self, group_id: int) -> bool:
        return self._exists(
            select(s.group_runs.c.id).where(
                s.group_runs.c.group_id == group_id,
                s.group_runs.c.state.in_([x.value for x in ACTIVE_GROUP_RUN_STATES]),
            )
        )

    def last_group_runs(self, group_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The newest run of each group, for the Group jobs tab."""
        if not group_ids:
            return {}
        newest = (
            select(func.max(s.group_runs.c.id).label("id"))
            .where(s.group_runs.c.group_id.in_(list(group_ids)))
            .group_by(s.group_runs.c.group_id)
            .subquery()
        )
        rows = self.conn.execute(
            select(s.group_runs).join(newest, and_(newest.c.id == s.group_runs.c.id))
        ).mappings()
        return {
            r["group_id"]: {
                "id": r["id"],
                "state": r["state"],
                "started_at": r["started_at"],
                "ended_at": r["ended_at"],
            }
            for r in rows
        }

    def _exists(self, query: Any) -> bool:
        return self.conn.execute(query.limit(1)).first() is not None
