"""The workers' door: claim a queued run (or one whose worker was lost), run it, report.

What a run does is its kind's ``RunHandler``'s business (``group_handler``: a group run step by
step; ``job_handler``: a job run, whose job type picks the code that runs it). This module
only claims, renews leases, delivers stops and hands the claimed run to its handler, so a new
kind of run is one handler more in the list ``bootstrap`` gives, not an edit here.

Every change is guarded by the state it expects and by the worker's lease, so a worker that
lost its lease (it was too slow, or presumed dead) changes nothing any more.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from dataconnect.domain.runs import Claimed, RunKind, RunRef
from dataconnect.services.base import Deps
from dataconnect.store.store import Tx

LEASE_SECONDS = 10.0

Progress = Callable[[int, int], None]  # (job run id, records read so far)


class RunHandler(Protocol):
    """Runs the claimed runs of one kind."""

    kind: RunKind

    def begin(self, tx: Tx, claimed: Claimed, now: datetime, worker: str) -> None:
        """In the claiming transaction: move a queued run that was just claimed to running."""

    def execute(
        self,
        claimed: Claimed,
        worker: str,
        stop: threading.Event,
        progress: Progress,
        halt: threading.Event,
    ) -> None:
        """Run the claimed run to its end (or until its lease is lost). ``stop`` aborts the
        running step: a stop asked for, or ``halt``: this worker is shutting down, and then
        the run is handed back to be taken over."""


class WorkService:
    def __init__(
        self, deps: Deps, handlers: Sequence[RunHandler], lease_seconds: float = LEASE_SECONDS
    ) -> None:
        """``handlers``: one per kind of run, in the order their queued runs are claimed."""
        self._deps = deps
        self._handlers = {h.kind: h for h in handlers}
        if len(self._handlers) != len(handlers):
            raise ValueError("one handler per kind of run")
        self.lease = timedelta(seconds=lease_seconds)

    def handler(self, kind: RunKind | str) -> RunHandler:
        """The handler of this kind of run."""
        return self._handlers[RunKind(kind)]

    def claim(self, worker: str, only: RunRef | tuple[str, int] | None = None) -> Claimed | None:
        """Take the oldest queued run, or one whose lease ran out, in the handlers' order;
        ``only``: just this run, as the CLI does for the run it follows."""
        wanted = None if only is None else RunRef(RunKind(only[0]), only[1])
        now = self._deps.clock.now()
        until = now + self.lease
        with self._deps.store.write() as tx:
            for kind, handler in self._handlers.items():
                if wanted is not None and wanted.kind is not kind:
                    continue
                run_id = wanted.id if wanted is not None else None
                claimed = tx.claim_run(kind, worker, now, until, run_id)
                if claimed is None:
                    continue
                if claimed.taken_over:
                    note = f"taken over from {claimed.previous_owner}: its lease ran out"
                    state = claimed.state.value
                    tx.record_event(claimed.ref, state, state, now, worker, note)
                else:
                    handler.begin(tx, claimed, now, worker)
                return claimed
        return None

    def renew(self, worker: str) -> frozenset[RunRef]:
        """Extend every lease this worker holds; the runs it still holds."""
        until = self._deps.clock.now() + self.lease
        with self._deps.store.write() as tx:
            return tx.renew_leases(worker, until)

    def stops_for(self, worker: str) -> frozenset[RunRef]:
        """The runs this worker holds whose stop was asked for."""
        with self._deps.store.read() as tx:
            return tx.stops_for(worker)

    def report_progress(self, worker: str, rows: dict[int, int]) -> None:
        if not rows:
            return
        with self._deps.store.write() as tx:
            for job_run_id, processed in rows.items():
                tx.set_progress(job_run_id, worker, processed)

    def execute(
        self,
        claimed: Claimed,
        worker: str,
        stop: threading.Event,
        progress: Progress = lambda run, rows: None,
        halt: threading.Event | None = None,
    ) -> None:
        """Run the claimed run to its end (see ``RunHandler.execute``)."""
        handler = self._handlers[claimed.kind]
        handler.execute(claimed, worker, stop, progress, halt or threading.Event())
