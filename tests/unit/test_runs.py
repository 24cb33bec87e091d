"""Run state machines (product.md, Concepts: job run, group run): terminal states are final."""

from __future__ import annotations

from itertools import product

import pytest

from dataconnect.domain.runs import (
    ACTIVE_GROUP_RUN_STATES,
    ACTIVE_JOB_RUN_STATES,
    GroupRunState,
    JobRunState,
    StepState,
    can_move_group_run,
    can_move_job_run,
    can_move_step,
    is_terminal_group_run,
    is_terminal_job_run,
)

J, G, S = JobRunState, GroupRunState, StepState

# The allowed moves, written out from product.md; every other pair must be refused.
JOB_RUN_MOVES = {
    (J.QUEUED, J.RUNNING),
    (J.QUEUED, J.FAILED),  # e.g. the file vanished before a worker picked the run up
    (J.QUEUED, J.ABORTED),
    (J.RUNNING, J.SUCCEEDED),
    (J.RUNNING, J.FAILED),
    (J.RUNNING, J.ABORTED),
}
GROUP_RUN_MOVES = {
    (G.QUEUED, G.RUNNING),
    (G.QUEUED, G.FAILED),
    (G.QUEUED, G.STOPPED),
    (G.RUNNING, G.STOPPING),
    (G.RUNNING, G.SUCCEEDED),
    (G.RUNNING, G.FAILED),
    (G.STOPPING, G.STOPPED),
    (G.STOPPING, G.FAILED),
    (G.STOPPING, G.SUCCEEDED),
}
STEP_MOVES = {
    (S.PENDING, S.RUNNING),
    (S.PENDING, S.NOT_RUN),
    (S.RUNNING, S.SUCCEEDED),
    (S.RUNNING, S.FAILED),
    (S.RUNNING, S.ABORTED),
}
JOB_RUN_TERMINAL = {J.SUCCEEDED, J.FAILED, J.ABORTED}
GROUP_RUN_TERMINAL = {G.SUCCEEDED, G.FAILED, G.STOPPED}
STEP_TERMINAL = {S.SUCCEEDED, S.FAILED, S.ABORTED, S.NOT_RUN}


# --- terminal states are final ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("terminal", "target"), list(product(sorted(JOB_RUN_TERMINAL), JobRunState))
)
def test_nothing_moves_a_finished_job_run(terminal: JobRunState, target: JobRunState) -> None:
    assert can_move_job_run(terminal, target) is False


@pytest.mark.parametrize(
    ("terminal", "target"), list(product(sorted(GROUP_RUN_TERMINAL), GroupRunState))
)
def test_nothing_moves_a_finished_group_run(terminal: GroupRunState, target: GroupRunState) -> None:
    assert can_move_group_run(terminal, target) is False


@pytest.mark.parametrize(("terminal", "target"), list(product(sorted(STEP_TERMINAL), StepState)))
def test_nothing_moves_a_finished_step(terminal: StepState, target: StepState) -> None:
    assert can_move_step(terminal, target) is False


@pytest.mark.parametrize("state", list(JobRunState))
def test_job_run_is_terminal_exactly_when_succeeded_failed_or_aborted(state: JobRunState) -> None:
    assert is_terminal_job_run(state) is (state in JOB_RUN_TERMINAL)


@pytest.mark.parametrize("state", list(GroupRunState))
def test_group_run_is_terminal_exactly_when_succeeded_failed_or_stopped(
    state: GroupRunState,
) -> None:
    assert is_terminal_group_run(state) is (state in GROUP_RUN_TERMINAL)


def test_a_run_in_progress_is_any_state_that_is_not_terminal() -> None:
    assert set(ACTIVE_JOB_RUN_STATES) == set(JobRunState) - JOB_RUN_TERMINAL
    assert set(ACTIVE_GROUP_RUN_STATES) == set(GroupRunState) - GROUP_RUN_TERMINAL


# --- the whole tables -------------------------------------------------------------------------


@pytest.mark.parametrize(("current", "new"), list(product(JobRunState, JobRunState)))
def test_job_run_moves(current: JobRunState, new: JobRunState) -> None:
    assert can_move_job_run(current, new) is ((current, new) in JOB_RUN_MOVES)


@pytest.mark.parametrize(("current", "new"), list(product(GroupRunState, GroupRunState)))
def test_group_run_moves(current: GroupRunState, new: GroupRunState) -> None:
    assert can_move_group_run(current, new) is ((current, new) in GROUP_RUN_MOVES)


@pytest.mark.parametrize(("current", "new"), list(product(StepState, StepState)))
def test_step_moves(current: StepState, new: StepState) -> None:
    assert can_move_step(current, new) is ((current, new) in STEP_MOVES)


# --- a few moves that matter, by name ---------------------------------------------------------


def test_a_stopped_group_run_cannot_be_marked_succeeded() -> None:
    assert can_move_group_run(G.STOPPED, G.SUCCEEDED) is False


def test_a_failed_job_run_cannot_be_restarted() -> None:
    assert can_move_job_run(J.FAILED, J.RUNNING) is False


def test_a_running_group_is_stopped_through_stopping() -> None:
    assert can_move_group_run(G.RUNNING, G.STOPPED) is False
    assert can_move_group_run(G.RUNNING, G.STOPPING) is True
    assert can_move_group_run(G.STOPPING, G.STOPPED) is True


def test_a_stopping_run_cannot_go_back_to_running() -> None:
    assert can_move_group_run(G.STOPPING, G.RUNNING) is False


def test_a_step_that_never_started_becomes_not_run_never_aborted() -> None:
    assert can_move_step(S.PENDING, S.NOT_RUN) is True
    assert can_move_step(S.PENDING, S.ABORTED) is False


def test_a_running_step_is_aborted_by_a_stop() -> None:
    assert can_move_step(S.RUNNING, S.ABORTED) is True
    assert can_move_step(S.RUNNING, S.NOT_RUN) is False
