"""Builders shared by the export tests: an account with tables and rows, export jobs, runs."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.domain.jobs import Job
from dataconnect.domain.runs import JobRun
from dataconnect.testing import contacts_table, import_job, make_account, pet_table

DAY = "20260115"  # the test clock's day in Berlin
CONTACTS_CSV = (
    "cust_id,email,city,legacy\n"
    "C1,a@x.com,Berlin,\n"
    'C2,b@x.com,"Paris, France",\n'
    'C3,c@x.com,"Say ""hi""",\n'
)

EXPORT_JOB: dict[str, Any] = {
    "name": "Contacts out",
    "type": "export",
    "kind": "standard",
    "run_mode": "on_demand",
    "expires_at": "never",
    "activate": True,
    "export": {
        "source": "CONTACTS",
        "fields": ["RIID_", "EMAIL_ADDRESS_", "CITY_"],
        "file_pattern": "contacts_{YYYYMMDD}.csv",
        "format": {"delimiter": ",", "qualifier": '"', "header": True, "encoding": "utf-8"},
        "changed_since_last_run": False,
        "count_file": False,
        "ready_file": True,
        "compression": "none",
        "encrypt_to": None,
        "destination": None,
    },
}


def export_job(name: str = "Contacts out", **settings: Any) -> dict[str, Any]:
    """api.md's export job; keyword arguments replace keys of its ``export`` settings."""
    job = copy.deepcopy(EXPORT_JOB)
    job["name"] = name
    job["export"].update(copy.deepcopy(settings))
    return job


@dataclass
class Env:
    app: App
    caller: Caller

    @property
    def account_id(self) -> int:
        return self.caller.account_id

    def put(self, name: str, data: bytes | str) -> None:
        raw = data.encode() if isinstance(data, str) else data
        self.app.file_server.put(self.account_id, "upload", name, [raw], 10**10)

    def load(self, csv: str, name: str = "Load contacts", **changes: Any) -> JobRun:
        """Import ``csv`` into CONTACTS (merging on CUSTOMER_ID_) through a job run."""
        request = import_job(name)
        request["import"]["file_pattern"] = f"{name.lower().replace(' ', '_')}.csv"
        request["import"].update(changes)
        try:
            job = self.app.jobs.by_name(self.caller, name)
        except Exception:
            job = self.app.jobs.create(self.caller, request)
        self.put(request["import"]["file_pattern"], csv)
        run = self.run(job)
        assert run.state.value == "succeeded", (run.error_code, run.error_message)
        return run

    def job(self, request: dict[str, Any]) -> Job:
        return self.app.jobs.create(self.caller, request)

    def run(
        self,
        job: Job,
        stop: threading.Event | None = None,
        progress: Callable[[int], None] = lambda rows: None,
    ) -> JobRun:
        """Start a run of the job and execute it here, to its end."""
        queued = self.app.runs.start_job(self.caller, job.id)
        return self.app.runs.execute(
            self.account_id, queued.id, stop or threading.Event(), progress
        )

    def read(self, name: str, folder: str = "download") -> bytes:
        with self.app.file_server.open_read(self.account_id, folder, name) as f:
            return f.read()

    def folder(self, name: str = "download", *, hidden: bool = False) -> list[str]:
        """The folder's files by name; ``hidden``: every entry on disk, temporary files too."""
        if not hidden:
            return [f.name for f in self.app.file_server.list(self.account_id, name)]
        path = self.app.file_server.folder(self.account_id, name)
        return sorted(p.name for p in path.iterdir()) if path.exists() else []

    def rows(self, table: str = "CONTACTS") -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page, cursor = self.app.tables.rows(self.caller, table, limit=500, cursor=cursor)
            found += page
            if cursor is None:
                return found


def account(app: App, *tables: dict[str, Any], name: str = "Acme") -> Env:
    """An account (Europe/Berlin) with CONTACTS, PURCHASES (a PET) and the given tables."""
    caller, _ = make_account(app, name, email=f"dd@{name.lower()}.example.com")
    for table in (contacts_table(), pet_table(), *tables):
        app.tables.create(caller, table)
    return Env(app, caller)
