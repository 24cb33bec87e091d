"""Queries of groups and their ordered members (a mixin of ``Tx``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update

from dataconnect.domain.groups import Group, GroupState
from dataconnect.domain.paging import Keyset
from dataconnect.domain.runs import ACTIVE_GROUP_RUN_STATES, GroupRunState, RunSummary
from dataconnect.errors import Conflict
from dataconnect.store import records, schema
from dataconnect.store.base import QueriesBase, like_pattern, refused_as
from dataconnect.store.paging import keyset


def _group_filter(
    query: Select[Any], account_id: int, state: GroupState | None, search: str | None
) -> Select[Any]:
    query = query.where(schema.groups.c.account_id == account_id)
    if state is not None:
        query = query.where(schema.groups.c.state == state.value)
    if search:
        query = query.where(schema.groups.c.name_key.like(like_pattern(search), escape="\\"))
    return query


def _group_values(group: Group) -> dict[str, Any]:
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


def _name_taken(group: Group) -> Conflict:
    return Conflict(f"a group named {group.name} exists", code="GROUP_NAME_TAKEN")


class GroupQueries(QueriesBase):
    def insert_group(self, group: Group) -> int:
        group_id = self._insert(
            insert(schema.groups).values(
                account_id=group.account_id, created_at=group.created_at, **_group_values(group)
            ),
            _name_taken(group),
        )
        self._set_members(group_id, group.job_ids)
        return group_id

    def update_group(self, group: Group) -> None:
        with refused_as(_name_taken(group), self.conn):
            self.conn.execute(
                update(schema.groups)
                .where(
                    schema.groups.c.id == group.id, schema.groups.c.account_id == group.account_id
                )
                .values(**_group_values(group))
            )
        self._set_members(group.id, group.job_ids)

    def _set_members(self, group_id: int, job_ids: Sequence[int]) -> None:
        self.conn.execute(delete(schema.group_jobs).where(schema.group_jobs.c.group_id == group_id))
        if not job_ids:
            return
        taken = Conflict(
            "a job of the list joined another group meanwhile", code="JOB_IN_OTHER_GROUP"
        )
        with refused_as(taken, self.conn):
            self.conn.execute(
                insert(schema.group_jobs),
                [{"group_id": group_id, "position": i, "job_id": j} for i, j in enumerate(job_ids)],
            )

    def delete_group(self, account_id: int, group_id: int) -> None:
        self.conn.execute(delete(schema.group_jobs).where(schema.group_jobs.c.group_id == group_id))
        self.conn.execute(
            delete(schema.groups).where(
                schema.groups.c.id == group_id, schema.groups.c.account_id == account_id
            )
        )

    def _members(self, group_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
        out: dict[int, list[int]] = {g: [] for g in group_ids}
        if group_ids:
            rows = self.conn.execute(
                select(schema.group_jobs)
                .where(schema.group_jobs.c.group_id.in_(list(group_ids)))
                .order_by(schema.group_jobs.c.group_id, schema.group_jobs.c.position)
            ).mappings()
            for r in rows:
                out[r["group_id"]].append(r["job_id"])
        return {g: tuple(v) for g, v in out.items()}

    def group(self, account_id: int, group_id: int) -> Group | None:
        row = (
            self.conn.execute(
                select(schema.groups).where(
                    schema.groups.c.id == group_id, schema.groups.c.account_id == account_id
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
        page: Keyset | None = None,
        limit: int | None = None,
        offset: int = 0,
        search: str | None = None,
    ) -> list[Group]:
        """The account's groups by id, filtered: one keyset ``page``, a numbered page
        (``limit`` and ``offset``: the Group jobs tab), or all."""
        query = _group_filter(select(schema.groups), account_id, state, search)
        if page is not None:
            query = keyset(query, schema.groups.c.id, page)
        else:
            query = query.order_by(schema.groups.c.id)
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
            select(schema.groups.c.id, schema.groups.c.name).where(
                schema.groups.c.account_id == account_id, schema.groups.c.id.in_(list(group_ids))
            )
        )
        return {r[0]: r[1] for r in rows}

    def count_groups(
        self, account_id: int, *, state: GroupState | None = None, search: str | None = None
    ) -> int:
        query = _group_filter(
            select(func.count()).select_from(schema.groups), account_id, state, search
        )
        return int(self.conn.execute(query).scalar_one())

    def group_running(self, group_id: int) -> bool:
        return self._exists(
            select(schema.group_runs.c.id).where(
                schema.group_runs.c.group_id == group_id,
                schema.group_runs.c.state.in_([x.value for x in ACTIVE_GROUP_RUN_STATES]),
            )
        )

    def last_group_runs(self, group_ids: Sequence[int]) -> dict[int, RunSummary]:
        """The newest run of each group, for the Group jobs tab."""
        if not group_ids:
            return {}
        newest = (
            select(func.max(schema.group_runs.c.id).label("id"))
            .where(schema.group_runs.c.group_id.in_(list(group_ids)))
            .group_by(schema.group_runs.c.group_id)
            .subquery()
        )
        rows = self.conn.execute(
            select(
                schema.group_runs.c.id,
                schema.group_runs.c.group_id,
                schema.group_runs.c.state,
                schema.group_runs.c.started_at,
                schema.group_runs.c.ended_at,
            ).join(newest, newest.c.id == schema.group_runs.c.id)
        )
        return {
            r.group_id: RunSummary(
                id=r.id,
                state=GroupRunState(r.state),
                started_at=r.started_at,
                ended_at=r.ended_at,
            )
            for r in rows
        }
