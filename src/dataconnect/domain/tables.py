"""Tables of an account: the profile list, its PETs and supplemental tables, with their fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from dataconnect.domain.names import canonical_field_name, field_name_problem
from dataconnect.errors import Problem

TEXT_DEFAULT_LENGTH = 255
TEXT_MAX_LENGTH = 4000
MAX_CUSTOM_FIELDS = 500
MAX_PRIMARY_KEY_FIELDS = 8


class TableKind(StrEnum):
    PROFILE_LIST = "profile_list"
    PET = "pet"
    SUPPLEMENTAL = "supplemental"


class FieldType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOLEAN = "boolean"


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldDef:
    name: str
    type: FieldType
    length: int | None = None  # text only
    system: bool = False
    # Maintained by DataConnect itself: never mapped from a file.
    maintained: bool = False


def _sys(
    name: str, type_: FieldType, length: int | None = None, *, maintained: bool = False
) -> FieldDef:
    return FieldDef(name=name, type=type_, length=length, system=True, maintained=maintained)


T, INT, TS = FieldType.TEXT, FieldType.INTEGER, FieldType.TIMESTAMP

PROFILE_LIST_SYSTEM_FIELDS: tuple[FieldDef, ...] = (
    _sys("RIID_", INT, maintained=True),
    _sys("CUSTOMER_ID_", T, 255),
    _sys("EMAIL_ADDRESS_", T, 500),
    _sys("EMAIL_DOMAIN_", T, 255, maintained=True),
    _sys("EMAIL_FORMAT_", T, 1),
    _sys("EMAIL_PERMISSION_STATUS_", T, 1),
    _sys("EMAIL_MD5_HASH_", T, 50),
    _sys("EMAIL_SHA256_HASH_", T, 100),
    _sys("MOBILE_NUMBER_", T, 50),
    _sys("MOBILE_COUNTRY_", T, 25),
    _sys("MOBILE_PERMISSION_STATUS_", T, 1),
    _sys("POSTAL_STREET_1_", T, 255),
    _sys("CITY_", T, 50),
    _sys("STATE_", T, 50),
    _sys("POSTAL_CODE_", T, 25),
    _sys("COUNTRY_", T, 50),
    _sys("CREATED_DATE_", TS, maintained=True),
    _sys("MODIFIED_DATE_", TS, maintained=True),
)

PET_SYSTEM_FIELDS: tuple[FieldDef, ...] = (
    _sys("RIID_", INT, maintained=True),
    _sys("CREATED_DATE_", TS, maintained=True),
    _sys("MODIFIED_DATE_", TS, maintained=True),
)

# Profile-list fields a merge may match on; PET imports use them to find the profile.
LIST_MATCH_KEYS: tuple[str, ...] = (
    "RIID_",
    "CUSTOMER_ID_",
    "EMAIL_ADDRESS_",
    "MOBILE_NUMBER_",
    "EMAIL_MD5_HASH_",
    "EMAIL_SHA256_HASH_",
)
HASH_KEYS: frozenset[str] = frozenset({"EMAIL_MD5_HASH_", "EMAIL_SHA256_HASH_"})


@dataclass(frozen=True, slots=True, kw_only=True)
class TableDef:
    """A table as the user defined it, with system fields first."""

    name: str
    kind: TableKind
    fields: tuple[FieldDef, ...]
    list_name: str | None = None  # the parent profile list of a PET
    primary_key: tuple[str, ...] = ()
    id: int | None = None
    account_id: int | None = None

    def field(self, name: str) -> FieldDef | None:
        wanted = canonical_field_name(name)
        for f in self.fields:
            if f.name == wanted:
                return f
        return None

    @property
    def custom_fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for f in self.fields if not f.system)

    @property
    def key_fields(self) -> tuple[str, ...]:
        """Columns that identify a row: RIID_ for lists and PETs, the primary key otherwise."""
        if self.kind in (TableKind.PROFILE_LIST, TableKind.PET):
            return ("RIID_",)
        return self.primary_key


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldSpec:
    """A custom field as a user asks for it, before checking."""

    name: object
    type: object
    length: object = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TableSpec:
    name: object
    kind: object
    fields: list[FieldSpec] = field(default_factory=list)
    list_name: object = None
    primary_key: list[object] = field(default_factory=list)


def build_table(spec: TableSpec, *, existing_lists: set[str]) -> TableDef:
    """Check a table request against every rule and return its definition.

    ``existing_lists`` holds the names of the account's profile lists (for a PET's parent).
    Raises ``ValidationFailed`` listing every problem.
    """
    from dataconnect.errors import collect

    problems: list[Problem] = []
    name_problem = field_name_problem(spec.name, "name")
    if name_problem:
        problems.append(name_problem)
    try:
        kind = TableKind(spec.kind)  # type: ignore[arg-type]
    except ValueError:
        kind = None
        problems.append(
            Problem("kind", "TABLE_KIND_INVALID", "kind must be profile_list, pet or supplemental")
        )

    fields = _check_fields(spec.fields, problems)
    names = {f.name for f in fields}

    list_name: str | None = None
    if kind is TableKind.PET:
        if not isinstance(spec.list_name, str) or not spec.list_name:
            problems.append(Problem("list", "PET_LIST_REQUIRED", "a PET names its profile list"))
        elif canonical_field_name(spec.list_name) not in existing_lists:
            problems.append(
                Problem("list", "LIST_NOT_FOUND", f"no profile list named {spec.list_name}")
            )
        else:
            list_name = canonical_field_name(spec.list_name)
    elif spec.list_name is not None:
        problems.append(Problem("list", "LIST_NOT_ALLOWED", "only a PET has a parent list"))

    primary_key: list[str] = []
    if spec.primary_key:
        if kind is not TableKind.SUPPLEMENTAL:
            problems.append(
                Problem(
                    "primary_key",
                    "PRIMARY_KEY_NOT_ALLOWED",
                    "only supplemental tables have a primary key; lists and PETs use RIID_",
                )
            )
        elif len(spec.primary_key) > MAX_PRIMARY_KEY_FIELDS:
            problems.append(
                Problem(
                    "primary_key",
                    "PRIMARY_KEY_TOO_LONG",
                    f"at most {MAX_PRIMARY_KEY_FIELDS} fields",
                )
            )
        else:
            for i, key in enumerate(spec.primary_key):
                where = f"primary_key[{i}]"
                if not isinstance(key, str) or canonical_field_name(key) not in names:
                    problems.append(
                        Problem(
                            where,
                            "PRIMARY_KEY_FIELD_NOT_FOUND",
                            f"{key!s} is not a field of the table",
                        )
                    )
                elif canonical_field_name(key) in primary_key:
                    problems.append(
                        Problem(where, "PRIMARY_KEY_DUPLICATE", f"{key} appears twice in the key")
                    )
                else:
                    primary_key.append(canonical_field_name(key))
    if kind is TableKind.SUPPLEMENTAL and not spec.fields:
        problems.append(Problem("fields", "FIELDS_REQUIRED", "a supplemental table needs fields"))

    collect(problems)
    assert kind is not None and isinstance(spec.name, str)
    system: tuple[FieldDef, ...] = {
        TableKind.PROFILE_LIST: PROFILE_LIST_SYSTEM_FIELDS,
        TableKind.PET: PET_SYSTEM_FIELDS,
        TableKind.SUPPLEMENTAL: (),
    }[kind]
    return TableDef(
        name=canonical_field_name(spec.name),
        kind=kind,
        fields=system + tuple(fields),
        list_name=list_name,
        primary_key=tuple(primary_key),
    )


def _check_fields(specs: list[FieldSpec], problems: list[Problem]) -> list[FieldDef]:
    if len(specs) > MAX_CUSTOM_FIELDS:
        problems.append(
            Problem("fields", "TOO_MANY_FIELDS", f"at most {MAX_CUSTOM_FIELDS} custom fields")
        )
        return []
    out: list[FieldDef] = []
    seen: set[str] = set()
    for i, spec in enumerate(specs):
        where = f"fields[{i}]"
        before = len(problems)
        name_problem = field_name_problem(spec.name, f"{where}.name")
        if name_problem:
            problems.append(name_problem)
        try:
            type_ = FieldType(spec.type)  # type: ignore[arg-type]
        except ValueError:
            type_ = None
            problems.append(
                Problem(
                    f"{where}.type",
                    "FIELD_TYPE_INVALID",
                    "type must be one of " + ", ".join(t.value for t in FieldType),
                )
            )
        length: int | None = None
        if type_ is FieldType.TEXT:
            if spec.length is None:
                length = TEXT_DEFAULT_LENGTH
            elif (
                isinstance(spec.length, int)
                and not isinstance(spec.length, bool)
                and 1 <= spec.length <= TEXT_MAX_LENGTH
            ):
                length = spec.length
            else:
                problems.append(
                    Problem(
                        f"{where}.length",
                        "FIELD_LENGTH_INVALID",
                        f"text length must be 1 to {TEXT_MAX_LENGTH}",
                    )
                )
        elif spec.length is not None and type_ is not None:
            problems.append(
                Problem(
                    f"{where}.length", "FIELD_LENGTH_NOT_ALLOWED", "only text fields have a length"
                )
            )
        if len(problems) > before:
            continue
        assert isinstance(spec.name, str) and type_ is not None
        canon = canonical_field_name(spec.name)
        if canon in seen:
            problems.append(
                Problem(f"{where}.name", "FIELD_NAME_DUPLICATE", f"{canon} appears twice")
            )
            continue
        seen.add(canon)
        out.append(FieldDef(name=canon, type=type_, length=length))
    return out
