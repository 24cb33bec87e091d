"""``run_export``: one table, read in one snapshot, out as a file, published with its count
and ready files, or not at all.

Rows stream in batches (memory stays flat whatever the table's size); on PostgreSQL the server
writes the file itself when the format allows (``COPY (SELECT …) TO STDOUT``). The stop token is
read between batches, so a stop takes effect within a fraction of a second, and a stopped,
failed or killed run publishes nothing (``files.publish``). The engine knows nothing of jobs or
schedules: it gets the query, the format, the names, and where the bytes go.
"""

from __future__ import annotations

import contextlib
import gzip
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO, BinaryIO

from dataconnect.domain.exports import ExportFailure, OutputNames, ready_line
from dataconnect.domain.formats import FileFormat
from dataconnect.domain.job_settings import ExportCompression
from dataconnect.domain.runs import JobRunState, RunOutcome, StopToken
from dataconnect.exports.csv_out import CsvOut, ExportFailed
from dataconnect.files.publish import Publication
from dataconnect.files.server import DOWNLOAD, FileServer
from dataconnect.store.exports import ExportQuery, Snapshot, SourceMissing, Unencodable

BATCH_ROWS = 5000
WRITE_BYTES = 1 << 20  # COPY's rows are gathered into writes of about this size
PROGRESS_EVERY = 5000  # COPY rows between stop checks and progress reports

Snapshots = Callable[[ExportQuery], AbstractContextManager[Snapshot]]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportRequest:
    query: ExportQuery
    format: FileFormat
    compression: ExportCompression
    file_name: str  # the pattern resolved: the name inside a zip, before the suffixes
    names: OutputNames  # what is published
    account_id: int
    job_run_id: int


class _Stopped(Exception):
    pass


def run_export(
    request: ExportRequest,
    snapshots: Snapshots,
    files: FileServer,
    stop: StopToken,
    progress: Callable[[int], None] = lambda rows: None,
) -> RunOutcome:
    tag = f"export{request.job_run_id}"
    names = request.names
    try:
        with Publication(files, request.account_id, DOWNLOAD, tag) as published:
            raw = published.create(names.data)
            with (
                _compressed(raw, request.compression, request.file_name) as out,
                snapshots(request.query) as snapshot,
            ):
                mark = snapshot.mark
                rows = _write(snapshot, request, out, stop, progress)
            if names.count is not None:
                published.write_text(names.count, f"{rows}\n")
            if names.ready is not None:
                published.write_text(names.ready, ready_line(names.data, rows))
    except _Stopped:
        return RunOutcome(state=JobRunState.ABORTED, file_name=names.data)
    except ExportFailed as failed:
        return _failed(failed.failure, failed.message, names.data)
    except Unencodable as exc:
        return _failed(
            ExportFailure.EXPORT_VALUE_UNENCODABLE,
            f"a value cannot be written in {request.format.encoding} ({exc}); choose utf-8",
            names.data,
        )
    except SourceMissing as exc:
        return _failed(ExportFailure.SOURCE_NOT_FOUND, f"the source is gone: {exc}", names.data)
    return RunOutcome(
        state=JobRunState.SUCCEEDED,
        processed=rows,
        file_name=names.data,
        output_files=tuple(str(f) for f in published.published),
        change_mark=mark,
    )


def _failed(failure: ExportFailure, message: str, name: str) -> RunOutcome:
    return RunOutcome(
        state=JobRunState.FAILED, error_code=failure.value, error_message=message, file_name=name
    )


def _write(
    snapshot: Snapshot,
    request: ExportRequest,
    out: IO[bytes],
    stop: StopToken,
    progress: Callable[[int], None],
) -> int:
    """Every row of the snapshot into ``out``; the number of rows."""
    chunks = snapshot.copy_csv(request.format)
    if chunks is not None:
        return _copied(chunks, snapshot, out, stop, progress)
    columns = [f for f, _ in request.query.columns()]
    writer = CsvOut(out, request.format, columns)
    if request.format.header:
        writer.header()
    for batch in snapshot.rows(BATCH_ROWS):
        if stop.is_set():
            raise _Stopped
        writer.write(batch)
        progress(writer.rows)
    return writer.rows


def _copied(
    chunks: Iterator[bytes],
    snapshot: Snapshot,
    out: IO[bytes],
    stop: StopToken,
    progress: Callable[[int], None],
) -> int:
    """The server's file, each of its rows a chunk, written in large pieces."""
    pending: list[bytes] = []
    size = lines = 0
    for lines, chunk in enumerate(chunks, start=1):
        pending.append(chunk)
        size += len(chunk)
        if size >= WRITE_BYTES:
            out.write(b"".join(pending))
            pending.clear()
            size = 0
        if lines % PROGRESS_EVERY == 0:
            if stop.is_set():
                raise _Stopped
            progress(lines)  # lines: about the rows (a value may hold a line break)
    out.write(b"".join(pending))
    return snapshot.rowcount


@contextlib.contextmanager
def _compressed(raw: BinaryIO, compression: ExportCompression, inner: str) -> Iterator[IO[bytes]]:
    """The stream to write the file's bytes to: ``raw`` itself, or a gzip or zip layer over
    it (closed here; ``raw`` stays open for the publication)."""
    if compression is ExportCompression.GZIP:
        with gzip.GzipFile(filename=inner, mode="wb", fileobj=raw, compresslevel=6) as zipped:
            yield zipped  # type: ignore[misc]
    elif compression is ExportCompression.ZIP:
        with (
            zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive,
            archive.open(inner, "w", force_zip64=True) as entry,
        ):
            yield entry
    else:
        yield raw
