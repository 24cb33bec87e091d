"""The scheduler loop: every ``interval`` seconds, decide the occurrences that are due.

Any number of schedulers may run (``serve`` has one, ``dataconnect scheduler`` is one more):
each occurrence is taken by one of them (``FOR UPDATE SKIP LOCKED``, or SQLite's write lock) and
decided in the transaction that starts its run, so none fires twice and a scheduler killed
half-way leaves its occurrence planned for the next pass.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from dataconnect.services.schedules import Pass

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, run_pass: Callable[[], Pass], *, interval: float = 1.0) -> None:
        self._run_pass = run_pass
        self._interval = interval
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="dc-scheduler", daemon=True)
        self.passes = 0

    def start(self) -> Scheduler:
        self._thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        self._halt.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._halt.is_set():
            try:
                decided = self._run_pass()
                if decided.decided:
                    log.info("scheduler pass: %s", decided)
            except Exception:
                log.exception("scheduler pass failed; trying again in %s s", self._interval)
            self.passes += 1
            self._halt.wait(self._interval)
