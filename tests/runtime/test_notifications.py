"""Emails through a real SMTP server (aiosmtpd, in this process), read back and checked.

Each test builds the app with the SMTP settings pointing at the server; the mailer is driven by
calling ``send_due`` (its loop is tested once, end to end).
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from grouping import DAY, Env, account, list_csv

from dataconnect.bootstrap import App, build
from dataconnect.clock import FakeClock
from dataconnect.config import Settings
from dataconnect.store.store import Store
from dataconnect.testing import group_request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """What the SMTP server accepted: (envelope recipients, parsed message)."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse: bool = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"


class Smtp:
    def __init__(self) -> None:
        self.port = _free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: FakeClock,
    smtp: Smtp,
) -> Iterator[App]:
    import shutil

    home = tmp_path / "home"
    url = None
    if backend == "postgres":
        url = request.getfixturevalue("pg_url")
    else:
        template = request.getfixturevalue("sqlite_template")
        home.mkdir(parents=True)
        for name in ("meta.db", "data.db"):
            shutil.copyfile(template / name, home / name)
    settings = Settings(
        home=home,
        database_url=url,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_from="DataConnect <dc@example.com>",
        base_url="https://dc.example.com",
    )
    application = build(settings, clock=clock)
    yield application
    application.close()


@pytest.fixture
def env(mail_app: App) -> Env:
    return account(mail_app)


def group(env: Env, when: str = "failure", name: str = "Nightly") -> int:
    a = env.list_job("First", "first_{YYYYMMDD}.csv")
    b = env.list_job("Second", "second_{YYYYMMDD}.csv")
    request = group_request(name, [a, b])
    request["notification"] = {"when": when, "emails": ["ops@example.com", "lead@example.com"]}
    return env.app.groups.create(env.caller, request).id


def run_to_end(env: Env, group_id: int) -> int:
    run = env.app.group_runs.start(env.caller, group_id)
    claimed = env.app.work.claim("w1")
    assert claimed is not None
    env.app.work.execute(claimed, "w1", threading.Event())
    return run.id


def outbox(app: App, account_id: int) -> list[dict[str, Any]]:
    with Store(app.engines).read() as tx:
        return tx.outbox(account_id)


def test_a_failed_run_sends_one_email_with_every_fact(env: Env, smtp: Smtp) -> None:
    gid = group(env)
    env.put(f"first_{DAY}.csv", list_csv("C1", "C2") + b"C3,not-an-email,Rome,\n")
    run_id = run_to_end(env, gid)  # Second has no file: FILE_NOT_FOUND

    assert env.app.mail.send_due("m1") == 1
    assert env.app.mail.send_due("m1") == 0

    assert len(smtp.inbox.received) == 1
    rcpt, message = smtp.inbox.received[0]
    assert sorted(rcpt) == ["lead@example.com", "ops@example.com"]
    assert message["Subject"] == "[DataConnect] Nightly: failed"
    assert message["From"] == "DataConnect <dc@example.com>"
    assert message["Message-ID"] == f"<dataconnect.group_run-{run_id}@example.com>"
    first_run = env.app.group_runs.get(env.caller, run_id).steps[0].job_run_id
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Acme" in part
        assert str(run_id) in part
        assert "manual" in part
        assert "First" in part and "Second" in part
        assert "FILE_NOT_FOUND" in part or "no file" in part
        assert f"First_{first_run}_rejects.csv" in part
        assert f"https://dc.example.com/group-runs/{run_id}" in part
    assert "1. First: succeeded — 3 processed, 2 added, 0 updated, 1 rejected" in text
    assert "2. Second: failed" in text
    assert "Start: 2026-01-15 12:00:00 UTC" in text and "Duration: 0:00:00" in text
    view = env.app.group_runs.notification(env.caller, env.app.group_runs.get(env.caller, run_id))
    assert view is not None and (view["status"], view["attempts"]) == ("sent", 1)


@pytest.mark.parametrize(
    ("when", "files", "expected"),
    [
        ("failure", True, []),
        ("success_or_failure", True, ["[DataConnect] Nightly: succeeded"]),
        ("none", False, []),
        ("failure", False, ["[DataConnect] Nightly: failed"]),
    ],
)
def test_the_groups_setting_decides(
    env: Env, smtp: Smtp, when: str, files: bool, expected: list[str]
) -> None:
    gid = group(env, when)
    if files:
        env.put(f"first_{DAY}.csv", list_csv("C1"))
        env.put(f"second_{DAY}.csv", list_csv("C2"))
    run_to_end(env, gid)

    env.app.mail.send_due("m1")

    assert [m["Subject"] for _, m in smtp.inbox.received] == expected


