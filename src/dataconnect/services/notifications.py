"""Emails about runs: recorded in the outbox with the run's final state, sent by mailers.

``record_*`` run inside the transaction that ends the run (or skips the occurrence), so an email is
due exactly when the ending is committed, and never otherwise. ``MailService.send_due`` claims
due emails like any other work, renders them from the (final) records, sends them, and retries
with backoff for more than a day while the mail server refuses or is away.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from dataconnect.domain.notifications import (
    Letter,
    OutboxEntry,
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
from dataconnect.domain.planning import Occurrence
from dataconnect.domain.runs import JobRun
from dataconnect.errors import Conflict
from dataconnect.services.base import Deps
from dataconnect.services.signals import Signals
from dataconnect.store.store import Tx

log = logging.getLogger(__name__)
CLAIM = timedelta(seconds=60)  # a send takes seconds; a dead mailer's claim runs out after this
MAIL = "mail"  # the in-process signal that an email was recorded


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand the message to the mail server; raises when it is refused or unreachable."""


@dataclass(frozen=True)
class MailSettings:
    sender: str
    base_url: str
    transport: Callable[[], Transport] | None  # None: no SMTP server configured


def record_group_run_end(tx: Tx, run_id: int, now: datetime) -> None:
    """An email for the group run that just ended, if its group's setting asks for one."""
    run = tx.group_run(None, run_id)
    if run is None:
        return
    group = tx.group(run.account_id, run.group_id)
    if group is None or not group.notification.emails:
        return
    if wants_email(group.notification.when, run.state.value):
        tx.add_outbox(
            run.account_id,
            "group_run",
            f"group_run:{run_id}",
            {"group_run_id": run_id, "to": list(group.notification.emails)},
            now,
            group_run_id=run_id,
        )


def record_job_run_end(tx: Tx, run: JobRun, now: datetime) -> None:
    """An email for a job's own run that just ended (a group's step: the group's email), if
    the job's setting asks for one."""
    if run.group_run_id is not None:
        return
    job = tx.job(run.account_id, run.job_id)
    if job is None or not job.notification.emails:
        return
    if wants_email(job.notification.when, run.state.value):
        tx.add_outbox(
            run.account_id,
            "job_run",
            f"job_run:{run.id}",
            {"job_run_id": run.id, "to": list(job.notification.emails)},
            now,
        )


def record_skipped(tx: Tx, occurrence: Occurrence, now: datetime) -> None:
    """A scheduled occurrence skipped because the group still ran (``success_or_failure``)."""
    group = tx.group(occurrence.account_id, occurrence.owner_id)
    if group is None or not group.notification.emails:
        return
    if group.notification.when is NotifyWhen.SUCCESS_OR_FAILURE:
        tx.add_outbox(
            group.account_id,
            "occurrence_skipped",
            f"occurrence_skipped:{occurrence.id}",
            {
                "group_id": group.id,
                "group_name": group.name,
                "fire_at": occurrence.fire_at.isoformat(),
                "to": list(group.notification.emails),
            },
            now,
        )


