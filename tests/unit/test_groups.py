"""Group rules 1, 2 and 7 in groups.py: who may join, how many, notifications, members leaving."""

from __future__ import annotations

from typing import Any

import pytest

from dataconnect.domain.groups import (
    MAX_JOBS,
    GroupState,
    activation_problems,
    after_member_removed,
    membership_problems,
    qualification_problem,
)
from dataconnect.domain.jobs import JobKind, JobState, JobType, RunMode
from dataconnect.domain.notify import MAX_EMAILS, Notification, NotifyWhen, parse_notification
from dataconnect.domain.schedules import Schedule, ScheduleKind

from .factories import codes, jobs_by_id, make_group, make_job

GROUP_ID = 7
DAILY = Schedule(kind=ScheduleKind.DAILY, hour=2, slot=0)

# Group rule 1: every way a job can fail to qualify, with its own code.
DISQUALIFIED: list[tuple[dict[str, Any], str]] = [
    ({"type": JobType.EXPORT}, "JOB_IS_EXPORT"),
    ({"kind": JobKind.PARTNER_INTEGRATION}, "JOB_IS_PARTNER_INTEGRATION"),
    ({"run_mode": RunMode.SCHEDULED, "schedule": DAILY}, "JOB_IS_SCHEDULED"),
    ({"state": JobState.SAVED}, "JOB_NOT_ACTIVATED"),
    ({"state": JobState.INACTIVE}, "JOB_INACTIVE"),
    ({"group_id": 99}, "JOB_IN_OTHER_GROUP"),
]


# --- Group rule 1: qualified jobs -------------------------------------------------------------


def test_an_active_on_demand_standard_import_in_no_group_qualifies() -> None:
    assert qualification_problem(make_job(), GROUP_ID, "job_ids[0]") is None


def test_a_job_already_in_this_group_qualifies() -> None:
    assert qualification_problem(make_job(group_id=GROUP_ID), GROUP_ID, "job_ids[0]") is None


@pytest.mark.parametrize(("change", "code"), DISQUALIFIED)
def test_each_disqualifying_reason_has_its_own_code(change: dict[str, Any], code: str) -> None:
    problem = qualification_problem(make_job(**change), GROUP_ID, "job_ids[1]")
    assert problem is not None
    assert (problem.field, problem.code) == ("job_ids[1]", code)


@pytest.mark.parametrize(("change", "code"), DISQUALIFIED)
def test_the_refusal_names_the_job(change: dict[str, Any], code: str) -> None:
    problem = qualification_problem(make_job(name="Daily customers", **change), GROUP_ID, "f")
    assert problem is not None
    assert "Daily customers" in problem.message


def test_a_job_in_any_group_does_not_qualify_for_a_new_group() -> None:
    problem = qualification_problem(make_job(group_id=GROUP_ID), None, "job_ids[0]")
    assert problem is not None
    assert problem.code == "JOB_IN_OTHER_GROUP"


def test_a_job_freed_by_a_deleted_group_qualifies_for_another() -> None:
    # Group rule 6: deleting a group clears its jobs' group_id; they may then join another group.
    assert qualification_problem(make_job(group_id=None), 12, "job_ids[0]") is None


# --- membership checks made by every save -----------------------------------------------------


def test_existing_distinct_free_jobs_pass_the_membership_check() -> None:
    jobs = jobs_by_id(make_job(1), make_job(2))
    assert membership_problems([1, 2], jobs, GROUP_ID) == []


def test_membership_check_ignores_qualification() -> None:
    jobs = jobs_by_id(make_job(1, type=JobType.EXPORT), make_job(2, state=JobState.SAVED))
    assert membership_problems([1, 2], jobs, GROUP_ID) == []


@pytest.mark.parametrize("job_id", [3, "1", 1.0, True, None])
def test_an_id_that_names_no_job_of_the_account_is_refused(job_id: object) -> None:
    jobs = jobs_by_id(make_job(1), make_job(2))
    problems = membership_problems([1, job_id], jobs, GROUP_ID)
    assert [(p.field, p.code) for p in problems] == [("job_ids[1]", "JOB_NOT_FOUND")]


def test_a_job_may_be_listed_only_once() -> None:
    jobs = jobs_by_id(make_job(1), make_job(2))
    problems = membership_problems([1, 2, 1], jobs, GROUP_ID)
    assert [(p.field, p.code) for p in problems] == [("job_ids[2]", "JOB_DUPLICATE_IN_GROUP")]


def test_a_job_of_another_group_is_refused_on_save() -> None:
    jobs = jobs_by_id(make_job(1), make_job(2, group_id=99))
    assert codes(membership_problems([1, 2], jobs, GROUP_ID)) == ["JOB_IN_OTHER_GROUP"]


def test_at_most_100_jobs() -> None:
    jobs = jobs_by_id(*(make_job(i) for i in range(1, MAX_JOBS + 2)))
    assert codes(membership_problems(list(jobs), jobs, GROUP_ID)) == ["GROUP_TOO_MANY_JOBS"]


def test_100_jobs_are_accepted() -> None:
    jobs = jobs_by_id(*(make_job(i) for i in range(1, MAX_JOBS + 1)))
    assert membership_problems(list(jobs), jobs, GROUP_ID) == []


# --- activation: Group rules 1 and 2 together -------------------------------------------------


def test_two_qualified_jobs_can_be_activated() -> None:
    jobs = jobs_by_id(make_job(1), make_job(2))
    assert activation_problems([1, 2], jobs, GROUP_ID) == []


