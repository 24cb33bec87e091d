"""Running and stopping jobs and groups from the command line, and following a run live.

``--wait`` follows the run here: a worker in this process claims it (unless a ``serve`` or
``worker`` process took it first, which is just as good) and the progress shows which step
runs and how many rows it has read. Ctrl+C asks for a stop and keeps following until the run
has ended; the exit status is 0 only for a run that succeeded.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from dataconnect.bootstrap import App
from dataconnect.cli.common import (
    AccountOpt,
    JsonOpt,
    app_context,
    caller,
    emit_json,
    err,
    guarded,
    out,
)
from dataconnect.cli.resources import _group, _job, groups, jobs
from dataconnect.domain.accounts import Caller
from dataconnect.domain.jobs import JobType
from dataconnect.domain.runs import GroupRun, JobRun, RunKind, RunRef
from dataconnect.errors import DataConnectError
from dataconnect.services.views import group_run_view, job_run_view

WaitOpt = Annotated[
    bool,
    typer.Option(
        "--wait/--no-wait",
        help="follow the run here until it ends (--no-wait: leave it to a running service)",
    ),
]
POLL = 0.2
T = TypeVar("T")


# --- jobs -------------------------------------------------------------------------------


@jobs.command("run")
@guarded
def jobs_run(job: str, account: AccountOpt, wait: WaitOpt = True, json_: JsonOpt = False) -> None:
    """Run an import or export job now; exit 1 unless it succeeds."""
    with app_context() as app:
        who = caller(app, account)
        found = _job(app, who, job)
        run = app.runs.start_job(who, found.id)
        if not wait:
            _queued(json_, job_run_view(run), f"job run {run.id} queued")
            return
        verb = "written" if found.type is JobType.EXPORT else "read"
        final = _follow_job(app, who, run, verb, quiet=json_)
    if json_:
        emit_json(job_run_view(final))
    else:
        _print_job_run(final)
    if final.state.value != "succeeded":
        raise typer.Exit(1)


@jobs.command("stop")
@guarded
def jobs_stop(run_id: int, account: AccountOpt, json_: JsonOpt = False) -> None:
    """Stop a job run by its id (a queued one ends at once, a running one within a second)."""
    with app_context() as app:
        who = caller(app, account)
        run = app.runs.stop(who, run_id)
    if json_:
        emit_json(job_run_view(run))
    else:
        out.print(f"job run {run.id}: stop asked ({run.state.value})", highlight=False)


def _print_job_run(run: JobRun) -> None:
    out.print(
        f"run {run.id} {run.state}: {run.records_processed} processed, "
        f"{run.records_added} added, {run.records_updated} updated, "
        f"{run.records_rejected} rejected",
        highlight=False,
    )
    if run.error_code:
        out.print(f"{run.error_code}: {run.error_message}", highlight=False)
    if run.rejects_file:
        out.print(f"rejected rows: download/{run.rejects_file}", highlight=False)
    for path in run.output_files:
        out.print(f"wrote {path}", highlight=False)


def _follow_job(app: App, who: Caller, run: JobRun, verb: str, *, quiet: bool) -> JobRun:
    def check(stopping: bool) -> tuple[JobRun | None, str]:
        current = app.runs.get(who, run.id)
        label = "stopping" if stopping else f"{current.records_processed:,} rows {verb}"
        ended = current.state.value not in ("queued", "running")
        return (current if ended else None), f"{run.job_name}: {label}"

    return _follow(
        app,
        RunRef(RunKind.JOB, run.id),
        run.job_name,
        check,
        lambda: app.runs.stop(who, run.id),
        quiet,
    )


# --- groups -----------------------------------------------------------------------------


@groups.command("run")
@guarded
def groups_run(
    group: str, account: AccountOpt, wait: WaitOpt = True, json_: JsonOpt = False
) -> None:
    """Run Now: run the group's jobs one at a time; exit 1 unless every step succeeds."""
    with app_context() as app:
        who = caller(app, account)
        run = app.group_runs.start(who, _group(app, who, group).id)
        if not wait:
            _queued(json_, group_run_view(run), f"group run {run.id} queued")
            return
        final = _follow_group(app, who, run, quiet=json_)
        view = group_run_view(final, app.group_runs.progress(who, final))
    if json_:
        emit_json(view)
    else:
        _print_group_run(view)
    if final.state.value != "succeeded":
        raise typer.Exit(1)


@groups.command("stop")
@guarded
def groups_stop(group: str, account: AccountOpt, json_: JsonOpt = False) -> None:
    """Stop the group's run in progress."""
    with app_context() as app:
        who = caller(app, account)
        run = app.group_runs.stop_group(who, _group(app, who, group).id)
        view = group_run_view(run, app.group_runs.progress(who, run))
    if json_:
        emit_json(view)
    else:
        out.print(f"group run {run.id}: stop asked ({run.state.value})", highlight=False)


