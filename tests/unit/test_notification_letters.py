"""Emails about runs, built with the standard library: rules for when, and headers that hold."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta

import pytest

from dataconnect.domain.notifications import (
    RunReport,
    StepLine,
    given_up,
    next_attempt,
    notice_letter,
    run_letter,
    to_message,
    wants_email,
)
from dataconnect.domain.notify import NotifyWhen

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "outcome", "expected"),
    [
        (NotifyWhen.SUCCESS_OR_FAILURE, "succeeded", True),
        (NotifyWhen.SUCCESS_OR_FAILURE, "skipped", True),
        (NotifyWhen.SUCCESS_OR_FAILURE, "stopped", True),
        (NotifyWhen.FAILURE, "succeeded", False),
        (NotifyWhen.FAILURE, "failed", True),
        (NotifyWhen.FAILURE, "stopped", True),
        (NotifyWhen.FAILURE, "skipped", False),
        (NotifyWhen.NONE, "failed", False),
    ],
)
def test_who_gets_what(when: NotifyWhen, outcome: str, expected: bool) -> None:
    assert wants_email(when, outcome) is expected


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour_and_gives_up_after_a_day() -> None:
    waits = [next_attempt(n, NOW) - NOW for n in (1, 2, 3, 4, 8, 50)]
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 240, 3600, 3600)]
    assert not given_up(NOW, NOW + timedelta(hours=24))
    assert given_up(NOW, NOW + timedelta(hours=25, seconds=1))


HOSTILE = "Nightly\r\nBcc: victim@example.com\r\n\r\nbody"


def _parse(raw: bytes) -> email.message.EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def test_cr_lf_in_names_and_errors_never_make_a_header() -> None:
    report = RunReport(
        account="Acme\r\nX-Injected: 1",
        group_name=HOSTILE,
        outcome="failed",
        run_id=7,
        trigger="manual",
        started_at=NOW,
        ended_at=NOW + timedelta(seconds=75),
        steps=(
            StepLine(1, "Load\r\nBcc: x@example.com", "failed", 3, 1, 0, 2, "bad\r\nTo: y@z", None),
        ),
        error="line one\r\nCc: z@example.com",
    )
    message = to_message(run_letter(report, ("ops@example.com",)), "dc@example.com", "g:7", NOW)

    parsed = _parse(message.as_bytes())

    assert parsed["Bcc"] is None and parsed["Cc"] is None and parsed["X-Injected"] is None
    assert parsed.get_all("To") == ["ops@example.com"]
    assert "\n" not in parsed["Subject"] and "\r" not in parsed["Subject"]
    assert parsed["Subject"].startswith("[DataConnect] Nightly Bcc: victim@example.com")
    text = parsed.get_body(("plain",)).get_content()
    assert "Duration: 0:01:15" in text
    html = parsed.get_body(("html",)).get_content()
    assert "<script" not in html


def test_non_ascii_and_markup_survive_encoded() -> None:
    report = RunReport(
        account="Café Zürich",
        group_name="Nächtlich <b>load</b> 東京",
        outcome="succeeded",
        run_id=1,
        trigger="schedule",
        started_at=NOW,
        ended_at=NOW,
    )
    message = to_message(run_letter(report, ("ops@example.com",)), "dc@example.com", "g:1", NOW)

    raw = message.as_bytes()
    parsed = _parse(raw)

    assert all(b < 128 for b in raw.split(b"\n\n", 1)[0])  # headers are plain ASCII on the wire
    assert parsed["Subject"] == "[DataConnect] Nächtlich <b>load</b> 東京: succeeded"
    html = parsed.get_body(("html",)).get_content()
    assert "&lt;b&gt;load&lt;/b&gt;" in html and "<b>load</b>" not in html
    assert "Café Zürich" in parsed.get_body(("plain",)).get_content()


def test_a_notice_has_both_parts() -> None:
    message = to_message(notice_letter("hello", "a\nb", ("a@example.com",)), "d@e.com", "n", NOW)
    assert message.get_body(("plain",)).get_content() == "a\nb\n"
    assert "a<br>b" in message.get_body(("html",)).get_content()
