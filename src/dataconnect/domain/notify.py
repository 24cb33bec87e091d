"""Who is emailed about runs, and when: the notification setting of groups and jobs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from dataconnect.domain.accounts import email_problem
from dataconnect.errors import Problem

MAX_EMAILS = 20


class NotifyWhen(StrEnum):
    SUCCESS_OR_FAILURE = "success_or_failure"
    FAILURE = "failure"
    NONE = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    when: NotifyWhen = NotifyWhen.NONE
    emails: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"when": self.when.value, "emails": list(self.emails)}


def parse_notification(
    data: object, field: str = "notification"
) -> tuple[Notification, list[Problem]]:
    if data is None:
        return Notification(), []
    if not isinstance(data, Mapping):
        return Notification(), [Problem(field, "NOTIFICATION_INVALID", "notification is an object")]
    problems = [
        Problem(f"{field}.{k}", "UNKNOWN_FIELD", f"{k} is not a notification setting")
        for k in sorted(set(map(str, data)) - {"when", "emails"})
    ]
    try:
        when = NotifyWhen(data.get("when", "none"))
    except ValueError:
        when = NotifyWhen.NONE
        problems.append(
            Problem(f"{field}.when", "NOTIFY_WHEN_INVALID", "success_or_failure, failure or none")
        )
    raw = data.get("emails", [])
    emails: list[str] = []
    if not isinstance(raw, list) or len(raw) > MAX_EMAILS:
        problems.append(
            Problem(
                f"{field}.emails", "EMAILS_INVALID", f"a list of at most {MAX_EMAILS} addresses"
            )
        )
    else:
        for i, email in enumerate(raw):
            problem = email_problem(email, f"{field}.emails[{i}]")
            if problem:
                problems.append(problem)
            elif email.lower() not in (e.lower() for e in emails):
                emails.append(email)
    if when is not NotifyWhen.NONE and not emails and not problems:
        problems.append(
            Problem(
                f"{field}.emails", "NOTIFICATION_EMAILS_REQUIRED", f"who gets the {when} emails?"
            )
        )
    return Notification(when=when, emails=tuple(emails)), problems
