"""Expiry of jobs and groups: a moment or never (jobs only); 30 days after creation by default."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from dataconnect.domain.localtime import local_to_utc
from dataconnect.errors import Problem

DEFAULT_LIFETIME = timedelta(days=30)
WARNING_BEFORE = timedelta(days=3)
NEVER = "never"
MAX_LIFETIME = timedelta(days=366 * 100)


def default_expiry(created_at: datetime) -> datetime:
    return created_at + DEFAULT_LIFETIME


def parse_expiry(
    value: object, *, now: datetime, zone: str, allow_never: bool, field: str = "expires_at"
) -> tuple[datetime | None, Problem | None]:
    """``None`` means never. A bare date expires at the end of that day in the account's zone."""
    if value == NEVER:
        if allow_never:
            return None, None
        return None, Problem(
            field, "EXPIRATION_NEVER_NOT_ALLOWED", "a group always expires; give a date"
        )
    when: datetime | None = None
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str) and len(value) <= 40:
        try:
            if len(value) == 10:
                day = date.fromisoformat(value)
                if day.year >= date.max.year:
                    return None, Problem(field, "EXPIRATION_TOO_FAR", "at most 100 years ahead")
                when = local_to_utc(day + timedelta(days=1), time(0, 0), zone)
            else:
                when = datetime.fromisoformat(value)
        except ValueError:
            when = None
        except OverflowError:
            # Only the edges of the calendar overflow: year 1 or 9999 in a far zone.
            return None, Problem(
                field, "EXPIRATION_IN_PAST", "the expiration must be in the future"
            )
    if when is None:
        what = 'an ISO date or time, or "never"' if allow_never else "an ISO date or time"
        return None, Problem(field, "EXPIRATION_INVALID", f"expires_at is {what}")
    if when.tzinfo is None:
        return None, Problem(field, "EXPIRATION_INVALID", "a time needs its UTC offset")
    if when <= now:
        return None, Problem(field, "EXPIRATION_IN_PAST", "the expiration must be in the future")
    if when - now > MAX_LIFETIME:
        return None, Problem(field, "EXPIRATION_TOO_FAR", "at most 100 years ahead")
    return when.astimezone(UTC), None


def is_expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now
