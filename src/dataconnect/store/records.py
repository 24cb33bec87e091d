"""Rows ↔ domain records, at the store's edge only."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import RowMapping

from dataconnect.domain.accounts import Account, Role, User
from dataconnect.domain.formats import FileFormat
from dataconnect.domain.groups import Group, GroupState, Notification, NotifyWhen
from dataconnect.domain.job_settings import (
    ExportSettings,
    ImportSettings,
    MatchRule,
    PermissionDefault,
    PermissionRule,
    SupplementalMode,
    UpdateOnMatch,
)
from dataconnect.domain.jobs import Job, JobKind, JobState, JobType, RunMode
from dataconnect.domain.schedules import Schedule, ScheduleKind
from dataconnect.domain.tables import FieldDef, FieldType, TableDef, TableKind


def account(row: RowMapping) -> Account:
    return Account(
        id=row["id"], name=row["name"], timezone=row["timezone"], created_at=row["created_at"]
    )


def user(row: RowMapping) -> User:
    return User(
        id=row["id"], account_id=row["account_id"], email=row["email"], role=Role(row["role"])
    )


def table_definition(table: TableDef) -> dict[str, Any]:
    return {
        "fields": [
            {
                "name": f.name,
                "type": f.type.value,
                "length": f.length,
                "system": f.system,
                "maintained": f.maintained,
            }
            for f in table.fields
        ],
        "primary_key": list(table.primary_key),
    }


def table(row: RowMapping) -> TableDef:
    definition = row["definition"]
    return TableDef(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        kind=TableKind(row["kind"]),
        list_name=row["list_name"],
        fields=tuple(
            FieldDef(
                name=f["name"],
                type=FieldType(f["type"]),
                length=f["length"],
                system=f["system"],
                maintained=f["maintained"],
            )
            for f in definition["fields"]
        ),
        primary_key=tuple(definition["primary_key"]),
    )


def schedule_to_json(schedule: Schedule | None) -> dict[str, object] | None:
    return schedule.to_dict() if schedule is not None else None


def schedule(data: dict[str, Any] | None) -> Schedule | None:
    if data is None:
        return None
    return Schedule(
        kind=ScheduleKind(data["kind"]),
        hour=data["hour"],
        slot=data["slot"],
        date=date.fromisoformat(data["date"]) if data.get("date") else None,
        weekdays=tuple(data.get("weekdays", ())),
        day=data.get("day"),
        timezone=data.get("timezone"),
    )


def _format(data: dict[str, Any]) -> FileFormat:
    return FileFormat(
        delimiter=data["delimiter"],
        qualifier=data["qualifier"],
        header=data["header"],
        encoding=data["encoding"],
        date_format=data["date_format"],
    )


def settings_to_json(
    job_import: ImportSettings | None, job_export: ExportSettings | None
) -> dict[str, Any]:
    if job_import is not None:
        return {"import": job_import.to_dict()}
    assert job_export is not None
    return {"export": job_export.to_dict()}


def job(row: RowMapping, group_id: int | None) -> Job:
    settings = row["settings"]
    imp = settings.get("import")
    exp = settings.get("export")
    return Job(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        description=row["description"],
        type=JobType(row["type"]),
        kind=JobKind(row["kind"]),
        run_mode=RunMode(row["run_mode"]),
        state=JobState(row["state"]),
        schedule=schedule(row["schedule"]),
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        group_id=group_id,
        import_settings=None
        if imp is None
        else ImportSettings(
            file_pattern=imp["file_pattern"],
            target=imp["target"],
            mapping=tuple((k, v) for k, v in imp["mapping"].items()),
            format=_format(imp["format"]),
            count_file=imp["count_file"],
            match=MatchRule(
                columns=tuple(imp["match"]["columns"]),
                insert_on_no_match=imp["match"]["insert_on_no_match"],
                update_on_match=UpdateOnMatch(imp["match"]["update_on_match"]),
            ),
            permission=PermissionRule(
                default=PermissionDefault(imp["permission"]["default"]),
                optin_value=imp["permission"]["optin_value"],
                optout_value=imp["permission"]["optout_value"],
            ),
            supplemental_mode=SupplementalMode(imp["supplemental_mode"]),
            max_reject_percent=imp["max_reject_percent"],
        ),
        export_settings=None
        if exp is None
        else ExportSettings(
            source=exp["source"],
            fields=tuple(exp["fields"]),
            file_pattern=exp["file_pattern"],
            format=_format(exp["format"]),
            changed_since_last_run=exp["changed_since_last_run"],
        ),
    )


def group(row: RowMapping, job_ids: tuple[int, ...]) -> Group:
    notification = row["notification"]
    return Group(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        description=row["description"],
        job_ids=job_ids,
        notification=Notification(
            when=NotifyWhen(notification["when"]), emails=tuple(notification["emails"])
        ),
        schedule=schedule(row["schedule"]),
        state=GroupState(row["state"]),
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
