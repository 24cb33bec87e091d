"""Export settings checked against the account's tables: source, fields, file, format."""

from __future__ import annotations

from collections.abc import Mapping

from dataconnect.domain.formats import file_pattern_problem, parse_format
from dataconnect.domain.job_settings.checks import MAPPING_MAX, boolean, unknown
from dataconnect.domain.job_settings.records import ExportSettings
from dataconnect.domain.names import canonical_field_name
from dataconnect.domain.tables import TableDef, TableKind
from dataconnect.errors import Problem


def parse_export_settings(
    data: object, tables: Mapping[str, TableDef], where: str = "export"
) -> tuple[ExportSettings | None, list[Problem]]:
    if not isinstance(data, Mapping):
        return None, [
            Problem(where, "EXPORT_SETTINGS_REQUIRED", "an export job needs export settings")
        ]
    problems = unknown(data, ExportSettings, where)
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
    changed = boolean(data, "changed_since_last_run", False, where, problems)
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
