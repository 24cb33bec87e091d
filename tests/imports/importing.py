"""Builders shared by the import tests: an account with tables, a job, a file, a run.

Everything goes through the services (as a user would), except ``direct``, which calls
``run_import`` itself to choose the batch size, the stop token and the run id.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from dataconnect.bootstrap import App, _sink_factory
from dataconnect.domain.accounts import Caller
from dataconnect.domain.jobs import Job
from dataconnect.domain.runs import JobRun
from dataconnect.imports.engine import ImportOutcome, StopToken, run_import
from dataconnect.store.data import data_metadata
from dataconnect.testing import contacts_table, import_job, make_account, pet_table

FILE = "customers_20260115.csv"  # customers_{YYYYMMDD}.csv at the test clock, Berlin time
HEADER = "cust_id,email,city,legacy"
LIST_FIELDS = ("CUSTOMER_ID_", "EMAIL_ADDRESS_", "CITY_")


@dataclass
class Env:
    """One account of an app, seen by its data director."""

    app: App
    caller: Caller

    @property
    def account_id(self) -> int:
        return self.caller.account_id


def account(app: App, *tables: dict[str, Any], name: str = "Acme") -> Env:
    """An account (Europe/Berlin) with a data director and the given tables, created in order."""
    caller, _ = make_account(app, name, email=f"dd@{name.lower()}.example.com")
    for table in tables:
        app.tables.create(caller, table)
    return Env(app, caller)


def contacts(app: App, name: str = "Acme") -> Env:
    """An account with the CONTACTS profile list (system fields plus FIRST_NAME)."""
    return account(app, contacts_table(), name=name)


def contacts_and_pet(app: App) -> Env:
    return account(app, contacts_table(), pet_table())


def job_request(name: str = "Daily customers", **settings: Any) -> dict[str, Any]:
    """The api.md import job; keyword arguments replace keys of its ``import`` settings.

    ``fmt`` updates the format (``fmt={"delimiter": ";"}``) instead of replacing it.
    """
    request = import_job(name)
    imp = request["import"]
    fmt = settings.pop("fmt", None)
    if fmt is not None:
        imp["format"] = {**imp["format"], **fmt}
    match = settings.pop("match_", None)
    if match is not None:
        imp["match"] = {**imp["match"], **match}
    imp.update(copy.deepcopy(settings))
    return request


def make_job(env: Env, name: str = "Daily customers", **settings: Any) -> Job:
    return env.app.jobs.create(env.caller, job_request(name, **settings))


def csv_bytes(*lines: str, header: str | None = HEADER, end: str = "\n") -> bytes:
    """Lines (with the header first unless None) joined and ended by ``end``, in UTF-8."""
    all_lines = ([header] if header is not None else []) + list(lines)
    return "".join(line + end for line in all_lines).encode("utf-8")


def put(env: Env, data: bytes | Iterable[bytes], name: str = FILE) -> None:
    chunks = [data] if isinstance(data, bytes) else data
    env.app.file_server.put(env.account_id, "upload", name, chunks, 10**10)


def run(env: Env, job_id: int, stop: StopToken | None = None) -> JobRun:
    """Start a run of the job and execute it here, to its end."""
    queued = env.app.runs.start_job(env.caller, job_id)
    return env.app.runs.execute(env.account_id, queued.id, stop or threading.Event())


def load(env: Env, job_id: int, data: bytes, name: str = FILE) -> JobRun:
    """Upload ``data`` and run the job on it."""
    put(env, data, name)
    return run(env, job_id)


def direct(
    env: Env,
    job_id: int,
    run_id: int,
    *,
    stop: StopToken | None = None,
    batch_rows: int | None = 5000,  # None: the sink's own
    progress: Callable[[int], None] = lambda rows: None,
    fork_from_bytes: int | None = None,
) -> ImportOutcome:
    """``run_import`` called directly (no job run record), with our batch size and stop token."""
    app = env.app
    job = app.jobs.get(env.caller, job_id)
    tables = {t.name: t for t, _ in app.tables.list(env.caller)}
    return run_import(
        job=job,
        zone=app.accounts.account(env.caller).timezone,
        tables=tables,
        job_run_id=run_id,
        files=app.file_server,
        open_sink=_sink_factory(app.engines),
        now=app.clock.now(),
        stop=stop or threading.Event(),
        progress=progress,
        batch_rows=batch_rows,
        **({} if fork_from_bytes is None else {"fork_from_bytes": fork_from_bytes}),
    )


def rows(env: Env, table: str = "CONTACTS") -> list[dict[str, Any]]:
    """Every row of the table, in key order."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page, cursor = env.app.tables.rows(env.caller, table, limit=500, cursor=cursor)
        found += page
        if cursor is None:
            return found


def project(
    found: list[dict[str, Any]], fields: Iterable[str] = LIST_FIELDS
) -> list[tuple[Any, ...]]:
    names = list(fields)
    return [tuple(r[n] for n in names) for r in found]


def table_rows(env: Env, table: str = "CONTACTS", fields: Iterable[str] = LIST_FIELDS) -> list:
    return project(rows(env, table), fields)


def count(env: Env, table: str = "CONTACTS") -> int:
    return env.app.tables.get(env.caller, table)[1]


def rejects_text(env: Env, name: str | None) -> str:
    assert name is not None, "the run wrote no rejects file"
    with env.app.file_server.open_read(env.account_id, "download", name) as f:
        return f.read().decode("utf-8")


def folder(env: Env, name: str) -> list[str]:
    return [f.name for f in env.app.file_server.list(env.account_id, name)]


def marker_exists(app: App, run_id: int) -> bool:
    """Whether the run's marker row (proof its data committed) is in the data database."""
    markers = data_metadata(app.engines.data_schema).tables[
        f"{app.engines.data_schema}.import_markers" if app.engines.data_schema else "import_markers"
    ]
    with app.engines.data.connect() as conn:
        found = conn.execute(select(markers.c.job_run_id).where(markers.c.job_run_id == run_id))
        return found.first() is not None


def counts(run: JobRun | ImportOutcome) -> tuple[int, int, int, int]:
    """(processed, added, updated, rejected) of a job run or an outcome."""
    if isinstance(run, ImportOutcome):
        return run.processed, run.added, run.updated, run.rejected
    return run.records_processed, run.records_added, run.records_updated, run.records_rejected


class StopAfter:
    """A stop token that turns true after ``checks`` calls of ``is_set`` (one per batch)."""

    def __init__(self, checks: int) -> None:
        self.checks = checks
        self.calls = 0

    def is_set(self) -> bool:
        self.calls += 1
        return self.calls > self.checks
