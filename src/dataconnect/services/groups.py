"""Job groups: Save, Activate, change (including the order), deactivate, delete."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from dataconnect.domain import groups as group_rules
from dataconnect.domain.accounts import Caller
from dataconnect.domain.groups import Group, GroupState, parse_group_state
from dataconnect.domain.jobs import Job
from dataconnect.domain.paging import Keyset
from dataconnect.domain.requests import activation_check, group_from_request
from dataconnect.domain.runs import RunKind, RunSummary
from dataconnect.errors import NotFound
from dataconnect.services.base import Deps, require_writer
from dataconnect.services.schedules import ScheduleService
from dataconnect.store.store import Tx


def _not_found(group_id: int) -> NotFound:
    return NotFound(f"no group with id {group_id}", code="GROUP_NOT_FOUND")


class GroupService:
    def __init__(self, deps: Deps, schedules: ScheduleService) -> None:
        self._deps = deps
        self._schedules = schedules

    def _get(self, tx: Tx, caller: Caller, group_id: int) -> Group:
        group = tx.group(caller.account_id, group_id)
        if group is None:
            raise _not_found(group_id)
        return group

    def _context(self, tx: Tx, caller: Caller) -> tuple[str, dict[int, Job]]:
        account = tx.account(caller.account_id)
        if account is None:
            raise NotFound("the account no longer exists", code="ACCOUNT_NOT_FOUND")
        return account.timezone, {j.id: j for j in tx.jobs(caller.account_id)}

    def create(self, caller: Caller, data: Mapping[str, Any]) -> Group:
        require_writer(caller)
        with self._deps.store.write() as tx:
            zone, jobs = self._context(tx, caller)
            now = self._deps.clock.now()
            group, _ = group_from_request(
                data, account_id=caller.account_id, account_zone=zone, jobs=jobs, now=now
            )
            created = replace(group, id=tx.insert_group(group))
            self._schedules.replan(tx, created, zone, now)
            return created

    def get(self, caller: Caller, group_id: int) -> Group:
        with self._deps.store.read() as tx:
            return self._get(tx, caller, group_id)

    def details(
        self, caller: Caller, group_id: int
    ) -> tuple[Group, dict[int, Job], RunSummary | None, datetime | None]:
        """The group with its member jobs, last run and next run time, for display."""
        with self._deps.store.read() as tx:
            group = self._get(tx, caller, group_id)
            jobs = {j.id: j for j in tx.jobs(caller.account_id, ids=group.job_ids)}
            last = tx.last_group_runs([group.id]).get(group.id)
            upcoming = tx.next_fire_times(RunKind.GROUP, [group.id]).get(group.id)
        return group, jobs, last, upcoming

    def by_name(self, caller: Caller, name: str) -> Group:
        with self._deps.store.read() as tx:
            for group in tx.groups(caller.account_id):
                if group.name.lower() == name.lower():
                    return group
        raise NotFound(f"no group named {name[:100]}", code="GROUP_NOT_FOUND")

    def list(
        self,
        caller: Caller,
        *,
        state: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> tuple[list[tuple[Group, dict[int, Job], RunSummary | None, datetime | None]], str | None]:
        page = Keyset.of(limit, cursor)
        wanted = parse_group_state(state)
        with self._deps.store.read() as tx:
            found, next_cursor = page.cut(
                tx.groups(caller.account_id, state=wanted, page=page), key=lambda g: g.id
            )
            members = sorted({j for g in found for j in g.job_ids})
            jobs = {j.id: j for j in tx.jobs(caller.account_id, ids=members)} if members else {}
            last = tx.last_group_runs([g.id for g in found])
            upcoming = tx.next_fire_times(RunKind.GROUP, [g.id for g in found])
        rows = [
            (g, {j: jobs[j] for j in g.job_ids if j in jobs}, last.get(g.id), upcoming.get(g.id))
            for g in found
        ]
        return rows, next_cursor

    def update(self, caller: Caller, group_id: int, data: Mapping[str, Any]) -> Group:
        require_writer(caller)
        with self._deps.store.write() as tx:
            before = self._get(tx, caller, group_id)
            zone, jobs = self._context(tx, caller)
            after, _ = group_from_request(
                data,
                account_id=caller.account_id,
                account_zone=zone,
                jobs=jobs,
                now=self._deps.clock.now(),
                existing=before,
            )
            group_rules.check_change(before, after, running=tx.group_running(group_id))
            tx.update_group(after)
            if before.expires_at != after.expires_at:
                tx.clear_warned(after.id)  # warned again three days before the new date
            if (before.schedule, before.state) != (after.schedule, after.state):
                # Only a change of when it runs re-plans (future occurrences only).
                self._schedules.replan(tx, after, zone, self._deps.clock.now())
            return after

    def activate(self, caller: Caller, group_id: int) -> Group:
        require_writer(caller)
        now = self._deps.clock.now()
        with self._deps.store.write() as tx:
            group = self._get(tx, caller, group_id)
            zone, jobs = self._context(tx, caller)
            activation_check(group, jobs, zone, now)
            group = replace(group, state=GroupState.ACTIVE, updated_at=now)
            tx.update_group(group)
            self._schedules.replan(tx, group, zone, now)
            return group

    def deactivate(self, caller: Caller, group_id: int) -> Group:
        """Back to saved: never run, schedule kept."""
        require_writer(caller)
        with self._deps.store.write() as tx:
            group = replace(
                self._get(tx, caller, group_id),
                state=GroupState.SAVED,
                updated_at=self._deps.clock.now(),
            )
            tx.update_group(group)
            self._schedules.forget(tx, RunKind.GROUP, group.id)
            return group

    def delete(self, caller: Caller, group_id: int) -> None:
        require_writer(caller)
        with self._deps.store.write() as tx:
            group = self._get(tx, caller, group_id)
            group_rules.check_deletable(group, running=tx.group_running(group.id))
            tx.delete_group(caller.account_id, group.id)
            self._schedules.forget(tx, RunKind.GROUP, group.id)