def test_a_stopped_run_is_a_failure_and_is_emailed(env: Env, smtp: Smtp) -> None:
    gid = group(env)
    env.app.group_runs.start(env.caller, gid)
    env.app.group_runs.stop_group(env.caller, gid)

    env.app.mail.send_due("m1")

    assert [m["Subject"] for _, m in smtp.inbox.received] == ["[DataConnect] Nightly: stopped"]


def test_a_skipped_occurrence_is_emailed_only_under_success_or_failure(
    env: Env, smtp: Smtp, clock: FakeClock
) -> None:
    schedule = {"kind": "daily", "hour": 8, "slot": 0}
    quiet = group(env, "failure", "Quiet")
    env.app.groups.update(env.caller, quiet, {"schedule": schedule})
    a = env.list_job("Third", "third.csv")
    b = env.list_job("Fourth", "fourth.csv")
    request = group_request("Chatty", [a, b], schedule=schedule)
    request["notification"] = {"when": "success_or_failure", "emails": ["ops@example.com"]}
    chatty = env.app.groups.create(env.caller, request).id
    for gid in (quiet, chatty):
        env.app.group_runs.start(env.caller, gid)  # still running at the occurrence
    due = [env.app.schedules.next_runs(env.caller, g, 1)[0]["fire_at"] for g in (quiet, chatty)]
    clock.set(max(datetime.fromisoformat(d) for d in due))
    assert env.app.schedules.run_pass().skipped == 2

    env.app.mail.send_due("m1")

    assert [m["Subject"] for _, m in smtp.inbox.received] == ["[DataConnect] Chatty: skipped"]
    body = smtp.inbox.received[0][1].get_body(("plain",)).get_content()
    assert "still running" in body


def test_an_email_waits_for_a_server_that_is_down_and_arrives_once(
    env: Env, smtp: Smtp, clock: FakeClock
) -> None:
    gid = group(env)
    smtp.stop()
    run_id = run_to_end(env, gid)

    assert env.app.mail.send_due("m1") == 0
    row = outbox(env.app, env.account_id)[0]
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "Connection" in (row["last_error"] or "") or "refused" in (row["last_error"] or "")
    assert env.app.mail.send_due("m1") == 0  # not before its next attempt
    assert outbox(env.app, env.account_id)[0]["attempts"] == 1

    smtp.start()
    clock.advance(timedelta(seconds=31))
    assert env.app.mail.send_due("m1") == 1
    clock.advance(timedelta(hours=2))
    assert env.app.mail.send_due("m1") == 0

    assert [m["Subject"] for _, m in smtp.inbox.received] == ["[DataConnect] Nightly: failed"]
    assert outbox(env.app, env.account_id)[0]["status"] == "sent"
    assert run_id


def test_a_refusing_server_is_retried_with_backoff_then_given_up_after_a_day(
    env: Env, smtp: Smtp, clock: FakeClock
) -> None:
    group_id = group(env)
    run_to_end(env, group_id)
    smtp.inbox.refuse = True
    waits = []
    for _ in range(40):
        env.app.mail.send_due("m1")
        row = outbox(env.app, env.account_id)[0]
        if row["status"] != "pending":
            break
        waits.append(row["next_attempt_at"] - clock.now())
        clock.set(row["next_attempt_at"])

    assert row["status"] == "failed"
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert max(waits) == timedelta(hours=1)
    assert row["next_attempt_at"] - row["created_at"] > timedelta(hours=24)
    assert smtp.inbox.received == []


