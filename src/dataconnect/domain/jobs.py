"""Jobs: the Job record, its states, and the rules of a job in a group.

Its import and export settings are in ``dataconnect.domain.job_settings``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from dataconnect.domain.job_settings import ExportSettings, ImportSettings
from dataconnect.domain.notify import Notification
from dataconnect.domain.schedules import Schedule
from dataconnect.errors import Conflict, Problem


class JobType(StrEnum):
    IMPORT = "import"
    EXPORT = "export"


class JobKind(StrEnum):
    STANDARD = "standard"
    PARTNER_INTEGRATION = "partner_integration"


class RunMode(StrEnum):
    ON_DEMAND = "on_demand"
    SCHEDULED = "scheduled"


class JobState(StrEnum):
    SAVED = "saved"
    ACTIVE = "active"
    INACTIVE = "inactive"


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    id: int
    account_id: int
    name: str
    description: str
    type: JobType
    kind: JobKind
    run_mode: RunMode
    state: JobState
    schedule: Schedule | None
    expires_at: datetime | None  # None: never
    import_settings: ImportSettings | None
    export_settings: ExportSettings | None
    created_at: datetime
    updated_at: datetime
    group_id: int | None = None  # the group this job belongs to, if any
    # Emails about the job's own runs (not its runs as a group's step: the group's setting).
    notification: Notification = field(default_factory=Notification)

    @property
    def target_table(self) -> str | None:
        if self.import_settings is not None:
            return self.import_settings.target
        if self.export_settings is not None:
            return self.export_settings.source
        return None


# --- state changes and group membership (Group rule 7) -------------------------------------


def activate(job: Job) -> JobState:
    if job.run_mode is RunMode.SCHEDULED and job.schedule is None:
        raise Conflict(f"job {job.name} has no schedule", code="SCHEDULE_REQUIRED")
    return JobState.ACTIVE


def deactivate(job: Job) -> JobState:
    if job.group_id is not None:
        raise Conflict(
            f"job {job.name} is in a group; remove it from the group first", code="JOB_IN_GROUP"
        )
    if job.state is not JobState.ACTIVE:
        raise Conflict(f"job {job.name} is not active", code="JOB_NOT_ACTIVE")
    return JobState.INACTIVE


def check_deletable(job: Job) -> None:
    if job.group_id is not None:
        raise Conflict(
            f"job {job.name} is in a group; remove it from the group or delete the group first",
            code="JOB_IN_GROUP",
        )


def membership_problems(before: Job, after: Job) -> list[Problem]:
    """What a change would break for a job that belongs to a group (Group rule 7)."""
    if before.group_id is None:
        return []
    problems: list[Problem] = []
    reason = f"job {before.name} is in a group"
    if after.type is JobType.EXPORT:
        problems.append(Problem("type", "JOB_IN_GROUP", f"{reason}; it cannot become an export"))
    if after.kind is JobKind.PARTNER_INTEGRATION:
        problems.append(
            Problem("kind", "JOB_IN_GROUP", f"{reason}; it cannot become a partner job")
        )
    if after.run_mode is RunMode.SCHEDULED:
        problems.append(Problem("run_mode", "JOB_IN_GROUP", f"{reason}; it cannot be scheduled"))
    if before.state is JobState.ACTIVE and after.state is not JobState.ACTIVE:
        problems.append(Problem("state", "JOB_IN_GROUP", f"{reason}; it cannot be deactivated"))
    return problems


def check_triggerable(job: Job) -> None:
    """The original system's trigger API also refuses partner-integration jobs."""
    if job.kind is JobKind.PARTNER_INTEGRATION:
        raise Conflict(
            f"job {job.name} is a partner-integration job; it cannot be triggered",
            code="JOB_KIND_NOT_RUNNABLE",
        )


def check_runnable(job: Job, *, group_running: bool) -> None:
    """A run may start now: an active job, not while its group runs (Group rule 8)."""
    if job.state is not JobState.ACTIVE:
        raise Conflict(f"job {job.name} is {job.state}; activate it first", code="JOB_NOT_ACTIVE")
    if group_running:
        raise Conflict(f"the group of job {job.name} is running", code="GROUP_RUNNING")
