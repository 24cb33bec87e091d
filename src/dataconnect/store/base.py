"""What every query mixin of ``Tx`` shares: the connection, inserts that turn a unique violation
into a ``Conflict``, existence checks and savepoints."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import Connection, Executable, Select
from sqlalchemy.exc import IntegrityError

from dataconnect.errors import Conflict


def unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text


@contextmanager
def refused_as(conflict: Conflict, conn: Connection) -> Iterator[None]:
    """Run the block in a savepoint; a unique violation in it raises ``conflict`` (the rest of
    the transaction stays usable)."""
    try:
        with conn.begin_nested():
            yield
    except IntegrityError as exc:
        if unique_violation(exc):
            raise conflict from None
        raise


def like_pattern(text: str) -> str:
    """A case-insensitive "contains" pattern for a ``name_key`` column, wildcards escaped; it
    is always bound, never spliced into the SQL."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Savepoint(Protocol):
    def rollback(self) -> None:
        """Undo what was written since the savepoint; the transaction goes on."""


class QueriesBase:
    conn: Connection

    def _insert(
        self, statement: Executable, conflict: Conflict, params: dict[str, Any] | None = None
    ) -> int:
        """Insert one row; its new id. A unique violation raises ``conflict``."""
        with refused_as(conflict, self.conn):
            result = self.conn.execute(statement, params)
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def _exists(self, query: Select[Any]) -> bool:
        return self.conn.execute(query.limit(1)).first() is not None

    @contextmanager
    def savepoint(self) -> Iterator[Savepoint]:
        """A nested transaction: what the block wrote is undone if it raises, or if the block
        rolls it back; kept otherwise."""
        with self.conn.begin_nested() as nested:
            yield nested
