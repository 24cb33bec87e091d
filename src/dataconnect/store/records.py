"""Rows ↔ domain records, at the store's edge only."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import RowMapping

from dataconnect.domain.accounts import Account, Role, User
from dataconnect.domain.groups import Group, GroupState
from dataconnect.domain.job_settings import ExportSettings, ImportSettings
from dataconnect.domain.jobs import Job, JobKind, JobState, JobType, RunMode
from dataconnect.domain.notify import Notification, NotifyWhen
from dataconnect.domain.schedules import Schedule, ScheduleKind
from dataconnect.domain.tables import FieldDef, FieldType, TableDef, TableKind


def account(row: RowMapping) -> Account:
    return Account(
        id=row["id"],
        name=row["name"],
        timezone=row["timezone"],
        created_at=row["created_at"],
        sftp_username=row["sftp_username"],
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


def settings_to_json(
    job_import: ImportSettings | None, job_export: ExportSettings | None
) -> dict[str, Any]:
    """The settings column: the domain's to_dict, read back by from_stored in ``job``."""
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
        # from_stored trusts what settings_to_json wrote: the table checks are not run again
        import_settings=None if imp is None else ImportSettings.from_stored(imp),
        export_settings=None if exp is None else ExportSettings.from_stored(exp),
        notification=notification(row["notification"]),
    )


def notification(data: dict[str, Any] | None) -> Notification:
    """A stored notification setting; none stored (jobs saved before they had one): no emails."""
    if data is None:
        return Notification()
    return Notification(when=NotifyWhen(data["when"]), emails=tuple(data["emails"]))


def group(row: RowMapping, job_ids: tuple[int, ...]) -> Group:
    return Group(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        description=row["description"],
        job_ids=job_ids,
        notification=notification(row["notification"]),
        schedule=schedule(row["schedule"]),
        state=GroupState(row["state"]),
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