class MailService:
    def __init__(self, deps: Deps, settings: MailSettings, signals: Signals) -> None:
        self._deps = deps
        self._settings = settings
        self._signals = signals

    def send_due(self, mailer: str, limit: int = 20) -> int:
        """Send what is due; returns how many emails were settled (sent, kept, given up)."""
        now = self._deps.clock.now()
        with self._deps.store.write() as tx:
            claimed = tx.claim_outbox(mailer, now, now + CLAIM, limit)
        settled = 0
        for email in claimed:
            settled += self._send(mailer, email)
        return settled

    def _send(self, mailer: str, email: OutboxEntry) -> int:
        now = self._deps.clock.now()
        with self._deps.store.read() as tx:
            letter = self._letter(tx, email)
        if letter is None or not letter.to:
            with self._deps.store.write() as tx:
                tx.settle_outbox(email.id, mailer, status="failed", last_error="nothing to send")
            return 1
        message = to_message(letter, self._settings.sender, email.dedupe_key, now)
        if self._settings.transport is None:
            log.warning("no SMTP server configured; email not sent:\n%s", message)
            with self._deps.store.write() as tx:
                tx.settle_outbox(email.id, mailer, status="not_sent", last_error="no SMTP server")
            return 1
        try:
            self._settings.transport().send(message)
        except Exception as exc:  # refused, unreachable, timed out: try again later
            attempts = email.attempts + 1
            error = f"{type(exc).__name__}: {exc}"[:500]
            with self._deps.store.write() as tx:
                if given_up(email.created_at, now):
                    tx.settle_outbox(
                        email.id, mailer, status="failed", attempts=attempts, last_error=error
                    )
                    return 1
                tx.settle_outbox(
                    email.id,
                    mailer,
                    attempts=attempts,
                    next_attempt_at=next_attempt(attempts, now),
                    last_error=error,
                )
            log.warning("email %s not sent (attempt %s): %s", email.id, attempts, error)
            return 0
        with self._deps.store.write() as tx:
            tx.settle_outbox(
                email.id,
                mailer,
                status="sent",
                sent_at=self._deps.clock.now(),
                attempts=email.attempts + 1,
                last_error=None,
            )
        return 1

    def _letter(self, tx: Tx, email: OutboxEntry) -> Letter | None:
        payload = email.payload
        to = tuple(payload.get("to") or payload.get("recipients") or ())
        kind = email.kind
        if kind == "group_run":
            report = self._report(tx, payload["group_run_id"])
            return None if report is None else run_letter(report, to)
        if kind == "job_run":
            job_report = self._job_report(tx, payload["job_run_id"])
            return None if job_report is None else run_letter(job_report, to)
        if kind == "occurrence_skipped":
            account = tx.account(email.account_id)
            report = RunReport(
                account=account.name if account else "-",
                group_name=payload["group_name"],
                outcome="skipped",
                run_id=None,
                trigger="schedule",
                started_at=None,
                ended_at=None,
                note=f"the run due at {payload['fire_at']} was skipped: the group was "
                "still running",
            )
            return run_letter(report, to)
        if kind == "expiry_warning":
            return notice_letter(
                f"{payload['group_name']}: expires {payload['expires_at']}",
                f"The group {payload['group_name']} expires at {payload['expires_at']} and "
                "will then be deleted (its jobs stay). Change its expiration date to keep it.",
                to,
            )
        if kind == "job_expired_from_group":
            saved = " The group has fewer than two jobs now and was returned to saved."
            return notice_letter(
                f"{payload['group_name']}: job {payload['job_name']} expired",
                f"The job {payload['job_name']} expired and was removed from the group "
                f"{payload['group_name']}." + (saved if payload.get("returned_to_saved") else ""),
                to,
            )
        return None

    def _report(self, tx: Tx, run_id: int) -> RunReport | None:
        run = tx.group_run(None, run_id)
        if run is None:
            return None
        account = tx.account(run.account_id)
        lines = []
        for step in run.steps:
            job_run = tx.job_run(None, step.job_run_id) if step.job_run_id else None
            lines.append(
                StepLine(
                    position=step.position,
                    job_name=step.job_name,
                    state=step.state.value,
                    processed=job_run.records_processed if job_run else 0,
                    added=job_run.records_added if job_run else 0,
                    updated=job_run.records_updated if job_run else 0,
                    rejected=job_run.records_rejected if job_run else 0,
                    error=job_run.error_message if job_run else None,
                    rejects_file=job_run.rejects_file if job_run else None,
                )
            )
        return RunReport(
            account=account.name if account else "-",
            group_name=run.group_name,
            outcome=run.state.value,
            run_id=run.id,
            trigger=f"{run.trigger.value} ({run.requested_by})",
            started_at=run.started_at or run.created_at,
            ended_at=run.ended_at,
            steps=tuple(lines),
            error=run.error_message,
            link=f"{self._settings.base_url.rstrip('/')}/group-runs/{run.id}",
        )

    def _job_report(self, tx: Tx, run_id: int) -> RunReport | None:
        run = tx.job_run(None, run_id)
        if run is None:
            return None
        account = tx.account(run.account_id)
        return RunReport(
            account=account.name if account else "-",
            group_name=run.job_name,
            kind="Job",
            outcome=run.state.value,
            run_id=run.id,
            trigger=f"{run.trigger.value} ({run.requested_by})",
            started_at=run.started_at or run.created_at,
            ended_at=run.ended_at,
            steps=(
                StepLine(
                    position=1,
                    job_name=run.job_name,
                    state=run.state.value,
                    processed=run.records_processed,
                    added=run.records_added,
                    updated=run.records_updated,
                    rejected=run.records_rejected,
                    error=run.error_message,
                    rejects_file=run.rejects_file,
                ),
            ),
            error=run.error_message,
            files=run.output_files,
            link=f"{self._settings.base_url.rstrip('/')}/connect/job-runs/{run.id}",
        )

    def send_test(self, to: str) -> None:
        """Send a test email now (not through the outbox); raises if it cannot be sent."""
        if self._settings.transport is None:
            raise Conflict(
                "no SMTP server configured (set DATACONNECT_SMTP_HOST)", code="SMTP_NOT_CONFIGURED"
            )
        letter = notice_letter(
            "test email", "DataConnect can send email with these settings.", (to,)
        )
        now = self._deps.clock.now()
        self._settings.transport().send(
            to_message(letter, self._settings.sender, f"test.{int(now.timestamp())}", now)
        )
