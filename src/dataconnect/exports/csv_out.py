"""Rows out as the bytes of a delimited file, in a job's format.

A value holding the delimiter, the qualifier, CR or LF is quoted (the qualifier inside it
doubled), so our own import reads every value back as it was. Python's csv writer does that for
everything but a lone CR when lines end in LF alone; a batch holding one is written again by
``_quoted_line``. Without a qualifier such a value cannot be written at all, nor can a value the
file's encoding has no bytes for: both fail the run, naming the row and the field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date
from typing import IO, Any

from dataconnect.domain.exports import ExportFailure
from dataconnect.domain.formats import ISO_DATE, FileFormat
from dataconnect.domain.tables import FieldDef, FieldType

DATE_CACHE_MAX = 100_000


class ExportFailed(Exception):
    def __init__(self, failure: ExportFailure, message: str) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message


class CsvOut:
    """Writes the header and then batches of rows (values as ``store.exports`` gives them)."""

    def __init__(self, out: IO[bytes], fmt: FileFormat, fields: Sequence[FieldDef]) -> None:
        self._out = out
        self._fmt = fmt
        self._names = [f.name for f in fields]
        self._buffer = io.StringIO()
        self._writer = csv.writer(
            self._buffer,
            delimiter=fmt.delimiter,
            quotechar=fmt.qualifier,
            quoting=csv.QUOTE_MINIMAL if fmt.qualifier else csv.QUOTE_NONE,
            lineterminator="\n",
            escapechar=None,
        )
        self._redate: Callable[[list[tuple[Any, ...]]], list[tuple[Any, ...]]] | None = None
        dates = [i for i, f in enumerate(fields) if f.type is FieldType.DATE]
        if dates and fmt.date_format != ISO_DATE:
            self._redate = _date_formatter(dates, fmt.date_format)
        self.rows = 0

    def header(self) -> None:
        self._out.write(self._encode(self._fmt.delimiter.join(self._names) + "\n", []))

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        if self._redate is not None:
            rows = self._redate(rows)
        try:
            self._writer.writerows(rows)
        except csv.Error:
            self._reset()
            raise self._unquotable(rows) from None
        text = self._reset()
        if "\r" in text:
            if self._fmt.qualifier is None:
                raise self._unquotable(rows)
            text = "".join(self._quoted_line(row) for row in rows)
        self._out.write(self._encode(text, rows))
        self.rows += len(rows)

    def _reset(self) -> str:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text

    def _quoted_line(self, row: tuple[Any, ...]) -> str:
        """One line as the csv writer writes it, with a value holding CR quoted too."""
        quote, delimiter = self._fmt.qualifier, self._fmt.delimiter
        assert quote is not None
        special = (delimiter, quote, "\n", "\r")
        cells = []
        for value in row:
            text = "" if value is None else value if isinstance(value, str) else str(value)
            if any(c in text for c in special):
                text = quote + text.replace(quote, quote + quote) + quote
            cells.append(text)
        return delimiter.join(cells) + "\n"

    def _encode(self, text: str, rows: list[tuple[Any, ...]]) -> bytes:
        try:
            return text.encode(self._fmt.encoding)
        except UnicodeEncodeError as exc:
            where = self._find(rows, lambda v: not _encodes(v, self._fmt.encoding))
            raise ExportFailed(
                ExportFailure.EXPORT_VALUE_UNENCODABLE,
                f"{where}holds {exc.object[exc.start : exc.end]!r}, which "
                f"{self._fmt.encoding} cannot write; choose utf-8",
            ) from None

    def _unquotable(self, rows: list[tuple[Any, ...]]) -> ExportFailed:
        special = (self._fmt.delimiter, "\n", "\r")
        where = self._find(rows, lambda v: any(c in v for c in special))
        return ExportFailed(
            ExportFailure.EXPORT_VALUE_NEEDS_QUALIFIER,
            f"{where}holds the delimiter, a CR or a LF, which a file without a qualifier "
            'cannot hold; set the qualifier to "',
        )

    def _find(self, rows: list[tuple[Any, ...]], bad: Callable[[str], bool]) -> str:
        for number, row in enumerate(rows, start=self.rows + 1):
            for name, value in zip(self._names, row, strict=True):
                if isinstance(value, str) and bad(value):
                    return f"row {number}, field {name} "
        return "a value "


def _encodes(value: str, encoding: str) -> bool:
    try:
        value.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _date_formatter(
    positions: list[int], date_format: str
) -> Callable[[list[tuple[Any, ...]]], list[tuple[Any, ...]]]:
    """ISO dates (as stored) rewritten in the file's date format; most files hold few dates."""
    cache: dict[str, str] = {}

    def one(value: Any) -> Any:
        if value is None:
            return None
        text = str(value)
        found = cache.get(text)
        if found is None:
            found = date.fromisoformat(text[:10]).strftime(date_format)
            if len(cache) < DATE_CACHE_MAX:
                cache[text] = found
        return found

    def rows(batch: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        out = []
        for row in batch:
            values = list(row)
            for i in positions:
                values[i] = one(values[i])
            out.append(tuple(values))
        return out

    return rows
