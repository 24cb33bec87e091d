"""Job groups: who may join (Group rule 1), how many (rule 2), and what activation checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dataconnect.domain.jobs import Job, JobKind, JobState, JobType, RunMode
from dataconnect.domain.notify import Notification
from dataconnect.domain.schedules import Schedule
from dataconnect.errors import Conflict, Problem, ValidationFailed

MIN_JOBS = 2
MAX_JOBS = 100


class GroupState(StrEnum):
    SAVED = "saved"
    ACTIVE = "active"


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    id: int
    account_id: int
    name: str
    description: str
    job_ids: tuple[int, ...]  # run order
    notification: Notification
    schedule: Schedule | None
    state: GroupState
    expires_at: datetime
    created_at: datetime
    updated_at: datetime


def qualification_problem(job: Job, group_id: int | None, field: str) -> Problem | None:
    """Why ``job`` cannot run in group ``group_id`` (Group rule 1), or ``None`` if it qualifies."""
    name = job.name
    if job.type is not JobType.IMPORT:
        return Problem(
            field, "JOB_IS_EXPORT", f"job {name} is an export; only imports can be grouped"
        )
    if job.kind is JobKind.PARTNER_INTEGRATION:
        return Problem(
            field, "JOB_IS_PARTNER_INTEGRATION", f"job {name} is a partner integration job"
        )
    if job.run_mode is RunMode.SCHEDULED:
        return Problem(
            field, "JOB_IS_SCHEDULED", f"job {name} runs on its own schedule; make it on demand"
        )
    if job.state is JobState.SAVED:
        return Problem(field, "JOB_NOT_ACTIVATED", f"job {name} is saved but was never activated")
    if job.state is JobState.INACTIVE:
        return Problem(field, "JOB_INACTIVE", f"job {name} is inactive")
    if job.group_id is not None and job.group_id != group_id:
        return Problem(field, "JOB_IN_OTHER_GROUP", f"job {name} already belongs to another group")
    return None


def membership_problems(
    job_ids: Sequence[object], jobs: Mapping[int, Job], group_id: int | None
) -> list[Problem]:
    """Checks every save makes: each id names a job of the account, once, free of other groups."""
    problems: list[Problem] = []
    if len(job_ids) > MAX_JOBS:
        return [Problem("job_ids", "GROUP_TOO_MANY_JOBS", f"at most {MAX_JOBS} jobs in a group")]
    seen: set[int] = set()
    for i, raw in enumerate(job_ids):
        field = f"job_ids[{i}]"
        if not isinstance(raw, int) or isinstance(raw, bool) or raw not in jobs:
            problems.append(Problem(field, "JOB_NOT_FOUND", f"no job with id {str(raw)[:30]}"))
            continue
        if raw in seen:
            problems.append(
                Problem(field, "JOB_DUPLICATE_IN_GROUP", f"job {jobs[raw].name} is listed twice")
            )
            continue
        seen.add(raw)
        job = jobs[raw]
        if job.group_id is not None and job.group_id != group_id:
            problems.append(
                Problem(
                    field, "JOB_IN_OTHER_GROUP", f"job {job.name} already belongs to another group"
                )
            )
    return problems


def activation_problems(
    job_ids: Sequence[int], jobs: Mapping[int, Job], group_id: int | None
) -> list[Problem]:
    """Everything Activate checks about the job list, all at once (Group rules 1 and 2)."""
    problems: list[Problem] = []
    if len(job_ids) < MIN_JOBS:
        problems.append(
            Problem("job_ids", "GROUP_TOO_FEW_JOBS", f"a group needs at least {MIN_JOBS} jobs")
        )
    for i, job_id in enumerate(job_ids):
        job = jobs.get(job_id)
        if job is None:
            continue  # reported by membership_problems
        problem = qualification_problem(job, group_id, f"job_ids[{i}]")
        if problem is not None:
            problems.append(problem)
    return problems


def after_member_removed(group: Group, job_id: int) -> tuple[tuple[int, ...], GroupState]:
    """A member job left (expired or deleted): a group left with fewer than two returns to saved."""
    remaining = tuple(j for j in group.job_ids if j != job_id)
    state = group.state if len(remaining) >= MIN_JOBS else GroupState.SAVED
    return remaining, state


def check_deletable(group: Group, *, running: bool) -> None:
    """Group rule 6: a group with a run in progress must be stopped before it is deleted."""
    if running:
        raise Conflict(
            f"group {group.name} is running; stop it before deleting it", code="GROUP_RUNNING"
        )


def check_change(before: Group, after: Group, *, running: bool) -> None:
    """Group rule 2: the jobs and their order change only while no run is in progress."""
    if running and after.job_ids != before.job_ids:
        raise Conflict(
            f"group {before.name} is running; its jobs can change once the run ends",
            code="GROUP_RUNNING",
        )


def parse_group_state(state: str | None) -> GroupState | None:
    """A state filter from a query (None: any state)."""
    if state is None:
        return None
    try:
        return GroupState(state)
    except ValueError:
        raise ValidationFailed(Problem("state", "GROUP_STATE_INVALID", "saved or active")) from None
