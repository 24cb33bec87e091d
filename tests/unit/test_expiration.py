"""Expiration of jobs and groups (product.md, Save, Activate, expiration)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dataconnect.domain.expiration import default_expiry, is_expired, parse_expiry

from .factories import NOW, ZONE


def parse(value: object, *, allow_never: bool = True, zone: str = ZONE) -> datetime | None:
    when, problem = parse_expiry(value, now=NOW, zone=zone, allow_never=allow_never)
    assert problem is None
    return when


def refused(value: object, *, allow_never: bool = True) -> str:
    when, problem = parse_expiry(value, now=NOW, zone=ZONE, allow_never=allow_never)
    assert when is None
    assert problem is not None
    assert problem.field == "expires_at"
    return problem.code


def test_default_expiry_is_30_days_after_creation() -> None:
    assert default_expiry(NOW) == datetime(2026, 2, 14, 12, 0, tzinfo=UTC)


def test_jobs_may_never_expire() -> None:
    assert parse("never", allow_never=True) is None


def test_groups_always_expire() -> None:
    assert refused("never", allow_never=False) == "EXPIRATION_NEVER_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Berlin", datetime(2026, 2, 1, 23, 0, tzinfo=UTC)),
        ("Asia/Kolkata", datetime(2026, 2, 1, 18, 30, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 2, 2, 5, 0, tzinfo=UTC)),
        ("UTC", datetime(2026, 2, 2, 0, 0, tzinfo=UTC)),
    ],
)
def test_a_date_expires_at_the_end_of_that_day_in_the_account_zone(
    zone: str, expected: datetime
) -> None:
    assert parse("2026-02-01", zone=zone) == expected


def test_today_is_accepted_as_it_ends_in_the_future() -> None:
    assert parse("2026-01-15") == datetime(2026, 1, 15, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-02-01T08:00:00+00:00", datetime(2026, 2, 1, 8, 0, tzinfo=UTC)),
        ("2026-02-01T08:00:00+02:00", datetime(2026, 2, 1, 6, 0, tzinfo=UTC)),
        ("2026-02-01T08:00:00Z", datetime(2026, 2, 1, 8, 0, tzinfo=UTC)),
    ],
)
def test_a_time_with_its_offset_is_accepted(value: str, expected: datetime) -> None:
    assert parse(value) == expected


def test_a_datetime_object_is_accepted() -> None:
    later = NOW + timedelta(days=2)
    assert parse(later) == later


@pytest.mark.parametrize("value", ["2026-02-01T08:00:00", datetime(2026, 2, 1, 8, 0)])
def test_a_time_without_an_offset_is_refused(value: object) -> None:
    assert refused(value) == "EXPIRATION_INVALID"


@pytest.mark.parametrize(
    "value", ["soon", "", "2026-02-30", "01.02.2026", None, 20260201, "2" * 41, "Never"]
)
def test_other_values_are_refused(value: object) -> None:
    assert refused(value) == "EXPIRATION_INVALID"


@pytest.mark.parametrize(
    "value", ["2026-01-14", "2026-01-15T12:00:00+00:00", "2026-01-15T11:59:59+00:00"]
)
def test_an_expiration_must_be_in_the_future(value: str) -> None:
    assert refused(value) == "EXPIRATION_IN_PAST"


def test_an_expiration_more_than_100_years_ahead_is_refused() -> None:
    assert refused("2130-01-01") == "EXPIRATION_TOO_FAR"


def test_an_expiration_99_years_ahead_is_accepted() -> None:
    assert parse("2125-01-01") is not None


def test_never_is_never_expired() -> None:
    assert is_expired(None, NOW + timedelta(days=365 * 200)) is False


def test_a_job_or_group_expires_at_its_expiration_time() -> None:
    assert is_expired(NOW, NOW) is True
    assert is_expired(NOW - timedelta(seconds=1), NOW) is True


def test_before_its_expiration_time_nothing_has_expired() -> None:
    assert is_expired(NOW + timedelta(seconds=1), NOW) is False
