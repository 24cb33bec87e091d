"""The runs of export jobs: a table out to a file in the account's ``download/`` folder, or
delivered to an outside SFTP server's folder (a connection)."""

from __future__ import annotations

import dataclasses
import logging
import posixpath
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from dataconnect.domain.exports import ExportFailure, output_names
from dataconnect.domain.formats import resolve_file_pattern
from dataconnect.domain.runs import JobRunState, RunOutcome, StopToken
from dataconnect.domain.tables import TableKind
from dataconnect.errors import DataConnectError
from dataconnect.exports.engine import ExportRequest, run_export
from dataconnect.files.server import DOWNLOAD, FileServer
from dataconnect.services.base import Deps
from dataconnect.services.connections import ConnectionService
from dataconnect.services.job_handler import JobWork
from dataconnect.store.data import physical_name
from dataconnect.store.exports import ExportQuery, Snapshot, snapshot

log = logging.getLogger("dataconnect.exports")


@dataclass(frozen=True)
class ExportExecutor:
    deps: Deps
    files: FileServer
    connections: ConnectionService

    def run(self, work: JobWork, stop: StopToken, progress: Callable[[int], None]) -> RunOutcome:
        settings = work.job.export_settings
        if settings is None:
            raise ValueError("an export job without export settings")
        table = work.tables.get(settings.source)
        if table is None:
            return _failed(ExportFailure.SOURCE_NOT_FOUND, f"table {settings.source} is gone")
        parent = None
        if table.kind is TableKind.PET:
            parent = work.tables.get(table.list_name or "")
            if parent is None:
                return _failed(
                    ExportFailure.SOURCE_LIST_NOT_FOUND,
                    f"the profile list of {table.name} is gone",
                )
        since = None
        if settings.changed_since_last_run:
            with self.deps.store.read() as tx:
                mark = tx.last_change_mark(work.job.id)
            same_table = physical_name(work.job.account_id, table.name)
            if mark is not None and mark.table == same_table:
                since = mark.seq
        # The run's first start names the file: an attempt after a lost one replaces it.
        local = work.started_at.astimezone(ZoneInfo(work.zone))
        file_name = resolve_file_pattern(settings.file_pattern, local)
        request = ExportRequest(
            query=ExportQuery(
                account_id=work.job.account_id,
                table=table,
                parent=parent,
                fields=settings.fields,
                since=since,
            ),
            format=settings.format,
            compression=settings.compression,
            file_name=file_name,
            names=output_names(
                file_name,
                settings.compression,
                count_file=settings.count_file,
                ready_file=settings.ready_file,
            ),
            account_id=work.job.account_id,
            job_run_id=work.job_run_id,
        )
        destination = settings.destination
        if destination is None:
            return run_export(request, self._snapshot, self.files, stop, progress)
        # Written whole on this side first (its own file server in a temporary folder), then
        # delivered: uploaded under temporary names and renamed in order, the ready file last.
        self.files.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".outbound-", dir=self.files.root) as staging:
            staged = FileServer(Path(staging))
            outcome = run_export(request, self._snapshot, staged, stop, progress)
            if outcome.state is not JobRunState.SUCCEEDED:
                return outcome
            files = [
                (staged.path(work.job.account_id, DOWNLOAD, name), name)
                for name in (posixpath.basename(f) for f in outcome.output_files)
            ]
            try:
                with self.connections.open_remote(
                    work.job.account_id, destination.connection
                ) as remote:
                    delivered = remote.deliver(files, destination.folder)
            except DataConnectError as exc:
                log.warning(
                    "export run %s: delivery to %s failed: %s",
                    work.job_run_id,
                    destination.connection,
                    exc,
                )
                return RunOutcome(
                    state=JobRunState.FAILED,
                    error_code=exc.code,
                    error_message=f"delivery to {destination.connection}: {exc}"[:1000],
                    file_name=outcome.file_name,
                )
        where = f"{destination.connection}:{destination.folder}".rstrip("/")
        return dataclasses.replace(
            outcome,
            output_files=tuple(
                f"{where}/{name}" if destination.folder else f"{where}{name}" for name in delivered
            ),
        )

    def _snapshot(self, query: ExportQuery) -> AbstractContextManager[Snapshot]:
        data = self.deps.data
        return snapshot(data.engine, data.schema, query)


def _failed(failure: ExportFailure, message: str) -> RunOutcome:
    return RunOutcome(state=JobRunState.FAILED, error_code=failure.value, error_message=message)
