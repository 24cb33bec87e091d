"""``run_import``: one job's file into its target, all or nothing.

Read → check each row → merge in batches inside one transaction → marker row → commit. Between
batches the stop token is read, so a stop takes effect within one batch (a fraction of a second).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import IO
from zoneinfo import ZoneInfo

from dataconnect.domain.formats import resolve_file_pattern
from dataconnect.domain.imports import DELETE_FILE_ON, Reject, RunFailure, rejects_exceed
from dataconnect.domain.job_settings import ImportSettings
from dataconnect.domain.jobs import Job
from dataconnect.domain.runs import JobRunState, RunOutcome, StopToken
from dataconnect.domain.tables import TableDef, TableKind
from dataconnect.files.server import DOWNLOAD, UPLOAD, FileServer, StoredFile
from dataconnect.imports.batches import (
    WAITING,
    Batch,
    ForkedBatches,
    ThreadBatches,
    can_fork,
)
from dataconnect.imports.plan import PlanError, RowPlan, build_plan
from dataconnect.imports.reader import Record, RecordReader
from dataconnect.imports.sink import (
    AlreadyApplied,
    Applied,
    BatchResult,
    RepeatedKeys,
    Sink,
    Stopped,
    Target,
)

__all__ = ["ImportOutcome", "ImportRequest", "SinkFactory", "StopToken", "run_import"]

log = logging.getLogger(__name__)
FORK_FROM_BYTES = 8 << 20  # below this a reader process costs more than it saves
REJECT_COLUMN = "REJECT_REASON"


# The outcome of an import attempt: the run record's counts, failure and files.
ImportOutcome = RunOutcome
SUCCEEDED, FAILED, ABORTED = JobRunState.SUCCEEDED, JobRunState.FAILED, JobRunState.ABORTED


class _Failed(Exception):
    def __init__(self, failure: RunFailure, message: str) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message


class _Stopped(Exception):
    pass


SinkFactory = Callable[[Target, RowPlan], Sink]


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportRequest:
    """One run of an import job, resolved: its settings, target, file and time."""

    job: Job
    settings: ImportSettings
    target: TableDef
    parent: TableDef | None  # the profile list of a PET
    source: StoredFile  # the data file, in upload/
    job_run_id: int
    zone: str  # the account's: date tokens and dates without a zone
    now: datetime
    batch_rows: int | None = None  # rows per batch; by default the sink's own


def run_import(
    *,
    job: Job,
    zone: str,
    tables: Mapping[str, TableDef],
    job_run_id: int,
    files: FileServer,
    open_sink: SinkFactory,
    now: datetime,
    stop: StopToken,
    progress: Callable[[int], None] = lambda rows: None,
    batch_rows: int | None = None,  # rows per batch; by default the sink's own
    fork_from_bytes: int = FORK_FROM_BYTES,
) -> ImportOutcome:
    settings = job.import_settings
    if settings is None:
        raise ValueError("run_import needs an import job")
    name = resolve_file_pattern(settings.file_pattern, now.astimezone(ZoneInfo(zone)))
    target = tables.get(settings.target)
    if target is None:
        return _fail(RunFailure.TARGET_NOT_FOUND, f"table {settings.target} no longer exists")
    parent = (
        tables.get(target.list_name) if target.kind is TableKind.PET and target.list_name else None
    )
    source = StoredFile(job.account_id, UPLOAD, name)
    if not files.exists(*source):
        return _fail(RunFailure.FILE_NOT_FOUND, f"no file {name} in upload/", name)

    request = ImportRequest(
        job=job,
        settings=settings,
        target=target,
        parent=parent,
        source=source,
        job_run_id=job_run_id,
        zone=zone,
        now=now,
        batch_rows=batch_rows,
    )
    run = _Run(request, files, open_sink, stop, progress)
    run.forked = can_fork() and files.size(*source) >= fork_from_bytes
    try:
        outcome = run.execute()
    finally:
        _file_lifecycle(files, request, run.outcome_state)
    return outcome


def _fail(failure: RunFailure, message: str, name: str | None = None) -> ImportOutcome:
    return ImportOutcome(
        state=FAILED, error_code=failure.value, error_message=message, file_name=name
    )


def _file_lifecycle(
    files: FileServer, request: ImportRequest, state: tuple[JobRunState, RunFailure | None]
) -> None:
    """Archive a copy; remove on success; on failure only when a rerun cannot help."""
    outcome, failure = state
    source = request.source
    try:
        remove = outcome is SUCCEEDED or (outcome is FAILED and failure in DELETE_FILE_ON)
        files.archive(source.account_id, source.name, prefix=str(request.job_run_id), move=remove)
        if remove:
            files.delete(*source)
            if request.settings.count_file:
                files.delete(*source.sibling(f"{source.name}.cnt"))
    except OSError:
        log.exception("file lifecycle of %s failed", source)


class _Run:
    def __init__(
        self,
        request: ImportRequest,
        files: FileServer,
        open_sink: SinkFactory,
        stop: StopToken,
        progress: Callable[[int], None],
    ) -> None:
        self.request, self.settings = request, request.settings
        self.files, self.open_sink, self.stop, self.progress = files, open_sink, stop, progress
        self.forked = False
        self._sink: Sink | None = None  # the open sink of the current pass, if any
        self.processed = self.added = self.updated = self.rejected = 0
        self.outcome_state: tuple[JobRunState, RunFailure | None] = (FAILED, None)
        self._rejects: IO[bytes] | None = None
        self._rejects_ctx: object = None
        self._header_raw: str | None = None
        self.rejects_name = f"{_safe(request.job.name)}_{request.job_run_id}_rejects.csv"

    def execute(self) -> ImportOutcome:
        try:
            expected = self._expected_count() if self.settings.count_file else None
            try:
                self._apply(expected, optimistic=True)
            except RepeatedKeys:
                # Rolled back by the sink: read the file again, refusing each repeat.
                log.info(
                    "run %s: the file repeats a key; reading it again", self.request.job_run_id
                )
                self._sink = None
                self._restart()
                self._apply(expected, optimistic=False)
        except AlreadyApplied:
            self.outcome_state = (SUCCEEDED, None)
            self._close_rejects(keep=False)
            return ImportOutcome(
                state=SUCCEEDED, file_name=self.request.source.name, already_applied=True
            )
        except (_Stopped, Stopped):
            self._rollback()
            self.outcome_state = (ABORTED, None)
            self._close_rejects(keep=False)
            return self._outcome(ABORTED, keep_rejects=False)
        except _Failed as failed:
            self._rollback()
            self.outcome_state = (FAILED, failed.failure)
            kept = self._close_rejects(keep=True)
            return self._outcome(FAILED, failed.failure.value, failed.message, kept)
        except BaseException:
            self._rollback()
            self._close_rejects(keep=False)
            raise
        self.outcome_state = (SUCCEEDED, None)
        kept = self._close_rejects(keep=True)
        return self._outcome(SUCCEEDED, rejects=kept)

    def _apply(self, expected: int | None, *, optimistic: bool) -> None:
        request = self.request
        with self.files.open_read(*request.source) as stream:
            reader = RecordReader(stream, self.settings.format)
            records = iter(reader)
            first = next(records, None)
            plan = self._plan(reader, first)
            target = Target(
                request.job.account_id,
                request.target,
                request.parent,
                request.job_run_id,
                request.now,
                self.stop,
                optimistic,
            )
            self._sink = self.open_sink(target, plan)
            self._sink.begin()
            self._load(first, records, plan, self._sink)
        self._sink.check_keys()  # before the counts are judged: repeats are rejects too
        if expected is not None and expected != self.processed:
            raise _Failed(
                RunFailure.COUNT_MISMATCH,
                f"the count file says {expected} records, the file has {self.processed}",
            )
        if rejects_exceed(self.rejected, self.processed, self.settings.max_reject_percent):
            raise _Failed(
                RunFailure.REJECT_LIMIT_EXCEEDED,
                f"{self.rejected} of {self.processed} records rejected, more than "
                f"{self.settings.max_reject_percent:g}%",
            )
        sink, self._sink = self._sink, None  # rolled back by the sink itself if commit fails
        assert sink is not None
        sink.commit(
            Applied(
                processed=self.processed,
                added=self.added,
                updated=self.updated,
                rejected=self.rejected,
                file_name=request.source.name,
                rejects_file=self.rejects_name if self._rejects is not None else None,
            )
        )

    def _restart(self) -> None:
        self.processed = self.added = self.updated = self.rejected = 0
        self._close_rejects(keep=False)
        self.progress(0)

    def _rollback(self) -> None:
        sink, self._sink = self._sink, None
        if sink is not None:
            sink.rollback()

    def _outcome(
        self,
        state: JobRunState,
        code: str | None = None,
        message: str | None = None,
        rejects: bool = False,
        keep_rejects: bool = True,
    ) -> ImportOutcome:
        return ImportOutcome(
            state=state,
            processed=self.processed,
            added=self.added if state is SUCCEEDED else 0,
            updated=self.updated if state is SUCCEEDED else 0,
            rejected=self.rejected,
            error_code=code,
            error_message=message,
            file_name=self.request.source.name,
            rejects_file=self.rejects_name if rejects and keep_rejects else None,
        )

    def _expected_count(self) -> int:
        source = self.request.source
        count_file = source.sibling(f"{source.name}.cnt")
        if not self.files.exists(*count_file):
            raise _Failed(
                RunFailure.COUNT_FILE_MISSING, f"no count file {count_file.name} in upload/"
            )
        with self.files.open_read(*count_file) as f:
            text = f.read(100).decode("ascii", errors="replace").strip()
        if not text.isdigit():
            raise _Failed(
                RunFailure.COUNT_FILE_INVALID, f"{count_file.name} does not hold a number"
            )
        return int(text)

    def _plan(self, reader: RecordReader, first: Record | None) -> RowPlan:
        fmt = self.settings.format
        if first is None and reader.header is None:
            raise _Failed(RunFailure.FILE_EMPTY, "the file holds no records")
        if fmt.header:
            if reader.header is None:
                raise _Failed(RunFailure.FILE_UNREADABLE, "the header row cannot be read")
            self._header_raw = fmt.delimiter.join(reader.header)
        else:
            width = reader.expected_columns or 0
            wanted = max(int(c) for c, field in self.settings.mapping if field)
            if first is not None and first.fields is not None and wanted > width:
                raise _Failed(
                    RunFailure.MAPPED_COLUMN_MISSING,
                    f"column {wanted} is mapped; rows have {width}",
                )
        try:
            request = self.request
            return build_plan(
                self.settings, request.target, request.parent, reader.header, request.zone
            )
        except PlanError as exc:
            raise _Failed(exc.failure, exc.message) from None

    def _load(
        self, first: Record | None, records: Iterator[Record], plan: RowPlan, sink: Sink
    ) -> None:
        """Read and check rows beside this thread, which writes the previous batch meanwhile.

        Large files are read by a forked process (see ``batches``); small ones by a thread,
        sparing the process start-up. Either way the stop token is read at least every 0.2 s.
        """
        # itertools.chain, not a generator: no Python frame resumed per record.
        stream = records if first is None else itertools.chain((first,), records)
        kind = ForkedBatches if self.forked else ThreadBatches
        size = self.request.batch_rows or sink.batch_rows
        with kind(stream, plan, size, sink.preparer()) as source:
            while True:
                item = source.next(timeout=0.2)
                if item is WAITING:
                    if self.stop.is_set():
                        raise _Stopped
                    continue
                if item is None:
                    return
                if self.stop.is_set():
                    raise _Stopped
                self._store(item, sink)

    def _store(self, batch: Batch, sink: Sink) -> None:
        if batch.prepared is not None:
            result = sink.write_prepared(batch.prepared)
        else:
            result = sink.write(batch.rows) if batch.rows else BatchResult()
        self.added += result.added
        self.updated += result.updated
        self.processed = batch.processed
        self.rejected += len(batch.early) + len(result.rejects)
        raws = batch.raws
        found = batch.early + [(raws[i][0], raws[i][1], reason) for i, reason in result.rejects]
        for _, raw, reason in sorted(found, key=lambda r: r[0]):  # file order
            self._reject(raw, reason)
        self.progress(self.processed)

    # --- rejects file ------------------------------------------------------------------------

    def _reject(self, raw: str, reason: Reject) -> None:
        if self._rejects is None:
            rejects = StoredFile(self.request.job.account_id, DOWNLOAD, self.rejects_name)
            ctx = self.files.writer(*rejects)
            self._rejects_ctx = ctx
            self._rejects = ctx.__enter__()
            delim = self.settings.format.delimiter
            header = self._header_raw
            if header is not None:
                self._rejects.write(f"{header}{delim}{REJECT_COLUMN}\n".encode())
        delim = self.settings.format.delimiter
        self._rejects.write(f"{raw}{delim}{reason.value}\n".encode())

    def _close_rejects(self, *, keep: bool) -> bool:
        if self._rejects is None:
            return False
        ctx = self._rejects_ctx
        self._rejects = None
        if keep:
            ctx.__exit__(None, None, None)  # type: ignore[attr-defined]
            return True
        try:
            raise _Discard
        except _Discard as exc:
            ctx.__exit__(_Discard, exc, exc.__traceback__)  # type: ignore[attr-defined]
        return False


class _Discard(Exception):
    pass


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:100]
