"""Schedules at work: plan occurrences, fire them exactly once, show what is next.

Planning happens when a group (or a scheduled job) is activated or its schedule changes, and
after each firing (the next one). A scheduler pass only reads what is due — an index on
``(state, fire_at)`` — so its cost grows with what is due, not with how many schedules exist.
Firing an occurrence, starting its run and planning the next one are one transaction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dataconnect.domain.accounts import Caller
from dataconnect.domain.groups import Group, GroupState
from dataconnect.domain.jobs import Job, JobState, RunMode
from dataconnect.domain.planning import (
    MAX_PLANNED,
    Occurrence,
    OccurrenceState,
    due_outcome,
    plan,
)
from dataconnect.domain.runs import RunKind, RunRef, Trigger
from dataconnect.domain.schedules import Schedule
from dataconnect.errors import Conflict, NotFound, Problem, ValidationFailed
from dataconnect.services.base import Deps
from dataconnect.services.group_runs import start_group_run
from dataconnect.services.notifications import record_skipped
from dataconnect.services.signals import NEW_WORK
from dataconnect.services.views import iso
from dataconnect.store.store import Tx

SCHEDULE_ACTOR = "schedule"
MAX_RANGE = timedelta(days=366)


@dataclass
class Pass:
    """What one scheduler pass decided."""

    fired: int = 0
    skipped: int = 0
    missed: int = 0
    expired: int = 0

    @property
    def decided(self) -> int:
        return self.fired + self.skipped + self.missed + self.expired


def _schedule_of(owner: Group | Job) -> Schedule | None:
    """The schedule that fires, or ``None`` (saved, inactive, on demand)."""
    if isinstance(owner, Group):
        return owner.schedule if owner.state is GroupState.ACTIVE else None
    if owner.state is JobState.ACTIVE and owner.run_mode is RunMode.SCHEDULED:
        return owner.schedule
    return None


def kind_of(owner: Group | Job) -> RunKind:
    return RunKind.GROUP if isinstance(owner, Group) else RunKind.JOB


class ScheduleService:
    def __init__(self, deps: Deps, rng: random.Random | None = None) -> None:
        self._deps = deps
        self._rng = rng or random.SystemRandom()

    # --- planning (called inside the transactions that change groups and jobs) -------------

    def replan(self, tx: Tx, owner: Group | Job, zone: str, now: datetime) -> None:
        """The owner's schedule (or state) changed: forget planned occurrences, plan anew.
        Past occurrences keep their outcome."""
        kind = kind_of(owner)
        tx.drop_planned(kind, owner.id)
        schedule = _schedule_of(owner)
        if schedule is not None:
            tx.plan_occurrences(
                owner.account_id,
                kind,
                owner.id,
                plan(schedule, schedule.zone(zone), now, self._rng),
            )

    def forget(self, tx: Tx, kind: RunKind, owner_id: int, expired: bool = False) -> None:
        tx.drop_planned(kind, owner_id, OccurrenceState.EXPIRED if expired else None)

    # --- firing ---------------------------------------------------------------------------

    def run_pass(self, limit: int = 100) -> Pass:
        """Decide every occurrence due now; each in its own transaction with its run."""
        result = Pass()
        while True:
            now = self._deps.clock.now()
            with self._deps.store.write() as tx:
                due = tx.due_occurrences(now, limit)
                started: list[RunRef] = []
                for occurrence in due:
                    state, run = self._decide(tx, occurrence, now)
                    if state is not None:
                        setattr(result, state.value, getattr(result, state.value) + 1)
                    if run is not None:
                        started.append(run)
            for run in started:
                self._deps.signals.publish(NEW_WORK, run)
            if not due:  # deciding plans the next ones, which may be due too (after downtime)
                return result

    def _decide(
        self, tx: Tx, occurrence: Occurrence, now: datetime
    ) -> tuple[OccurrenceState | None, RunRef | None]:
        """Fire (start the run), skip or miss one due occurrence, and plan the next."""
        kind, owner_id, account_id = (
            occurrence.owner_kind,
            occurrence.owner_id,
            occurrence.account_id,
        )
        owner: Group | Job | None = (
            tx.group(account_id, owner_id)
            if kind is RunKind.GROUP
            else tx.job(account_id, owner_id)
        )
        account = tx.account(account_id)
        schedule = _schedule_of(owner) if owner is not None else None
        if owner is None or account is None or schedule is None:
            # Deleted, deactivated or unscheduled since it was planned.
            if tx.decide_occurrence(occurrence.id, OccurrenceState.EXPIRED, now):
                return OccurrenceState.EXPIRED, None
            return None, None
        running = (
            tx.group_running(owner_id)
            if kind is RunKind.GROUP
            else bool(tx.running_job_ids([owner_id]))
        )
        state = due_outcome(occurrence.fire_at, now, running)
        run: RunRef | None = None
        with tx.savepoint() as decision:
            if state is OccurrenceState.FIRED:
                try:
                    with tx.savepoint():
                        run = RunRef(kind, self._start(tx, owner, now, occurrence.id))
                except Conflict:
                    state = OccurrenceState.SKIPPED  # a member job runs on its own
            if not tx.decide_occurrence(occurrence.id, state, now, run):
                decision.rollback()  # decided by another scheduler meanwhile: its run stands
                return None, None
        if state is OccurrenceState.SKIPPED and kind is RunKind.GROUP:
            record_skipped(tx, occurrence, now)
        # The next one, drawn now; a replan or an earlier plan may already hold it.
        tx.plan_occurrences(
            account_id,
            kind,
            owner_id,
            plan(schedule, schedule.zone(account.timezone), occurrence.nominal_at, self._rng),
        )
        return state, run

    def _start(self, tx: Tx, owner: Group | Job, now: datetime, occurrence_id: int) -> int:
        if isinstance(owner, Group):
            return start_group_run(
                tx, owner, Trigger.SCHEDULE, SCHEDULE_ACTOR, now, occurrence_id=occurrence_id
            )
        return tx.insert_job_run(
            account_id=owner.account_id,
            job_id=owner.id,
            job_name=owner.name,
            trigger=Trigger.SCHEDULE,
            requested_by=SCHEDULE_ACTOR,
            now=now,
        )

    # --- reading --------------------------------------------------------------------------

    def occurrences(
        self,
        caller: Caller,
        group_id: int,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Past occurrences with their outcome and planned ones up to ``end``; future ones in
        the range are planned (their minutes drawn and kept) as they are shown."""
        now = self._deps.clock.now()
        start = start or now - timedelta(days=7)
        end = end or now + timedelta(days=30)
        if end < start or end - start > MAX_RANGE:
            raise ValidationFailed(
                Problem("to", "OCCURRENCE_RANGE_INVALID", "from ≤ to, at most 366 days apart")
            )
        with self._deps.store.write() as tx:
            group = tx.group(caller.account_id, group_id)
            account = tx.account(caller.account_id)
            if group is None or account is None:
                raise NotFound(f"no group with id {group_id}", code="GROUP_NOT_FOUND")
            self._plan_until(tx, group, account.timezone, end)
            found = tx.occurrences(
                caller.account_id, RunKind.GROUP, group_id, start, end, MAX_PLANNED
            )
        return [_occurrence_view(o) for o in found]

    def next_runs(self, caller: Caller, group_id: int, count: int) -> list[dict[str, Any]]:
        """The next ``count`` planned occurrences (planned now if need be)."""
        if not 1 <= count <= 100:
            raise ValidationFailed(Problem("count", "COUNT_INVALID", "count is 1 to 100"))
        now = self._deps.clock.now()
        with self._deps.store.write() as tx:
            group = tx.group(caller.account_id, group_id)
            account = tx.account(caller.account_id)
            if group is None or account is None:
                raise NotFound(f"no group with id {group_id}", code="GROUP_NOT_FOUND")
            schedule = _schedule_of(group)
            if schedule is not None:
                last = tx.last_nominal(RunKind.GROUP, group.id) or now
                have = self._planned(tx, caller, group.id, now, 100)
                if len(have) < count:
                    zone = schedule.zone(account.timezone)
                    more = plan(schedule, zone, max(last, now), self._rng, count=count - len(have))
                    tx.plan_occurrences(group.account_id, RunKind.GROUP, group.id, more)
            found = self._planned(tx, caller, group_id, now, 200)
        return [_occurrence_view(o) for o in found[:count]]

    @staticmethod
    def _planned(
        tx: Tx, caller: Caller, group_id: int, now: datetime, limit: int
    ) -> list[Occurrence]:
        found = tx.occurrences(caller.account_id, RunKind.GROUP, group_id, now, None, limit)
        return [o for o in found if o.state is OccurrenceState.PLANNED]

    def _plan_until(self, tx: Tx, group: Group, zone: str, end: datetime) -> None:
        schedule = _schedule_of(group)
        if schedule is None:
            return
        after = tx.last_nominal(RunKind.GROUP, group.id) or self._deps.clock.now()
        if after >= end:
            return
        more = plan(schedule, schedule.zone(zone), after, self._rng, count=MAX_PLANNED, until=end)
        tx.plan_occurrences(group.account_id, RunKind.GROUP, group.id, more)

    def next_fire_times(self, kind: RunKind, owner_ids: list[int]) -> dict[int, datetime]:
        with self._deps.store.read() as tx:
            return tx.next_fire_times(kind, owner_ids)


def _occurrence_view(occurrence: Occurrence) -> dict[str, Any]:
    return {
        "id": occurrence.id,
        "nominal_at": iso(occurrence.nominal_at),
        "fire_at": iso(occurrence.fire_at),
        "state": occurrence.state.value,
        "group_run_id": occurrence.group_run_id,
        "job_run_id": occurrence.job_run_id,
        "decided_at": iso(occurrence.decided_at),
    }
