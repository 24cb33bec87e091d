"""Jobs: import and export settings, checked against the account's tables, and job states."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from dataconnect.domain.formats import FileFormat, file_pattern_problem, parse_format
from dataconnect.domain.names import canonical_field_name
from dataconnect.domain.schedules import Schedule
from dataconnect.domain.tables import HASH_KEYS, LIST_MATCH_KEYS, TableDef, TableKind
from dataconnect.errors import Conflict, Problem

MAPPING_MAX = 500
COLUMN_NAME_MAX = 255
PERMISSION_VALUE_MAX = 50


class JobType(StrEnum):
    IMPORT = "import"
    EXPORT = "export"


class JobKind(StrEnum):
    STANDARD = "standard"
    PARTNER_INTEGRATION = "partner_integration"


class RunMode(StrEnum):
    ON_DEMAND = "on_demand"
    SCHEDULED = "scheduled"


class JobState(StrEnum):
    SAVED = "saved"
    ACTIVE = "active"
    INACTIVE = "inactive"


class UpdateOnMatch(StrEnum):
    REPLACE_ALL = "replace_all"
    NO_UPDATE = "no_update"


class SupplementalMode(StrEnum):
    MERGE = "merge"
    APPEND = "append"
    REPLACE = "replace"


class PermissionDefault(StrEnum):
    OPTIN = "OPTIN"
    OPTOUT = "OPTOUT"


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchRule:
    columns: tuple[str, ...] = ()
    insert_on_no_match: bool = True
    update_on_match: UpdateOnMatch = UpdateOnMatch.REPLACE_ALL


@dataclass(frozen=True, slots=True, kw_only=True)
class PermissionRule:
    default: PermissionDefault = PermissionDefault.OPTOUT
    optin_value: str = "I"
    optout_value: str = "O"


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportSettings:
    file_pattern: str
    target: str
    mapping: tuple[tuple[str, str | None], ...]  # file column → field, or None to ignore
    format: FileFormat = field(default_factory=FileFormat)
    count_file: bool = False
    match: MatchRule = field(default_factory=MatchRule)
    permission: PermissionRule = field(default_factory=PermissionRule)
    supplemental_mode: SupplementalMode = SupplementalMode.MERGE
    max_reject_percent: float = 100.0

    def to_dict(self) -> dict[str, object]:
        return {
            "file_pattern": self.file_pattern,
            "format": self.format.to_dict(),
            "count_file": self.count_file,
            "target": self.target,
            "mapping": dict(self.mapping),
            "match": {
                "columns": list(self.match.columns),
                "insert_on_no_match": self.match.insert_on_no_match,
                "update_on_match": self.match.update_on_match.value,
            },
            "permission": {
                "default": self.permission.default.value,
                "optin_value": self.permission.optin_value,
                "optout_value": self.permission.optout_value,
            },
            "supplemental_mode": self.supplemental_mode.value,
            "max_reject_percent": self.max_reject_percent,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportSettings:
    source: str
    fields: tuple[str, ...]
    file_pattern: str
    format: FileFormat = field(default_factory=FileFormat)
    changed_since_last_run: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "fields": list(self.fields),
            "file_pattern": self.file_pattern,
            "format": self.format.to_dict(),
            "changed_since_last_run": self.changed_since_last_run,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    id: int
    account_id: int
    name: str
    description: str
    type: JobType
    kind: JobKind
    run_mode: RunMode
    state: JobState
    schedule: Schedule | None
    expires_at: datetime | None  # None: never
    import_settings: ImportSettings | None
    export_settings: ExportSettings | None
    created_at: datetime
    updated_at: datetime
    group_id: int | None = None  # the group this job belongs to, if any

    @property
    def target_table(self) -> str | None:
        if self.import_settings is not None:
            return self.import_settings.target
        if self.export_settings is not None:
            return self.export_settings.source
        return None


# --- parsing and checking ------------------------------------------------------------------

_IMPORT_KEYS = {
    "file_pattern",
    "format",
    "count_file",
    "target",
    "mapping",
    "match",
    "permission",
    "supplemental_mode",
    "max_reject_percent",
}
_EXPORT_KEYS = {"source", "fields", "file_pattern", "format", "changed_since_last_run"}
_MATCH_KEYS = {"columns", "insert_on_no_match", "update_on_match"}
_PERMISSION_KEYS = {"default", "optin_value", "optout_value"}


def _unknown(data: Mapping[str, object], allowed: set[str], where: str) -> list[Problem]:
    return [
        Problem(f"{where}.{k}", "UNKNOWN_FIELD", f"{k} is not a known setting")
        for k in sorted(set(map(str, data)) - allowed)
    ]


def _bool(
    data: Mapping[str, object], key: str, default: bool, where: str, problems: list[Problem]
) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        problems.append(Problem(f"{where}.{key}", "BOOLEAN_EXPECTED", f"{key} is true or false"))
        return default
    return value


def parse_import_settings(
    data: object, tables: Mapping[str, TableDef], where: str = "import"
) -> tuple[ImportSettings | None, list[Problem]]:
    """Check import settings against the account's tables (by canonical name)."""
    if not isinstance(data, Mapping):
        return None, [
            Problem(where, "IMPORT_SETTINGS_REQUIRED", "an import job needs import settings")
        ]
    problems = _unknown(data, _IMPORT_KEYS, where)
    pattern_problem = file_pattern_problem(data.get("file_pattern"), f"{where}.file_pattern")
    if pattern_problem:
        problems.append(pattern_problem)
    fmt, fmt_problems = parse_format(data.get("format"), f"{where}.format")
    problems += fmt_problems
    count_file = _bool(data, "count_file", False, where, problems)

    target_name = data.get("target")
    table: TableDef | None = None
    if not isinstance(target_name, str) or not target_name:
        problems.append(
            Problem(f"{where}.target", "TARGET_REQUIRED", "name the table to import into")
        )
    else:
        table = tables.get(canonical_field_name(target_name))
        if table is None:
            problems.append(
                Problem(
                    f"{where}.target", "TARGET_NOT_FOUND", f"no table named {target_name[:100]}"
                )
            )
    parent = tables.get(table.list_name) if table is not None and table.list_name else None

    mapping = _parse_mapping(
        data.get("mapping"), table, parent, fmt.header, f"{where}.mapping", problems
    )
    mapped = {f for _, f in mapping if f is not None}

    match_rule = _parse_match(data.get("match"), table, mapped, f"{where}.match", problems)
    if "RIID_" in mapped and "RIID_" not in match_rule.columns:
        problems.append(
            Problem(
                f"{where}.mapping",
                "FIELD_NOT_WRITABLE",
                "RIID_ is assigned by DataConnect; map it only to match on it",
            )
        )
    permission = _parse_permission(data.get("permission"), f"{where}.permission", problems)

    mode = SupplementalMode.MERGE
    raw_mode = data.get("supplemental_mode", "merge")
    try:
        mode = SupplementalMode(raw_mode)
    except ValueError:
        problems.append(
            Problem(
                f"{where}.supplemental_mode",
                "SUPPLEMENTAL_MODE_INVALID",
                "merge, append or replace",
            )
        )
    if table is not None and table.kind is TableKind.SUPPLEMENTAL:
        if mode is SupplementalMode.MERGE and not table.primary_key:
            problems.append(
                Problem(
                    f"{where}.supplemental_mode",
                    "SUPPLEMENTAL_MERGE_NEEDS_PRIMARY_KEY",
                    f"{table.name} has no primary key; use append or replace",
                )
            )
        for key in table.primary_key:
            if key not in mapped:
                problems.append(
                    Problem(
                        f"{where}.mapping",
                        "PRIMARY_KEY_NOT_MAPPED",
                        f"every primary-key field is needed; {key} is not mapped",
                    )
                )

    raw_pct = data.get("max_reject_percent", 100)
    pct = 100.0
    if isinstance(raw_pct, bool) or not isinstance(raw_pct, int | float) or not 0 <= raw_pct <= 100:
        problems.append(
            Problem(
                f"{where}.max_reject_percent",
                "MAX_REJECT_PERCENT_INVALID",
                "a number from 0 to 100",
            )
        )
    else:
        pct = float(raw_pct)

    if problems:
        return None, problems
    assert table is not None and isinstance(data.get("file_pattern"), str)
    return (
        ImportSettings(
            file_pattern=str(data["file_pattern"]),
            target=table.name,
            mapping=tuple(mapping),
            format=fmt,
            count_file=count_file,
            match=match_rule,
            permission=permission,
            supplemental_mode=mode,
            max_reject_percent=pct,
        ),
        [],
    )