@pytest.mark.parametrize("job_ids", [[], [1]])
def test_a_group_needs_at_least_two_jobs(job_ids: list[int]) -> None:
    jobs = jobs_by_id(make_job(1), make_job(2))
    problems = activation_problems(job_ids, jobs, GROUP_ID)
    assert [(p.field, p.code) for p in problems] == [("job_ids", "GROUP_TOO_FEW_JOBS")]


def test_activation_reports_every_problem_at_once() -> None:
    jobs = jobs_by_id(
        make_job(1, type=JobType.EXPORT),
        make_job(2),
        make_job(3, run_mode=RunMode.SCHEDULED, schedule=DAILY),
        make_job(4, state=JobState.INACTIVE),
        make_job(5, kind=JobKind.PARTNER_INTEGRATION),
        make_job(6, state=JobState.SAVED),
        make_job(8, group_id=99),
    )
    problems = activation_problems([1, 2, 3, 4, 5, 6, 8], jobs, GROUP_ID)
    assert [(p.field, p.code) for p in problems] == [
        ("job_ids[0]", "JOB_IS_EXPORT"),
        ("job_ids[2]", "JOB_IS_SCHEDULED"),
        ("job_ids[3]", "JOB_INACTIVE"),
        ("job_ids[4]", "JOB_IS_PARTNER_INTEGRATION"),
        ("job_ids[5]", "JOB_NOT_ACTIVATED"),
        ("job_ids[6]", "JOB_IN_OTHER_GROUP"),
    ]


def test_too_few_jobs_and_an_unqualified_job_are_reported_together() -> None:
    jobs = jobs_by_id(make_job(1, state=JobState.INACTIVE))
    assert codes(activation_problems([1], jobs, GROUP_ID)) == [
        "GROUP_TOO_FEW_JOBS",
        "JOB_INACTIVE",
    ]


# --- notification -----------------------------------------------------------------------------


def test_no_notification_means_none() -> None:
    assert parse_notification(None) == (Notification(when=NotifyWhen.NONE, emails=()), [])


@pytest.mark.parametrize("when", ["success_or_failure", "failure"])
def test_notification_with_recipients_is_accepted(when: str) -> None:
    notification, problems = parse_notification({"when": when, "emails": ["ops@example.com"]})
    assert problems == []
    assert notification == Notification(when=NotifyWhen(when), emails=("ops@example.com",))


def test_notification_none_needs_no_recipients() -> None:
    assert parse_notification({"when": "none"}) == (Notification(), [])


@pytest.mark.parametrize("when", ["success_or_failure", "failure"])
def test_notification_other_than_none_needs_recipients(when: str) -> None:
    _, problems = parse_notification({"when": when, "emails": []})
    assert [(p.field, p.code) for p in problems] == [
        ("notification.emails", "NOTIFICATION_EMAILS_REQUIRED")
    ]


@pytest.mark.parametrize("when", ["always", "success", "", None])
def test_unknown_when_is_refused(when: object) -> None:
    _, problems = parse_notification({"when": when})
    assert codes(problems) == ["NOTIFY_WHEN_INVALID"]


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "a b@example.com", "", 5])
def test_each_recipient_must_be_an_email_address(email: object) -> None:
    _, problems = parse_notification({"when": "failure", "emails": ["ok@example.com", email]})
    assert [(p.field, p.code) for p in problems] == [("notification.emails[1]", "EMAIL_INVALID")]


def test_recipients_are_a_list() -> None:
    _, problems = parse_notification({"when": "failure", "emails": "ops@example.com"})
    assert codes(problems) == ["EMAILS_INVALID"]


def test_at_most_20_recipients() -> None:
    emails = [f"u{i}@example.com" for i in range(MAX_EMAILS + 1)]
    assert codes(parse_notification({"when": "failure", "emails": emails})[1]) == ["EMAILS_INVALID"]


def test_20_recipients_are_accepted() -> None:
    emails = [f"u{i}@example.com" for i in range(MAX_EMAILS)]
    notification, problems = parse_notification({"when": "failure", "emails": emails})
    assert problems == []
    assert len(notification.emails) == MAX_EMAILS


def test_a_recipient_listed_twice_gets_one_email() -> None:
    data = {"when": "failure", "emails": ["Ops@Example.com", "ops@example.com", "b@example.com"]}
    notification, problems = parse_notification(data)
    assert problems == []
    assert notification.emails == ("Ops@Example.com", "b@example.com")


def test_notification_must_be_an_object() -> None:
    assert codes(parse_notification("failure")[1]) == ["NOTIFICATION_INVALID"]


def test_unknown_notification_setting_is_refused() -> None:
    _, problems = parse_notification({"when": "none", "sms": ["+4912345"]})
    assert [(p.field, p.code) for p in problems] == [("notification.sms", "UNKNOWN_FIELD")]


# --- Group rule 7: a member job leaves --------------------------------------------------------


def test_a_group_keeping_two_jobs_stays_active_and_keeps_the_order() -> None:
    group = make_group(job_ids=(3, 1, 2), state=GroupState.ACTIVE)
    assert after_member_removed(group, 1) == ((3, 2), GroupState.ACTIVE)


def test_a_group_left_with_one_job_returns_to_saved() -> None:
    group = make_group(job_ids=(1, 2), state=GroupState.ACTIVE)
    assert after_member_removed(group, 2) == ((1,), GroupState.SAVED)


def test_a_saved_group_stays_saved_when_a_member_leaves() -> None:
    group = make_group(job_ids=(1, 2, 3), state=GroupState.SAVED)
    assert after_member_removed(group, 2) == ((1, 3), GroupState.SAVED)


def test_removing_a_job_that_is_not_a_member_changes_nothing() -> None:
    group = make_group(job_ids=(1, 2), state=GroupState.ACTIVE)
    assert after_member_removed(group, 5) == ((1, 2), GroupState.ACTIVE)