def test_several_mailers_racing_send_each_email_once(env: Env, smtp: Smtp) -> None:
    for n in range(6):
        gid = group(env, "failure", f"Group {n}") if n == 0 else _another_group(env, n)
        env.app.group_runs.start(env.caller, gid)
        env.app.group_runs.stop_group(env.caller, gid)
    barrier = threading.Barrier(3)

    def mailer(name: str) -> None:
        barrier.wait(5)
        while env.app.mail.send_due(name, limit=1):
            pass

    threads = [threading.Thread(target=mailer, args=(f"m{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    subjects = sorted(m["Subject"] for _, m in smtp.inbox.received)
    assert len(subjects) == 6 and len(set(subjects)) == 6


def _another_group(env: Env, n: int) -> int:
    a = env.list_job(f"J{n}a", f"j{n}a.csv")
    b = env.list_job(f"J{n}b", f"j{n}b.csv")
    request = group_request(f"Group {n}", [a, b])
    request["notification"] = {"when": "failure", "emails": ["ops@example.com"]}
    return env.app.groups.create(env.caller, request).id


def test_expiry_notices_reach_the_recipients(env: Env, smtp: Smtp, clock: FakeClock) -> None:
    gid = group(env)
    expires = env.app.groups.get(env.caller, gid).expires_at
    clock.set(expires - timedelta(days=2))
    env.app.expiry.sweep()

    env.app.mail.send_due("m1")

    ((rcpt, message),) = smtp.inbox.received
    assert sorted(rcpt) == ["lead@example.com", "ops@example.com"]
    assert message["Subject"].startswith("[DataConnect] Nightly: expires")
    assert "will then be deleted" in message.get_body(("plain",)).get_content()


def test_the_mailer_loop_sends_within_seconds_of_the_runs_end(env: Env, smtp: Smtp) -> None:
    gid = group(env)
    env.app.start_mailer(interval=0.2)
    worker = env.app.start_worker(poll=0.05)
    try:
        run = env.app.group_runs.start(env.caller, gid)
        ended = env.wait_group(run.id)
        deadline = time.monotonic() + 10
        while not smtp.inbox.received:
            assert time.monotonic() < deadline, "no email within 10 s"
            time.sleep(0.02)
    finally:
        worker.close()
    assert ended.state.value == "failed"
    assert [m["Subject"] for _, m in smtp.inbox.received] == ["[DataConnect] Nightly: failed"]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_without_smtp_the_email_is_logged_and_kept_not_sent(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    env = account(app)
    gid = group(env)
    run = app.group_runs.start(env.caller, gid)
    app.group_runs.stop_group(env.caller, gid)

    with caplog.at_level("WARNING"):
        assert app.mail.send_due("m1") == 1

    view = app.group_runs.notification(env.caller, app.group_runs.get(env.caller, run.id))
    assert view is not None and view["status"] == "not_sent"
    assert "[DataConnect] Nightly: stopped" in caplog.text


@pytest.mark.parametrize("backend", ["sqlite"])
def test_cli_notify_test_sends_a_test_email(
    app: App, smtp: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from dataconnect.cli.main import cli

    env = {
        "DATACONNECT_HOME": str(app.settings.home),
        "DATACONNECT_SMTP_HOST": "127.0.0.1",
        "DATACONNECT_SMTP_PORT": str(smtp.port),
    }
    sent = CliRunner().invoke(cli, ["notify", "test", "you@example.com"], env=env)
    bad = CliRunner().invoke(cli, ["notify", "test", "not-an-address"], env=env)
    smtp.stop()
    down = CliRunner().invoke(cli, ["notify", "test", "you@example.com"], env=env)
    unset = CliRunner().invoke(
        cli,
        ["notify", "test", "you@example.com"],
        env={"DATACONNECT_HOME": env["DATACONNECT_HOME"]},
    )

    assert sent.exit_code == 0, sent.output
    assert [(r, m["Subject"]) for r, m in smtp.inbox.received] == [
        (["you@example.com"], "[DataConnect] test email")
    ]
    assert bad.exit_code == 1 and "EMAIL" in bad.stderr
    assert down.exit_code == 1 and "SMTP_FAILED" in down.stderr
    assert unset.exit_code == 1 and "SMTP_NOT_CONFIGURED" in unset.stderr


def test_a_run_ended_by_the_worker_that_took_it_over_is_emailed(
    env: Env, smtp: Smtp, clock: FakeClock
) -> None:
    """The first worker died mid-step; the one that took over ends the run: one email."""
    gid = group(env)
    env.put(f"first_{DAY}.csv", list_csv("C1"))
    run = env.app.group_runs.start(env.caller, gid)
    dead = env.app.work.claim("dead-worker")
    assert dead is not None
    with Store(env.app.engines).write() as tx:
        env.app.work.handler("group")._next_step(tx, dead, "dead-worker", resumed=False)
    clock.advance(timedelta(seconds=11))
    taker = env.app.work.claim("w2")
    assert taker is not None and taker.taken_over
    env.app.work.execute(taker, "w2", threading.Event())

    env.app.mail.send_due("m1")

    assert env.app.group_runs.get(env.caller, run.id).state.value == "failed"
    assert [m["Subject"] for _, m in smtp.inbox.received] == ["[DataConnect] Nightly: failed"]


def test_a_job_removed_by_its_expiry_is_told_to_the_groups_recipients(
    env: Env, smtp: Smtp, clock: FakeClock
) -> None:
    from dataconnect.testing import START, import_job

    request = import_job("Short lived", expires_at=(START + timedelta(days=1)).isoformat())
    request["import"]["file_pattern"] = "short.csv"
    short = env.app.jobs.create(env.caller, request).id
    other = env.list_job("Stays", "stays.csv")
    spec = group_request("Pair", [short, other])
    spec["notification"] = {"when": "failure", "emails": ["ops@example.com"]}
    spec["expires_at"] = (START + timedelta(days=90)).isoformat()
    env.app.groups.create(env.caller, spec)
    clock.set(START + timedelta(days=1))
    env.app.expiry.sweep()

    env.app.mail.send_due("m1")

    ((_, message),) = smtp.inbox.received
    assert message["Subject"] == "[DataConnect] Pair: job Short lived expired"
    text = message.get_body(("plain",)).get_content()
    assert "removed from the group Pair" in text and "returned to saved" in text


# --- a job's own runs -------------------------------------------------------------------------


def export_job(env: Env, when: str) -> int:
    request = {
        "name": "Contacts out",
        "type": "export",
        "activate": True,
        "notification": {"when": when, "emails": ["ops@example.com"]},
        "export": {"source": "CONTACTS", "fields": ["CUSTOMER_ID_"], "file_pattern": "out.csv"},
    }
    return env.app.jobs.create(env.caller, request).id


def run_job(env: Env, job_id: int) -> int:
    run = env.app.runs.start_job(env.caller, job_id)
    env.app.runs.execute(env.account_id, run.id, threading.Event())
    return run.id


def test_a_jobs_own_run_sends_one_email_naming_what_it_wrote(env: Env, smtp: Smtp) -> None:
    run_id = run_job(env, export_job(env, "success_or_failure"))

    assert env.app.mail.send_due("m1") == 1
    assert env.app.mail.send_due("m1") == 0
    [(rcpt, message)] = smtp.inbox.received
    assert rcpt == ["ops@example.com"]
    assert message["Subject"] == "[DataConnect] Contacts out: succeeded"
    assert message["Message-ID"] == f"<dataconnect.job_run-{run_id}@example.com>"
    text = message.get_body(("plain",)).get_content()
    assert "Job: Contacts out" in text
    assert "Files: download/out.csv" in text
    assert "1. Contacts out: succeeded — 0 processed" in text
    assert f"https://dc.example.com/connect/job-runs/{run_id}" in text


def test_a_job_whose_setting_is_failure_sends_nothing_on_success_and_one_on_failure(
    env: Env, smtp: Smtp
) -> None:
    job_id = export_job(env, "failure")
    run_job(env, job_id)
    env.app.jobs.update(env.caller, job_id, {"export": {"format": {"qualifier": "none"}}})
    env.put(f"list_{DAY}.csv", list_csv("C1") + b'"C2,x",c2@x.com,Rome,\n')
    loader = env.list_job()
    run_job(env, loader)
    failed = run_job(env, job_id)

    assert env.app.mail.send_due("m1") == 1
    [(_, message)] = smtp.inbox.received
    assert message["Subject"] == "[DataConnect] Contacts out: failed"
    assert "row 2, field CUSTOMER_ID_" in message.get_body(("plain",)).get_content()
    assert env.app.runs.get(env.caller, failed).error_code == "EXPORT_VALUE_NEEDS_QUALIFIER"


def test_a_jobs_run_as_a_group_step_is_the_groups_to_report(env: Env, smtp: Smtp) -> None:
    gid = group(env, when="success_or_failure")
    jobs = env.app.groups.get(env.caller, gid).job_ids
    env.app.jobs.update(
        env.caller, jobs[0], {"notification": {"when": "success_or_failure", "emails": ["x@y.z"]}}
    )
    env.put(f"first_{DAY}.csv", list_csv("C1"))
    env.put(f"second_{DAY}.csv", list_csv("C2"))
    run_to_end(env, gid)

    env.app.mail.send_due("m1")
    assert [m["Subject"] for _, m in smtp.inbox.received] == ["[DataConnect] Nightly: succeeded"]
