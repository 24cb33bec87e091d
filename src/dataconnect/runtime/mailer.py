"""The mailer loop: every ``interval`` seconds (at once when this process records an email), send
what is due. Any number may run (``serve`` and every ``worker`` run one); each email is claimed
by one of them."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from dataconnect.domain.runs import RunRef
from dataconnect.services.notifications import MAIL
from dataconnect.services.signals import Signals

log = logging.getLogger(__name__)


class Mailer:
    def __init__(
        self, send_due: Callable[[], int], signals: Signals, *, interval: float = 1.0
    ) -> None:
        self._send_due = send_due
        self._interval = interval
        self._halt = threading.Event()
        self._wake = threading.Event()
        self._unsubscribe = signals.subscribe(self._on_signal)
        self._thread = threading.Thread(target=self._loop, name="dc-mailer", daemon=True)

    def start(self) -> Mailer:
        self._thread.start()
        return self

    def close(self, timeout: float = 30.0) -> None:
        self._halt.set()
        self._wake.set()
        self._unsubscribe()
        self._thread.join(timeout)

    def _on_signal(self, event: str, run: RunRef | None) -> None:
        if event == MAIL:
            self._wake.set()

    def _loop(self) -> None:
        while not self._halt.is_set():
            try:
                while self._send_due() and not self._halt.is_set():
                    pass  # more may be due
            except Exception:
                log.exception("mailer pass failed; trying again in %s s", self._interval)
            self._wake.wait(self._interval)
            self._wake.clear()
