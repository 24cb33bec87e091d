"""Local wall-clock times to UTC across DST changes (product.md, Schedules: Time zone).

A local time that does not exist (spring forward) runs at the first valid minute after it; a time
that occurs twice (fall back) runs once, at its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataconnect.domain.localtime import local_to_utc


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def convert(zone: str, local: str) -> datetime:
    wall = datetime.fromisoformat(local)
    return local_to_utc(wall.date(), wall.time(), zone)


# (local wall-clock time, expected UTC instant)
BERLIN = [
    ("2026-01-15 13:00", "2026-01-15 12:00"),  # winter, UTC+1
    ("2026-07-01 13:00", "2026-07-01 11:00"),  # summer, UTC+2
    # spring forward on 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00 UTC)
    ("2026-03-29 01:59", "2026-03-29 00:59"),
    ("2026-03-29 02:00", "2026-03-29 01:00"),
    ("2026-03-29 02:30", "2026-03-29 01:00"),
    ("2026-03-29 02:59", "2026-03-29 01:00"),
    ("2026-03-29 03:00", "2026-03-29 01:00"),
    ("2026-03-29 03:01", "2026-03-29 01:01"),
    # fall back on 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00 UTC); 02:00-02:59 happen twice
    ("2026-10-25 01:59", "2026-10-24 23:59"),
    ("2026-10-25 02:00", "2026-10-25 00:00"),
    ("2026-10-25 02:30", "2026-10-25 00:30"),
    ("2026-10-25 02:59", "2026-10-25 00:59"),
    ("2026-10-25 03:00", "2026-10-25 02:00"),
]
NEW_YORK = [
    ("2026-01-15 07:00", "2026-01-15 12:00"),  # EST, UTC-5
    # spring forward on 2026-03-08: 02:00 EST becomes 03:00 EDT (07:00 UTC)
    ("2026-03-08 01:59", "2026-03-08 06:59"),
    ("2026-03-08 02:00", "2026-03-08 07:00"),
    ("2026-03-08 02:30", "2026-03-08 07:00"),
    ("2026-03-08 03:00", "2026-03-08 07:00"),
    # fall back on 2026-11-01: 02:00 EDT becomes 01:00 EST; 01:00-01:59 happen twice
    ("2026-11-01 00:59", "2026-11-01 04:59"),
    ("2026-11-01 01:00", "2026-11-01 05:00"),
    ("2026-11-01 01:30", "2026-11-01 05:30"),
    ("2026-11-01 02:00", "2026-11-01 07:00"),
]
LORD_HOWE = [
    # a 30-minute shift: UTC+10:30 in winter, UTC+11 in summer
    ("2026-07-01 12:00", "2026-07-01 01:30"),
    # spring forward on 2026-10-04: 02:00 becomes 02:30 (15:30 UTC the day before)
    ("2026-10-04 01:59", "2026-10-03 15:29"),
    ("2026-10-04 02:00", "2026-10-03 15:30"),
    ("2026-10-04 02:15", "2026-10-03 15:30"),
    ("2026-10-04 02:29", "2026-10-03 15:30"),
    ("2026-10-04 02:30", "2026-10-03 15:30"),
    # fall back on 2026-04-05: 02:00 becomes 01:30; 01:30-01:59 happen twice
    ("2026-04-05 01:29", "2026-04-04 14:29"),
    ("2026-04-05 01:30", "2026-04-04 14:30"),
    ("2026-04-05 01:45", "2026-04-04 14:45"),
    ("2026-04-05 02:00", "2026-04-04 15:30"),
]
KOLKATA = [
    # UTC+5:30 all year: the days European and American clocks change are ordinary days
    ("2026-01-01 00:00", "2025-12-31 18:30"),
    ("2026-03-08 02:30", "2026-03-07 21:00"),
    ("2026-03-29 02:30", "2026-03-28 21:00"),
    ("2026-10-25 02:30", "2026-10-24 21:00"),
    ("2026-07-01 12:00", "2026-07-01 06:30"),
]


@pytest.mark.parametrize(("local", "expected"), BERLIN)
def test_europe_berlin(local: str, expected: str) -> None:
    assert convert("Europe/Berlin", local) == utc(expected)


@pytest.mark.parametrize(("local", "expected"), NEW_YORK)
def test_america_new_york(local: str, expected: str) -> None:
    assert convert("America/New_York", local) == utc(expected)


@pytest.mark.parametrize(("local", "expected"), LORD_HOWE)
def test_australia_lord_howe(local: str, expected: str) -> None:
    assert convert("Australia/Lord_Howe", local) == utc(expected)


@pytest.mark.parametrize(("local", "expected"), KOLKATA)
def test_asia_kolkata(local: str, expected: str) -> None:
    assert convert("Asia/Kolkata", local) == utc(expected)


def test_spring_forward_runs_at_the_first_valid_minute_after_the_gap() -> None:
    assert local_to_utc(date(2026, 3, 29), time(2, 30), "Europe/Berlin") == utc("2026-03-29 01:00")


def test_fall_back_runs_at_the_first_occurrence() -> None:
    assert local_to_utc(date(2026, 10, 25), time(2, 30), "Europe/Berlin") == utc("2026-10-25 00:30")


def test_the_answer_is_in_utc() -> None:
    assert convert("Asia/Kolkata", "2026-01-01 00:00").utcoffset() == timedelta(0)


ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


@given(
    zone=st.sampled_from(ZONES),
    wall=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0)
    ),
)
def test_the_answer_is_the_first_instant_the_wall_clock_reaches_the_asked_time(
    zone: str, wall: datetime
) -> None:
    tz = ZoneInfo(zone)
    answer = local_to_utc(wall.date(), wall.time(), zone)

    def local(instant: datetime) -> datetime:
        return instant.astimezone(tz).replace(tzinfo=None)

    readings = [wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)]
    exists = [r for r in readings if local(r) == wall]
    if exists:
        # The time exists once or twice: the answer is its earliest occurrence.
        assert answer == min(exists)
    else:
        # The time falls in a gap: the answer is the first minute after it.
        assert local(answer) > wall
        assert local(answer - timedelta(minutes=1)) < wall
