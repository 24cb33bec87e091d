"""Emails about runs: whether one is due, and what it says.

Messages are built with the standard library's ``email`` package: a group name or an error text
holding CR, LF or non-ASCII characters is encoded inside its header (or folded away), never able
to start a header of its own.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from dataconnect.domain.notify import NotifyWhen

MAX_BACKOFF = timedelta(hours=1)
FIRST_BACKOFF = timedelta(seconds=30)
GIVE_UP_AFTER = timedelta(hours=25)  # retried for at least a day


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxEntry:
    """An email recorded with what it reports: ``pending`` until a mailer settles it as
    ``sent``, ``not_sent`` (no SMTP server configured) or ``failed`` (given up)."""

    id: int
    account_id: int
    kind: str  # group_run, occurrence_skipped, expiry_warning, job_expired_from_group
    dedupe_key: str
    payload: dict[str, Any]  # what the email is rendered from, and its recipients
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None
    group_run_id: int | None


def wants_email(when: NotifyWhen, outcome: str) -> bool:
    """``failure`` covers every ending but ``succeeded`` (failed, stopped, skipped)."""
    if when is NotifyWhen.SUCCESS_OR_FAILURE:
        return True
    if when is NotifyWhen.FAILURE:
        return outcome not in ("succeeded", "skipped")
    return False


def next_attempt(attempts: int, now: datetime) -> datetime:
    """Exponential backoff from 30 s, at most an hour between two attempts."""
    delay: timedelta = FIRST_BACKOFF * 2 ** min(max(0, attempts - 1), 20)
    return now + min(delay, MAX_BACKOFF)


def given_up(created_at: datetime, now: datetime) -> bool:
    return now - created_at > GIVE_UP_AFTER


@dataclass(frozen=True, slots=True)
class StepLine:
    position: int
    job_name: str
    state: str
    processed: int
    added: int
    updated: int
    rejected: int
    error: str | None
    rejects_file: str | None


@dataclass(frozen=True, slots=True)
class RunReport:
    account: str
    group_name: str
    outcome: str  # succeeded | failed | stopped | skipped
    run_id: int | None
    trigger: str
    started_at: datetime | None
    ended_at: datetime | None
    steps: tuple[StepLine, ...] = ()
    error: str | None = None
    link: str | None = None
    note: str | None = None  # e.g. why an occurrence was skipped
    kind: str = "Group"  # or "Job": a job's own run (one step: the job)
    files: tuple[str, ...] = ()  # what the run wrote (an export's files)

    @property
    def duration(self) -> str:
        if self.started_at is None or self.ended_at is None:
            return "-"
        seconds = int((self.ended_at - self.started_at).total_seconds())
        return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True, slots=True)
class Letter:
    subject: str
    text: str
    html: str
    to: tuple[str, ...] = field(default_factory=tuple)


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S %Z")


def run_letter(report: RunReport, to: tuple[str, ...]) -> Letter:
    subject = f"[DataConnect] {report.group_name}: {report.outcome}"
    facts = [
        ("Account", report.account),
        (report.kind, report.group_name),
        ("Outcome", report.outcome),
        ("Run", "-" if report.run_id is None else str(report.run_id)),
        ("Started by", report.trigger),
        ("Start", _when(report.started_at)),
        ("End", _when(report.ended_at)),
        ("Duration", report.duration),
    ]
    if report.error:
        facts.append(("Error", report.error))
    if report.note:
        facts.append(("Note", report.note))
    if report.files:
        facts.append(("Files", ", ".join(report.files)))
    lines = [f"{name}: {value}" for name, value in facts]
    if report.steps:
        lines += ["", "Steps:"]
        for step in report.steps:
            lines.append(
                f"  {step.position}. {step.job_name}: {step.state} — {step.processed} processed, "
                f"{step.added} added, {step.updated} updated, {step.rejected} rejected"
            )
            if step.error:
                lines.append(f"     error: {step.error}")
            if step.rejects_file:
                lines.append(f"     rejected rows: download/{step.rejects_file}")
    if report.link:
        lines += ["", f"Details: {report.link}"]
    e = html.escape
    rows = "".join(f"<tr><th align=left>{e(n)}</th><td>{e(v)}</td></tr>" for n, v in facts)
    steps = "".join(
        "<tr>"
        + "".join(
            f"<td>{e(str(v))}</td>"
            for v in (
                s.position,
                s.job_name,
                s.state,
                s.processed,
                s.added,
                s.updated,
                s.rejected,
                s.error or "",
                f"download/{s.rejects_file}" if s.rejects_file else "",
            )
        )
        + "</tr>"
        for s in report.steps
    )
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "#",
            "Job",
            "State",
            "Processed",
            "Added",
            "Updated",
            "Rejected",
            "Error",
            "Rejects file",
        )
    )
    body = f"<h2>{e(subject)}</h2><table>{rows}</table>"
    if report.steps:
        body += f"<h3>Steps</h3><table border=1 cellpadding=4><tr>{head}</tr>{steps}</table>"
    if report.link:
        body += f'<p><a href="{e(report.link, quote=True)}">Open the run</a></p>'
    return Letter(subject, "\n".join(lines) + "\n", f"<html><body>{body}</body></html>", to)


def notice_letter(subject: str, text: str, to: tuple[str, ...]) -> Letter:
    """A short notice (expiry warnings, a job removed from a group, a test email)."""
    e = html.escape
    return Letter(
        f"[DataConnect] {subject}",
        text + "\n",
        f"<html><body><p>{e(text).replace(chr(10), '<br>')}</p></body></html>",
        to,
    )


def to_message(letter: Letter, sender: str, key: str, now: datetime) -> EmailMessage:
    """The MIME message; ``key`` makes the Message-ID stable, so a resend is recognisable."""
    message = EmailMessage()
    message["Subject"] = " ".join(letter.subject.split())  # no CR/LF can survive into it
    message["From"] = sender
    message["To"] = ", ".join(letter.to)
    message["Date"] = format_datetime(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "dataconnect.local"
    message["Message-ID"] = f"<dataconnect.{_safe_id(key)}@{_safe_id(domain)}>"
    message.set_content(letter.text)
    message.add_alternative(letter.html, subtype="html")
    return message


def _safe_id(key: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-._") else "-" for c in key)[:60]
