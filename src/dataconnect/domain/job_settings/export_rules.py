"""Export settings checked against the account's tables: source, fields, file, format, delivery."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from dataconnect.domain.formats import file_pattern_problem, parse_format
from dataconnect.domain.job_settings.checks import MAPPING_MAX, boolean, unknown
from dataconnect.domain.job_settings.records import Destination, ExportCompression, ExportSettings
from dataconnect.domain.names import canonical_field_name
from dataconnect.domain.tables import FieldDef, TableDef, TableKind
from dataconnect.errors import Problem

FOLDER_MAX = 255


def exportable_fields(table: TableDef, parent: TableDef | None) -> dict[str, FieldDef]:
    """The fields an export of ``table`` may name, in the table's order: a PET's own, then the
    fields of its profile list it does not have itself (joined on ``RIID_``)."""
    found = {f.name: f for f in table.fields}
    if table.kind is TableKind.PET and parent is not None:
        for f in parent.fields:
            found.setdefault(f.name, f)
    return found


def default_fields(table: TableDef) -> tuple[str, ...]:
    """What an export writes when it names no fields: every field of the table itself."""
    return tuple(f.name for f in table.fields)


def parse_export_settings(
    data: object,
    tables: Mapping[str, TableDef],
    where: str = "export",
    *,
    public_keys: Collection[str] = (),
    connections: Collection[str] = (),
) -> tuple[ExportSettings | None, list[Problem]]:
    """Check export settings against the account's tables (by canonical name), its PGP public
    keys and its outside connections (by name)."""
    if not isinstance(data, Mapping):
        return None, [
            Problem(where, "EXPORT_SETTINGS_REQUIRED", "an export job needs export settings")
        ]
    problems = unknown(data, ExportSettings, where)
    table, parent = _source(data.get("source"), tables, where, problems)
    fields = _fields(data, table, parent, where, problems)
    pattern_problem = file_pattern_problem(data.get("file_pattern"), f"{where}.file_pattern")
    if pattern_problem:
        problems.append(pattern_problem)
    fmt, fmt_problems = parse_format(data.get("format"), f"{where}.format")
    problems += fmt_problems
    changed = boolean(data, "changed_since_last_run", False, where, problems)
    count_file = boolean(data, "count_file", False, where, problems)
    ready_file = boolean(data, "ready_file", False, where, problems)
    compression = ExportCompression.NONE
    try:
        compression = ExportCompression(data.get("compression", "none"))
    except ValueError:
        problems.append(Problem(f"{where}.compression", "COMPRESSION_INVALID", "none, gzip or zip"))
    encrypt_to = data.get("encrypt_to")
    if encrypt_to is not None and (
        not isinstance(encrypt_to, str) or encrypt_to not in public_keys
    ):
        shown = str(encrypt_to)[:100]
        problems.append(
            Problem(f"{where}.encrypt_to", "PGP_KEY_NOT_FOUND", f"no PGP public key named {shown}")
        )
    destination = _destination(data.get("destination"), connections, where, problems)
    if problems:
        return None, problems
    assert table is not None
    return (
        ExportSettings(
            source=table.name,
            fields=fields,
            file_pattern=str(data["file_pattern"]),
            format=fmt,
            changed_since_last_run=changed,
            count_file=count_file,
            ready_file=ready_file,
            compression=compression,
            encrypt_to=encrypt_to if isinstance(encrypt_to, str) else None,
            destination=destination,
        ),
        [],
    )


def _source(
    name: object, tables: Mapping[str, TableDef], where: str, problems: list[Problem]
) -> tuple[TableDef | None, TableDef | None]:
    """The table to export and, for a PET, its profile list."""
    at = f"{where}.source"
    if not isinstance(name, str) or not name:
        problems.append(Problem(at, "SOURCE_REQUIRED", "name the table to export"))
        return None, None
    table = tables.get(canonical_field_name(name))
    if table is None:
        problems.append(Problem(at, "SOURCE_NOT_FOUND", f"no table named {name[:100]}"))
        return None, None
    if table.kind is not TableKind.PET:
        return table, None
    parent = tables.get(table.list_name or "")
    if parent is None:
        problems.append(
            Problem(at, "SOURCE_LIST_NOT_FOUND", f"the profile list of {table.name} is gone")
        )
    return table, parent


def _fields(
    data: Mapping[str, object],
    table: TableDef | None,
    parent: TableDef | None,
    where: str,
    problems: list[Problem],
) -> tuple[str, ...]:
    """The fields in file order; none named: every field of the table."""
    raw = data.get("fields")
    if raw is None:
        return default_fields(table) if table is not None else ()
    if not isinstance(raw, list) or not raw or len(raw) > MAPPING_MAX:
        problems.append(
            Problem(
                f"{where}.fields",
                "EXPORT_FIELDS_REQUIRED",
                f"a list of 1 to {MAPPING_MAX} fields to export (leave it out for all)",
            )
        )
        return ()
    allowed = exportable_fields(table, parent) if table is not None else None
    fields: list[str] = []
    for i, name in enumerate(raw):
        at = f"{where}.fields[{i}]"
        if not isinstance(name, str) or not name:
            problems.append(Problem(at, "EXPORT_FIELD_UNKNOWN", "a field name"))
            continue
        canon = canonical_field_name(name)
        if allowed is not None and canon not in allowed:
            assert table is not None
            problems.append(
                Problem(at, "EXPORT_FIELD_UNKNOWN", f"{name[:60]} is not a field of {table.name}")
            )
        elif canon in fields:
            problems.append(Problem(at, "EXPORT_FIELD_DUPLICATE", f"{canon} appears twice"))
        else:
            fields.append(canon)
    return tuple(fields)


def _destination(
    raw: object, connections: Collection[str], where: str, problems: list[Problem]
) -> Destination | None:
    at = f"{where}.destination"
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append(
            Problem(at, "DESTINATION_INVALID", "null, or {connection, folder} of a connection")
        )
        return None
    problems += unknown(raw, Destination, at)
    connection, folder = raw.get("connection"), raw.get("folder", "")
    if not isinstance(connection, str) or connection not in connections:
        shown = str(connection)[:100]
        problems.append(
            Problem(f"{at}.connection", "CONNECTION_NOT_FOUND", f"no connection named {shown}")
        )
    if (
        not isinstance(folder, str)
        or len(folder) > FOLDER_MAX
        or ".." in folder.split("/")
        or any(ord(c) < 32 for c in folder)
    ):
        problems.append(
            Problem(f"{at}.folder", "DESTINATION_FOLDER_INVALID", "a folder path without .. parts")
        )
    if not isinstance(connection, str) or not isinstance(folder, str):
        return None
    return Destination(connection=connection, folder=folder)