def mappable_fields(table: TableDef, parent: TableDef | None) -> dict[str, bool]:
    """Fields a file column may feed → whether the field is a list match key borrowed by a PET."""
    out = {f.name: False for f in table.fields if not f.maintained}
    if table.kind in (TableKind.PROFILE_LIST, TableKind.PET):
        out["RIID_"] = False
    if table.kind is TableKind.PET:
        for key in LIST_MATCH_KEYS:
            out.setdefault(key, True)
    return out


def _parse_mapping(
    raw: object,
    table: TableDef | None,
    parent: TableDef | None,
    header: bool,
    where: str,
    problems: list[Problem],
) -> list[tuple[str, str | None]]:
    if not isinstance(raw, Mapping) or not raw:
        problems.append(
            Problem(where, "MAPPING_REQUIRED", "map at least one file column to a field")
        )
        return []
    if len(raw) > MAPPING_MAX:
        problems.append(Problem(where, "MAPPING_TOO_LARGE", f"at most {MAPPING_MAX} columns"))
        return []
    allowed = mappable_fields(table, parent) if table is not None else None
    out: list[tuple[str, str | None]] = []
    used: dict[str, str] = {}
    for column, target in raw.items():
        at = f"{where}.{str(column)[:60]}"
        if not isinstance(column, str) or not column or len(column) > COLUMN_NAME_MAX:
            problems.append(
                Problem(at, "MAPPING_COLUMN_INVALID", "file column names are 1-255 characters")
            )
            continue
        if not header and not (column.isdigit() and 1 <= int(column) <= 10_000):
            problems.append(
                Problem(
                    at,
                    "MAPPING_COLUMN_INVALID",
                    "without a header row, columns are numbered from 1",
                )
            )
            continue
        if target is None:
            out.append((column, None))
            continue
        if not isinstance(target, str) or not target:
            problems.append(Problem(at, "MAPPING_FIELD_INVALID", "a field name or null to ignore"))
            continue
        canon = canonical_field_name(target)
        if allowed is not None and canon not in allowed:
            table_field = table.field(canon) if table is not None else None
            if table_field is not None and table_field.maintained:
                problems.append(
                    Problem(at, "FIELD_NOT_WRITABLE", f"{canon} is maintained by DataConnect")
                )
            else:
                problems.append(
                    Problem(
                        at, "MAPPED_FIELD_NOT_FOUND", f"{target[:60]} is not a field of the target"
                    )
                )
            continue
        if canon in used:
            problems.append(
                Problem(
                    at, "MAPPING_DUPLICATE_FIELD", f"{canon} is already fed by column {used[canon]}"
                )
            )
            continue
        used[canon] = column
        out.append((column, canon))
    if allowed is not None and out and all(f is None for _, f in out):
        problems.append(
            Problem(where, "MAPPING_REQUIRED", "map at least one file column to a field")
        )
    return out


