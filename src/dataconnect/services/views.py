"""The public shape of each record: one rendering shared by the API and the CLI's --json."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dataconnect.domain.accounts import Account, User
from dataconnect.domain.connections import Connection
from dataconnect.domain.groups import Group
from dataconnect.domain.jobs import Job
from dataconnect.domain.runs import GroupRun, JobRun, RunEvent, RunSummary
from dataconnect.domain.ssh_keys import SshKey
from dataconnect.domain.tables import TableDef
from dataconnect.services.sftp_access import SftpEndpoint


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def account_view(account: Account, sftp: SftpEndpoint | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": account.id,
        "name": account.name,
        "timezone": account.timezone,
        "created_at": iso(account.created_at),
        "sftp_username": account.sftp_username,
    }
    if sftp is not None:
        view["sftp"] = {
            "host": sftp.host,
            "port": sftp.port,
            "username": sftp.username,
            "host_key_fingerprints": sftp.host_key_fingerprints,
        }
    return view


def connection_view(connection: Connection) -> dict[str, Any]:
    """Never the secret: a password or private key is write-only."""
    return {
        "id": connection.id,
        "name": connection.name,
        "kind": connection.kind,
        "host": connection.host,
        "port": connection.port,
        "username": connection.username,
        "auth": connection.auth.value,
        "public_key": connection.public_key,
        "host_key_fingerprint": connection.host_key_fingerprint,
        "created_at": iso(connection.created_at),
        "updated_at": iso(connection.updated_at),
    }


def ssh_key_view(key: SshKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "type": key.key_type,
        "bits": key.bits,
        "fingerprint": key.fingerprint,
        "public_key": key.public_key,
        "created_at": iso(key.created_at),
        "created_by": key.created_by,
        "last_used_at": iso(key.last_used_at),
    }


def user_view(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "account_id": user.account_id,
        "email": user.email,
        "role": user.role.value,
    }


def table_view(table: TableDef, row_count: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": table.id,
        "name": table.name,
        "kind": table.kind.value,
        "list": table.list_name,
        "fields": [
            {"name": f.name, "type": f.type.value, "length": f.length, "system": f.system}
            for f in table.fields
        ],
        "primary_key": list(table.primary_key),
    }
    if row_count is not None:
        out["row_count"] = row_count
    return out


def job_view(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "name": job.name,
        "description": job.description,
        "type": job.type.value,
        "kind": job.kind.value,
        "run_mode": job.run_mode.value,
        "state": job.state.value,
        "schedule": job.schedule.to_dict() if job.schedule else None,
        "expires_at": iso(job.expires_at) if job.expires_at else "never",
        "group_id": job.group_id,
        "import": job.import_settings.to_dict() if job.import_settings else None,
        "export": job.export_settings.to_dict() if job.export_settings else None,
        "notification": job.notification.to_dict(),
        "created_at": iso(job.created_at),
        "updated_at": iso(job.updated_at),
    }


def event_view(event: RunEvent) -> dict[str, Any]:
    """One entry of a run's history."""
    return {
        "from": event.from_state,
        "to": event.to_state,
        "at": iso(event.at),
        "by": event.actor,
        "note": event.note,
    }


def summary_view(run: RunSummary) -> dict[str, Any]:
    return {
        "id": run.id,
        "state": run.state.value,
        "started_at": iso(run.started_at),
        "ended_at": iso(run.ended_at),
    }


def group_view(
    group: Group,
    jobs: dict[int, Job] | None = None,
    last_run: RunSummary | None = None,
    next_run_at: datetime | None = None,
) -> dict[str, Any]:
    jobs = jobs or {}
    return {
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "state": group.state.value,
        "job_ids": list(group.job_ids),
        "jobs": [
            {"position": i, "job_id": j, "job_name": jobs[j].name if j in jobs else None}
            for i, j in enumerate(group.job_ids)
        ],
        "notification": group.notification.to_dict(),
        "schedule": group.schedule.to_dict() if group.schedule else None,
        "schedule_type": group.schedule.kind.value if group.schedule else "on_demand",
        "next_run_at": iso(next_run_at),  # the drawn minute of the next planned occurrence
        "last_run": None if last_run is None else summary_view(last_run),
        "expires_at": iso(group.expires_at),
        "created_at": iso(group.created_at),
        "updated_at": iso(group.updated_at),
    }


def job_run_view(run: JobRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "job_id": run.job_id,
        "job_name": run.job_name,
        "group_run_id": run.group_run_id,
        "state": run.state.value,
        "trigger": run.trigger.value,
        "requested_by": run.requested_by,
        "records_processed": run.records_processed,
        "records_added": run.records_added,
        "records_updated": run.records_updated,
        "records_rejected": run.records_rejected,
        "duration_seconds": run.duration_seconds,
        "error_code": run.error_code,
        "error_message": run.error_message,
        "file_name": run.file_name,
        "rejects_file": run.rejects_file,
        "output_files": list(run.output_files),
        "created_at": iso(run.created_at),
        "started_at": iso(run.started_at),
        "ended_at": iso(run.ended_at),
        "position": run.position,
        "attempt": run.attempt,
        "stopped_by": run.stopped_by,
    }


def group_run_view(
    run: GroupRun, details: dict[int, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A group run with its steps; ``details`` adds each step's job run counts."""
    details = details or {}
    empty = {
        "records_processed": 0,
        "records_added": 0,
        "records_updated": 0,
        "records_rejected": 0,
        "error_code": None,
        "error": None,
        "rejects_file": None,
        "started_at": None,
        "ended_at": None,
        "attempt": 0,
    }
    return {
        "id": run.id,
        "group_id": run.group_id,
        "group_name": run.group_name,
        "state": run.state.value,
        "trigger": run.trigger.value,
        "requested_by": run.requested_by,
        "stop_requested_at": iso(run.stop_requested_at),
        "stopped_by": run.stopped_by,
        "error_code": run.error_code,
        "error_message": run.error_message,
        "created_at": iso(run.created_at),
        "started_at": iso(run.started_at),
        "ended_at": iso(run.ended_at),
        "duration_seconds": None
        if run.started_at is None or run.ended_at is None
        else (run.ended_at - run.started_at).total_seconds(),
        "steps": [
            {
                "position": step.position,
                "job_id": step.job_id,
                "job_name": step.job_name,
                "state": step.state.value,
                "job_run_id": step.job_run_id,
                **(details.get(step.job_run_id, empty) if step.job_run_id else empty),
            }
            for step in run.steps
        ],
    }
