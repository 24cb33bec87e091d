"""Account rules: time zones, email addresses, roles (product.md, Concepts: account, user)."""

from __future__ import annotations

import pytest

from dataconnect.domain.accounts import (
    Role,
    account_name_problem,
    email_problem,
    role_problem,
    timezone_problem,
)


@pytest.mark.parametrize(
    "zone", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
)
def test_iana_zones_are_accepted(zone: str) -> None:
    assert timezone_problem(zone) is None


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus", "europe/berlin", "", None, 1, "Z" * 65, "../../etc/passwd", "GMT+1"]
)
def test_other_zones_are_refused(zone: object) -> None:
    problem = timezone_problem(zone)
    assert problem is not None
    assert problem.code == "TIMEZONE_INVALID"


@pytest.mark.parametrize(
    "email", ["ops@example.com", "first.last+tag@mail.example.co.uk", "o'neil@example.org"]
)
def test_email_addresses_are_accepted(email: str) -> None:
    assert email_problem(email) is None


@pytest.mark.parametrize(
    "email",
    [
        "",
        "ops",
        "ops@example",
        "@example.com",
        "ops@@example.com",
        "o ps@example.com",
        "ops@example.com\nBcc: all@example.com",
        "a" * 250 + "@example.com",
        None,
    ],
)
def test_other_email_addresses_are_refused(email: object) -> None:
    problem = email_problem(email)
    assert problem is not None
    assert problem.code == "EMAIL_INVALID"


@pytest.mark.parametrize("role", ["data_director", "viewer"])
def test_the_two_roles_are_accepted(role: str) -> None:
    assert role_problem(role) is None


@pytest.mark.parametrize("role", ["admin", "Viewer", "", None])
def test_other_roles_are_refused(role: object) -> None:
    problem = role_problem(role)
    assert problem is not None
    assert problem.code == "ROLE_INVALID"


def test_only_a_data_director_may_write() -> None:
    assert Role.DATA_DIRECTOR.can_write is True
    assert Role.VIEWER.can_write is False


def test_account_names_follow_the_job_name_rules() -> None:
    assert account_name_problem("Acme GmbH") is None
    problem = account_name_problem("Acme/GmbH")
    assert problem is not None
    assert problem.code == "NAME_INVALID_CHARACTERS"
