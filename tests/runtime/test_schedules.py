"""Scheduled groups and jobs on SQLite and PostgreSQL, driven by the test clock.

No worker runs here: a fired occurrence leaves its run queued, which is all these rules need.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from grouping import Env, account

from dataconnect.bootstrap import App
from dataconnect.clock import FakeClock
from dataconnect.domain.accounts import Caller
from dataconnect.errors import ValidationFailed
from dataconnect.testing import group_request, import_job

BERLIN = ZoneInfo("Europe/Berlin")
# The test clock starts at 2026-01-15 12:00 UTC = 13:00 in Berlin.
DAILY_8 = {"kind": "daily", "hour": 8, "slot": 1}  # 08:15-08:29 Berlin = 07:15-07:29 UTC


@pytest.fixture
def env(app: App) -> Env:
    return account(app)


def scheduled_group(env: Env, schedule: dict[str, Any] | None = None, **changes: Any) -> int:
    a = env.list_job("A", "a.csv")
    b = env.list_job("B", "b.csv")
    request = group_request("Nightly", [a, b], schedule=schedule or DAILY_8, **changes)
    return env.app.groups.create(env.caller, request).id


def occurrences(app: App, caller: Caller, group: int) -> list[dict[str, Any]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return app.schedules.occurrences(caller, group, start, start + timedelta(days=40))


def planned(app: App, caller: Caller, group: int) -> list[dict[str, Any]]:
    return [o for o in occurrences(app, caller, group) if o["state"] == "planned"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_activation_plans_the_next_slot_with_a_minute_inside_it(app: App, env: Env) -> None:
    group = scheduled_group(env)

    first = app.schedules.next_runs(env.caller, group, 1)[0]

    local = at(first["fire_at"]).astimezone(BERLIN)
    assert local.date().isoformat() == "2026-01-16"  # today's 08:15 has passed (13:00 now)
    assert (local.hour, 15 <= local.minute <= 29) == (8, True)
    assert at(first["nominal_at"]).astimezone(BERLIN).strftime("%H:%M") == "08:15"
    view = app.groups.details(env.caller, group)
    assert view[3] == at(first["fire_at"])


def test_the_drawn_minute_survives_rereads_restarts_and_unrelated_edits(
    app: App, env: Env, tmp_path: Any
) -> None:
    group = scheduled_group(env)
    before = app.schedules.next_runs(env.caller, group, 5)

    app.groups.update(env.caller, group, {"description": "renamed meanwhile"})
    again = app.schedules.next_runs(env.caller, group, 5)

    assert [o["fire_at"] for o in again] == [o["fire_at"] for o in before]
    minutes = {at(o["fire_at"]).minute for o in before}
    assert all(15 <= m <= 29 for m in minutes)


def test_a_schedule_change_replans_only_future_occurrences(
    app: App, env: Env, clock: FakeClock
) -> None:
    group = scheduled_group(env)
    first = app.schedules.next_runs(env.caller, group, 1)[0]
    clock.set(at(first["fire_at"]))
    assert app.schedules.run_pass().fired == 1
    app.group_runs.stop_group(env.caller, group)  # ends the queued run

    app.groups.update(env.caller, group, {"schedule": {"kind": "daily", "hour": 20, "slot": 3}})

    found = occurrences(app, env.caller, group)
    fired = [o for o in found if o["state"] == "fired"]
    assert [o["fire_at"] for o in fired] == [first["fire_at"]]
    upcoming = [o for o in found if o["state"] == "planned"]
    assert upcoming, found
    assert all(at(o["fire_at"]).astimezone(BERLIN).hour == 20 for o in upcoming)
    assert all(45 <= at(o["fire_at"]).minute <= 59 for o in upcoming)


def test_a_due_occurrence_fires_once_and_plans_the_next(
    app: App, env: Env, clock: FakeClock
) -> None:
    group = scheduled_group(env)
    first = app.schedules.next_runs(env.caller, group, 1)[0]

    clock.set(at(first["fire_at"]) - timedelta(seconds=1))
    assert app.schedules.run_pass().decided == 0
    clock.set(at(first["fire_at"]))
    done = app.schedules.run_pass()
    again = app.schedules.run_pass()

    assert (done.fired, again.decided) == (1, 0)
    runs, _ = app.group_runs.list(env.caller, group_id=group)
    assert len(runs) == 1
    assert (runs[0].trigger.value, runs[0].requested_by) == ("schedule", "schedule")
    decided = [o for o in occurrences(app, env.caller, group) if o["state"] == "fired"]
    assert [(o["id"], o["group_run_id"]) for o in decided] == [(first["id"], runs[0].id)]
    following = app.schedules.next_runs(env.caller, group, 1)[0]
    assert at(following["nominal_at"]) - at(first["nominal_at"]) == timedelta(days=1)


def test_an_occurrence_due_while_the_group_runs_is_skipped(
    app: App, env: Env, clock: FakeClock
) -> None:
    group = scheduled_group(env)
    app.group_runs.start(env.caller, group)  # Run Now, still queued (no worker here)
    first = app.schedules.next_runs(env.caller, group, 1)[0]

    clock.set(at(first["fire_at"]))
    result = app.schedules.run_pass()

    assert (result.fired, result.skipped) == (0, 1)
    assert [o["state"] for o in occurrences(app, env.caller, group)][:1] == ["skipped"]
    runs, _ = app.group_runs.list(env.caller, group_id=group)
    assert len(runs) == 1  # only the Run Now


def test_after_downtime_older_occurrences_are_missed_and_the_latest_runs(
    app: App, env: Env, clock: FakeClock
) -> None:
    group = scheduled_group(env)
    first = app.schedules.next_runs(env.caller, group, 1)[0]

    # Down for three days; back 30 minutes after the fourth occurrence's minute.
    clock.set(at(first["fire_at"]) + timedelta(days=3, minutes=30))
    result = app.schedules.run_pass()

    assert (result.missed, result.fired) == (3, 1)
    states = [o["state"] for o in occurrences(app, env.caller, group)]
    assert states[:4] == ["missed", "missed", "missed", "fired"]
    assert set(states[4:]) == {"planned"}  # the listing plans what it shows


def test_after_downtime_of_more_than_an_hour_nothing_runs(
    app: App, env: Env, clock: FakeClock
) -> None:
    group = scheduled_group(env)
    first = app.schedules.next_runs(env.caller, group, 1)[0]

    clock.set(at(first["fire_at"]) + timedelta(hours=1, minutes=1))
    result = app.schedules.run_pass()

    assert (result.missed, result.fired) == (1, 0)
    assert app.group_runs.list(env.caller, group_id=group)[0] == []


def test_a_saved_group_never_fires(app: App, env: Env, clock: FakeClock) -> None:
    group = scheduled_group(env, activate=False)

    assert app.schedules.next_runs(env.caller, group, 3) == []
    clock.advance(timedelta(days=3))
    assert app.schedules.run_pass().decided == 0

    app.groups.activate(env.caller, group)
    assert len(app.schedules.next_runs(env.caller, group, 3)) == 3
    app.groups.deactivate(env.caller, group)
    assert app.schedules.next_runs(env.caller, group, 3) == []
    clock.advance(timedelta(days=3))
    assert app.schedules.run_pass().decided == 0


def test_a_once_schedule_fires_once(app: App, env: Env, clock: FakeClock) -> None:
    once = {"kind": "once", "date": "2026-01-20", "hour": 6, "slot": 2}
    group = scheduled_group(env, once)
    upcoming = app.schedules.next_runs(env.caller, group, 5)

    assert len(upcoming) == 1
    clock.set(at(upcoming[0]["fire_at"]))
    assert app.schedules.run_pass().fired == 1
    assert app.schedules.next_runs(env.caller, group, 5) == []


def test_a_once_slot_already_begun_is_refused(app: App, env: Env) -> None:
    with pytest.raises(ValidationFailed) as refused:
        scheduled_group(env, {"kind": "once", "date": "2026-01-15", "hour": 13, "slot": 0})

    assert [p.code for p in refused.value.problems] == ["SLOT_ALREADY_STARTED"]


def test_a_scheduled_job_fires_its_own_runs(app: App, env: Env, clock: FakeClock) -> None:
    request = import_job(
        "Alone",
        run_mode="scheduled",
        schedule={"kind": "weekly", "weekdays": ["mon", "fri"], "hour": 7, "slot": 0},
    )
    job = app.jobs.create(env.caller, request)
    clock.set(datetime(2026, 1, 16, 7, 0, tzinfo=UTC))  # Friday 08:00 Berlin: past 07:00-07:14

    result = app.schedules.run_pass()

    assert result.fired == 1
    runs, _ = app.runs.list(env.caller, job_id=job.id)
    assert [(r.trigger.value, r.state.value) for r in runs] == [("schedule", "queued")]


def test_occurrence_range_limits(app: App, env: Env) -> None:
    group = scheduled_group(env)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationFailed):
        app.schedules.occurrences(env.caller, group, start, start - timedelta(days=1))
    with pytest.raises(ValidationFailed):
        app.schedules.occurrences(env.caller, group, start, start + timedelta(days=400))
    with pytest.raises(ValidationFailed):
        app.schedules.next_runs(env.caller, group, 0)


def test_the_occurrences_endpoint_shows_outcomes_and_planned_minutes(
    app: App, env: Env, clock: FakeClock
) -> None:
    from fastapi.testclient import TestClient

    from dataconnect.api.app import create_app

    group = scheduled_group(env)
    first = app.schedules.next_runs(env.caller, group, 1)[0]
    clock.set(at(first["fire_at"]))
    app.schedules.run_pass()
    _, token = app.accounts.create_token("Acme", "dd@acme.example.com")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(app, worker=False)) as web:
        found = web.get(
            f"/api/v1/groups/{group}/occurrences",
            headers=headers,
            params={"from": "2026-01-16T00:00:00+00:00", "to": "2026-01-19T00:00:00+00:00"},
        )
        naive = web.get(
            f"/api/v1/groups/{group}/occurrences", headers=headers, params={"from": "2026-01-16"}
        )
        listed = web.get(f"/api/v1/groups/{group}", headers=headers).json()

    assert found.status_code == 200, found.text
    items = found.json()["items"]
    assert [o["state"] for o in items] == ["fired", "planned", "planned"]
    assert items[0]["group_run_id"] is not None
    assert naive.status_code == 422 and naive.json()["code"] == "TIME_WITHOUT_OFFSET"
    assert listed["next_run_at"] == items[1]["fire_at"]
    assert listed["schedule_type"] == "daily"


@pytest.mark.parametrize("backend", ["sqlite"])  # the CLI works on its home's SQLite files
def test_cli_groups_next_prints_local_times_with_offsets(
    app: App, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI runs on the real clock: the next three 02:15-02:29 slots from today (Kolkata:
    no DST, so the offset is known whatever today is)."""
    from typer.testing import CliRunner

    from dataconnect.cli.main import cli

    scheduled_group(env, {"kind": "daily", "hour": 2, "slot": 1, "timezone": "Asia/Kolkata"})
    monkeypatch.setenv("DATACONNECT_HOME", str(app.settings.home))
    args = ["groups", "next", "Nightly", "--account", "Acme", "--count", "3"]

    first = CliRunner().invoke(cli, args)
    again = CliRunner().invoke(cli, args)

    assert first.exit_code == 0, first.output
    lines = first.stdout.strip().splitlines()
    assert again.stdout == first.stdout  # drawn once, kept
    assert len(lines) == 3
    days = []
    for line in lines:
        day, weekday, clock_time, offset, zone = line.split()
        assert (offset, zone) == ("UTC+05:30", "Asia/Kolkata")
        hour, minute = (int(x) for x in clock_time.split(":"))
        assert hour == 2 and 15 <= minute <= 29, line
        days.append(datetime.fromisoformat(day))
        assert weekday == days[-1].strftime("%a")
    assert [b - a for a, b in pairwise(days)] == [timedelta(days=1)] * 2
