"""Create and change requests turned into Job and Group records (requests.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dataconnect.domain.groups import Group, GroupState
from dataconnect.domain.jobs import Job, JobKind, JobState, JobType, RunMode
from dataconnect.domain.notify import Notification, NotifyWhen
from dataconnect.domain.requests import activation_check, group_from_request, job_from_request
from dataconnect.domain.schedules import Schedule, ScheduleKind
from dataconnect.errors import ValidationFailed
from dataconnect.testing import group_request, import_job

from .factories import NOW, ZONE, codes, export_settings, jobs_by_id, make_group, make_job, tables

DAILY = {"kind": "daily", "hour": 2, "slot": 0}


def new_job(data: dict[str, Any], *, now: datetime = NOW) -> Job:
    return job_from_request(data, account_id=1, account_zone=ZONE, tables=tables(), now=now)


def changed_job(existing: Job, data: dict[str, Any]) -> Job:
    return job_from_request(
        data, account_id=1, account_zone=ZONE, tables=tables(), now=NOW, existing=existing
    )


def job_refused(data: dict[str, Any], existing: Job | None = None) -> list[str]:
    with pytest.raises(ValidationFailed) as failed:
        job_from_request(
            data, account_id=1, account_zone=ZONE, tables=tables(), now=NOW, existing=existing
        )
    return codes(failed.value.problems)


def minimal_import() -> dict[str, Any]:
    data = import_job()
    for key in ("kind", "run_mode", "expires_at", "activate"):
        del data[key]
    return data


# --- new jobs ---------------------------------------------------------------------------------


def test_the_import_job_of_api_md_is_created_active() -> None:
    job = new_job(import_job())
    assert (job.name, job.type, job.state) == ("Daily customers", JobType.IMPORT, JobState.ACTIVE)
    assert job.import_settings is not None
    assert job.import_settings.target == "CONTACTS"
    assert job.export_settings is None
    assert (job.account_id, job.group_id, job.created_at, job.updated_at) == (1, None, NOW, NOW)


def test_a_job_is_saved_unless_activation_is_asked_for() -> None:
    assert new_job(import_job(activate=False)).state is JobState.SAVED
    assert new_job(minimal_import()).state is JobState.SAVED


def test_a_job_defaults_to_a_standard_on_demand_job() -> None:
    job = new_job(minimal_import())
    assert (job.kind, job.run_mode, job.schedule) == (JobKind.STANDARD, RunMode.ON_DEMAND, None)


def test_a_job_expires_30_days_after_creation_by_default() -> None:
    assert new_job(minimal_import()).expires_at == NOW + timedelta(days=30)


def test_a_job_may_never_expire() -> None:
    assert new_job(import_job(expires_at="never")).expires_at is None


def test_a_job_may_expire_at_a_chosen_date() -> None:
    # A bare date means the end of that day in the account's zone (Berlin, UTC+1 in March).
    job = new_job(import_job(expires_at="2026-03-01"))
    assert job.expires_at == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)


def test_a_job_cannot_expire_in_the_past() -> None:
    assert job_refused(import_job(expires_at="2026-01-01T00:00:00+00:00")) == ["EXPIRATION_IN_PAST"]


def test_an_export_job_is_created_with_export_settings() -> None:
    data = {"name": "Contacts out", "type": "export", "export": export_settings()}
    job = new_job(data)
    assert job.type is JobType.EXPORT
    assert job.export_settings is not None
    assert job.import_settings is None


def test_a_partner_integration_job_can_be_created() -> None:
    assert new_job(import_job(kind="partner_integration")).kind is JobKind.PARTNER_INTEGRATION


def test_a_job_needs_a_name() -> None:
    data = import_job()
    del data["name"]
    assert job_refused(data) == ["NAME_EMPTY"]


@pytest.mark.parametrize(
    ("name", "code"),
    [("", "NAME_EMPTY"), ("a/b", "NAME_INVALID_CHARACTERS"), ("n" * 101, "NAME_TOO_LONG")],
)
def test_a_job_name_follows_the_name_rules(name: str, code: str) -> None:
    assert job_refused(import_job(name)) == [code]


def test_a_job_description_is_at_most_255_characters() -> None:
    assert new_job(import_job(description="d" * 255)).description == "d" * 255
    assert job_refused(import_job(description="d" * 256)) == ["DESCRIPTION_TOO_LONG"]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("type", "sync", "JOB_TYPE_INVALID"),
        ("type", None, "JOB_TYPE_INVALID"),
        ("kind", "partner", "JOB_KIND_INVALID"),
        ("run_mode", "manual", "RUN_MODE_INVALID"),
        ("activate", "yes", "BOOLEAN_EXPECTED"),
    ],
)
def test_job_enumerations_are_checked(field: str, value: object, code: str) -> None:
    assert job_refused(import_job(**{field: value})) == [code]


def test_unknown_job_fields_are_refused() -> None:
    problems = job_refused(import_job(owner="ann", priority=1))
    assert problems == ["UNKNOWN_FIELD", "UNKNOWN_FIELD"]


def test_a_scheduled_job_needs_a_schedule() -> None:
    assert job_refused(import_job(run_mode="scheduled")) == ["SCHEDULE_REQUIRED"]


def test_a_scheduled_job_keeps_its_schedule() -> None:
    job = new_job(import_job(run_mode="scheduled", schedule=DAILY))
    assert job.run_mode is RunMode.SCHEDULED
    assert job.schedule is not None
    assert (job.schedule.kind, job.schedule.hour, job.schedule.slot) == (ScheduleKind.DAILY, 2, 0)


def test_a_scheduled_job_schedule_is_checked() -> None:
    schedule = {"kind": "monthly", "day": 31, "hour": 2, "slot": 0}
    assert job_refused(import_job(run_mode="scheduled", schedule=schedule)) == [
        "MONTHLY_DAY_NOT_ALLOWED"
    ]


def test_an_on_demand_job_refuses_a_schedule() -> None:
    assert job_refused(import_job(run_mode="on_demand", schedule=DAILY)) == ["SCHEDULE_NOT_ALLOWED"]


def test_an_import_job_needs_import_settings() -> None:
    data = import_job()
    del data["import"]
    assert job_refused(data) == ["IMPORT_SETTINGS_REQUIRED"]


def test_an_import_job_refuses_export_settings() -> None:
    assert job_refused(import_job(export=export_settings())) == ["SETTINGS_NOT_ALLOWED"]


def test_an_export_job_refuses_import_settings() -> None:
    data = import_job(type="export", export=export_settings())
    assert job_refused(data) == ["SETTINGS_NOT_ALLOWED"]


def test_import_settings_problems_are_reported_with_the_job() -> None:
    data = import_job()
    data["import"]["target"] = "NOBODY"
    assert job_refused(data) == ["TARGET_NOT_FOUND"]


def test_every_job_problem_is_reported_at_once() -> None:
    data = import_job("bad/name", run_mode="scheduled", expires_at="soon", colour="red")
    data["import"]["max_reject_percent"] = 500
    assert sorted(job_refused(data)) == sorted(
        [
            "UNKNOWN_FIELD",
            "NAME_INVALID_CHARACTERS",
            "SCHEDULE_REQUIRED",
            "MAX_REJECT_PERCENT_INVALID",
            "EXPIRATION_INVALID",
        ]
    )


def test_a_job_request_must_be_an_object() -> None:
    assert job_refused(["not", "an", "object"]) == ["BODY_INVALID"]  # type: ignore[arg-type]


# --- changing a job (PATCH) -------------------------------------------------------------------


@pytest.fixture
def existing() -> Job:
    job = new_job(import_job(expires_at="never"))
    return replace(job, id=42, created_at=NOW - timedelta(days=3))


def test_a_change_replaces_only_the_fields_given(existing: Job) -> None:
    job = changed_job(existing, {"name": "Renamed"})
    assert job.name == "Renamed"
    assert (job.id, job.state, job.created_at) == (42, existing.state, existing.created_at)
    assert job.import_settings == existing.import_settings
    assert job.expires_at is None
    assert job.updated_at == NOW


def test_a_change_inside_import_keeps_the_other_import_settings(existing: Job) -> None:
    job = changed_job(existing, {"import": {"max_reject_percent": 5}})
    assert job.import_settings is not None
    assert existing.import_settings is not None
    assert job.import_settings.max_reject_percent == 5
    assert job.import_settings.mapping == existing.import_settings.mapping
    assert job.import_settings.target == "CONTACTS"


def test_a_change_is_checked_like_a_new_job(existing: Job) -> None:
    assert job_refused({"import": {"target": "NOBODY"}}, existing) == ["TARGET_NOT_FOUND"]


def test_a_change_cannot_ask_for_activation(existing: Job) -> None:
    assert job_refused({"activate": True}, existing) == ["UNKNOWN_FIELD"]


def test_a_change_may_set_an_expiration(existing: Job) -> None:
    job = changed_job(existing, {"expires_at": "2026-02-01T00:00:00+00:00"})
    assert job.expires_at == datetime(2026, 2, 1, tzinfo=UTC)


def test_a_change_to_scheduled_needs_a_schedule(existing: Job) -> None:
    assert job_refused({"run_mode": "scheduled"}, existing) == ["SCHEDULE_REQUIRED"]


def test_a_change_to_an_export_drops_the_import_settings_when_asked(existing: Job) -> None:
    job = changed_job(existing, {"type": "export", "import": None, "export": export_settings()})
    assert (job.type, job.import_settings) == (JobType.EXPORT, None)


# --- new groups -------------------------------------------------------------------------------


def new_group(data: dict[str, Any], jobs: dict[int, Job] | None = None) -> tuple[Group, bool]:
    return group_from_request(
        data,
        account_id=1,
        account_zone=ZONE,
        jobs=jobs if jobs is not None else jobs_by_id(make_job(1), make_job(2)),
        now=NOW,
    )


def group_refused(
    data: dict[str, Any], jobs: dict[int, Job] | None = None, existing: Group | None = None
) -> list[str]:
    with pytest.raises(ValidationFailed) as failed:
        group_from_request(
            data,
            account_id=1,
            account_zone=ZONE,
            jobs=jobs if jobs is not None else jobs_by_id(make_job(1), make_job(2)),
            now=NOW,
            existing=existing,
        )
    return codes(failed.value.problems)


def unqualified_jobs() -> dict[int, Job]:
    return jobs_by_id(make_job(1, type=JobType.EXPORT), make_job(2, state=JobState.INACTIVE))


def test_a_group_is_saved_by_default() -> None:
    group, activate = new_group(group_request("Nightly", [1, 2], activate=False))
    assert (group.state, activate) == (GroupState.SAVED, False)


def test_a_saved_group_keeps_the_job_order() -> None:
    group, _ = new_group(group_request("Nightly", [2, 1], activate=False))
    assert group.job_ids == (2, 1)


def test_a_group_expires_30_days_after_creation_by_default() -> None:
    group, _ = new_group(group_request("Nightly", [1, 2]))
    assert group.expires_at == NOW + timedelta(days=30)


def test_a_group_may_expire_at_a_chosen_date() -> None:
    group, _ = new_group(group_request("Nightly", [1, 2], expires_at="2026-06-30"))
    assert group.expires_at == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)


def test_a_group_always_expires() -> None:
    assert group_refused(group_request("Nightly", [1, 2], expires_at="never")) == [
        "EXPIRATION_NEVER_NOT_ALLOWED"
    ]


def test_a_group_takes_its_notification_and_schedule() -> None:
    data = group_request("Nightly", [1, 2], schedule=DAILY)
    group, _ = new_group(data)
    assert group.notification == Notification(when=NotifyWhen.FAILURE, emails=("ops@example.com",))
    assert group.schedule is not None
    assert group.schedule.kind is ScheduleKind.DAILY


def test_a_group_without_notification_sends_none() -> None:
    data = group_request("Nightly", [1, 2])
    del data["notification"]
    group, _ = new_group(data)
    assert group.notification == Notification()


def test_a_group_without_a_schedule_runs_on_demand() -> None:
    group, _ = new_group(group_request("Nightly", [1, 2], schedule=None))
    assert group.schedule is None


def test_a_group_schedule_is_checked() -> None:
    schedule = {"kind": "once", "date": "2026-01-15", "hour": 13, "slot": 0}
    assert group_refused(group_request("Nightly", [1, 2], schedule=schedule)) == [
        "SLOT_ALREADY_STARTED"
    ]


def test_activating_two_qualified_jobs_makes_the_group_active() -> None:
    group, activate = new_group(group_request("Nightly", [1, 2], activate=True))
    assert (group.state, activate) == (GroupState.ACTIVE, True)


def test_activation_refuses_a_group_of_one_job() -> None:
    assert group_refused(group_request("Nightly", [1], activate=True)) == ["GROUP_TOO_FEW_JOBS"]


def test_activation_reports_every_unqualified_job_at_once() -> None:
    assert group_refused(group_request("Nightly", [1, 2], activate=True), unqualified_jobs()) == [
        "JOB_IS_EXPORT",
        "JOB_INACTIVE",
    ]


def test_activation_reports_field_problems_with_qualification_problems() -> None:
    # product.md: Activate validates everything and all errors are reported at once.
    data = group_request("bad/name", [1, 2], activate=True)
    assert sorted(group_refused(data, unqualified_jobs())) == sorted(
        ["NAME_INVALID_CHARACTERS", "JOB_IS_EXPORT", "JOB_INACTIVE"]
    )


def test_save_is_lenient_on_qualification() -> None:
    group, _ = new_group(group_request("Nightly", [1, 2], activate=False), unqualified_jobs())
    assert (group.state, group.job_ids) == (GroupState.SAVED, (1, 2))


def test_save_accepts_fewer_than_two_jobs() -> None:
    group, _ = new_group(group_request("Nightly", [1], activate=False))
    assert group.job_ids == (1,)


def test_save_refuses_a_job_that_does_not_exist() -> None:
    assert group_refused(group_request("Nightly", [1, 3], activate=False)) == ["JOB_NOT_FOUND"]


def test_save_refuses_a_job_of_another_group() -> None:
    jobs = jobs_by_id(make_job(1), make_job(2, group_id=99))
    assert group_refused(group_request("Nightly", [1, 2], activate=False), jobs) == [
        "JOB_IN_OTHER_GROUP"
    ]


def test_save_refuses_a_job_listed_twice() -> None:
    assert group_refused(group_request("Nightly", [1, 2, 1], activate=False)) == [
        "JOB_DUPLICATE_IN_GROUP"
    ]


def test_job_ids_are_a_list() -> None:
    assert group_refused(group_request("Nightly", "1,2", activate=False)) == [  # type: ignore[arg-type]
        "JOB_IDS_INVALID"
    ]


@pytest.mark.parametrize(
    ("name", "code"),
    [("", "NAME_EMPTY"), ("a;b", "NAME_INVALID_CHARACTERS"), ("g" * 101, "NAME_TOO_LONG")],
)
def test_a_group_name_follows_the_job_name_rules(name: str, code: str) -> None:
    assert group_refused(group_request(name, [1, 2])) == [code]


def test_a_group_description_is_at_most_255_characters() -> None:
    assert group_refused(group_request("Nightly", [1, 2], description="d" * 256)) == [
        "DESCRIPTION_TOO_LONG"
    ]


def test_unknown_group_fields_are_refused() -> None:
    assert group_refused(group_request("Nightly", [1, 2], retries=3)) == ["UNKNOWN_FIELD"]


def test_activate_is_a_boolean() -> None:
    assert group_refused(group_request("Nightly", [1, 2], activate="yes")) == ["BOOLEAN_EXPECTED"]


# --- changing a group (PATCH) -----------------------------------------------------------------


def members() -> dict[int, Job]:
    return jobs_by_id(make_job(1, group_id=7), make_job(2, group_id=7), make_job(3))


def changed_group(existing: Group, data: dict[str, Any]) -> Group:
    group, activate = group_from_request(
        data, account_id=1, account_zone=ZONE, jobs=members(), now=NOW, existing=existing
    )
    assert activate is False
    return group


def test_a_group_change_may_reorder_its_own_jobs() -> None:
    group = changed_group(make_group(job_ids=(1, 2)), {"job_ids": [2, 1]})
    assert group.job_ids == (2, 1)


def test_a_group_change_keeps_what_is_not_given() -> None:
    existing = make_group(job_ids=(1, 2), description="nightly load")
    group = changed_group(existing, {"name": "Renamed"})
    assert group.name == "Renamed"
    assert (group.job_ids, group.description) == ((1, 2), "nightly load")
    assert (group.notification, group.expires_at) == (existing.notification, existing.expires_at)
    assert (group.state, group.updated_at) == (GroupState.ACTIVE, NOW)


def test_an_active_group_stays_valid_through_a_change() -> None:
    existing = make_group(job_ids=(1, 2), state=GroupState.ACTIVE)
    assert group_refused({"job_ids": [1]}, members(), existing) == ["GROUP_TOO_FEW_JOBS"]


def test_a_saved_group_may_shrink_below_two_jobs() -> None:
    group = changed_group(make_group(job_ids=(1, 2), state=GroupState.SAVED), {"job_ids": [1]})
    assert group.job_ids == (1,)


def test_a_group_change_cannot_ask_for_activation() -> None:
    assert group_refused({"activate": True}, members(), make_group()) == ["UNKNOWN_FIELD"]


def test_a_group_change_cannot_remove_the_expiration() -> None:
    assert group_refused({"expires_at": "never"}, members(), make_group()) == [
        "EXPIRATION_NEVER_NOT_ALLOWED"
    ]


def test_a_group_change_may_remove_the_schedule() -> None:
    existing = make_group(schedule=Schedule(kind=ScheduleKind.DAILY, hour=2, slot=0))
    assert changed_group(existing, {"schedule": None}).schedule is None


# --- activation_check (POST /groups/{id}/activate) --------------------------------------------


def test_a_valid_saved_group_passes_the_activation_check() -> None:
    activation_check(make_group(job_ids=(1, 2), state=GroupState.SAVED), members(), ZONE, NOW)


def test_an_expired_group_cannot_be_activated() -> None:
    group = make_group(job_ids=(1, 2), expires_at=NOW)
    with pytest.raises(ValidationFailed) as failed:
        activation_check(group, members(), ZONE, NOW)
    assert codes(failed.value.problems) == ["GROUP_EXPIRED"]


def test_the_activation_check_reports_every_problem_at_once() -> None:
    jobs = jobs_by_id(make_job(1, type=JobType.EXPORT, group_id=7))
    group = make_group(job_ids=(1,), expires_at=NOW - timedelta(days=1))
    with pytest.raises(ValidationFailed) as failed:
        activation_check(group, jobs, ZONE, NOW)
    assert codes(failed.value.problems) == ["GROUP_TOO_FEW_JOBS", "JOB_IS_EXPORT", "GROUP_EXPIRED"]


def test_the_activation_check_refuses_a_once_schedule_whose_slot_has_begun() -> None:
    planned = NOW + timedelta(hours=2)  # 15:00 Berlin
    schedule = {"kind": "once", "date": "2026-01-15", "hour": 15, "slot": 0}
    group, _ = new_group(group_request("Nightly", [1, 2], schedule=schedule))
    saved = make_group(job_ids=(1, 2), schedule=group.schedule)
    activation_check(saved, members(), ZONE, NOW)
    with pytest.raises(ValidationFailed) as failed:
        activation_check(saved, members(), ZONE, planned)
    assert codes(failed.value.problems) == ["SLOT_ALREADY_STARTED"]
