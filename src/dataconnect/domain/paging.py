"""Keyset paging: opaque cursors that carry the last key seen, so pages never skip or repeat rows.

Every list of the API pages the same way (``?limit=&cursor=``): ``Keyset.of`` checks both, the
store fetches ``fetch`` rows past the key (``store.paging.keyset``), and ``cut`` keeps one page
and makes the next cursor. Lists run oldest first by key, or newest first (runs).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from dataconnect.errors import Problem, ValidationFailed

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
T = TypeVar("T")


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"k{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw.startswith("k") and raw[1:].isdigit() and len(raw) < 20:
            return int(raw[1:])
    except (ValueError, UnicodeDecodeError):
        pass
    raise ValidationFailed(Problem("cursor", "CURSOR_INVALID", "use the cursor of a previous page"))


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(Problem("limit", "LIMIT_INVALID", f"limit is 1 to {MAX_LIMIT}"))
    return limit


@dataclass(frozen=True, slots=True)
class Keyset:
    """One page: at most ``limit`` rows past ``after``, the key of the previous page's last row
    (beyond it in the list's order: greater oldest first, smaller newest first)."""

    limit: int
    after: int | None = None

    @classmethod
    def of(cls, limit: int | None, cursor: str | None) -> Keyset:
        """The page a request asks for; ``LIMIT_INVALID`` or ``CURSOR_INVALID`` otherwise."""
        return cls(check_limit(limit), decode_cursor(cursor))

    @property
    def fetch(self) -> int:
        """Rows to read: one more than a page tells whether another page follows."""
        return self.limit + 1

    def cut(self, found: Sequence[T], key: Callable[[T], int]) -> tuple[list[T], str | None]:
        """The page out of the ``fetch`` rows read, and the next page's cursor (``None``: this
        was the last page)."""
        page = list(found[: self.limit])
        more = len(found) > self.limit
        return page, encode_cursor(key(page[-1])) if more and page else None