def _parse_match(
    raw: object, table: TableDef | None, mapped: set[str], where: str, problems: list[Problem]
) -> MatchRule:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        problems.append(Problem(where, "MATCH_INVALID", "match is an object"))
        return MatchRule()
    problems += _unknown(raw, _MATCH_KEYS, where)
    insert = _bool(raw, "insert_on_no_match", True, where, problems)
    try:
        update = UpdateOnMatch(raw.get("update_on_match", "replace_all"))
    except ValueError:
        update = UpdateOnMatch.REPLACE_ALL
        problems.append(
            Problem(
                f"{where}.update_on_match", "UPDATE_ON_MATCH_INVALID", "replace_all or no_update"
            )
        )
    columns_raw = raw.get("columns", [])
    if not isinstance(columns_raw, list) or not all(isinstance(c, str) for c in columns_raw):
        problems.append(
            Problem(f"{where}.columns", "MATCH_COLUMNS_INVALID", "a list of field names")
        )
        return MatchRule(insert_on_no_match=insert, update_on_match=update)
    columns = [canonical_field_name(c) for c in columns_raw]
    rule = MatchRule(columns=tuple(columns), insert_on_no_match=insert, update_on_match=update)
    if table is None:
        return rule
    at = f"{where}.columns"
    if table.kind is TableKind.SUPPLEMENTAL:
        for c in columns:
            if c not in table.primary_key:
                problems.append(
                    Problem(
                        at,
                        "MATCH_COLUMN_NOT_ALLOWED",
                        f"supplemental tables match on their primary key, not {c}",
                    )
                )
        return rule
    if not columns:
        code = "PET_MATCH_KEY_REQUIRED" if table.kind is TableKind.PET else "MATCH_COLUMNS_REQUIRED"
        problems.append(
            Problem(at, code, "name one or two match columns: " + ", ".join(LIST_MATCH_KEYS))
        )
        return rule
    if len(columns) > 2 or len(set(columns)) != len(columns):
        problems.append(Problem(at, "MATCH_COLUMNS_INVALID", "one or two different match columns"))
        return rule
    for c in columns:
        if c not in LIST_MATCH_KEYS:
            problems.append(
                Problem(
                    at,
                    "MATCH_COLUMN_NOT_ALLOWED",
                    f"{c[:60]} cannot be matched on; use " + ", ".join(LIST_MATCH_KEYS),
                )
            )
        elif c not in mapped:
            problems.append(
                Problem(
                    at,
                    "MATCH_COLUMN_NOT_MAPPED",
                    f"{c} is a match column but no file column feeds it",
                )
            )
    hashes = [c for c in columns if c in HASH_KEYS]
    if len(hashes) == 2 or (hashes and "EMAIL_ADDRESS_" in columns):
        problems.append(
            Problem(
                at,
                "MATCH_COMBINATION_NOT_ALLOWED",
                "two hash keys, or an email address with a hash key, cannot be combined",
            )
        )
    if hashes and insert:
        problems.append(
            Problem(
                f"{where}.insert_on_no_match",
                "HASH_KEY_UPDATE_ONLY",
                "matching on a hash key can only update; set insert_on_no_match to false",
            )
        )
    if "RIID_" in columns and insert and table.kind is TableKind.PROFILE_LIST:
        problems.append(
            Problem(
                f"{where}.insert_on_no_match",
                "RIID_KEY_UPDATE_ONLY",
                "RIID_ is assigned by DataConnect; matching on it can only update",
            )
        )
    return rule


