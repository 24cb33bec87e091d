"""Group rules 2 and 6 while a run is in progress, and edits of scheduled jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dataconnect.domain.groups import check_change, check_deletable
from dataconnect.domain.requests import job_from_request
from dataconnect.errors import Conflict

from .factories import NOW, ZONE, make_group, tables


def test_a_running_group_cannot_be_deleted() -> None:
    with pytest.raises(Conflict) as caught:
        check_deletable(make_group(), running=True)
    assert caught.value.code == "GROUP_RUNNING"


def test_an_idle_group_can_be_deleted() -> None:
    check_deletable(make_group(), running=False)


def test_the_order_of_a_running_group_cannot_change() -> None:
    before = make_group(job_ids=(1, 2))
    with pytest.raises(Conflict) as caught:
        check_change(before, make_group(job_ids=(2, 1)), running=True)
    assert caught.value.code == "GROUP_RUNNING"


def test_a_running_group_may_change_other_things() -> None:
    before = make_group(job_ids=(1, 2))
    check_change(before, make_group(job_ids=(1, 2), description="new words"), running=True)


def test_the_order_of_an_idle_group_can_change() -> None:
    check_change(make_group(job_ids=(1, 2)), make_group(job_ids=(2, 1)), running=False)


def _scheduled_job(schedule: dict[str, object]):
    from dataconnect.testing import import_job

    request = import_job("Once job", run_mode="scheduled", schedule=schedule)
    return job_from_request(request, account_id=1, account_zone=ZONE, tables=tables(), now=NOW)


def test_an_unchanged_once_schedule_in_the_past_does_not_block_edits() -> None:
    job = _scheduled_job({"kind": "once", "date": "2026-01-16", "hour": 2, "slot": 0})
    later = NOW + timedelta(days=3)
    changed = job_from_request(
        {"description": "edited"},
        account_id=1,
        account_zone=ZONE,
        tables=tables(),
        now=later,
        existing=job,
    )
    assert changed.description == "edited"
    assert changed.schedule == job.schedule


def test_back_to_on_demand_drops_the_schedule() -> None:
    job = _scheduled_job({"kind": "daily", "hour": 2, "slot": 0})
    changed = job_from_request(
        {"run_mode": "on_demand"},
        account_id=1,
        account_zone=ZONE,
        tables=tables(),
        now=NOW,
        existing=job,
    )
    assert changed.schedule is None
