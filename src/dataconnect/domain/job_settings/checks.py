"""What the import and export rules share: limits, unknown keys, booleans."""

from __future__ import annotations

from collections.abc import Mapping

from dataconnect.domain.plain import unknown_problems
from dataconnect.errors import Problem

MAPPING_MAX = 500
COLUMN_NAME_MAX = 255
PERMISSION_VALUE_MAX = 50


def unknown(data: Mapping[str, object], record: type, where: str) -> list[Problem]:
    """Keys that are not fields of ``record`` (the settings records are the only key lists)."""
    return unknown_problems(data, record, where, "a known setting")


def boolean(
    data: Mapping[str, object], key: str, default: bool, where: str, problems: list[Problem]
) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        problems.append(Problem(f"{where}.{key}", "BOOLEAN_EXPECTED", f"{key} is true or false"))
        return default
    return value
