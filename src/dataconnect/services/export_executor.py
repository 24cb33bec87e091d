"""The runs of export jobs: a table out to a file in the account's ``download/`` folder."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dataconnect.domain.exports import ExportFailure, output_names
from dataconnect.domain.formats import resolve_file_pattern
from dataconnect.domain.runs import JobRunState, RunOutcome, StopToken
from dataconnect.domain.tables import TableKind
from dataconnect.exports.engine import ExportRequest, run_export
from dataconnect.files.server import FileServer
from dataconnect.services.base import Deps
from dataconnect.services.job_handler import JobWork
from dataconnect.store.data import physical_name
from dataconnect.store.exports import ExportQuery, Snapshot, snapshot


@dataclass(frozen=True)
class ExportExecutor:
    deps: Deps
    files: FileServer

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
        return run_export(request, self._snapshot, self.files, stop, progress)

    def _snapshot(self, query: ExportQuery) -> AbstractContextManager[Snapshot]:
        data = self.deps.data
        return snapshot(data.engine, data.schema, query)


def _failed(failure: ExportFailure, message: str) -> RunOutcome:
    return RunOutcome(state=JobRunState.FAILED, error_code=failure.value, error_message=message)
