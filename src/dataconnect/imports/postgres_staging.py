"""The staging side of the PostgreSQL sink: staging column types, key joins, and the batches the
reader prepares for the staging table (``Staging``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dataconnect.domain.imports import Reject
from dataconnect.domain.tables import FieldDef, FieldType
from dataconnect.imports.copy_text import CopyText
from dataconnect.imports.sink import Prepared, Row
from dataconnect.store.data import quote

# Columns of the staging tables of the run's transaction.
IDX = quote("idx")  # a staged row's index in the batch
RIID = quote("RIID_")


def pg_type(f: FieldDef) -> str:
    """The staging column type: the same type the target column has (see ``data._column_type``)."""
    return {
        FieldType.TEXT: f"varchar({f.length})" if f.length else "text",
        FieldType.INTEGER: "bigint",
        FieldType.NUMBER: "double precision",
        FieldType.DATE: "date",
        FieldType.TIMESTAMP: "timestamptz",
        FieldType.BOOLEAN: "boolean",
    }[f.type]


def match_on(keys: Sequence[str], left: str = "t", right: str = "s") -> str:
    return " AND ".join(f"{left}.{quote(k)} = {right}.{quote(k)}" for k in keys)


class Staging:
    """A keyed batch for the staging table, made by the reader: rows holding NUL refused,
    repeated keys set aside (only each key's first row is staged; the later ones share its
    fate when it was refused, and are duplicates when it was written), the rest as COPY text
    led by each row's index in the batch."""

    def __init__(self, width: int, with_key: bool) -> None:
        self._encode = CopyText(width + 1)
        self._with_key = with_key

    def __call__(self, rows: list[Row]) -> Prepared:
        # A row holding NUL is refused and is not its key's first row. Rows from the reader
        # never hold one (it refuses such lines), so the batch is nearly always made once.
        refused: set[int] = set()
        while True:
            first: dict[tuple[Any, ...], int] = {}
            later: list[tuple[int, int]] = []  # (index, index of the key's first row)
            staged: list[Row] = []
            for index, (values, key) in enumerate(rows):
                if refused and index in refused:
                    continue
                seen = first.get(key)
                if seen is not None:
                    later.append((index, seen))
                    continue
                first[key] = index
                row = (*values, *key) if self._with_key else values
                staged.append(((str(index), *row), ()))  # all text: the quick way through
            prepared = self._encode(staged)
            if not prepared.rejects:
                rejects = [(index, Reject.INVALID_ENCODING) for index in sorted(refused)]
                return Prepared((prepared.data, later), prepared.count, rejects)
            refused.update(int(staged[i][0][0]) for i, _ in prepared.rejects)
