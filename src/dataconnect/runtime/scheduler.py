"""The scheduler loop: every ``interval`` seconds, decide the occurrences that are due and
sweep what has expired.

Any number of schedulers may run (``serve`` has one, ``dataconnect scheduler`` is one more):
each occurrence is taken by one of them (``FOR UPDATE SKIP LOCKED``, or SQLite's write lock) and
decided in the transaction that starts its run, so none fires twice and a scheduler killed
half-way leaves its occurrence planned for the next pass.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, *passes: Callable[[], object], interval: float = 1.0) -> None:
        self._passes = passes
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
            for run_pass in self._passes:
                try:
                    done = run_pass()
                    if done != type(done)():  # something was decided: say what
                        log.info("scheduler: %s", done)
                except Exception:
                    log.exception("scheduler pass failed; trying again in %s s", self._interval)
            self.passes += 1
            self._halt.wait(self._interval)