def _parse_permission(raw: object, where: str, problems: list[Problem]) -> PermissionRule:
    if raw is None:
        return PermissionRule()
    if not isinstance(raw, Mapping):
        problems.append(Problem(where, "PERMISSION_INVALID", "permission is an object"))
        return PermissionRule()
    problems += _unknown(raw, _PERMISSION_KEYS, where)
    try:
        default = PermissionDefault(raw.get("default", "OPTOUT"))
    except ValueError:
        default = PermissionDefault.OPTOUT
        problems.append(
            Problem(f"{where}.default", "PERMISSION_DEFAULT_INVALID", "OPTIN or OPTOUT")
        )
    values: list[str] = []
    for key, fallback in (("optin_value", "I"), ("optout_value", "O")):
        value = raw.get(key, fallback)
        if not isinstance(value, str) or not value or len(value) > PERMISSION_VALUE_MAX:
            problems.append(
                Problem(
                    f"{where}.{key}",
                    "PERMISSION_VALUE_INVALID",
                    f"1-{PERMISSION_VALUE_MAX} characters",
                )
            )
            value = fallback
        values.append(value)
    if values[0] == values[1]:
        problems.append(
            Problem(
                f"{where}.optout_value",
                "PERMISSION_VALUES_EQUAL",
                "opt-in and opt-out values must differ",
            )
        )
    return PermissionRule(default=default, optin_value=values[0], optout_value=values[1])


