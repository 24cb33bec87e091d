"""Turning a create or change request (plain data) into a checked Job or Group record.

Requests arrive as mappings from any transport (JSON body, CLI file). Every problem is
collected so the caller sees them all at once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from dataconnect.domain import expiration
from dataconnect.domain.groups import Group, GroupState, activation_problems, membership_problems
from dataconnect.domain.job_settings import parse_export_settings, parse_import_settings
from dataconnect.domain.jobs import Job, JobKind, JobState, JobType, RunMode
from dataconnect.domain.names import description_problem, job_name_problem
from dataconnect.domain.notify import Notification, parse_notification
from dataconnect.domain.schedules import Schedule, parse_schedule
from dataconnect.domain.tables import FieldSpec, TableDef, TableSpec
from dataconnect.domain.text import text_problems
from dataconnect.errors import Problem, collect

JOB_KEYS = {
    "name",
    "description",
    "type",
    "kind",
    "run_mode",
    "schedule",
    "expires_at",
    "import",
    "export",
    "notification",
    "activate",
}
GROUP_KEYS = {
    "name",
    "description",
    "job_ids",
    "notification",
    "schedule",
    "expires_at",
    "activate",
}


def _unknown(data: Mapping[str, Any], allowed: set[str]) -> list[Problem]:
    return [
        Problem(str(k)[:60], "UNKNOWN_FIELD", f"{str(k)[:60]} is not a known field")
        for k in data
        if k not in allowed
    ]


def _distinct(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if (p.field, p.code) not in seen:
            seen.add((p.field, p.code))
            out.append(p)
    return out


def _enum(value: Any, enum: Any, field: str, code: str, problems: list[Problem]) -> Any:
    try:
        return enum(value)
    except ValueError:
        problems.append(
            Problem(field, code, f"{field} is one of " + ", ".join(e.value for e in enum))
        )
        return None


def job_from_request(
    data: Mapping[str, Any],
    *,
    account_id: int,
    account_zone: str,
    tables: Mapping[str, TableDef],
    now: datetime,
    existing: Job | None = None,
    public_keys: Collection[str] = (),
    connections: Collection[str] = (),
) -> Job:
    """A new job (``existing`` is None) or the changed ``existing`` job; raises ValidationFailed.

    A change replaces top-level fields; inside ``import`` and ``export`` it replaces the keys
    given and keeps the others. ``public_keys`` and ``connections``: the names of the account's
    PGP public keys and outside connections, that export settings may name.
    """
    if not isinstance(data, Mapping):
        collect([Problem("body", "BODY_INVALID", "a JSON object is expected")])
    collect(text_problems(data))
    problems = _unknown(data, JOB_KEYS - ({"activate"} if existing else set()))
    merged: dict[str, Any] = {}
    if existing is not None:
        merged = {
            "name": existing.name,
            "description": existing.description,
            "type": existing.type.value,
            "kind": existing.kind.value,
            "run_mode": existing.run_mode.value,
            "schedule": existing.schedule.to_dict() if existing.schedule else None,
        }
        if existing.import_settings is not None:
            merged["import"] = existing.import_settings.to_dict()
        if existing.export_settings is not None:
            merged["export"] = existing.export_settings.to_dict()
    for key, value in data.items():
        if (
            key in ("import", "export")
            and isinstance(value, Mapping)
            and isinstance(merged.get(key), dict)
        ):
            merged[key] = {**merged[key], **value}
        elif key in ("import", "export") and value is None:
            merged.pop(key, None)
        else:
            merged[key] = value

    if existing is None and "name" not in data:
        problems.append(Problem("name", "NAME_EMPTY", "a name is required"))
    name_problem = job_name_problem(merged.get("name"))
    if name_problem and "name" in merged:
        problems.append(name_problem)
    desc_problem = description_problem(merged.get("description", ""))
    if desc_problem:
        problems.append(desc_problem)
    type_ = _enum(merged.get("type"), JobType, "type", "JOB_TYPE_INVALID", problems)
    kind = _enum(merged.get("kind", "standard"), JobKind, "kind", "JOB_KIND_INVALID", problems)
    run_mode = _enum(
        merged.get("run_mode", "on_demand"), RunMode, "run_mode", "RUN_MODE_INVALID", problems
    )

    schedule: Schedule | None = None
    if existing is not None and run_mode is RunMode.ON_DEMAND and "schedule" not in data:
        merged["schedule"] = None  # back to on demand: the old schedule goes
    raw_schedule = merged.get("schedule")
    if (
        existing is not None
        and "schedule" not in data
        and run_mode is RunMode.SCHEDULED
        and existing.schedule is not None
    ):
        # An unchanged schedule is not checked again: an old once slot must not block edits.
        schedule = existing.schedule
    elif run_mode is RunMode.SCHEDULED:
        if raw_schedule is None:
            problems.append(
                Problem("schedule", "SCHEDULE_REQUIRED", "a scheduled job needs a schedule")
            )
        else:
            schedule, schedule_problems = parse_schedule(
                raw_schedule, account_zone=account_zone, now=now
            )
            problems += schedule_problems
    elif raw_schedule is not None and run_mode is RunMode.ON_DEMAND:
        problems.append(
            Problem(
                "schedule",
                "SCHEDULE_NOT_ALLOWED",
                "an on-demand job has no schedule; set run_mode to scheduled",
            )
        )

    import_settings = export_settings = None
    if type_ is JobType.IMPORT:
        import_settings, more = parse_import_settings(merged.get("import"), tables)
        problems += more
        if merged.get("export") is not None:
            problems.append(
                Problem("export", "SETTINGS_NOT_ALLOWED", "an import job has no export settings")
            )
    elif type_ is JobType.EXPORT:
        export_settings, more = parse_export_settings(
            merged.get("export"), tables, public_keys=public_keys, connections=connections
        )
        problems += more
        if merged.get("import") is not None:
            problems.append(
                Problem("import", "SETTINGS_NOT_ALLOWED", "an export job has no import settings")
            )

    expires_at: datetime | None
    if "expires_at" in data:
        expires_at, problem = expiration.parse_expiry(
            data["expires_at"], now=now, zone=account_zone, allow_never=True
        )
        if problem:
            problems.append(problem)
    elif existing is not None:
        expires_at = existing.expires_at
    else:
        expires_at = expiration.default_expiry(now)

    notification = existing.notification if existing else Notification()
    if "notification" in data:
        notification, more = parse_notification(data["notification"])
        problems += more

    activate = data.get("activate", False) if existing is None else False
    if not isinstance(activate, bool):
        problems.append(Problem("activate", "BOOLEAN_EXPECTED", "activate is true or false"))
    collect(problems)

    state = existing.state if existing else (JobState.ACTIVE if activate else JobState.SAVED)
    fields: dict[str, Any] = {
        "name": merged["name"],
        "description": merged.get("description", ""),
        "type": type_,
        "kind": kind,
        "run_mode": run_mode,
        "state": state,
        "schedule": schedule,
        "expires_at": expires_at,
        "import_settings": import_settings,
        "export_settings": export_settings,
        "notification": notification,
        "updated_at": now,
    }
    if existing is not None:
        return replace(existing, **fields)
    return Job(id=0, account_id=account_id, created_at=now, group_id=None, **fields)


def group_from_request(
    data: Mapping[str, Any],
    *,
    account_id: int,
    account_zone: str,
    jobs: Mapping[int, Job],
    now: datetime,
    existing: Group | None = None,
) -> tuple[Group, bool]:
    """A new or changed group and whether the request asks to activate it.

    Save checks names, members and settings; an active group (or one being activated) must
    also pass every activation rule. Raises ValidationFailed with all problems.
    """
    if not isinstance(data, Mapping):
        collect([Problem("body", "BODY_INVALID", "a JSON object is expected")])
    collect(text_problems(data))
    problems = _unknown(data, GROUP_KEYS - ({"activate"} if existing else set()))
    group_id = existing.id if existing else None

    name = data.get("name", existing.name if existing else None)
    name_problem = job_name_problem(name)
    if name_problem:
        problems.append(name_problem)
    description = data.get("description", existing.description if existing else "")
    desc_problem = description_problem(description)
    if desc_problem:
        problems.append(desc_problem)

    raw_ids = data.get("job_ids", list(existing.job_ids) if existing else [])
    job_ids: list[int] = []
    if not isinstance(raw_ids, list):
        problems.append(Problem("job_ids", "JOB_IDS_INVALID", "job_ids is a list of job ids"))
    else:
        member_problems = membership_problems(raw_ids, jobs, group_id)
        problems += member_problems
        if not member_problems:
            job_ids = list(raw_ids)

    notification: Notification = existing.notification if existing else Notification()
    if "notification" in data or existing is None:
        notification, more = parse_notification(data.get("notification"))
        problems += more

    schedule: Schedule | None = existing.schedule if existing else None
    if "schedule" in data:
        schedule = None
        if data["schedule"] is not None:
            schedule, more = parse_schedule(data["schedule"], account_zone=account_zone, now=now)
            problems += more

    expires_at = existing.expires_at if existing else expiration.default_expiry(now)
    if "expires_at" in data:
        parsed, problem = expiration.parse_expiry(
            data["expires_at"], now=now, zone=account_zone, allow_never=False
        )
        if problem:
            problems.append(problem)
        elif parsed is not None:
            expires_at = parsed

    activate = data.get("activate", False) if existing is None else False
    if not isinstance(activate, bool):
        problems.append(Problem("activate", "BOOLEAN_EXPECTED", "activate is true or false"))
        activate = False
    state = existing.state if existing else GroupState.SAVED
    if activate or state is GroupState.ACTIVE:
        # Everything at once: qualification is checked even when other fields are wrong.
        known = [j for j in raw_ids if isinstance(j, int)] if isinstance(raw_ids, list) else []
        problems += activation_problems(known, jobs, group_id)
    collect(_distinct(problems))

    assert isinstance(name, str) and isinstance(description, str)
    fields: dict[str, Any] = {
        "name": name,
        "description": description,
        "job_ids": tuple(job_ids),
        "notification": notification,
        "schedule": schedule,
        "expires_at": expires_at,
        "state": GroupState.ACTIVE if activate else state,
        "updated_at": now,
    }
    if existing is not None:
        return replace(existing, **fields), activate
    return Group(id=0, account_id=account_id, created_at=now, **fields), activate


def activation_check(
    group: Group, jobs: Mapping[int, Job], account_zone: str, now: datetime
) -> None:
    """Activate: every rule at once (qualification, size, schedule, expiry)."""
    problems = activation_problems(group.job_ids, jobs, group.id)
    if expiration.is_expired(group.expires_at, now):
        problems.append(Problem("expires_at", "GROUP_EXPIRED", "the group has expired"))
    if group.schedule is not None:
        _, more = parse_schedule(group.schedule.to_dict(), account_zone=account_zone, now=now)
        problems += more
    collect(problems)


TABLE_KEYS = {"name", "kind", "list", "fields", "primary_key"}


def table_spec_from_request(data: Mapping[str, Any]) -> TableSpec:
    """A table request checked for shape; ``tables.build_table`` then checks every rule."""
    if not isinstance(data, Mapping):
        collect([Problem("body", "BODY_INVALID", "a JSON object is expected")])
    collect(text_problems(data))
    problems = [
        Problem(str(k)[:60], "UNKNOWN_FIELD", f"{str(k)[:60]} is not a known field")
        for k in data
        if k not in TABLE_KEYS
    ]
    raw_fields = data.get("fields", [])
    if not isinstance(raw_fields, list) or not all(isinstance(f, Mapping) for f in raw_fields):
        problems.append(
            Problem("fields", "FIELDS_INVALID", "fields is a list of {name, type, length?}")
        )
        raw_fields = []
    for i, f in enumerate(raw_fields):
        for k in f:
            if k not in ("name", "type", "length"):
                problems.append(
                    Problem(f"fields[{i}].{str(k)[:60]}", "UNKNOWN_FIELD", "not a field setting")
                )
    primary_key = data.get("primary_key") or []
    if not isinstance(primary_key, list):
        problems.append(Problem("primary_key", "PRIMARY_KEY_INVALID", "a list of field names"))
        primary_key = []
    collect(problems)
    return TableSpec(
        name=data.get("name"),
        kind=data.get("kind"),
        fields=[
            FieldSpec(name=f.get("name"), type=f.get("type"), length=f.get("length"))
            for f in raw_fields
        ],
        list_name=data.get("list"),
        primary_key=list(primary_key),
    )
