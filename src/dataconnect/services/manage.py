"""The Manage Connect page's reads: the three tabs, the wizard's job list and schedule preview.

Each tab is one read transaction with a fixed number of queries, whatever the page size, so
the Group jobs tab stays fast with thousands of groups and runs.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from dataconnect.domain.accounts import Caller
from dataconnect.domain.groups import Group, parse_group_state, qualification_problem
from dataconnect.domain.jobs import Job, JobState, JobType, check_runnable
from dataconnect.domain.paging import Keyset, decode_cursor
from dataconnect.domain.planning import plan
from dataconnect.domain.runs import ACTIVE_JOB_RUN_STATES, JobRun, RunKind, RunSummary
from dataconnect.domain.schedules import SLOT_MINUTES, parse_schedule
from dataconnect.errors import Conflict, NotFound, Problem, ValidationFailed
from dataconnect.services.base import Deps
from dataconnect.store.store import Tx

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
SCHEDULE_TYPES = ("on_demand", "once", "daily", "weekly", "monthly")
SEARCH_MAX = 100
PREVIEW_COUNT = 5

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    number: int  # 1-based
    size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRow:
    job: Job
    schedule_type: str
    last_run: JobRun | None
    next_run_at: datetime | None
    group_name: str | None

    @property
    def running(self) -> bool:
        return self.last_run is not None and self.last_run.state in ACTIVE_JOB_RUN_STATES

    @property
    def runnable(self) -> bool:
        """Run Now is offered: the job may start when its group is not running."""
        try:
            check_runnable(self.job, group_running=False)
        except Conflict:
            return False
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupRow:
    group: Group
    schedule_type: str
    last_run: RunSummary | None
    next_run_at: datetime | None

    @property
    def running(self) -> bool:
        return self.last_run is not None and self.last_run.active


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    job: Job
    problem: Problem | None  # why it cannot join a new group; None: it qualifies


@dataclass(frozen=True, slots=True, kw_only=True)
class Preview:
    zone: str
    windows: list[tuple[datetime, datetime]]  # UTC start and end of each next slot
    problems: list[Problem]


def _page_args(page: object, size: object) -> tuple[int, int]:
    problems = []
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= 1_000_000:
        problems.append(Problem("page", "PAGE_INVALID", "page is a number from 1"))
    if size not in PAGE_SIZES:
        sizes = ", ".join(str(s) for s in PAGE_SIZES)
        problems.append(Problem("size", "PAGE_SIZE_INVALID", f"size is one of {sizes}"))
    if problems:
        raise ValidationFailed(problems)
    assert isinstance(page, int) and isinstance(size, int)
    return page, size


def _search(search: str | None) -> str | None:
    if search is None or not search.strip():
        return None
    if len(search) > SEARCH_MAX or any(ord(c) < 32 for c in search):
        raise ValidationFailed(
            Problem("q", "SEARCH_INVALID", f"at most {SEARCH_MAX} printable characters")
        )
    return search.strip()


def schedule_type(owner: Job | Group) -> str:
    return owner.schedule.kind.value if owner.schedule else "on_demand"


class ManageService:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def zone(self, caller: Caller) -> str:
        with self._deps.store.read() as tx:
            return self._zone(tx, caller)

    def _zone(self, tx: Tx, caller: Caller) -> str:
        account = tx.account(caller.account_id)
        if account is None:
            raise NotFound("the account no longer exists", code="ACCOUNT_NOT_FOUND")
        return account.timezone

    def all_jobs(
        self,
        caller: Caller,
        *,
        search: str | None = None,
        type_: str | None = None,
        state: str | None = None,
        schedule: str | None = None,
        page: int = 1,
        size: int = DEFAULT_PAGE_SIZE,
    ) -> Page[JobRow]:
        """The All jobs tab: filtered by type, state, schedule type and a name search."""
        problems = []
        if type_ is not None and type_ not in {t.value for t in JobType}:
            problems.append(Problem("type", "JOB_TYPE_INVALID", "import or export"))
        if state is not None and state not in {s.value for s in JobState}:
            problems.append(Problem("state", "JOB_STATE_INVALID", "saved, active or inactive"))
        if schedule is not None and schedule not in SCHEDULE_TYPES:
            problems.append(Problem("schedule", "SCHEDULE_TYPE_INVALID", ", ".join(SCHEDULE_TYPES)))
        if problems:
            raise ValidationFailed(problems)
        number, size = _page_args(page, size)
        needle = _search(search)
        with self._deps.store.read() as tx:
            found = tx.jobs(caller.account_id, type_=type_, state=state, search=needle)
            if schedule is not None:
                # The schedule lives in a JSON column: filtered here, on the account's jobs only.
                found = [j for j in found if schedule_type(j) == schedule]
            shown = found[(number - 1) * size : number * size]
            ids = [j.id for j in shown]
            last = tx.last_job_runs(caller.account_id, ids)
            upcoming = tx.next_fire_times(RunKind.JOB, ids)
            group_ids = sorted({j.group_id for j in shown if j.group_id is not None})
            names = tx.group_names(caller.account_id, group_ids)
        rows = [
            JobRow(
                job=j,
                schedule_type=schedule_type(j),
                last_run=last.get(j.id),
                next_run_at=upcoming.get(j.id),
                group_name=names.get(j.group_id) if j.group_id is not None else None,
            )
            for j in shown
        ]
        return Page(items=rows, total=len(found), number=number, size=size)

    def completed(
        self, caller: Caller, *, cursor: str | None = None, size: int = DEFAULT_PAGE_SIZE
    ) -> tuple[list[JobRun], str | None]:
        """The Completed jobs tab: finished job runs, newest first."""
        _, size = _page_args(1, size)
        page = Keyset(size, decode_cursor(cursor))
        with self._deps.store.read() as tx:
            found = tx.ended_job_runs(caller.account_id, page=page)
        return page.cut(found, key=lambda run: run.id)

    def group_jobs(
        self,
        caller: Caller,
        *,
        search: str | None = None,
        state: str | None = None,
        page: int = 1,
        size: int = DEFAULT_PAGE_SIZE,
    ) -> Page[GroupRow]:
        """The Group jobs tab: four queries (count, page, last runs, next fire times)."""
        wanted = parse_group_state(state)
        number, size = _page_args(page, size)
        needle = _search(search)
        with self._deps.store.read() as tx:
            total = tx.count_groups(caller.account_id, state=wanted, search=needle)
            found = tx.groups(
                caller.account_id,
                state=wanted,
                search=needle,
                limit=size,
                offset=(number - 1) * size,
            )
            ids = [g.id for g in found]
            last = tx.last_group_runs(ids)
            upcoming = tx.next_fire_times(RunKind.GROUP, ids)
        rows = [
            GroupRow(
                group=g,
                schedule_type=schedule_type(g),
                last_run=last.get(g.id),
                next_run_at=upcoming.get(g.id),
            )
            for g in found
        ]
        return Page(items=rows, total=total, number=number, size=size)

    def candidates(self, caller: Caller, group_id: int | None = None) -> list[Candidate]:
        """Every job of the account, with why it cannot join the group (None: it can)."""
        with self._deps.store.read() as tx:
            jobs = tx.jobs(caller.account_id)
        return [
            Candidate(job=j, problem=qualification_problem(j, group_id, "job_ids")) for j in jobs
        ]

    def preview(self, caller: Caller, data: object) -> Preview:
        """The next slots a schedule would run in (each a 15-minute window: the exact minute is
        drawn when the occurrence is planned), or what is wrong with it."""
        zone = self.zone(caller)
        now = self._deps.clock.now()
        schedule, problems = parse_schedule(data, account_zone=zone, now=now)
        if schedule is None:
            return Preview(zone=zone, windows=[], problems=problems)
        found = plan(schedule, schedule.zone(zone), now, random.Random(0), count=PREVIEW_COUNT)
        step = timedelta(minutes=SLOT_MINUTES)
        return Preview(
            zone=schedule.zone(zone),
            windows=[(p.nominal_at, p.nominal_at + step) for p in found],
            problems=[],
        )
