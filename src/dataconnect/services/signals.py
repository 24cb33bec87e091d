"""In-process wake-ups between the services and the workers of this process.

Workers in other processes learn the same things by polling the database; these only make the
embedded mode (and a worker beside the API that took the request) react at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from dataconnect.domain.runs import RunRef

Listener = Callable[[str, RunRef | None], None]  # (event, the run it is about)

NEW_WORK = "new_work"
STOP = "stop"


class Signals:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, event: str, run: RunRef | None = None) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event, run)
