"""Where checked rows go: one transaction on the account's data database per run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from dataconnect.domain.imports import Reject
from dataconnect.domain.runs import StopToken
from dataconnect.domain.tables import TableDef

Row = tuple[tuple[Any, ...], tuple[Any, ...]]  # (values in plan.columns order, match key)
# Rows per batch unless a sink needs more: 2,000 checked rows stay in the reader's CPU cache.
BATCH_ROWS = 2000


@dataclass(slots=True)
class BatchResult:
    added: int = 0
    updated: int = 0
    rejects: list[tuple[int, Reject]] = field(default_factory=list)  # (index in batch, reason)


@dataclass(slots=True)
class Prepared:
    """A batch already in the sink's own form, made beside the writer by the reader (see
    ``Sink.preparer``): what is left for the writing process is to hand it to the database."""

    data: Any
    count: int  # rows in ``data``
    rejects: list[tuple[int, Reject]] = field(default_factory=list)  # (index in batch, reason)
    repeats: bool = False  # a key twice in the batch: an optimistic run must be redone
    # The sink refuses exactly ``rejects`` (or rolls the run back): the reader sends the text
    # of those rows alone, not of every row, for the rejects file.
    final: bool = False


Prepare = Callable[[list[Row]], Prepared]


@dataclass(frozen=True, slots=True)
class Applied:
    """What a run applied, kept beside its marker: a worker that takes over a run whose data
    committed before its first worker was lost reads the counts from here."""

    processed: int
    added: int
    updated: int
    rejected: int
    file_name: str | None
    rejects_file: str | None


class Stopped(Exception):
    """The run was asked to stop while its sink waited to begin (another run held the table)."""


class RepeatedKeys(Exception):
    """Raised by a sink writing optimistically (see ``Target.optimistic``), from a write or from
    ``check_keys``: a key repeats in the file. The sink has rolled back; the run is read again
    with per-batch checks, which find and refuse each repeat."""


class AlreadyApplied(Exception):
    """The run's marker row exists: its data was committed before; nothing is applied again."""


@dataclass(frozen=True, slots=True)
class Target:
    """Everything a sink needs to know about one run's target."""

    account_id: int
    table: TableDef
    parent: TableDef | None  # the profile list of a PET
    job_run_id: int
    now: datetime
    stop: StopToken | None = None  # looked at while waiting to begin
    # Write batches without looking for keys this run already wrote and check once at the end
    # (``RepeatedKeys``): into an empty table, and into a SQLite profile list whose keys the
    # reader looks up. Files rarely repeat a key; when one does, the run is redone with this off.
    optimistic: bool = True


class Sink(Protocol):
    """Contract of both dialects (``imports/sqlite_sink.py``, ``imports/postgres_sink.py``).

    ``begin`` opens the run's transaction (and, for ``replace``, empties the table inside it);
    ``write`` merges one batch and reports per-row rejects by index; ``check_keys`` tells
    whether an optimistic run must be redone; ``commit`` writes the
    marker row and the run's counts in the same transaction and commits; ``rollback`` leaves
    the table as it was.
    A row whose key was already written by this run is rejected ``DUPLICATE_KEY_IN_FILE``.
    """

    # Rows per batch that suit this database, read after ``begin``; a stop is looked at
    # between batches.
    batch_rows: int

    def begin(self) -> None: ...

    def write(self, rows: list[Row]) -> BatchResult: ...

    def preparer(self) -> Prepare:
        """After ``begin``: what the reader runs on each batch, whose result goes to
        ``write_prepared``. It never uses the sink's connection; it may open its own read-only
        one, closed by its ``close()`` if it has one."""

    def write_prepared(self, batch: Prepared) -> BatchResult: ...

    def check_keys(self) -> None:
        """After the last batch: raise ``RepeatedKeys`` (rolled back) if a run written
        optimistically repeated a key; otherwise nothing."""

    def commit(self, applied: Applied) -> None: ...

    def rollback(self) -> None: ...


def result_row(job_run_id: int, applied: Applied) -> tuple[object, ...]:
    """``import_results`` values in ``RESULT_COLUMNS`` order."""
    return (
        job_run_id,
        applied.processed,
        applied.added,
        applied.updated,
        applied.rejected,
        applied.file_name,
        applied.rejects_file,
    )
