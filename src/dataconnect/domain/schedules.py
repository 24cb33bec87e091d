"""Schedules: what a user may ask for (once, daily, weekly, monthly in 15-minute slots).

Planning occurrences comes with the scheduler; this module holds the rules a schedule must
follow to be saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from dataconnect.domain.accounts import timezone_problem
from dataconnect.domain.localtime import local_to_utc
from dataconnect.errors import Problem

SLOT_MINUTES = 15
SLOTS = 60 // SLOT_MINUTES  # slots 0 to 3 in each hour
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LAST_DAY = "last"


class ScheduleKind(StrEnum):
    ONCE = "once"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    kind: ScheduleKind
    hour: int
    slot: int
    date: date | None = None  # once
    weekdays: tuple[str, ...] = ()  # weekly, in week order
    day: int | str | None = None  # monthly: 1..28 or "last"
    timezone: str | None = None  # None: the account's zone

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind.value, "hour": self.hour, "slot": self.slot}
        if self.date is not None:
            out["date"] = self.date.isoformat()
        if self.weekdays:
            out["weekdays"] = list(self.weekdays)
        if self.day is not None:
            out["day"] = self.day
        if self.timezone is not None:
            out["timezone"] = self.timezone
        return out

    def zone(self, account_zone: str) -> str:
        return self.timezone or account_zone


def slot_minutes(slot: int) -> tuple[int, int]:
    """First and last minute of a slot: 0 → (0, 14) … 3 → (45, 59)."""
    return slot * SLOT_MINUTES, slot * SLOT_MINUTES + SLOT_MINUTES - 1


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_ALLOWED_KEYS = {
    ScheduleKind.ONCE: {"kind", "hour", "slot", "date", "timezone"},
    ScheduleKind.DAILY: {"kind", "hour", "slot", "timezone"},
    ScheduleKind.WEEKLY: {"kind", "hour", "slot", "weekdays", "timezone"},
    ScheduleKind.MONTHLY: {"kind", "hour", "slot", "day", "timezone"},
}


def parse_schedule(
    data: object, *, account_zone: str, now: datetime, field: str = "schedule"
) -> tuple[Schedule | None, list[Problem]]:
    """Check a schedule request; ``now`` decides whether a ``once`` slot has already begun."""
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        return None, [Problem(field, "SCHEDULE_INVALID", "a schedule is an object or null")]
    try:
        kind = ScheduleKind(str(data.get("kind")))
    except ValueError:
        return None, [
            Problem(
                f"{field}.kind", "SCHEDULE_KIND_INVALID", "kind is once, daily, weekly or monthly"
            )
        ]
    for key in sorted(set(data) - _ALLOWED_KEYS[kind]):
        problems.append(
            Problem(f"{field}.{key}", "SCHEDULE_FIELD_NOT_ALLOWED", f"{key} is not used by {kind}")
        )
    hour = _int(data.get("hour"))
    if hour is None or not 0 <= hour <= 23:
        problems.append(Problem(f"{field}.hour", "SCHEDULE_HOUR_INVALID", "hour is 0 to 23"))
    slot = _int(data.get("slot"))
    if slot is None or not 0 <= slot < SLOTS:
        problems.append(
            Problem(
                f"{field}.slot", "SCHEDULE_SLOT_INVALID", "slot is 0 to 3 (minutes 0-14 … 45-59)"
            )
        )
    zone = data.get("timezone")
    if zone is not None:
        tz_problem = timezone_problem(zone, f"{field}.timezone")
        if tz_problem:
            problems.append(tz_problem)

    on: date | None = None
    weekdays: tuple[str, ...] = ()
    day: int | str | None = None
    if kind is ScheduleKind.ONCE:
        raw = data.get("date")
        try:
            on = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
        except ValueError:
            on = None
        if on is None:
            problems.append(Problem(f"{field}.date", "SCHEDULE_DATE_INVALID", "date is YYYY-MM-DD"))
    elif kind is ScheduleKind.WEEKLY:
        raw_days = data.get("weekdays")
        if (
            not isinstance(raw_days, list)
            or not raw_days
            or any(d not in WEEKDAYS for d in raw_days)
            or len(set(raw_days)) != len(raw_days)
        ):
            problems.append(
                Problem(
                    f"{field}.weekdays",
                    "SCHEDULE_WEEKDAYS_INVALID",
                    "weekdays is a list of distinct mon, tue, wed, thu, fri, sat, sun",
                )
            )
        else:
            weekdays = tuple(d for d in WEEKDAYS if d in raw_days)
    elif kind is ScheduleKind.MONTHLY:
        raw_day = data.get("day")
        number = _int(raw_day)
        if raw_day == LAST_DAY:
            day = LAST_DAY
        elif number is not None and 1 <= number <= 28:
            day = number
        elif number is not None and 29 <= number <= 31:
            problems.append(
                Problem(
                    f"{field}.day",
                    "MONTHLY_DAY_NOT_ALLOWED",
                    f'a monthly schedule cannot run on day {number}; use "last" instead',
                )
            )
        else:
            problems.append(
                Problem(f"{field}.day", "SCHEDULE_DAY_INVALID", 'day is 1 to 28 or "last"')
            )
    if problems:
        return None, problems
    assert hour is not None and slot is not None
    schedule = Schedule(
        kind=kind,
        hour=hour,
        slot=slot,
        date=on,
        weekdays=weekdays,
        day=day,
        timezone=zone if isinstance(zone, str) else None,
    )
    if kind is ScheduleKind.ONCE and _once_started(schedule, account_zone, now):
        return None, [
            Problem(
                f"{field}.slot",
                "SLOT_ALREADY_STARTED",
                "this slot has already begun in the schedule's time zone; pick a later one",
            )
        ]
    return schedule, []


def _once_started(schedule: Schedule, account_zone: str, now: datetime) -> bool:
    try:
        return once_slot_started(schedule, account_zone, now)
    except OverflowError:
        # Only the first and last days of the calendar overflow; the first has long begun.
        assert schedule.date is not None
        return schedule.date.year == date.min.year


def once_slot_started(schedule: Schedule, account_zone: str, now: datetime) -> bool:
    assert schedule.date is not None
    first_minute, _ = slot_minutes(schedule.slot)
    start = local_to_utc(
        schedule.date, time(schedule.hour, first_minute), schedule.zone(account_zone)
    )
    return start <= now
