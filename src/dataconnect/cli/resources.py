"""Commands for tables, jobs and groups, through the same services as the API."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dataconnect.bootstrap import App
from dataconnect.cli.common import (
    AccountOpt,
    JsonOpt,
    app_context,
    caller,
    emit_json,
    emit_table,
    fail,
    guarded,
    out,
    read_json,
)
from dataconnect.domain.accounts import Caller
from dataconnect.domain.groups import Group
from dataconnect.domain.jobs import Job
from dataconnect.services.views import group_view, job_view, table_view

tables = typer.Typer(help="Profile lists, PETs and supplemental tables.", no_args_is_help=True)
jobs = typer.Typer(help="Import and export jobs.", no_args_is_help=True)
groups = typer.Typer(help="Job groups.", no_args_is_help=True)

FileArg = Annotated[str, typer.Option("--file", "-f", help="JSON document; - reads standard input")]


# --- tables ------------------------------------------------------------------------------


@tables.command("create")
@guarded
def tables_create(account: AccountOpt, file: FileArg, json_: JsonOpt = False) -> None:
    """Create a table from a JSON definition (the body of POST /api/v1/tables)."""
    spec = read_json(file)
    with app_context() as app:
        table = app.tables.create(caller(app, account), spec)
    if json_:
        emit_json(table_view(table, 0))
    else:
        out.print(f"table {table.name} ({table.kind}) created with {len(table.fields)} fields")


@tables.command("list")
@guarded
def tables_list(account: AccountOpt, json_: JsonOpt = False) -> None:
    """List tables with their row counts."""
    with app_context() as app:
        found = app.tables.list(caller(app, account))
    if json_:
        emit_json([table_view(t, n) for t, n in found])
    else:
        emit_table(
            ["name", "kind", "list", "fields", "rows"],
            [[t.name, t.kind, t.list_name, len(t.fields), n] for t, n in found],
        )


@tables.command("show")
@guarded
def tables_show(name: str, account: AccountOpt, json_: JsonOpt = False) -> None:
    """Show a table's fields."""
    with app_context() as app:
        table, count = app.tables.get(caller(app, account), name)
    if json_:
        emit_json(table_view(table, count))
        return
    emit_table(
        ["field", "type", "length", "system", "key"],
        [
            [
                f.name,
                f.type,
                f.length,
                "yes" if f.system else "",
                "yes" if f.name in table.key_fields else "",
            ]
            for f in table.fields
        ],
        title=f"{table.name} ({table.kind}, {count} rows)",
    )


# --- jobs --------------------------------------------------------------------------------


def _job(app: App, who: Caller, ref: str) -> Job:
    return (
        app.jobs.get(who, int(ref))
        if ref.isdigit() and len(ref) < 18
        else app.jobs.by_name(who, ref)
    )


def _print_job(job: Job, json_: bool) -> None:
    if json_:
        emit_json(job_view(job))
    else:
        out.print(
            f"job {job.name} (id {job.id}): {job.type} {job.state}, {job.run_mode}", highlight=False
        )


@jobs.command("create")
@guarded
def jobs_create(
    account: AccountOpt,
    file: FileArg,
    activate: Annotated[bool, typer.Option(help="save and activate")] = False,
    json_: JsonOpt = False,
) -> None:
    """Create a job from a JSON document (the body of POST /api/v1/jobs)."""
    spec = read_json(file)
    if not isinstance(spec, dict):
        fail("BODY_INVALID", "the job document is a JSON object")
    if activate:
        spec["activate"] = True
    with app_context() as app:
        _print_job(app.jobs.create(caller(app, account), spec), json_)


@jobs.command("list")
@guarded
def jobs_list(
    account: AccountOpt,
    type_: Annotated[str | None, typer.Option("--type", help="import or export")] = None,
    state: Annotated[str | None, typer.Option(help="saved, active or inactive")] = None,
    json_: JsonOpt = False,
) -> None:
    """List jobs."""
    with app_context() as app:
        who = caller(app, account)
        found: list[Job] = []
        cursor = None
        while True:
            page, cursor = app.jobs.list(who, type_=type_, state=state, limit=500, cursor=cursor)
            found += page
            if cursor is None:
                break
    if json_:
        emit_json([job_view(j) for j in found])
    else:
        emit_table(
            ["id", "name", "type", "state", "run mode", "target", "group", "expires"],
            [
                [
                    j.id,
                    j.name,
                    j.type,
                    j.state,
                    j.run_mode,
                    j.target_table,
                    j.group_id,
                    j.expires_at.date() if j.expires_at else "never",
                ]
                for j in found
            ],
        )


@jobs.command("show")
@guarded
def jobs_show(job: str, account: AccountOpt, json_: JsonOpt = False) -> None:
    """Show a job (by name or id); always JSON, the settings are nested."""
    with app_context() as app:
        found = _job(app, caller(app, account), job)
    del json_
    emit_json(job_view(found))


@jobs.command("update")
@guarded
def jobs_update(job: str, account: AccountOpt, file: FileArg, json_: JsonOpt = False) -> None:
    """Change a job with a JSON document (the body of PATCH /api/v1/jobs/{id})."""
    spec = read_json(file)
    with app_context() as app:
        who = caller(app, account)
        _print_job(app.jobs.update(who, _job(app, who, job).id, spec), json_)


@jobs.command("activate")
@guarded
def jobs_activate(job: str, account: AccountOpt, json_: JsonOpt = False) -> None:
    """Activate a job."""
    with app_context() as app:
        who = caller(app, account)
        _print_job(app.jobs.activate(who, _job(app, who, job).id), json_)


