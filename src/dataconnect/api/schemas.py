"""Request and response shapes for the OpenAPI document.

Models here check JSON types and refuse unknown fields; every value rule (names, lengths,
tables, qualification) lives in the domain, so its error codes are the same from every door.
"""

from __future__ import annotations

from types import GenericAlias
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from dataconnect.domain import plain
from dataconnect.domain.formats import FileFormat
from dataconnect.domain.job_settings import (
    ExportSettings,
    ImportSettings,
    MatchRule,
    PermissionRule,
)


class Strict(BaseModel):
    # strict: JSON true is not the id 1, and "yes" is not true
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


class FieldIn(Strict):
    name: str
    type: Literal["text", "integer", "number", "date", "timestamp", "boolean"] | str
    length: int | None = None


class TableCreate(Strict):
    name: str
    kind: Literal["profile_list", "pet", "supplemental"] | str
    list_: str | None = Field(None, alias="list", description="the profile list of a PET")
    fields: list[FieldIn] = Field(default_factory=list)
    primary_key: list[str] | None = None


# --- job settings: made from the domain's records, which are their one definition ---------

_MODEL_NAMES: dict[type, str] = {
    ImportSettings: "ImportIn",
    ExportSettings: "ExportIn",
    FileFormat: "FormatIn",
    MatchRule: "MatchIn",
    PermissionRule: "PermissionIn",
}  # any other record: its class name + "In"
_SETTINGS_MODELS: dict[type, type[Strict]] = {}


def settings_model(record: type) -> type[Strict]:
    """The request model of a settings record: every key of the record, each optional and
    nullable (the domain fills in defaults and reports what is missing with its own codes);
    a choice is one of the enum's values "or any string", so the domain reports a wrong one
    too. The descriptions are the fields' ``doc``."""
    model = _SETTINGS_MODELS.get(record)
    if model is None:
        fields: dict[str, Any] = {
            s.name: (_json_type(s.shape) | None, Field(None, description=s.doc or None))
            for s in plain.settings_of(record)
        }
        model = create_model(
            _MODEL_NAMES.get(record, f"{record.__name__}In"),
            __base__=Strict,
            __module__=__name__,
            __doc__=record.__doc__,
            **fields,
        )
        _SETTINGS_MODELS[record] = model
    return model


def _json_type(shape: plain.Shape) -> Any:
    if isinstance(shape, plain.Nullable):
        return _json_type(shape.inner) | None
    if isinstance(shape, plain.Choice):
        return Literal[tuple(e.value for e in shape.enum)] | str
    if isinstance(shape, plain.ListOf):
        return GenericAlias(list, (_json_type(shape.item),))
    if isinstance(shape, plain.PairsOf):
        return GenericAlias(dict, (_json_type(shape.key), _json_type(shape.value)))
    if isinstance(shape, plain.RecordOf):
        return settings_model(shape.record)
    return shape.kind


if TYPE_CHECKING:  # for mypy a strict model; at run time the fields come from the records
    ImportIn = Strict
    ExportIn = Strict
else:
    ImportIn = settings_model(ImportSettings)
    ExportIn = settings_model(ExportSettings)


class ScheduleIn(Strict):
    kind: Literal["once", "daily", "weekly", "monthly"] | str
    hour: int | None = None
    slot: int | None = Field(None, description="0-3: minutes 0-14, 15-29, 30-44, 45-59")
    date: str | None = None
    weekdays: list[str] | None = None
    day: int | Literal["last"] | None = None
    timezone: str | None = None


class NotificationIn(Strict):
    when: Literal["success_or_failure", "failure", "none"] | str | None = None
    emails: list[str] | None = None


class JobFields(Strict):
    description: str | None = None
    type: Literal["import", "export"] | str | None = None
    kind: Literal["standard", "partner_integration"] | str | None = None
    run_mode: Literal["on_demand", "scheduled"] | str | None = None
    schedule: ScheduleIn | None = None
    expires_at: str | None = Field(None, description='ISO date or time, or "never"')
    import_: ImportIn | None = Field(None, alias="import")
    export: ExportIn | None = None
    notification: NotificationIn | None = Field(
        None, description="emails about the job's own runs (a group's steps: the group's)"
    )


class JobCreate(JobFields):
    name: str
    type: Literal["import", "export"] | str
    activate: bool = False


class JobUpdate(JobFields):
    name: str | None = None


class GroupFields(Strict):
    description: str | None = None
    job_ids: list[int] | None = Field(None, description="member jobs in run order")
    notification: NotificationIn | None = None
    schedule: ScheduleIn | None = None
    expires_at: str | None = None


class GroupCreate(GroupFields):
    name: str
    activate: bool = False


class GroupUpdate(GroupFields):
    name: str | None = None


def body(model: BaseModel) -> dict[str, Any]:
    """What the client sent, with JSON names, and nothing it left out."""
    return model.model_dump(by_alias=True, exclude_unset=True)


# --- responses -----------------------------------------------------------------------------


class SftpPublic(BaseModel):
    host: str
    port: int
    username: str
    host_key_fingerprints: list[str]


class AccountPublic(BaseModel):
    id: int
    name: str
    timezone: str
    created_at: str
    sftp_username: str
    sftp: SftpPublic | None = None


