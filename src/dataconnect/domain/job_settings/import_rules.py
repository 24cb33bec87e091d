"""Import settings checked against the account's tables: target, mapping, match, permission.

Every problem is collected so a request sees them all; their fields, codes and order are
the API's contract (tests/unit/test_job_settings.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from dataconnect.domain.formats import file_pattern_problem, parse_format
from dataconnect.domain.job_settings.checks import (
    COLUMN_NAME_MAX,
    MAPPING_MAX,
    PERMISSION_VALUE_MAX,
    boolean,
    unknown,
)
from dataconnect.domain.job_settings.records import (
    ImportSettings,
    MatchRule,
    PermissionDefault,
    PermissionRule,
    SupplementalMode,
    UpdateOnMatch,
)
from dataconnect.domain.names import canonical_field_name
from dataconnect.domain.tables import HASH_KEYS, LIST_MATCH_KEYS, TableDef, TableKind
from dataconnect.errors import Problem


def parse_import_settings(
    data: object, tables: Mapping[str, TableDef], where: str = "import"
) -> tuple[ImportSettings | None, list[Problem]]:
    """Check import settings against the account's tables (by canonical name)."""
    if not isinstance(data, Mapping):
        return None, [
            Problem(where, "IMPORT_SETTINGS_REQUIRED", "an import job needs import settings")
        ]
    problems = unknown(data, ImportSettings, where)
    pattern_problem = file_pattern_problem(data.get("file_pattern"), f"{where}.file_pattern")
    if pattern_problem:
        problems.append(pattern_problem)
    fmt, fmt_problems = parse_format(data.get("format"), f"{where}.format")
    problems += fmt_problems
    count_file = boolean(data, "count_file", False, where, problems)

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
    problems += unknown(raw, MatchRule, where)
    insert = boolean(raw, "insert_on_no_match", True, where, problems)
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
    problems += unknown(raw, PermissionRule, where)
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
