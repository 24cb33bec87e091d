"""A worker: claims runs from the database and runs them, a few at a time, on its own threads.

Beside the runs, a monitor thread of the worker
- delivers stops: every ``stop_poll`` seconds it asks which of its runs were asked to stop (in
  this process a stop also arrives at once through ``Signals``), and sets that run's event; the
  import sees it between two batches and rolls back;
- renews its leases every ``renew_every`` seconds and writes the rows read so far; a run whose
  lease it lost (another worker took it over) is aborted here, and its writes are refused by
  the lease guard anyway.

Worker ids are unique per process start, so a restarted worker never mistakes an old lease for
its own: what it held before the restart is taken over like any lost worker's.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from dataconnect.domain.runs import Claimed, RunRef
from dataconnect.services.signals import NEW_WORK, STOP, Signals
from dataconnect.services.work import WorkService

log = logging.getLogger(__name__)


def new_worker_id(role: str = "worker") -> str:
    return f"{role}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class _Held:
    claimed: Claimed
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class Worker:
    def __init__(
        self,
        work: WorkService,
        signals: Signals,
        *,
        slots: int = 4,
        poll: float = 0.25,
        stop_poll: float = 0.2,
        renew_every: float = 1.0,
        worker_id: str | None = None,
        only: RunRef | None = None,
    ) -> None:
        """``only``: claim just this run, as the CLI does for the run it follows."""
        self.id = worker_id or new_worker_id()
        self._work = work
        self._signals = signals
        self._slots = slots
        self._poll = poll
        self._stop_poll = stop_poll
        self._renew_every = renew_every
        self._wake = threading.Event()
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self._held: dict[RunRef, _Held] = {}
        self._rows: dict[int, int] = {}  # job run id → rows read, not yet written
        self._threads: list[threading.Thread] = []
        self._unsubscribe: Callable[[], None] = lambda: None
        self._only = only

    # --- life -----------------------------------------------------------------------------

    def start(self) -> Worker:
        self._unsubscribe = self._signals.subscribe(self._on_signal)
        for target, name in ((self._loop, "claim"), (self._monitor, "monitor")):
            thread = threading.Thread(target=target, name=f"dc-worker-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def close(self, timeout: float = 10.0) -> None:
        """Stop claiming; abort the runs in hand, which are handed back to be taken over."""
        self._halt.set()
        self._wake.set()
        self._unsubscribe()
        with self._lock:
            held = list(self._held.values())
        for item in held:
            item.stop.set()
        for item in held:
            if item.thread is not None:
                item.thread.join(timeout)
        for thread in self._threads:
            thread.join(timeout)

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._held)

    # --- claiming -------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._halt.is_set():
            claimed = None
            if self.busy < self._slots:
                try:
                    claimed = self._work.claim(self.id, only=self._only)
                except Exception:
                    log.exception("worker %s could not claim work", self.id)
            if claimed is not None:
                self._run(claimed)
                continue  # there may be more: claim again at once
            self._wake.wait(self._poll)
            self._wake.clear()

    def _run(self, claimed: Claimed) -> None:
        item = _Held(claimed)
        thread = threading.Thread(
            target=self._execute, args=(item,), name=f"dc-run-{claimed.kind}-{claimed.id}"
        )
        item.thread = thread
        with self._lock:
            self._held[claimed.ref] = item
        thread.start()

    def _execute(self, item: _Held) -> None:
        claimed = item.claimed
        try:
            self._work.execute(claimed, self.id, item.stop, self._note_rows, self._halt)
        except Exception:
            # The database went away, or a bug: the lease runs out and another worker resumes.
            log.exception("worker %s failed running %s %s", self.id, claimed.kind, claimed.id)
        finally:
            with self._lock:
                self._held.pop(claimed.ref, None)
            self._wake.set()

    def _note_rows(self, job_run_id: int, rows: int) -> None:
        with self._lock:
            self._rows[job_run_id] = rows

    def _on_signal(self, event: str, run: RunRef | None) -> None:
        if event == NEW_WORK:
            self._wake.set()
        elif event == STOP and run is not None:
            with self._lock:
                item = self._held.get(run)
            if item is not None:
                item.stop.set()

    # --- stops, leases, progress ----------------------------------------------------------

    def _monitor(self) -> None:
        ticks_per_renewal = max(1, round(self._renew_every / self._stop_poll))
        tick = 0
        while not self._halt.wait(self._stop_poll):
            tick += 1
            with self._lock:
                held = dict(self._held)
            if not held:
                continue
            try:
                stopped = self._work.stops_for(self.id)
                for run, item in held.items():
                    if run in stopped:
                        item.stop.set()
                if tick % ticks_per_renewal == 0:
                    self._renew(held)
            except Exception:
                log.exception("worker %s: lease renewal or stop check failed", self.id)

    def _renew(self, held: dict[RunRef, _Held]) -> None:
        with self._lock:
            rows, self._rows = self._rows, {}
        self._work.report_progress(self.id, rows)
        still = self._work.renew(self.id)
        for run, item in held.items():
            if run not in still and item.thread is not None and item.thread.is_alive():
                # Ended meanwhile, or taken over by another worker: either way, let go.
                item.stop.set()