class ConnectionCreate(Strict):
    name: str = Field(description="a label: 1 to 100 characters, unique in the account")
    kind: str = Field(default="sftp", description="the only kind: sftp")
    host: str = Field(description="the remote server's host name or IP address")
    port: int = Field(default=22, description="its SSH port, 1 to 65535")
    username: str = Field(description="the user to log in as")
    auth: str = Field(
        description="password, or key: DataConnect generates a key pair and answers its public "
        "key, to install on the remote server"
    )
    password: str | None = Field(
        default=None, description="auth password: the password (write-only, never answered)"
    )


class ConnectionUpdate(Strict):
    name: str | None = Field(default=None, description="a new label")
    host: str | None = Field(default=None, description="a new host (unpins the host key)")
    port: int | None = Field(default=None, description="a new port (unpins the host key)")
    username: str | None = Field(default=None, description="a new user")
    auth: str | None = Field(default=None, description="password or key")
    password: str | None = Field(default=None, description="a new password (write-only)")


class ConnectionPublic(BaseModel):
    id: int
    name: str
    kind: str
    host: str
    port: int
    username: str
    auth: str
    public_key: str | None = Field(description="auth key: install it on the remote server")
    host_key_fingerprint: str | None = Field(
        description="the remote host key pinned at the first good test (SHA256:…)"
    )
    created_at: str
    updated_at: str


class ConnectionList(BaseModel):
    items: list[ConnectionPublic]


class SshKeyCreate(Strict):
    name: str = Field(description="a label: 1 to 100 characters")
    public_key: str = Field(description="one OpenSSH public key line (the .pub file)")


class SshKeyPublic(BaseModel):
    id: int
    name: str
    type: str
    bits: int
    fingerprint: str
    public_key: str
    created_at: str
    created_by: str
    last_used_at: str | None


class SshKeyList(BaseModel):
    items: list[SshKeyPublic]


class FieldPublic(BaseModel):
    name: str
    type: str
    length: int | None
    system: bool


class TablePublic(BaseModel):
    id: int
    name: str
    kind: str
    list_: str | None = Field(alias="list", serialization_alias="list")
    fields: list[FieldPublic]
    primary_key: list[str]
    row_count: int


class TableList(BaseModel):
    items: list[TablePublic]


class RowPage(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None


class JobPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    name: str
    description: str
    type: str
    kind: str
    run_mode: str
    state: str
    schedule: dict[str, Any] | None
    expires_at: str
    group_id: int | None
    import_: dict[str, Any] | None = Field(alias="import", serialization_alias="import")
    export: dict[str, Any] | None
    notification: dict[str, Any]
    created_at: str
    updated_at: str


class JobPage(BaseModel):
    items: list[JobPublic]
    next_cursor: str | None


class GroupMember(BaseModel):
    position: int
    job_id: int
    job_name: str | None


class GroupPublic(BaseModel):
    id: int
    name: str
    description: str
    state: str
    job_ids: list[int]
    jobs: list[GroupMember]
    notification: dict[str, Any]
    schedule: dict[str, Any] | None
    schedule_type: str
    next_run_at: str | None
    last_run: dict[str, Any] | None
    expires_at: str
    created_at: str
    updated_at: str


class GroupPage(BaseModel):
    items: list[GroupPublic]
    next_cursor: str | None


class JobRunPublic(BaseModel):
    id: int
    job_id: int
    job_name: str
    group_run_id: int | None
    state: str
    trigger: str
    requested_by: str
    records_processed: int
    records_added: int
    records_updated: int
    records_rejected: int
    duration_seconds: float | None
    error_code: str | None
    error_message: str | None
    file_name: str | None
    rejects_file: str | None
    output_files: list[str] = Field(
        default_factory=list, description="an export's files: folder/name (download/…)"
    )
    created_at: str
    started_at: str | None
    ended_at: str | None
    position: int | None = None
    attempt: int = 1
    stopped_by: str | None = None
    history: list[dict[str, Any]] | None = None


class JobRunPage(BaseModel):
    items: list[JobRunPublic]
    next_cursor: str | None


class StepPublic(BaseModel):
    position: int
    job_id: int
    job_name: str
    state: str
    job_run_id: int | None
    records_processed: int
    records_added: int
    records_updated: int
    records_rejected: int
    error_code: str | None
    error: str | None
    rejects_file: str | None
    started_at: str | None
    ended_at: str | None
    attempt: int


class GroupRunPublic(BaseModel):
    id: int
    group_id: int
    group_name: str
    state: str
    trigger: str
    requested_by: str
    stop_requested_at: str | None
    stopped_by: str | None
    error_code: str | None
    error_message: str | None
    created_at: str
    started_at: str | None
    ended_at: str | None
    duration_seconds: float | None
    steps: list[StepPublic]
    notification: dict[str, Any] | None = None  # the run's email: status, to, attempts, …
    history: list[dict[str, Any]] | None = None


class GroupRunPage(BaseModel):
    items: list[GroupRunPublic]
    next_cursor: str | None


class OccurrencePublic(BaseModel):
    id: int
    nominal_at: str
    fire_at: str
    state: str
    group_run_id: int | None
    job_run_id: int | None
    decided_at: str | None


class OccurrencePage(BaseModel):
    items: list[OccurrencePublic]