@groups.command("runs")
@guarded
def groups_runs(
    group: str,
    account: AccountOpt,
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 20,
    json_: JsonOpt = False,
) -> None:
    """The group's runs, newest first."""
    with app_context() as app:
        who = caller(app, account)
        found, _ = app.group_runs.list(who, group_id=_group(app, who, group).id, limit=limit)
        views = [group_run_view(r, app.group_runs.progress(who, r)) for r in found]
    if json_:
        emit_json(views)
        return
    for view in views:
        _print_group_run(view)


def _print_group_run(view: dict[str, object]) -> None:
    out.print(
        f"group run {view['id']} of {view['group_name']}: {view['state']} "
        f"(started by {view['requested_by']})",
        highlight=False,
    )
    steps = view["steps"]
    assert isinstance(steps, list)
    for step in steps:
        line = f"  {step['position']}. {step['job_name']}: {step['state']}" + (
            f" — {step['records_processed']} processed, {step['records_added']} added, "
            f"{step['records_updated']} updated, {step['records_rejected']} rejected"
            if step["job_run_id"]
            else ""
        )
        out.print(line, highlight=False)
        if step["error"]:
            out.print(f"     {step['error_code']}: {step['error']}", highlight=False)
    if view["error_message"]:
        out.print(f"  {view['error_code']}: {view['error_message']}", highlight=False)


def _follow_group(app: App, who: Caller, run: GroupRun, *, quiet: bool) -> GroupRun:
    def check(stopping: bool) -> tuple[GroupRun | None, str]:
        current = app.group_runs.get(who, run.id)
        ended = None if current.active else current
        return ended, _describe(app, who, current, len(run.steps), stopping)

    return _follow(
        app,
        RunRef(RunKind.GROUP, run.id),
        run.group_name,
        check,
        lambda: app.group_runs.stop(who, run.id),
        quiet,
    )


def _describe(app: App, who: Caller, run: GroupRun, total: int, stopping: bool) -> str:
    step = run.next_step()
    if stopping or run.state.value == "stopping":
        return f"{run.group_name}: stopping"
    if step is None or step.job_run_id is None:
        return f"{run.group_name}: {run.state.value}"
    rows = app.runs.get(who, step.job_run_id).records_processed
    return f"{run.group_name}: step {step.position}/{total} {step.job_name}: {rows:,} rows read"


# --- shared -----------------------------------------------------------------------------


def _follow(
    app: App,
    only: RunRef,
    title: str,
    check: Callable[[bool], tuple[T | None, str]],
    stop: Callable[[], object],
    quiet: bool,
) -> T:
    """Run the run here if no other worker took it, and show ``check``'s line until it ends;
    Ctrl+C asks for a stop once and keeps following."""
    worker = app.start_worker(slots=1, poll=POLL, only=only, role="cli")
    stopping = False
    try:
        with _progress(quiet) as bar:
            task = bar.add_task(f"{title}: starting")
            while True:
                try:
                    ended, line = check(stopping)
                    if ended is not None:
                        return ended
                    bar.update(task, description=line)
                    time.sleep(POLL)
                except KeyboardInterrupt:
                    if not stopping:
                        stopping = True
                        _ask_stop(stop)
    finally:
        worker.close()


def _progress(quiet: bool) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        console=err,
        disable=quiet,
        transient=True,
    )


def _ask_stop(stop: Callable[[], object]) -> None:
    with contextlib.suppress(DataConnectError):  # it ended meanwhile
        stop()


def _queued(json_: bool, view: dict[str, object], message: str) -> None:
    if json_:
        emit_json(view)
    else:
        out.print(
            f"{message}; a running `dataconnect serve` or `dataconnect worker` runs it",
            highlight=False,
        )


@groups.command("next")
@guarded
def groups_next(
    group: str,
    account: AccountOpt,
    count: Annotated[int, typer.Option(help="how many occurrences (1-100)")] = 10,
    json_: JsonOpt = False,
) -> None:
    """The next planned runs with their drawn minute, in the schedule's time zone."""
    with app_context() as app:
        who = caller(app, account)
        found = _group(app, who, group)
        planned = app.schedules.next_runs(who, found.id, count)
        zone = found.schedule.zone(app.accounts.account(who).timezone) if found.schedule else "UTC"
    if json_:
        emit_json(planned)
        return
    if not planned:
        out.print(f"group {found.name} has no planned runs (on demand, saved or done)")
        return
    tz = ZoneInfo(zone)
    for occurrence in planned:
        at = datetime.fromisoformat(str(occurrence["fire_at"])).astimezone(tz)
        offset = at.strftime("%z")
        out.print(f"{at:%Y-%m-%d %a %H:%M} UTC{offset[:3]}:{offset[3:]}  {zone}", highlight=False)
