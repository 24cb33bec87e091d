"""When a schedule fires: its occurrences, their drawn minutes, and what a late one becomes.

Pure: every function takes ``now`` (or ``after``) and a random source as arguments.

An occurrence is one local date of the schedule. Its **nominal time** is the start of its slot on
that date (UTC, unique per owner: the database keys occurrences on it, so whatever the number of
schedulers, an occurrence is planned and fired once). Its **fire time** is a minute drawn at random
inside the slot when the occurrence is planned, then stored. Local times follow ``local_to_utc``:
a minute that does not exist (spring forward) runs at the first valid minute after it; one that
occurs twice (fall back) runs once, at its first occurrence.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dataconnect.domain.localtime import local_to_utc
from dataconnect.domain.runs import RunKind
from dataconnect.domain.schedules import LAST_DAY, WEEKDAYS, Schedule, ScheduleKind, slot_minutes

LATE_LIMIT = timedelta(hours=1)  # a due occurrence later than this is missed, not run
MAX_PLANNED = 1000  # occurrences planned by one request for a range


class OccurrenceState(StrEnum):
    PLANNED = "planned"
    FIRED = "fired"
    SKIPPED = "skipped"  # the group was still running
    MISSED = "missed"  # the service was down too long
    EXPIRED = "expired"  # its group or job expired, or the schedule changed


@dataclass(frozen=True, slots=True, kw_only=True)
class Occurrence:
    """One planned fire of a group's or a job's schedule, and what became of it."""

    id: int
    account_id: int
    owner_kind: RunKind  # the group or the job whose schedule it is
    owner_id: int
    nominal_at: datetime
    fire_at: datetime
    state: OccurrenceState
    group_run_id: int | None
    job_run_id: int | None
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class Planned:
    local_date: date
    nominal_at: datetime  # UTC start of the slot
    fire_at: datetime  # UTC drawn minute


def runs_on(schedule: Schedule, day: date) -> bool:
    """Whether the schedule has an occurrence on this local date."""
    kind = schedule.kind
    if kind is ScheduleKind.ONCE:
        return day == schedule.date
    if kind is ScheduleKind.DAILY:
        return True
    if kind is ScheduleKind.WEEKLY:
        return WEEKDAYS[day.weekday()] in schedule.weekdays
    if schedule.day == LAST_DAY:
        return day.day == calendar.monthrange(day.year, day.month)[1]
    return day.day == schedule.day


def nominal_at(schedule: Schedule, zone: str, day: date) -> datetime:
    first, _ = slot_minutes(schedule.slot)
    return local_to_utc(day, time(schedule.hour, first), zone)


def draw_fire_at(schedule: Schedule, zone: str, day: date, rng: random.Random) -> datetime:
    """A minute drawn uniformly inside the slot, as a UTC instant (drawn once, then stored)."""
    first, last = slot_minutes(schedule.slot)
    return local_to_utc(day, time(schedule.hour, rng.randint(first, last)), zone)


def occurrence_dates(schedule: Schedule, zone: str, after: datetime) -> Iterator[date]:
    """Local dates whose slot begins strictly after ``after``, in order (at most ~400 years)."""
    if schedule.kind is ScheduleKind.ONCE:
        assert schedule.date is not None
        if nominal_at(schedule, zone, schedule.date) > after:
            yield schedule.date
        return
    # The slot of the local day before ``after``'s may still lie ahead of it (offsets > 0).
    day = after.astimezone(ZoneInfo(zone)).date() - timedelta(days=1)
    for _ in range(146_100):
        if runs_on(schedule, day) and nominal_at(schedule, zone, day) > after:
            yield day
        try:
            day += timedelta(days=1)
        except OverflowError:
            return


def plan(
    schedule: Schedule,
    zone: str,
    after: datetime,
    rng: random.Random,
    *,
    count: int = 1,
    until: datetime | None = None,
) -> list[Planned]:
    """The next ``count`` occurrences whose slot begins after ``after`` (and not after
    ``until``), each with its drawn minute."""
    found: list[Planned] = []
    if count < 1:
        return found
    for day in occurrence_dates(schedule, zone, after):
        start = nominal_at(schedule, zone, day)
        if until is not None and start > until:
            break
        found.append(Planned(day, start, draw_fire_at(schedule, zone, day, rng)))
        if len(found) >= count:
            break
    return found


def due_outcome(fire_at: datetime, now: datetime, group_running: bool) -> OccurrenceState:
    """What a due occurrence becomes: run now, skipped (still running) or missed (too late)."""
    if now - fire_at > LATE_LIMIT:
        return OccurrenceState.MISSED
    if group_running:
        return OccurrenceState.SKIPPED
    return OccurrenceState.FIRED
