"""Accounts, users and roles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dataconnect.domain.names import job_name_problem
from dataconnect.errors import Problem

EMAIL_MAX = 254
# Deliberately simple: one @, a dot in the domain, no spaces; deliverability is SMTP's job.
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


class Role(StrEnum):
    DATA_DIRECTOR = "data_director"
    VIEWER = "viewer"

    @property
    def can_write(self) -> bool:
        return self is Role.DATA_DIRECTOR


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    id: int
    name: str
    timezone: str
    created_at: datetime
    sftp_username: str  # the login name of its SFTP folders


def sftp_username(name: str, account_id: int) -> str:
    """``<name as lower-case letters, digits and dashes>-<id>``: readable, unique by its id,
    and never changed (an ETL tool's configuration keeps it)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "account"
    return f"{slug}-{account_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    id: int
    account_id: int
    email: str
    role: Role


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """Who is asking: every service call is scoped to the account and checked against the role."""

    account_id: int
    user_id: int | None
    role: Role
    label: str  # shown in run histories: "user:ann@example.com", "cli", "schedule"


def account_name_problem(name: object) -> Problem | None:
    return job_name_problem(name, "name")


def timezone_problem(zone: object, field: str = "timezone") -> Problem | None:
    if not isinstance(zone, str) or not zone or len(zone) > 64:
        return Problem(field, "TIMEZONE_INVALID", "an IANA time zone such as Europe/Berlin")
    if zone not in _zones():
        return Problem(field, "TIMEZONE_INVALID", f"{zone} is not an IANA time zone")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return Problem(field, "TIMEZONE_INVALID", f"{zone} is not an IANA time zone")
    return None


_ZONES: frozenset[str] | None = None


def _zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


def email_problem(email: object, field: str = "email") -> Problem | None:
    if not isinstance(email, str) or len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        return Problem(field, "EMAIL_INVALID", f"{str(email)[:60]!r} is not an email address")
    return None


def role_problem(role: object, field: str = "role") -> Problem | None:
    if role not in {r.value for r in Role}:
        return Problem(field, "ROLE_INVALID", "role must be data_director or viewer")
    return None
