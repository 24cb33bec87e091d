"""Rules of an export run: the names of the files it publishes, and why a run fails."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dataconnect.domain.job_settings import ExportCompression

COMPRESSED_SUFFIX = {
    ExportCompression.NONE: "",
    ExportCompression.GZIP: ".gz",
    ExportCompression.ZIP: ".zip",
}
ENCRYPTED_SUFFIX = ".gpg"


class ExportFailure(StrEnum):
    """Why a whole export run failed: it published nothing."""

    SOURCE_NOT_FOUND = "SOURCE_NOT_FOUND"  # the source table (or a field of it) is gone
    SOURCE_LIST_NOT_FOUND = "SOURCE_LIST_NOT_FOUND"  # a PET's profile list is gone
    EXPORT_VALUE_UNENCODABLE = "EXPORT_VALUE_UNENCODABLE"  # not writable in the file's encoding
    EXPORT_VALUE_NEEDS_QUALIFIER = "EXPORT_VALUE_NEEDS_QUALIFIER"  # a delimiter, CR or LF, unquoted


@dataclass(frozen=True, slots=True)
class OutputNames:
    """The files an export publishes, in the order they appear (the ready file last)."""

    data: str
    count: str | None
    ready: str | None

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(n for n in (self.data, self.count, self.ready) if n is not None)


def output_names(
    file_name: str,
    compression: ExportCompression,
    *,
    encrypted: bool = False,
    count_file: bool = False,
    ready_file: bool = False,
) -> OutputNames:
    """``contacts_20261207.csv`` (the pattern resolved) → the data file with its compression's
    and encryption's suffixes; ``<base>.cnt`` and ``<base>.ready``, where ``<base>`` is the data
    file's name without its last extension."""
    data = file_name + COMPRESSED_SUFFIX[compression] + (ENCRYPTED_SUFFIX if encrypted else "")
    base = data.rsplit(".", 1)[0] if "." in data else data
    return OutputNames(
        data=data,
        count=f"{base}.cnt" if count_file else None,
        ready=f"{base}.ready" if ready_file else None,
    )


def ready_line(data_name: str, records: int) -> str:
    """What a ready file holds: one line, never empty (clients skip empty files)."""
    return f"{data_name},{records}\n"
