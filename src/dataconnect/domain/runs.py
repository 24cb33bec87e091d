"""Run records and their state machines: the one place that says which state may follow which.

The store applies a transition only with ``WHERE state = :expected``; terminal states have no
way out, so nothing can move a finished run again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple, Protocol


class RunKind(StrEnum):
    """What runs: a group (its runs are group runs, one step per member job) or a job on its
    own. Schedules, leases, events and wake-ups name their run by kind and id."""

    GROUP = "group"
    JOB = "job"


class JobRunState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABORTED = "aborted"


class GroupRunState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    STOPPING = "stopping"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"


class StepState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABORTED = "aborted"
    NOT_RUN = "not_run"


class Trigger(StrEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"
    API = "api"


JOB_RUN_TRANSITIONS: dict[JobRunState, frozenset[JobRunState]] = {
    JobRunState.QUEUED: frozenset({JobRunState.RUNNING, JobRunState.ABORTED, JobRunState.FAILED}),
    JobRunState.RUNNING: frozenset(
        {JobRunState.SUCCEEDED, JobRunState.FAILED, JobRunState.ABORTED}
    ),
    JobRunState.SUCCEEDED: frozenset(),
    JobRunState.FAILED: frozenset(),
    JobRunState.ABORTED: frozenset(),
}

GROUP_RUN_TRANSITIONS: dict[GroupRunState, frozenset[GroupRunState]] = {
    GroupRunState.QUEUED: frozenset(
        {GroupRunState.RUNNING, GroupRunState.STOPPED, GroupRunState.FAILED}
    ),
    GroupRunState.RUNNING: frozenset(
        {
            GroupRunState.STOPPING,
            GroupRunState.SUCCEEDED,
            GroupRunState.FAILED,
        }
    ),
    # A step may finish while the stop is on its way; the run still ends where the worker says.
    GroupRunState.STOPPING: frozenset(
        {GroupRunState.STOPPED, GroupRunState.FAILED, GroupRunState.SUCCEEDED}
    ),
    GroupRunState.SUCCEEDED: frozenset(),
    GroupRunState.FAILED: frozenset(),
    GroupRunState.STOPPED: frozenset(),
}

STEP_TRANSITIONS: dict[StepState, frozenset[StepState]] = {
    StepState.PENDING: frozenset({StepState.RUNNING, StepState.NOT_RUN}),
    StepState.RUNNING: frozenset({StepState.SUCCEEDED, StepState.FAILED, StepState.ABORTED}),
    StepState.SUCCEEDED: frozenset(),
    StepState.FAILED: frozenset(),
    StepState.ABORTED: frozenset(),
    StepState.NOT_RUN: frozenset(),
}

ACTIVE_GROUP_RUN_STATES = frozenset(
    {GroupRunState.QUEUED, GroupRunState.RUNNING, GroupRunState.STOPPING}
)
ACTIVE_JOB_RUN_STATES = frozenset({JobRunState.QUEUED, JobRunState.RUNNING})


def can_move_job_run(current: JobRunState, new: JobRunState) -> bool:
    return new in JOB_RUN_TRANSITIONS[current]


def can_move_group_run(current: GroupRunState, new: GroupRunState) -> bool:
    return new in GROUP_RUN_TRANSITIONS[current]


def can_move_step(current: StepState, new: StepState) -> bool:
    return new in STEP_TRANSITIONS[current]


def is_terminal_group_run(state: GroupRunState) -> bool:
    return not GROUP_RUN_TRANSITIONS[state]


def is_terminal_job_run(state: JobRunState) -> bool:
    return not JOB_RUN_TRANSITIONS[state]


# A step (or a single job run) whose worker was lost is run again from the start; after this
# many attempts it fails instead, so a file that kills its worker cannot loop for ever.
MAX_ATTEMPTS = 3
INTERRUPTED = "RUN_INTERRUPTED"


def group_state_after(step: StepState) -> GroupRunState | None:
    """Where a group run goes when a step ends this way; ``None``: on to the next step."""
    if step is StepState.SUCCEEDED:
        return None
    if step is StepState.ABORTED:
        return GroupRunState.STOPPED
    return GroupRunState.FAILED


STEP_STATE_OF_JOB_RUN: dict[JobRunState, StepState] = {
    JobRunState.SUCCEEDED: StepState.SUCCEEDED,
    JobRunState.FAILED: StepState.FAILED,
    JobRunState.ABORTED: StepState.ABORTED,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    position: int
    job_id: int
    job_name: str
    state: StepState
    job_run_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupRun:
    id: int
    account_id: int
    group_id: int
    group_name: str
    state: GroupRunState
    trigger: Trigger
    requested_by: str
    stop_requested_at: datetime | None
    stopped_by: str | None
    error_code: str | None
    error_message: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    steps: tuple[Step, ...] = ()

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_GROUP_RUN_STATES

    def next_step(self) -> Step | None:
        """The first step not ended yet: the one running, or the next to start."""
        for step in self.steps:
            if step.state in (StepState.PENDING, StepState.RUNNING):
                return step
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    """A group's latest run as its lists show it (the Group jobs tab)."""

    id: int
    state: GroupRunState
    started_at: datetime | None
    ended_at: datetime | None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_GROUP_RUN_STATES


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRun:
    id: int
    account_id: int
    job_id: int
    job_name: str
    group_run_id: int | None
    state: JobRunState
    trigger: Trigger
    requested_by: str
    records_processed: int
    records_added: int
    records_updated: int
    records_rejected: int
    error_code: str | None
    error_message: str | None
    rejects_file: str | None
    file_name: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    position: int | None = None
    attempt: int = 1
    stop_requested_at: datetime | None = None
    stopped_by: str | None = None
    output_files: tuple[str, ...] = ()
    change_mark: ChangeMark | None = None

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.ended_at
        return None if end is None else (end - self.started_at).total_seconds()


class RunRef(NamedTuple):
    """One run, whichever its kind: what workers hold, signals name and events belong to."""

    kind: RunKind
    id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Claimed:
    """A run a worker has just taken: a queued one, or one whose previous worker's lease ran
    out (``taken_over``; ``previous_owner`` names that worker)."""

    kind: RunKind
    id: int
    account_id: int
    state: GroupRunState | JobRunState  # when claimed: queued, or the state it was left in
    previous_owner: str | None = None

    @property
    def taken_over(self) -> bool:
        return self.state not in (GroupRunState.QUEUED, JobRunState.QUEUED)

    @property
    def ref(self) -> RunRef:
        return RunRef(self.kind, self.id)


class StopToken(Protocol):
    """Asked between batches whether the run must stop (``threading.Event`` is one)."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class ChangeMark:
    """How far an export read its source table: the table (its physical name) and the change
    sequence of the last import of it the export's snapshot held. The next export of the job
    with ``changed_since_last_run`` writes the rows changed after it."""

    table: str
    seq: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOutcome:
    """How one attempt of a job run ended, as the code that ran it reports it."""

    state: JobRunState  # succeeded, failed or aborted
    processed: int = 0
    added: int = 0
    updated: int = 0
    rejected: int = 0
    error_code: str | None = None
    error_message: str | None = None
    file_name: str | None = None
    rejects_file: str | None = None
    already_applied: bool = False  # an earlier attempt's effects had committed: nothing redone
    output_files: tuple[str, ...] = ()  # what an export published: folder/name
    change_mark: ChangeMark | None = None  # how far an export read its source


@dataclass(frozen=True, slots=True, kw_only=True)
class RunEvent:
    """One recorded transition of a run: its history, in order."""

    from_state: str | None
    to_state: str
    at: datetime
    actor: str
    note: str | None