def parse_export_settings(
    data: object, tables: Mapping[str, TableDef], where: str = "export"
) -> tuple[ExportSettings | None, list[Problem]]:
    if not isinstance(data, Mapping):
        return None, [
            Problem(where, "EXPORT_SETTINGS_REQUIRED", "an export job needs export settings")
        ]
    problems = _unknown(data, _EXPORT_KEYS, where)
    source_name = data.get("source")
    table: TableDef | None = None
    if not isinstance(source_name, str) or not source_name:
        problems.append(Problem(f"{where}.source", "SOURCE_REQUIRED", "name the table to export"))
    else:
        table = tables.get(canonical_field_name(source_name))
        if table is None:
            problems.append(
                Problem(
                    f"{where}.source", "SOURCE_NOT_FOUND", f"no table named {source_name[:100]}"
                )
            )
    raw_fields = data.get("fields")
    fields: list[str] = []
    if not isinstance(raw_fields, list) or not raw_fields or len(raw_fields) > MAPPING_MAX:
        problems.append(
            Problem(f"{where}.fields", "EXPORT_FIELDS_REQUIRED", "a list of fields to export")
        )
    else:
        for i, name in enumerate(raw_fields):
            at = f"{where}.fields[{i}]"
            if not isinstance(name, str) or not name:
                problems.append(Problem(at, "EXPORT_FIELD_NOT_FOUND", "a field name"))
                continue
            canon = canonical_field_name(name)
            if table is not None and table.field(canon) is None:
                problems.append(
                    Problem(
                        at, "EXPORT_FIELD_NOT_FOUND", f"{name[:60]} is not a field of {table.name}"
                    )
                )
            elif canon in fields:
                problems.append(Problem(at, "EXPORT_FIELD_DUPLICATE", f"{canon} appears twice"))
            else:
                fields.append(canon)
    pattern_problem = file_pattern_problem(data.get("file_pattern"), f"{where}.file_pattern")
    if pattern_problem:
        problems.append(pattern_problem)
    fmt, fmt_problems = parse_format(data.get("format"), f"{where}.format")
    problems += fmt_problems
    changed = _bool(data, "changed_since_last_run", False, where, problems)
    if changed and table is not None and table.kind is not TableKind.PROFILE_LIST:
        problems.append(
            Problem(
                f"{where}.changed_since_last_run",
                "CHANGED_SINCE_NEEDS_PROFILE_LIST",
                "only a profile list keeps MODIFIED_DATE_ for changed-since exports",
            )
        )
    if problems:
        return None, problems
    assert table is not None
    return (
        ExportSettings(
            source=table.name,
            fields=tuple(fields),
            file_pattern=str(data["file_pattern"]),
            format=fmt,
            changed_since_last_run=changed,
        ),
        [],
    )


# --- state changes and group membership (Group rule 7) -------------------------------------


def activate(job: Job) -> JobState:
    if job.run_mode is RunMode.SCHEDULED and job.schedule is None:
        raise Conflict(f"job {job.name} has no schedule", code="SCHEDULE_REQUIRED")
    return JobState.ACTIVE


def deactivate(job: Job) -> JobState:
    if job.group_id is not None:
        raise Conflict(
            f"job {job.name} is in a group; remove it from the group first", code="JOB_IN_GROUP"
        )
    if job.state is not JobState.ACTIVE:
        raise Conflict(f"job {job.name} is not active", code="JOB_NOT_ACTIVE")
    return JobState.INACTIVE


def check_deletable(job: Job) -> None:
    if job.group_id is not None:
        raise Conflict(
            f"job {job.name} is in a group; remove it from the group or delete the group first",
            code="JOB_IN_GROUP",
        )


def membership_problems(before: Job, after: Job) -> list[Problem]:
    """What a change would break for a job that belongs to a group (Group rule 7)."""
    if before.group_id is None:
        return []
    problems: list[Problem] = []
    reason = f"job {before.name} is in a group"
    if after.type is JobType.EXPORT:
        problems.append(Problem("type", "JOB_IN_GROUP", f"{reason}; it cannot become an export"))
    if after.kind is JobKind.PARTNER_INTEGRATION:
        problems.append(
            Problem("kind", "JOB_IN_GROUP", f"{reason}; it cannot become a partner job")
        )
    if after.run_mode is RunMode.SCHEDULED:
        problems.append(Problem("run_mode", "JOB_IN_GROUP", f"{reason}; it cannot be scheduled"))
    if before.state is JobState.ACTIVE and after.state is not JobState.ACTIVE:
        problems.append(Problem("state", "JOB_IN_GROUP", f"{reason}; it cannot be deactivated"))
    return problems


def check_triggerable(job: Job) -> None:
    """The original system's trigger API also refuses partner-integration jobs."""
    if job.kind is JobKind.PARTNER_INTEGRATION:
        raise Conflict(
            f"job {job.name} is a partner-integration job; it cannot be triggered",
            code="JOB_KIND_NOT_RUNNABLE",
        )


def check_runnable(job: Job, *, group_running: bool) -> None:
    """A run may start now: an active import, not while its group runs (Group rule 8)."""
    if job.state is not JobState.ACTIVE:
        raise Conflict(f"job {job.name} is {job.state}; activate it first", code="JOB_NOT_ACTIVE")
    if job.type is not JobType.IMPORT:
        raise Conflict(
            f"job {job.name} is an export; export runs are not available yet",
            code="JOB_TYPE_NOT_RUNNABLE",
        )
    if group_running:
        raise Conflict(f"the group of job {job.name} is running", code="GROUP_RUNNING")
