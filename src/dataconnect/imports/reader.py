"""Streaming records out of a delimited file, one bad line at a time.

Python's csv module, fed a whole file, lets one unclosed quote swallow every line after it. Here
each physical line is read on its own; a quoted field may run onto the next lines only if the
joined record then has the right number of columns. Otherwise the first line alone is rejected
(``UNCLOSED_QUOTE``) and reading resumes with the line after it.
"""

from __future__ import annotations

import csv
import itertools
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from dataconnect.domain.formats import FileFormat
from dataconnect.domain.imports import Reject

MAX_RECORD_LINES = 64
MAX_RECORD_CHARS = 1 << 20
BOM = b"\xef\xbb\xbf"
# A long field is the row checks' business (VALUE_TOO_LONG), not a quoting error.
csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_CHARS))


@dataclass(slots=True)
class Record:
    line_no: int  # first physical line, counted from 1
    raw: str  # the record's text as read (lines joined by \n), for the rejects file
    fields: list[str] | None
    reason: Reject | None = None


class _Unclosed(Exception):
    pass


class RecordReader:
    """Iterate over data records; ``header`` is set once the header row has been read."""

    def __init__(self, stream: BinaryIO, fmt: FileFormat) -> None:
        self._stream = stream
        self._fmt = fmt
        self._delim = fmt.delimiter
        self._quote = fmt.qualifier
        self.header: list[str] | None = None
        self.expected_columns: int | None = None
        self.lines_read = 0
        self._pushback: deque[tuple[int, bytes]] = deque()

    # --- physical lines ---------------------------------------------------------------------

    def _lines(self) -> Iterator[tuple[int, bytes]]:
        """Numbered lines of the file, the first without its byte order mark."""
        first = self._stream.readline()
        if not first:
            return iter(())
        if first.startswith(BOM):
            first = first[len(BOM) :]
        return itertools.chain([(1, first)], enumerate(self._stream, start=2))

    def _next_line(self, source: Iterator[tuple[int, bytes]]) -> tuple[int, bytes] | None:
        if self._pushback:
            return self._pushback.popleft()
        return next(source, None)

    def _decode(self, raw: bytes) -> str | None:
        try:
            text = raw.decode(self._fmt.encoding)
        except UnicodeDecodeError:
            return None
        if "\x00" in text:
            return None  # no database keeps NUL in text: an encoding error for our purposes
        if text.endswith("\n"):
            text = text[:-2] if text.endswith("\r\n") else text[:-1]
        elif text.endswith("\r"):
            text = text[:-1]
        return text

    # --- records ----------------------------------------------------------------------------

    def _split(self, text: str) -> list[str]:
        quote = self._quote
        if quote is None or quote not in text:
            return text.split(self._delim)
        try:
            return next(csv.reader([text], delimiter=self._delim, quotechar=quote, strict=True))
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise _Unclosed from None
            raise

    def __iter__(self) -> Iterator[Record]:
        source = self._lines()
        encoding, delim, quote = self._fmt.encoding, self._delim, self._quote
        while True:
            # Lines set back by an unclosed quote come first; otherwise lines come straight
            # from the file, with no detour per line.
            lines = itertools.chain(self._drain(), source) if self._pushback else source
            for number, raw in lines:
                if number > self.lines_read:
                    self.lines_read = number
                # The common line (decodes, no NUL, no qualifier, the right width) takes no
                # detours.
                try:
                    text = raw.decode(encoding)
                except UnicodeDecodeError:
                    text = None
                if text is not None and "\x00" not in text:
                    if text.endswith("\n"):
                        text = text[:-2] if text.endswith("\r\n") else text[:-1]
                    elif text.endswith("\r"):
                        text = text[:-1]
                    if (
                        (quote is None or quote not in text)
                        and self.expected_columns is not None
                        and text
                    ):
                        fields = text.split(delim)
                        if len(fields) == self.expected_columns and (
                            len(fields) > 1 or text.strip()
                        ):
                            yield Record(number, text, fields)
                            continue
                else:
                    text = None
                if text is None:
                    shown = raw.decode(encoding, errors="replace").rstrip("\r\n")
                    yield Record(number, shown, None, Reject.INVALID_ENCODING)
                    continue
                if not text.strip():
                    continue  # blank lines are not records
                record = self._record(number, text, raw, source)
                if record.fields is not None and self.expected_columns is None:
                    self.expected_columns = len(record.fields)
                    if self._fmt.header and self.header is None:
                        self.header = [f.strip() for f in record.fields]
                        if self._pushback:
                            break
                        continue
                elif (
                    record.fields is not None
                    and self.expected_columns is not None
                    and len(record.fields) != self.expected_columns
                ):
                    record.fields = None
                    record.reason = Reject.WRONG_COLUMN_COUNT
                yield record
                if self._pushback:
                    break  # read the lines set back before any further line of the file
            else:
                if not self._pushback:
                    return

    def _drain(self) -> Iterator[tuple[int, bytes]]:
        while self._pushback:
            yield self._pushback.popleft()

    def _record(
        self, number: int, text: str, raw: bytes, source: Iterator[tuple[int, bytes]]
    ) -> Record:
        try:
            return Record(number, text, self._split(text))
        except _Unclosed:
            return self._continued(number, text, raw, source)
        except csv.Error:
            return Record(number, text, None, Reject.MALFORMED_QUOTES)

    def _continued(
        self, number: int, text: str, raw: bytes, source: Iterator[tuple[int, bytes]]
    ) -> Record:
        """A quoted field open at the end of the line: try to close it on the next lines,
        keeping each line's own break (LF or CR LF) inside the value."""
        taken: list[tuple[int, bytes]] = []
        joined = text
        end = _line_break(raw)
        while len(taken) < MAX_RECORD_LINES and len(joined) < MAX_RECORD_CHARS:
            item = self._next_line(source)
            if item is None:
                break
            taken.append(item)
            more = self._decode(item[1])
            if more is None:
                break
            joined = f"{joined}{end}{more}"
            end = _line_break(item[1])
            try:
                fields = self._split(joined)
            except _Unclosed:
                continue
            except csv.Error:
                break
            if self.expected_columns is None or len(fields) == self.expected_columns:
                self.lines_read = max(self.lines_read, item[0])
                return Record(number, joined, fields)
            break
        # The quote never closed into a sound record: refuse this line alone, reread the rest.
        self._pushback.extendleft(reversed(taken))
        return Record(number, text, None, Reject.UNCLOSED_QUOTE)


def _line_break(raw: bytes) -> str:
    """The break that ends a physical line, as text (a line read from a file ends in LF)."""
    return "\r\n" if raw.endswith(b"\r\n") else "\n"
