"""The runs of import jobs: a job run's file into its table (``imports.engine``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dataconnect.domain.runs import RunOutcome, StopToken
from dataconnect.files.server import FileServer
from dataconnect.imports.engine import SinkFactory, run_import
from dataconnect.services.job_handler import JobWork


@dataclass(frozen=True)
class ImportExecutor:
    files: FileServer
    open_sink: SinkFactory  # the import sink of the configured database

    def run(self, work: JobWork, stop: StopToken, progress: Callable[[int], None]) -> RunOutcome:
        return run_import(
            job=work.job,
            zone=work.zone,
            tables=work.tables,
            job_run_id=work.job_run_id,
            files=self.files,
            open_sink=self.open_sink,
            now=work.now,
            stop=stop,
            progress=progress,
        )
