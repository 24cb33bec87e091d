"""Schedule rules (product.md, Schedules): kinds, hours and slots, monthly days, once slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from dataconnect.domain.schedules import Schedule, ScheduleKind, parse_schedule, slot_minutes

from .factories import NOW, ZONE, codes

# NOW is 2026-01-15 12:00 UTC: 13:00 in Berlin, 07:00 in New York.


def parse(data: object, *, now: datetime = NOW, zone: str = ZONE) -> Schedule:
    schedule, problems = parse_schedule(data, account_zone=zone, now=now)
    assert problems == []
    assert schedule is not None
    return schedule


def refused(data: object, *, now: datetime = NOW, zone: str = ZONE) -> list[tuple[str, str]]:
    schedule, problems = parse_schedule(data, account_zone=zone, now=now)
    assert schedule is None
    return [(p.field, p.code) for p in problems]


def daily(**changes: Any) -> dict[str, Any]:
    return {"kind": "daily", "hour": 2, "slot": 0} | changes


def once(day: str, hour: int, slot: int, **changes: Any) -> dict[str, Any]:
    return {"kind": "once", "date": day, "hour": hour, "slot": slot} | changes


# --- kinds ------------------------------------------------------------------------------------


def test_once_runs_on_a_date() -> None:
    schedule = parse(once("2026-12-01", 2, 1))
    assert (schedule.kind, schedule.date) == (ScheduleKind.ONCE, date(2026, 12, 1))
    assert (schedule.hour, schedule.slot) == (2, 1)


def test_daily_runs_every_day() -> None:
    schedule = parse(daily())
    assert (schedule.kind, schedule.hour, schedule.slot) == (ScheduleKind.DAILY, 2, 0)


def test_weekly_runs_on_weekdays_kept_in_week_order() -> None:
    schedule = parse({"kind": "weekly", "weekdays": ["thu", "mon"], "hour": 6, "slot": 3})
    assert (schedule.kind, schedule.weekdays) == (ScheduleKind.WEEKLY, ("mon", "thu"))


def test_weekly_may_run_every_day_of_the_week() -> None:
    days = ["sun", "sat", "fri", "thu", "wed", "tue", "mon"]
    schedule = parse({"kind": "weekly", "weekdays": days, "hour": 6, "slot": 3})
    assert schedule.weekdays == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.mark.parametrize("day", [1, 15, 28, "last"])
def test_monthly_runs_on_day_1_to_28_or_the_last_day(day: int | str) -> None:
    schedule = parse({"kind": "monthly", "day": day, "hour": 23, "slot": 2})
    assert (schedule.kind, schedule.day) == (ScheduleKind.MONTHLY, day)


@pytest.mark.parametrize("day", [29, 30, 31])
def test_monthly_on_day_29_30_or_31_is_refused(day: int) -> None:
    assert refused({"kind": "monthly", "day": day, "hour": 23, "slot": 2}) == [
        ("schedule.day", "MONTHLY_DAY_NOT_ALLOWED")
    ]


@pytest.mark.parametrize("day", [0, -1, 32, "first", "31", None, True, 15.0])
def test_monthly_day_that_is_not_a_day_number_or_last_is_invalid(day: object) -> None:
    assert refused({"kind": "monthly", "day": day, "hour": 23, "slot": 2}) == [
        ("schedule.day", "SCHEDULE_DAY_INVALID")
    ]


@pytest.mark.parametrize("kind", ["hourly", "", None, "ONCE", ["daily"]])
def test_unknown_kind_is_refused(kind: object) -> None:
    assert refused(daily(kind=kind)) == [("schedule.kind", "SCHEDULE_KIND_INVALID")]


@pytest.mark.parametrize("data", ["daily", ["daily"], 3])
def test_a_schedule_is_an_object(data: object) -> None:
    assert refused(data) == [("schedule", "SCHEDULE_INVALID")]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (daily(weekdays=["mon"]), "weekdays"),
        (daily(day=1), "day"),
        (daily(date="2026-12-01"), "date"),
        (daily(minute=5), "minute"),
        ({"kind": "weekly", "weekdays": ["mon"], "hour": 1, "slot": 0, "day": 1}, "day"),
        ({"kind": "monthly", "day": 1, "hour": 1, "slot": 0, "weekdays": ["mon"]}, "weekdays"),
        (once("2026-12-01", 2, 1, weekdays=["mon"]), "weekdays"),
    ],
)
def test_fields_another_kind_uses_are_refused(data: dict[str, Any], field: str) -> None:
    assert refused(data) == [(f"schedule.{field}", "SCHEDULE_FIELD_NOT_ALLOWED")]


# --- hour and slot ----------------------------------------------------------------------------


@pytest.mark.parametrize("hour", [0, 12, 23])
def test_hour_is_0_to_23(hour: int) -> None:
    assert parse(daily(hour=hour)).hour == hour


@pytest.mark.parametrize("hour", [-1, 24, "2", 2.0, True, None])
def test_hour_outside_0_to_23_is_refused(hour: object) -> None:
    assert refused(daily(hour=hour)) == [("schedule.hour", "SCHEDULE_HOUR_INVALID")]


@pytest.mark.parametrize("slot", [0, 1, 2, 3])
def test_slot_is_0_to_3(slot: int) -> None:
    assert parse(daily(slot=slot)).slot == slot


@pytest.mark.parametrize("slot", [-1, 4, 15, "0", True, None])
def test_slot_outside_0_to_3_is_refused(slot: object) -> None:
    assert refused(daily(slot=slot)) == [("schedule.slot", "SCHEDULE_SLOT_INVALID")]


@pytest.mark.parametrize(
    ("slot", "minutes"), [(0, (0, 14)), (1, (15, 29)), (2, (30, 44)), (3, (45, 59))]
)
def test_slots_are_quarter_hours(slot: int, minutes: tuple[int, int]) -> None:
    assert slot_minutes(slot) == minutes


# --- weekdays ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weekdays", [[], ["monday"], ["Mon"], ["mon", "mon"], "mon", None, ["mon", 1]]
)
def test_weekdays_are_a_list_of_distinct_short_day_names(weekdays: object) -> None:
    data = {"kind": "weekly", "weekdays": weekdays, "hour": 6, "slot": 3}
    assert refused(data) == [("schedule.weekdays", "SCHEDULE_WEEKDAYS_INVALID")]


# --- once -------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2026-02-30", "2026-12-1", "01.12.2026", "", None, 20261201])
def test_once_needs_a_yyyy_mm_dd_date(day: object) -> None:
    assert refused(once(day, 2, 1)) == [("schedule.date", "SCHEDULE_DATE_INVALID")]  # type: ignore[arg-type]


def test_once_in_a_later_slot_of_today_is_accepted() -> None:
    assert parse(once("2026-01-15", 13, 1)).date == date(2026, 1, 15)  # 13:15 Berlin


def test_once_in_the_slot_that_begins_now_is_refused() -> None:
    assert refused(once("2026-01-15", 13, 0)) == [("schedule.slot", "SLOT_ALREADY_STARTED")]


def test_once_in_the_slot_under_way_is_refused() -> None:
    assert refused(once("2026-01-15", 13, 0), now=NOW + timedelta(minutes=7)) == [
        ("schedule.slot", "SLOT_ALREADY_STARTED")
    ]


def test_once_one_minute_before_its_slot_is_accepted() -> None:
    assert parse(once("2026-01-15", 13, 0), now=NOW - timedelta(minutes=1)).hour == 13


@pytest.mark.parametrize(
    ("day", "hour", "slot"),
    [("2026-01-15", 12, 3), ("2026-01-15", 0, 0), ("2026-01-14", 23, 3), ("2025-06-01", 12, 0)],
)
def test_once_in_a_slot_that_has_begun_is_refused(day: str, hour: int, slot: int) -> None:
    assert refused(once(day, hour, slot)) == [("schedule.slot", "SLOT_ALREADY_STARTED")]


def test_once_is_judged_in_the_account_zone() -> None:
    # 07:00 in New York is 12:00 UTC, which is NOW.
    assert refused(once("2026-01-15", 7, 0), zone="America/New_York") == [
        ("schedule.slot", "SLOT_ALREADY_STARTED")
    ]
    assert parse(once("2026-01-15", 8, 0), zone="America/New_York").hour == 8


def test_once_is_judged_in_the_schedule_zone_when_it_has_one() -> None:
    # 13:00 has begun in Berlin (the account's zone) but not in UTC, the schedule's zone.
    schedule = parse(once("2026-01-15", 13, 0, timezone="UTC"))
    assert schedule.timezone == "UTC"
    assert schedule.zone(ZONE) == "UTC"


def test_once_in_a_slot_skipped_by_spring_forward_is_refused_after_the_change() -> None:
    # 02:30 on 2026-03-29 does not exist in Berlin; it means 03:00 CEST = 01:00 UTC.
    day = once("2026-03-29", 2, 2)
    assert parse(day, now=datetime(2026, 3, 29, 0, 59, tzinfo=UTC)).hour == 2
    assert refused(day, now=datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == [
        ("schedule.slot", "SLOT_ALREADY_STARTED")
    ]


def test_a_recurring_schedule_at_an_hour_already_past_today_is_accepted() -> None:
    assert parse(daily(hour=0, slot=0)).hour == 0


# --- time zones -------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/New_York", "UTC", "Australia/Lord_Howe"])
def test_a_schedule_may_name_an_iana_zone(zone: str) -> None:
    schedule = parse(daily(timezone=zone))
    assert schedule.zone(ZONE) == zone


def test_without_its_own_zone_a_schedule_uses_the_account_zone() -> None:
    schedule = parse(daily())
    assert schedule.timezone is None
    assert schedule.zone("Asia/Kolkata") == "Asia/Kolkata"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "CET+1", "", 5, "europe/berlin", "../etc/passwd"])
def test_an_unknown_zone_is_refused(zone: object) -> None:
    assert refused(daily(timezone=zone)) == [("schedule.timezone", "TIMEZONE_INVALID")]


# --- together ---------------------------------------------------------------------------------


def test_every_schedule_problem_is_reported_at_once() -> None:
    data = {"kind": "monthly", "day": 30, "hour": 24, "slot": 4, "timezone": "Nowhere"}
    assert sorted(code for _, code in refused(data)) == [
        "MONTHLY_DAY_NOT_ALLOWED",
        "SCHEDULE_HOUR_INVALID",
        "SCHEDULE_SLOT_INVALID",
        "TIMEZONE_INVALID",
    ]


@pytest.mark.parametrize(
    "data",
    [
        once("2026-12-01", 2, 1, timezone="Asia/Kolkata"),
        daily(),
        {"kind": "weekly", "weekdays": ["mon", "thu"], "hour": 6, "slot": 3},
        {"kind": "monthly", "day": "last", "hour": 23, "slot": 2},
        {"kind": "monthly", "day": 15, "hour": 23, "slot": 2},
    ],
)
def test_a_schedule_survives_a_round_trip_through_to_dict(data: dict[str, Any]) -> None:
    schedule = parse(data)
    assert schedule.to_dict() == data
    assert parse(schedule.to_dict()) == schedule


def test_problem_codes_name_the_field_given() -> None:
    _, problems = parse_schedule(daily(hour=99), account_zone=ZONE, now=NOW, field="job.schedule")
    assert codes(problems) == ["SCHEDULE_HOUR_INVALID"]
    assert problems[0].field == "job.schedule.hour"
