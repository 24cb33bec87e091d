"""Job state changes and Group rule 7: a job in a group keeps what made it qualify."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from dataconnect.domain.job_settings import ExportSettings, ImportSettings
from dataconnect.domain.jobs import (
    JobKind,
    JobState,
    JobType,
    RunMode,
    activate,
    check_deletable,
    deactivate,
    membership_problems,
)
from dataconnect.domain.schedules import Schedule, ScheduleKind
from dataconnect.errors import Conflict

from .factories import make_job

DAILY = Schedule(kind=ScheduleKind.DAILY, hour=2, slot=0)

# Each change Group rule 7 forbids for a member job, and the field it is reported on.
FORBIDDEN_FOR_MEMBERS: list[tuple[dict[str, Any], str]] = [
    ({"type": JobType.EXPORT}, "type"),
    ({"kind": JobKind.PARTNER_INTEGRATION}, "kind"),
    ({"run_mode": RunMode.SCHEDULED, "schedule": DAILY}, "run_mode"),
    ({"state": JobState.INACTIVE}, "state"),
    ({"state": JobState.SAVED}, "state"),
]


# --- Group rule 7 -----------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "field"), FORBIDDEN_FOR_MEMBERS)
def test_a_member_job_cannot_lose_what_made_it_qualify(change: dict[str, Any], field: str) -> None:
    before = make_job(group_id=7)
    problems = membership_problems(before, replace(before, **change))
    assert [(p.field, p.code) for p in problems] == [(field, "JOB_IN_GROUP")]


@pytest.mark.parametrize(("change", "field"), FORBIDDEN_FOR_MEMBERS)
def test_a_job_in_no_group_may_change_freely(change: dict[str, Any], field: str) -> None:
    before = make_job(group_id=None)
    assert membership_problems(before, replace(before, **change)) == []


def test_a_member_job_may_change_what_the_group_does_not_care_about() -> None:
    before = make_job(group_id=7)
    after = replace(before, name="Renamed", description="new text", expires_at=None)
    assert membership_problems(before, after) == []


def test_every_forbidden_change_of_a_member_is_reported_at_once() -> None:
    before = make_job(group_id=7)
    after = replace(
        before,
        type=JobType.EXPORT,
        kind=JobKind.PARTNER_INTEGRATION,
        run_mode=RunMode.SCHEDULED,
        state=JobState.INACTIVE,
    )
    problems = membership_problems(before, after)
    assert [p.field for p in problems] == ["type", "kind", "run_mode", "state"]
    assert {p.code for p in problems} == {"JOB_IN_GROUP"}


def test_a_member_job_cannot_be_deactivated() -> None:
    with pytest.raises(Conflict) as refused:
        deactivate(make_job(group_id=7))
    assert refused.value.code == "JOB_IN_GROUP"


def test_a_member_job_cannot_be_deleted() -> None:
    with pytest.raises(Conflict) as refused:
        check_deletable(make_job(group_id=7))
    assert refused.value.code == "JOB_IN_GROUP"


def test_the_refusal_names_the_job() -> None:
    with pytest.raises(Conflict) as refused:
        check_deletable(make_job(name="Daily customers", group_id=7))
    assert "Daily customers" in refused.value.message


def test_a_job_in_no_group_may_be_deleted() -> None:
    check_deletable(make_job(group_id=None))


# --- states -----------------------------------------------------------------------------------


def test_an_active_job_in_no_group_can_be_deactivated() -> None:
    assert deactivate(make_job(state=JobState.ACTIVE)) is JobState.INACTIVE


@pytest.mark.parametrize("state", [JobState.SAVED, JobState.INACTIVE])
def test_only_an_active_job_can_be_deactivated(state: JobState) -> None:
    with pytest.raises(Conflict) as refused:
        deactivate(make_job(state=state))
    assert refused.value.code == "JOB_NOT_ACTIVE"


@pytest.mark.parametrize("state", list(JobState))
def test_an_on_demand_job_can_be_activated_from_any_state(state: JobState) -> None:
    assert activate(make_job(state=state)) is JobState.ACTIVE


def test_a_scheduled_job_can_be_activated_with_its_schedule() -> None:
    job = make_job(state=JobState.SAVED, run_mode=RunMode.SCHEDULED, schedule=DAILY)
    assert activate(job) is JobState.ACTIVE


def test_a_scheduled_job_without_a_schedule_cannot_be_activated() -> None:
    with pytest.raises(Conflict) as refused:
        activate(make_job(state=JobState.SAVED, run_mode=RunMode.SCHEDULED, schedule=None))
    assert refused.value.code == "SCHEDULE_REQUIRED"


def test_target_table_is_the_import_target_or_the_export_source() -> None:
    imported = ImportSettings(file_pattern="c.csv", target="CONTACTS", mapping=(("a", "CITY_"),))
    exported = ExportSettings(source="PRODUCTS", fields=("SKU",), file_pattern="p.csv")
    assert make_job(import_settings=imported).target_table == "CONTACTS"
    assert make_job(type=JobType.EXPORT, export_settings=exported).target_table == "PRODUCTS"
