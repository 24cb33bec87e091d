"""What a run writes: file columns → checked values for the target's columns.

``RowPlan.convert`` is the per-row hot path: it returns the values (in ``columns`` order) and the
match key, or the reason the row is rejected.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dataconnect.domain.imports import (
    EMAIL,
    EMAIL_FORMATS,
    FALSE_VALUES,
    TRUE_VALUES,
    Reject,
    RunFailure,
    normalize_mobile,
)
from dataconnect.domain.job_settings import (
    ImportSettings,
    PermissionDefault,
    SupplementalMode,
    UpdateOnMatch,
)
from dataconnect.domain.tables import LIST_MATCH_KEYS, FieldDef, FieldType, TableDef, TableKind

try:
    # CPython's own MD5 makes a short digest in half the time of OpenSSL's (no EVP context to
    # set up per call), and is not subject to a FIPS policy: the hash here is an identifier.
    from _md5 import md5 as _md5
except ImportError:  # pragma: no cover - another Python, or one built without it

    def _md5(data: bytes) -> Any:
        return hashlib.md5(data, usedforsecurity=False)


Converter = Callable[[str], Any]  # raises Bad(reason)
ConvertFn = Callable[[list[str]], "tuple[tuple[Any, ...], tuple[Any, ...]] | Reject"]
PERMISSION_FIELDS = ("EMAIL_PERMISSION_STATUS_", "MOBILE_PERMISSION_STATUS_")
INT64 = 2**63


class Bad(Exception):
    def __init__(self, reason: Reject) -> None:
        self.reason = reason


class PlanError(Exception):
    """The file cannot be imported as a whole (a mapped column is missing from its header)."""

    def __init__(self, failure: RunFailure, message: str) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message


@dataclass(slots=True)
class RowPlan:
    kind: TableKind
    columns: list[str]  # target columns fed by the file (and derived from it), in value order
    key_columns: list[str]  # match columns: the target's, or the parent list's for a PET
    key_positions: list[int]  # where each key value sits in a converted row (PET: extra)
    insert_extra: dict[str, Any] = field(default_factory=dict)  # constants on insert only
    update_on_match: UpdateOnMatch = UpdateOnMatch.REPLACE_ALL
    insert_on_no_match: bool = True
    supplemental_mode: SupplementalMode = SupplementalMode.MERGE
    # (file column, converter, is a match key, value for an empty cell)
    _steps: list[tuple[int, Converter, bool, Any]] = field(default_factory=list)
    _derive_email: int | None = None  # position of EMAIL_ADDRESS_ when hashes are derived
    _derived: list[str] = field(default_factory=list)  # columns kept from the email address
    _key_only: int = 0  # trailing values that are keys only (PET list keys), not PET columns
    _fn: ConvertFn | None = None  # the compiled convert

    @property
    def written_columns(self) -> list[str]:
        return (
            self.columns[: len(self.columns) - self._key_only] if self._key_only else self.columns
        )

    def convert(self, fields: list[str]) -> tuple[tuple[Any, ...], tuple[Any, ...]] | Reject:
        """Checked values and key of one record, or why it is rejected."""
        return self.compiled()(fields)

    def compiled(self) -> ConvertFn:
        if self._fn is None:
            self._fn = self._compile()
        return self._fn

    def _compile(self) -> ConvertFn:
        """Unroll the per-field steps into one function: the hot loop of every import.

        The generated text holds only list indexes, integers and names bound below; no value
        from the user or the file ever becomes code.
        """
        scope: dict[str, Any] = {
            "Bad": Bad,
            "EMPTY_KEY": Reject.EMPTY_MATCH_FIELD,
            "TOO_LONG": Reject.VALUE_TOO_LONG,
            "md5": _md5,
            "sha256": hashlib.sha256,
        }
        lines = ["def convert(fields):", "    try:"]
        names: list[str] = []
        for n, (index, convert, is_key, empty) in enumerate(self._steps):
            v = f"v{n}"
            names.append(v)
            lines.append(f"        {v} = fields[{int(index)}].strip()")
            lines.append(f"        if not {v}:")
            if is_key:
                lines.append("            return EMPTY_KEY")
            else:
                scope[f"e{n}"] = empty
                lines.append(f"            {v} = e{n}")
            limit = getattr(convert, "text_limit", None)
            if limit is not None:
                lines.append(f"        elif len({v}) > {int(limit)}:")
                lines.append("            return TOO_LONG")
            else:
                scope[f"c{n}"] = convert
                lines.append("        else:")
                lines.append(f"            {v} = c{n}({v})")
        lines += ["    except Bad as bad:", "        return bad.reason"]
        if self._derive_email is not None:
            email = names[self._derive_email]
            formulas = {
                "EMAIL_DOMAIN_": 'low.rpartition("@")[2]',
                "EMAIL_MD5_HASH_": "md5(raw).hexdigest()",
                "EMAIL_SHA256_HASH_": "sha256(raw).hexdigest()",
            }
            derived = [formulas[c] for c in self._derived]
            targets = [f"d{i}" for i in range(len(derived))]
            lines += [
                f"    if {email} is None:",
                f"        {' = '.join(targets)} = None",
                "    else:",
                f"        low = {email}.lower()",
                "        raw = low.encode()",
                *(f"        {t} = {f}" for t, f in zip(targets, derived, strict=True)),
            ]
            names += targets
        written = names[: len(names) - self._key_only] if self._key_only else names
        key = [names[p] for p in self.key_positions]
        lines.append(f"    return {_tuple(written)}, {_tuple(key)}")
        code = compile("\n".join(lines), "<import row plan>", "exec")
        exec(code, scope)  # noqa: S102 - generated from integers and bound names only
        compiled: ConvertFn = scope["convert"]
        return compiled


def _tuple(names: list[str]) -> str:
    return f"({', '.join(names)},)" if names else "()"


# --- converters ----------------------------------------------------------------------------


def _text(length: int | None) -> Converter:
    limit = length or 4000

    def convert(v: str) -> str:
        if len(v) > limit:
            raise Bad(Reject.VALUE_TOO_LONG)
        return v

    convert.text_limit = limit  # type: ignore[attr-defined]  # inlined by RowPlan._compile
    return convert


def _integer(v: str) -> int:
    try:
        number = int(v)
    except ValueError:
        raise Bad(Reject.INVALID_INTEGER) from None
    if not -INT64 <= number < INT64:
        raise Bad(Reject.INVALID_INTEGER)
    return number


def _number(v: str) -> float:
    try:
        number = float(v)
    except ValueError:
        raise Bad(Reject.INVALID_NUMBER) from None
    if not math.isfinite(number):
        raise Bad(Reject.INVALID_NUMBER)
    return number


def _date(fmt: str) -> Converter:
    cache: dict[str, str] = {}
    iso = fmt == "%Y-%m-%d"

    def convert(v: str) -> str:
        # ISO text: what SQLite stores and PostgreSQL's COPY reads, with no adapter per row.
        found = cache.get(v)
        if found is not None:
            return found
        try:
            parsed = (
                date.fromisoformat(v) if iso and len(v) == 10 else datetime.strptime(v, fmt).date()
            )
        except ValueError:
            raise Bad(Reject.INVALID_DATE) from None
        text = parsed.isoformat()
        if len(cache) < 100_000:
            cache[v] = text
        return text

    return convert


def _timestamp(zone: str) -> Converter:
    tz = ZoneInfo(zone)

    def convert(v: str) -> datetime:
        try:
            parsed = datetime.fromisoformat(v)
        except ValueError:
            raise Bad(Reject.INVALID_TIMESTAMP) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.astimezone(UTC)

    return convert


def _boolean(v: str) -> bool:
    lowered = v.lower()
    if lowered in TRUE_VALUES:
        return True
    if lowered in FALSE_VALUES:
        return False
    raise Bad(Reject.INVALID_BOOLEAN)


def _email(length: int | None) -> Converter:
    limit = length or 500

    def convert(v: str) -> str:
        if len(v) > limit:
            raise Bad(Reject.VALUE_TOO_LONG)
        if not EMAIL.fullmatch(v):
            raise Bad(Reject.INVALID_EMAIL)
        return v

    return convert


def _mobile(v: str) -> str:
    normal = normalize_mobile(v)
    if normal is None:
        raise Bad(Reject.INVALID_MOBILE_NUMBER)
    return normal


def _permission(optin: str, optout: str) -> Converter:
    def convert(v: str) -> str:
        if v == optin:
            return "I"
        if v == optout:
            return "O"
        raise Bad(Reject.INVALID_PERMISSION_VALUE)

    return convert


def _email_format(v: str) -> str:
    upper = v.upper()
    if upper not in EMAIL_FORMATS:
        raise Bad(Reject.INVALID_EMAIL_FORMAT)
    return upper


def _converter(f: FieldDef, settings: ImportSettings, zone: str) -> Converter:
    if f.name == "EMAIL_ADDRESS_":
        return _email(f.length)
    if f.name == "MOBILE_NUMBER_":
        return _mobile
    if f.name in PERMISSION_FIELDS:
        return _permission(settings.permission.optin_value, settings.permission.optout_value)
    if f.name == "EMAIL_FORMAT_":
        return _email_format
    if f.type is FieldType.TEXT:
        return _text(f.length)
    if f.type is FieldType.INTEGER:
        return _integer
    if f.type is FieldType.NUMBER:
        return _number
    if f.type is FieldType.DATE:
        return _date(settings.format.date_format)
    if f.type is FieldType.TIMESTAMP:
        return _timestamp(zone)
    return _boolean


# --- building a plan -----------------------------------------------------------------------


def build_plan(
    settings: ImportSettings,
    target: TableDef,
    parent: TableDef | None,
    header: list[str] | None,
    zone: str,
) -> RowPlan:
    """Resolve each mapped column to its position in the file and its converter."""
    positions: dict[str, int] = {}
    if header is not None:
        upper = {name.strip().upper(): i for i, name in reversed(list(enumerate(header)))}
        for column, name in settings.mapping:
            if name is None:
                continue  # an ignored column may be absent
            if column.upper() not in upper:
                raise PlanError(
                    RunFailure.MAPPED_COLUMN_MISSING,
                    f"the file's header has no column {column}",
                )
            positions[column] = upper[column.upper()]
    else:
        positions = {column: int(column) - 1 for column, name in settings.mapping if name}

    match = list(settings.match.columns)
    if target.kind is TableKind.SUPPLEMENTAL:
        match = list(target.primary_key)
    plan = RowPlan(
        kind=target.kind,
        columns=[],
        key_columns=match,
        key_positions=[],
        update_on_match=settings.match.update_on_match,
        insert_on_no_match=settings.match.insert_on_no_match,
        supplemental_mode=settings.supplemental_mode,
    )
    key_only: list[tuple[int, Converter, str]] = []
    default = "I" if settings.permission.default is PermissionDefault.OPTIN else "O"
    for column, name in settings.mapping:
        if name is None:
            continue
        target_field = target.field(name)
        is_key = name in match
        if (
            target.kind is TableKind.PET
            and name in LIST_MATCH_KEYS
            and (target_field is None or name == "RIID_")
        ):
            assert parent is not None
            list_field = parent.field(name)
            assert list_field is not None
            key_only.append((positions[column], _converter(list_field, settings, zone), name))
            continue
        assert target_field is not None
        empty = default if name in PERMISSION_FIELDS else None
        plan._steps.append(
            (positions[column], _converter(target_field, settings, zone), is_key, empty)
        )
        plan.columns.append(name)
    mapped = set(plan.columns)
    if target.kind is TableKind.PROFILE_LIST and "EMAIL_ADDRESS_" in mapped:
        # Kept from the address: its domain, and the hashes the file does not bring itself.
        plan._derive_email = plan.columns.index("EMAIL_ADDRESS_")
        plan._derived = [
            c for c in ("EMAIL_DOMAIN_", "EMAIL_MD5_HASH_", "EMAIL_SHA256_HASH_") if c not in mapped
        ]
        plan.columns += plan._derived
    for index, convert, _ in key_only:
        plan._steps.append((index, convert, True, None))
    if key_only:
        # PET list keys come last in the values: looked up, never written to the PET.
        plan._key_only = len(key_only)
        if plan._derive_email is not None:
            raise AssertionError("a PET never derives email hashes")
        plan.columns += [name for _, _, name in key_only]
    plan.key_positions = [plan.columns.index(k) for k in match if k in plan.columns]
    if target.kind in (TableKind.PROFILE_LIST, TableKind.PET):
        fields = {f.name for f in target.fields}
        channels = {
            "EMAIL_PERMISSION_STATUS_": True,
            "MOBILE_PERMISSION_STATUS_": "MOBILE_NUMBER_" in mapped,
        }
        for permission, applies in channels.items():
            # A new profile gets the default permission of each channel it arrives with.
            if applies and permission in fields and permission not in mapped:
                plan.insert_extra[permission] = default
    return plan
