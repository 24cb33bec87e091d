"""The settings records of import and export jobs: the one definition of their shape.

Each field here is a key of the job's ``import`` or ``export`` object: the parse functions
refuse other keys, ``to_dict`` writes the fields in this order (the API's answers and the
stored JSON), ``from_stored`` reads them back, and the API's request models are made from
them (see ``dataconnect.domain.plain`` for the types a field may have).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from dataconnect.domain.formats import FileFormat
from dataconnect.domain.plain import Plain, doc, settings_of


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


class ExportCompression(StrEnum):
    NONE = "none"
    GZIP = "gzip"  # <file>.gz
    ZIP = "zip"  # <file>.zip, holding <file>


@dataclass(frozen=True, slots=True, kw_only=True)
class Destination(Plain):
    """An outside SFTP server's folder an export delivers to (the connection's name)."""

    connection: str = field(metadata=doc("the name of one of the account's connections"))
    folder: str = field(default="", metadata=doc("the folder on that server; empty: its root"))


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchRule(Plain):
    """How file rows find existing rows (profile lists and PETs)."""

    columns: tuple[str, ...] = field(
        default=(),
        metadata=doc(
            "one or two list keys combined with AND, each mapped; a supplemental table may "
            "name only its primary key"
        ),
    )
    insert_on_no_match: bool = field(
        default=True, metadata=doc("insert a row that matches nothing (default true)")
    )
    update_on_match: UpdateOnMatch = field(
        default=UpdateOnMatch.REPLACE_ALL,
        metadata=doc("replace_all (the default) overwrites the mapped fields, no_update skips"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PermissionRule(Plain):
    """The permission of new profiles and the file values that mean opt-in and opt-out."""

    default: PermissionDefault = field(
        default=PermissionDefault.OPTOUT, metadata=doc("OPTIN or OPTOUT (the default)")
    )
    optin_value: str = field(
        default="I", metadata=doc("the file value meaning opt-in, 1-50 characters (default I)")
    )
    optout_value: str = field(
        default="O", metadata=doc("the file value meaning opt-out, 1-50 characters (default O)")
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportSettings(Plain):
    """What an import job reads and how it writes it into its target table."""

    file_pattern: str = field(
        metadata=doc("the data file's name in upload/; {YYYY} {MM} {DD} {YYYYMMDD} {HH24MISS}")
    )
    format: FileFormat = field(default_factory=FileFormat, metadata=doc("the file's layout"))
    count_file: bool = field(
        default=False, metadata=doc("true: <file>.cnt holds the number of records, checked")
    )
    target: str = field(metadata=doc("the table to import into"))
    mapping: tuple[tuple[str, str | None], ...] = field(
        metadata=doc("file column → field of the target, or null to ignore the column")
    )
    match: MatchRule = field(
        default_factory=MatchRule, metadata=doc("how file rows find existing rows")
    )
    permission: PermissionRule = field(
        default_factory=PermissionRule, metadata=doc("the permission of new profiles")
    )
    supplemental_mode: SupplementalMode = field(
        default=SupplementalMode.MERGE,
        metadata=doc("supplemental tables: merge (the default), append or replace"),
    )
    max_reject_percent: float = field(
        default=100.0, metadata=doc("the run fails above this share of refused records, 0-100")
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportSettings(Plain):
    """What an export job writes and where."""

    source: str = field(metadata=doc("the table to export"))
    fields: tuple[str, ...] = field(metadata=doc("the fields to export, in file order"))
    file_pattern: str = field(
        metadata=doc("the file's name; tokens {YYYY} {MM} {DD} {YYYYMMDD} {HH24MISS}")
    )
    format: FileFormat = field(default_factory=FileFormat, metadata=doc("the file's layout"))
    changed_since_last_run: bool = field(
        default=False,
        metadata=doc("only the rows an import changed since the job's last successful run"),
    )
    count_file: bool = field(
        default=False, metadata=doc("true: <base>.cnt holds the number of records written")
    )
    ready_file: bool = field(
        default=False,
        metadata=doc("true: <base>.ready, written last, holds one line: <file name>,<records>"),
    )
    compression: ExportCompression = field(
        default=ExportCompression.NONE, metadata=doc("none (the default), gzip or zip")
    )
    encrypt_to: str | None = field(
        default=None, metadata=doc("the name of a PGP public key of the account: <file>.gpg")
    )
    destination: Destination | None = field(
        default=None, metadata=doc("null: the account's download/ folder")
    )


# Described now, so a field without a plain form fails at import, naming itself.
for _record in (ImportSettings, ExportSettings):
    settings_of(_record)
