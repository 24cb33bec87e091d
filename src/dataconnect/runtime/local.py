"""Runs job runs in background threads of this process (the embedded mode before workers).

Each run has its stop event; ``stop`` sets it and the import rolls back within one batch.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from dataconnect.domain.runs import JobRun
from dataconnect.services.runs import RunService

log = logging.getLogger(__name__)


class LocalRunner:
    def __init__(self, runs: RunService, threads: int = 2) -> None:
        self._runs = runs
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dc-run")
        self._stops: dict[int, threading.Event] = {}
        self._lock = threading.Lock()

    def submit(self, run: JobRun) -> Future[JobRun]:
        stop = threading.Event()
        with self._lock:
            self._stops[run.id] = stop

        def work() -> JobRun:
            try:
                return self._runs.execute(run.account_id, run.id, stop)
            finally:
                with self._lock:
                    self._stops.pop(run.id, None)

        return self._pool.submit(work)

    def stop(self, run_id: int) -> bool:
        with self._lock:
            event = self._stops.get(run_id)
        if event is None:
            return False
        event.set()
        return True

    def close(self) -> None:
        with self._lock:
            for event in self._stops.values():
                event.set()
        self._pool.shutdown(wait=True)
