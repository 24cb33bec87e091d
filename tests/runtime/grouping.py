"""Builders for the runtime tests: an account with a list and a PET, jobs, a group, files."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.domain.runs import GroupRun, JobRun
from dataconnect.testing import contacts_table, group_request, import_job, make_account, pet_table

LIST_FILE = "list_{YYYYMMDD}.csv"
DAY = "20260115"  # the test clock's day in Berlin


@dataclass
class Env:
    app: App
    caller: Caller

    @property
    def account_id(self) -> int:
        return self.caller.account_id

    def put(self, name: str, data: bytes) -> None:
        self.app.file_server.put(self.account_id, "upload", name, [data], 10**10)

    def list_job(self, name: str = "Load list", pattern: str = "list_{YYYYMMDD}.csv") -> int:
        request = import_job(name)
        request["import"]["file_pattern"] = pattern
        return self.app.jobs.create(self.caller, request).id

    def pet_job(self, name: str = "Load purchases", pattern: str = "pet_{YYYYMMDD}.csv") -> int:
        request = import_job(name)
        request["import"].update(
            file_pattern=pattern,
            target="PURCHASES",
            mapping={"cust_id": "CUSTOMER_ID_", "last": "LAST_ORDER", "total": "TOTAL"},
        )
        return self.app.jobs.create(self.caller, request).id

    def group(self, job_ids: list[int], name: str = "Nightly", **changes: Any) -> int:
        return self.app.groups.create(self.caller, group_request(name, job_ids, **changes)).id

    def rows(self, table: str) -> list[dict[str, Any]]:
        page, _ = self.app.tables.rows(self.caller, table, limit=500, cursor=None)
        return page

    def wait_group(self, run_id: int, timeout: float = 20.0) -> GroupRun:
        deadline = time.monotonic() + timeout
        while True:
            run = self.app.group_runs.get(self.caller, run_id)
            if not run.active:
                return run
            assert time.monotonic() < deadline, f"group run {run_id} still {run.state}"
            time.sleep(0.01)

    def job_run(self, run_id: int) -> JobRun:
        return self.app.runs.get(self.caller, run_id)


def account(app: App, name: str = "Acme") -> Env:
    caller, _ = make_account(app, name, email=f"dd@{name.lower()}.example.com")
    app.tables.create(caller, contacts_table())
    app.tables.create(caller, pet_table())
    return Env(app, caller)


def list_csv(*keys: str) -> bytes:
    lines = ["cust_id,email,city,legacy"] + [f"{k},{k.lower()}@x.com,Berlin," for k in keys]
    return ("\n".join(lines) + "\n").encode()


def pet_csv(*keys: str) -> bytes:
    lines = ["cust_id,last,total"] + [f"{k},2026-01-0{i % 9 + 1},{i}.5" for i, k in enumerate(keys)]
    return ("\n".join(lines) + "\n").encode()


def big_list_csv(rows: int) -> bytes:
    head = "cust_id,email,city,legacy\n"
    return (head + "".join(f"K{i},u{i}@x.com,Berlin,\n" for i in range(rows))).encode()
