"""Expiration of groups and jobs, swept with the test clock on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from grouping import Env, account

from dataconnect.bootstrap import App
from dataconnect.clock import FakeClock
from dataconnect.errors import NotFound
from dataconnect.store.store import Store
from dataconnect.testing import START, group_request, import_job


@pytest.fixture
def env(app: App) -> Env:
    return account(app)


def job(env: Env, name: str, **changes: Any) -> int:
    request = import_job(name, **changes)
    request["import"]["file_pattern"] = f"{name.lower()}.csv"
    return env.app.jobs.create(env.caller, request).id


def outbox(app: App, account_id: int) -> list[dict[str, Any]]:
    with Store(app.engines).read() as tx:
        return tx.outbox(account_id)


def test_a_group_is_warned_three_days_before_it_expires_once(
    app: App, env: Env, clock: FakeClock
) -> None:
    group = app.groups.create(env.caller, group_request("G", [job(env, "A"), job(env, "B")]))
    assert group.expires_at == START + timedelta(days=30)

    clock.set(group.expires_at - timedelta(days=3, minutes=1))
    assert app.expiry.sweep().warned == 0
    clock.advance(timedelta(minutes=2))
    assert app.expiry.sweep().warned == 1
    assert app.expiry.sweep().warned == 0

    notes = outbox(app, env.account_id)
    assert [(n["kind"], n["payload"]["group_name"]) for n in notes] == [("expiry_warning", "G")]
    assert notes[0]["payload"]["recipients"] == ["ops@example.com"]


def test_a_new_expiry_date_brings_a_new_warning(app: App, env: Env, clock: FakeClock) -> None:
    group = app.groups.create(env.caller, group_request("G", [job(env, "A"), job(env, "B")]))
    clock.set(group.expires_at - timedelta(days=2))
    app.expiry.sweep()
    later = (group.expires_at + timedelta(days=10)).isoformat()

    app.groups.update(env.caller, group.id, {"expires_at": later})
    assert app.expiry.sweep().warned == 0
    clock.advance(timedelta(days=9))
    assert app.expiry.sweep().warned == 1
    assert [n["kind"] for n in outbox(app, env.account_id)] == ["expiry_warning"] * 2


def test_an_expired_group_is_deleted_its_jobs_and_run_history_stay(
    app: App, env: Env, clock: FakeClock
) -> None:
    a, b = job(env, "A"), job(env, "B")
    group = app.groups.create(env.caller, group_request("G", [a, b]))
    run = app.group_runs.start(env.caller, group.id)
    app.group_runs.stop_group(env.caller, group.id)

    clock.set(group.expires_at)
    swept = app.expiry.sweep()

    assert swept.groups_deleted == 1
    with pytest.raises(NotFound):
        app.groups.get(env.caller, group.id)
    assert {app.jobs.get(env.caller, j).group_id for j in (a, b)} == {None}
    assert app.group_runs.get(env.caller, run.id).group_name == "G"


def test_a_running_group_expires_after_its_run(app: App, env: Env, clock: FakeClock) -> None:
    group = app.groups.create(env.caller, group_request("G", [job(env, "A"), job(env, "B")]))
    app.group_runs.start(env.caller, group.id)  # queued: no worker here

    clock.set(group.expires_at + timedelta(minutes=1))
    assert app.expiry.sweep().postponed == 1
    assert app.groups.get(env.caller, group.id).id == group.id

    app.group_runs.stop_group(env.caller, group.id)
    assert app.expiry.sweep().groups_deleted == 1


def test_an_expired_member_job_leaves_its_group_which_returns_to_saved(
    app: App, env: Env, clock: FakeClock
) -> None:
    soon = (START + timedelta(days=2)).isoformat()
    a, b = job(env, "A", expires_at=soon), job(env, "B")
    schedule = {"kind": "daily", "hour": 6, "slot": 0}
    group = app.groups.create(
        env.caller,
        group_request(
            "G", [a, b], schedule=schedule, expires_at=(START + timedelta(days=60)).isoformat()
        ),
    )
    assert app.schedules.next_runs(env.caller, group.id, 1)

    clock.set(START + timedelta(days=2))
    swept = app.expiry.sweep()

    assert (swept.jobs_deleted, swept.jobs_removed_from_groups) == (1, 1)
    with pytest.raises(NotFound):
        app.jobs.get(env.caller, a)
    after = app.groups.get(env.caller, group.id)
    assert (after.job_ids, after.state.value) == ((b,), "saved")
    assert app.schedules.next_runs(env.caller, group.id, 1) == []  # a saved group never runs
    note = outbox(app, env.account_id)[-1]
    assert note["kind"] == "job_expired_from_group"
    assert (note["payload"]["job_name"], note["payload"]["returned_to_saved"]) == ("A", True)


def test_a_group_keeping_two_jobs_stays_active(app: App, env: Env, clock: FakeClock) -> None:
    soon = (START + timedelta(days=2)).isoformat()
    ids = [job(env, "A", expires_at=soon), job(env, "B"), job(env, "C")]
    group = app.groups.create(env.caller, group_request("G", ids))

    clock.set(START + timedelta(days=3))
    app.expiry.sweep()

    after = app.groups.get(env.caller, group.id)
    assert (after.job_ids, after.state.value) == (tuple(ids[1:]), "active")


def test_a_job_that_never_expires_stays(app: App, env: Env, clock: FakeClock) -> None:
    forever = job(env, "Forever")  # import_job's expires_at is "never"
    clock.set(START + timedelta(days=3650))

    assert app.expiry.sweep().jobs_deleted == 0
    assert app.jobs.get(env.caller, forever).expires_at is None
