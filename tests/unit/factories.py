"""Ready-made records for the pure domain tests: tables, jobs and groups built directly."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dataconnect.domain.groups import Group, GroupState
from dataconnect.domain.jobs import Job, JobKind, JobState, JobType, RunMode
from dataconnect.domain.notify import Notification, NotifyWhen
from dataconnect.domain.tables import FieldSpec, TableDef, TableSpec, build_table
from dataconnect.testing import contacts_table, import_job, pet_table, supplemental_table

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # 13:00 in Berlin
ZONE = "Europe/Berlin"


def table_spec(data: dict[str, Any]) -> TableSpec:
    """A ``TableSpec`` from the request shape of api.md (``list`` names a PET's profile list)."""
    return TableSpec(
        name=data.get("name"),
        kind=data.get("kind"),
        fields=[
            FieldSpec(name=f.get("name"), type=f.get("type"), length=f.get("length"))
            for f in data.get("fields", [])
        ],
        list_name=data.get("list"),
        primary_key=list(data.get("primary_key", [])),
    )


def build(data: dict[str, Any], existing_lists: set[str] | None = None) -> TableDef:
    return build_table(table_spec(data), existing_lists=existing_lists or set())


def contacts() -> TableDef:
    return build(contacts_table())


def purchases() -> TableDef:
    return build(pet_table(), existing_lists={"CONTACTS"})


def products() -> TableDef:
    """A supplemental table keyed by SKU."""
    return build(supplemental_table())


def stock() -> TableDef:
    """A supplemental table with a composite primary key (SKU, STORE)."""
    return build(supplemental_table("STOCK", primary_key=["SKU", "STORE"]))


def events() -> TableDef:
    """A supplemental table without a primary key."""
    return build(supplemental_table("EVENTS", primary_key=[]))


def tables() -> dict[str, TableDef]:
    """The account's tables by canonical name."""
    return {t.name: t for t in (contacts(), purchases(), products(), stock(), events())}


def import_settings(**changes: Any) -> dict[str, Any]:
    """The import settings of api.md (into CONTACTS); keyword arguments replace keys."""
    settings: dict[str, Any] = copy.deepcopy(import_job()["import"])
    settings.update(changes)
    return settings


def export_settings(**changes: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
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
    }
    settings.update(changes)
    return settings


def make_job(job_id: int = 1, **changes: Any) -> Job:
    """A qualified job: an active, on-demand, standard import in no group."""
    job = Job(
        id=job_id,
        account_id=1,
        name=f"Job {job_id}",
        description="",
        type=JobType.IMPORT,
        kind=JobKind.STANDARD,
        run_mode=RunMode.ON_DEMAND,
        state=JobState.ACTIVE,
        schedule=None,
        expires_at=None,
        import_settings=None,
        export_settings=None,
        created_at=NOW,
        updated_at=NOW,
        group_id=None,
    )
    return replace(job, **changes)


def jobs_by_id(*jobs: Job) -> dict[int, Job]:
    return {j.id: j for j in jobs}


def make_group(group_id: int = 7, job_ids: tuple[int, ...] = (1, 2), **changes: Any) -> Group:
    group = Group(
        id=group_id,
        account_id=1,
        name="Nightly",
        description="",
        job_ids=job_ids,
        notification=Notification(when=NotifyWhen.FAILURE, emails=("ops@example.com",)),
        schedule=None,
        state=GroupState.ACTIVE,
        expires_at=NOW + timedelta(days=30),
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(group, **changes)


def codes(problems: list[Any]) -> list[str]:
    return [p.code for p in problems]