@jobs.command("deactivate")
@guarded
def jobs_deactivate(job: str, account: AccountOpt, json_: JsonOpt = False) -> None:
    """Deactivate a job."""
    with app_context() as app:
        who = caller(app, account)
        _print_job(app.jobs.deactivate(who, _job(app, who, job).id), json_)


@jobs.command("delete")
@guarded
def jobs_delete(job: str, account: AccountOpt) -> None:
    """Delete a job."""
    with app_context() as app:
        who = caller(app, account)
        found = _job(app, who, job)
        app.jobs.delete(who, found.id)
    out.print(f"job {found.name} deleted", highlight=False)


# --- groups ------------------------------------------------------------------------------


def _group(app: App, who: Caller, ref: str) -> Group:
    return (
        app.groups.get(who, int(ref))
        if ref.isdigit() and len(ref) < 18
        else app.groups.by_name(who, ref)
    )


def _print_group(app: App, who: Caller, group: Group, json_: bool) -> None:
    view = group_view(*app.groups.details(who, group.id))
    if json_:
        emit_json(view)
        return
    out.print(
        f"group {group.name} (id {group.id}): {group.state}, {view['schedule_type']}",
        highlight=False,
    )
    for member in view["jobs"]:
        out.print(
            f"  {member['position'] + 1}. {member['job_name']} (id {member['job_id']})",
            highlight=False,
        )


JobsOpt = Annotated[
    list[str] | None, typer.Option("--job", "-j", help="member job (name or id), in run order")
]


@groups.command("create")
@guarded
def groups_create(
    name: str,
    account: AccountOpt,
    job: JobsOpt = None,
    description: Annotated[str, typer.Option()] = "",
    notify: Annotated[str, typer.Option(help="success_or_failure, failure or none")] = "none",
    email: Annotated[list[str] | None, typer.Option(help="notification recipient")] = None,
    schedule: Annotated[
        str | None, typer.Option(help='JSON, e.g. {"kind":"daily","hour":2,"slot":0}')
    ] = None,
    expires_at: Annotated[str | None, typer.Option(help="ISO date or time")] = None,
    activate: Annotated[bool, typer.Option(help="save and activate")] = False,
    json_: JsonOpt = False,
) -> None:
    """Create a group (Save, or Activate with --activate)."""
    import json

    with app_context() as app:
        who = caller(app, account)
        spec: dict[str, Any] = {
            "name": name,
            "description": description,
            "job_ids": [_job(app, who, j).id for j in job or []],
            "notification": {"when": notify, "emails": email or []},
            "activate": activate,
        }
        if schedule:
            try:
                spec["schedule"] = json.loads(schedule)
            except json.JSONDecodeError:
                fail("JSON_INVALID", "--schedule is a JSON object")
        if expires_at:
            spec["expires_at"] = expires_at
        group = app.groups.create(who, spec)
        _print_group(app, who, group, json_)


@groups.command("list")
@guarded
def groups_list(account: AccountOpt, json_: JsonOpt = False) -> None:
    """List groups (the Group jobs tab)."""
    with app_context() as app:
        who = caller(app, account)
        rows, _ = app.groups.list(who, limit=500)
    views = [group_view(*row) for row in rows]
    if json_:
        emit_json(views)
    else:
        emit_table(
            ["id", "name", "state", "schedule", "jobs", "last run", "expires"],
            [
                [
                    v["id"],
                    v["name"],
                    v["state"],
                    v["schedule_type"],
                    len(v["job_ids"]),
                    (v["last_run"] or {}).get("state"),
                    v["expires_at"][:10],
                ]
                for v in views
            ],
        )


@groups.command("show")
@guarded
def groups_show(group: str, account: AccountOpt, json_: JsonOpt = False) -> None:
    """Show a group and its jobs in run order."""
    with app_context() as app:
        who = caller(app, account)
        _print_group(app, who, _group(app, who, group), json_)


@groups.command("update")
@guarded
def groups_update(group: str, account: AccountOpt, file: FileArg, json_: JsonOpt = False) -> None:
    """Change a group with a JSON document (the body of PATCH /api/v1/groups/{id})."""
    spec = read_json(file)
    with app_context() as app:
        who = caller(app, account)
        changed = app.groups.update(who, _group(app, who, group).id, spec)
        _print_group(app, who, changed, json_)


@groups.command("reorder")
@guarded
def groups_reorder(
    group: str, account: AccountOpt, job: JobsOpt = None, json_: JsonOpt = False
) -> None:
    """Set the member jobs and their run order."""
    with app_context() as app:
        who = caller(app, account)
        ids = [_job(app, who, j).id for j in job or []]
        changed = app.groups.update(who, _group(app, who, group).id, {"job_ids": ids})
        _print_group(app, who, changed, json_)


@groups.command("activate")
@guarded
def groups_activate(group: str, account: AccountOpt, json_: JsonOpt = False) -> None:
    """Validate every rule and activate the group."""
    with app_context() as app:
        who = caller(app, account)
        _print_group(app, who, app.groups.activate(who, _group(app, who, group).id), json_)


@groups.command("deactivate")
@guarded
def groups_deactivate(group: str, account: AccountOpt, json_: JsonOpt = False) -> None:
    """Return the group to saved: it will not run."""
    with app_context() as app:
        who = caller(app, account)
        _print_group(app, who, app.groups.deactivate(who, _group(app, who, group).id), json_)


@groups.command("delete")
@guarded
def groups_delete(group: str, account: AccountOpt) -> None:
    """Delete a group; its jobs stay."""
    with app_context() as app:
        who = caller(app, account)
        found = _group(app, who, group)
        app.groups.delete(who, found.id)
    out.print(f"group {found.name} deleted; its jobs stay", highlight=False)
