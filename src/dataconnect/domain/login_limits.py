"""Failed SFTP logins, limited per source address and per login name.

Each failure is kept for ``window`` seconds; a source address with ``per_address`` of them, or a
login name with ``per_username``, is refused at once, without checking any key, until its oldest
failure leaves the window. A refused attempt is not counted (a client hammering while locked out
does not extend its own lockout forever), and nothing here waits: a locked-out client costs the
others nothing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

WINDOW_SECONDS = 300.0
PER_ADDRESS = 20
PER_USERNAME = 50
TRACKED_MAX = 100_000  # distinct addresses and names remembered at most (memory stays bounded)


@dataclass
class LoginLimits:
    window: float = WINDOW_SECONDS
    per_address: int = PER_ADDRESS
    per_username: int = PER_USERNAME
    _addresses: dict[str, deque[float]] = field(default_factory=dict)
    _usernames: dict[str, deque[float]] = field(default_factory=dict)

    def refused(self, address: str, username: str, now: float) -> str | None:
        """Why a login from ``address`` as ``username`` is refused now, or None."""
        if self._count(self._addresses, address, now) >= self.per_address:
            return f"too many failed logins from {address}"
        if self._count(self._usernames, username, now) >= self.per_username:
            return f"too many failed logins as {username}"
        return None

    def failed(self, address: str, username: str, now: float) -> None:
        for book, key in ((self._addresses, address), (self._usernames, username)):
            if key not in book and len(book) >= TRACKED_MAX:
                self._forget_oldest(book, now)
            book.setdefault(key, deque()).append(now)

    def _count(self, book: dict[str, deque[float]], key: str, now: float) -> int:
        times = book.get(key)
        if times is None:
            return 0
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del book[key]
            return 0
        return len(times)

    def _forget_oldest(self, book: dict[str, deque[float]], now: float) -> None:
        for key in [k for k, t in book.items() if not t or t[-1] <= now - self.window]:
            del book[key]
        if len(book) >= TRACKED_MAX:  # all recent: drop the first remembered
            del book[next(iter(book))]
