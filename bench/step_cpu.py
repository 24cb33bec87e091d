"""CPU a group step costs the process that runs it: a worker in this process runs a 50-step
group --runs times, each step a 1-row import into a profile list.

Prints the process's CPU (user + system) and wall time per step. No reference: it is for
comparing two versions of the code in the same minutes (run it from each checkout in turn).

    .venv/bin/python bench/step_cpu.py [--runs 6] [--database-url postgresql://…/dc_step_cpu]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from dataconnect.bootstrap import build
from dataconnect.clock import SystemClock
from dataconnect.config import Settings
from dataconnect.testing import contacts_table, group_request, import_job, make_account

STEPS = 50


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="dc-step-cpu-"))
    app = build(Settings(home=home, database_url=args.database_url), clock=SystemClock())
    app.upgrade_databases()
    caller, _ = make_account(app, "Acme", timezone="UTC")
    app.tables.create(caller, contacts_table())
    ids = []
    for s in range(STEPS):
        job = import_job(f"J{s}")
        job["import"]["file_pattern"] = f"s{s}.csv"
        ids.append(app.jobs.create(caller, job).id)
    group = app.groups.create(caller, group_request("G", ids)).id
    app.start_worker(slots=1, poll=0.01)
    before, began = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    for r in range(args.runs):
        for s in range(STEPS):
            data = f"cust_id,email,city,legacy\nK{r}_{s},a{s}@x.com,Berlin,\n".encode()
            app.file_server.put(caller.account_id, "upload", f"s{s}.csv", [data], 10**6)
        run = app.group_runs.start(caller, group)
        while app.group_runs.get(caller, run.id).active:
            time.sleep(0.005)
        assert app.group_runs.get(caller, run.id).state.value == "succeeded"
    after = resource.getrusage(resource.RUSAGE_SELF)
    steps = args.runs * STEPS
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    wall = time.monotonic() - began
    per = 1000 / steps
    print(f"{steps} steps: {cpu * per:.2f} ms CPU a step, {wall * per:.2f} ms wall")
    app.close()


if __name__ == "__main__":
    main()
