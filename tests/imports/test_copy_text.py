"""COPY text made by the reader reads back in PostgreSQL as exactly the values it was made of."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataconnect.domain.imports import Reject
from dataconnect.imports.copy_text import CopyText

COLUMNS = "t text, i bigint, n double precision, b boolean, d date, ts timestamptz, c1 text"
# Text as a file may bring it: separators, escapes, line ends, non-ASCII; NUL is refused.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=30,
) | st.sampled_from(["\\", "\\N", "\t", "a\tb", "\n", "\r\n", "x\\ty", "", " "])
VALUES = st.tuples(
    st.none() | TEXT,
    st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.none() | st.floats(allow_nan=False, allow_infinity=False),
    st.none() | st.booleans(),
    st.none() | st.dates().map(date.isoformat),  # the date converter gives ISO text
    st.none()
    | st.datetimes(
        min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
)


def _read_back(url: str, data: bytes) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        conn.execute("SET TimeZone = 'UTC'; SET client_encoding = 'UTF8'")
        conn.execute(f"CREATE TEMP TABLE copied (k serial, {COLUMNS})")
        with conn.cursor() as cur, cur.copy("COPY copied (t, i, n, b, d, ts, c1) FROM STDIN") as cp:
            cp.write(data)
        return conn.execute("SELECT t, i, n, b, d, ts, c1 FROM copied ORDER BY k").fetchall()


@pytest.mark.postgres
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(VALUES, min_size=1, max_size=20))
def test_every_value_reads_back_as_it_was(pg_url: str, rows: list[tuple[Any, ...]]) -> None:
    encode = CopyText(width=6, constants=("I",))
    prepared = encode([(values, ()) for values in rows])
    assert prepared.count == len(rows) and prepared.rejects == []
    back = _read_back(pg_url, prepared.data)
    expected = [
        (*v[:4], None if v[4] is None else date.fromisoformat(v[4]), v[5], "I") for v in rows
    ]
    assert back == expected


@pytest.mark.postgres
def test_a_value_with_nul_is_refused_alone(pg_url: str) -> None:
    rows = [
        (("ok", 1, None, True, None, None), ()),
        (("bad\x00", 2, None, None, None, None), ()),
        (("also\tok\\", None, 1.5, False, "2024-02-29", None), ()),
    ]
    prepared = CopyText(width=6, constants=("O",))(rows)
    assert prepared.rejects == [(1, Reject.INVALID_ENCODING)]
    assert prepared.count == 2
    assert _read_back(pg_url, prepared.data) == [
        ("ok", 1, None, True, None, None, "O"),
        ("also\tok\\", None, 1.5, False, date(2024, 2, 29), None, "O"),
    ]


def test_an_empty_batch_is_no_text() -> None:
    prepared = CopyText(width=1)([])
    assert (prepared.data, prepared.count) == (b"", 0)


TEXT_ROW = st.tuples(TEXT, TEXT, st.none() | TEXT)


@pytest.mark.postgres
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(TEXT_ROW, min_size=1, max_size=20))
def test_text_rows_joined_as_they_come_read_back_as_they_were(
    pg_url: str, rows: list[tuple[Any, ...]]
) -> None:
    """All-text rows take the quick path (the batch checked at once); a special character or a
    NULL anywhere sends the lines that need it through escaping."""
    prepared = CopyText(width=3)([(values, ()) for values in rows])
    assert prepared.count == len(rows) and prepared.rejects == []
    with psycopg.connect(pg_url) as conn:
        conn.execute("SET client_encoding = 'UTF8'")
        conn.execute("CREATE TEMP TABLE copied (k serial, a text, b text, c text)")
        with conn.cursor() as cur, cur.copy("COPY copied (a, b, c) FROM STDIN") as copy:
            copy.write(prepared.data)
        back = conn.execute("SELECT a, b, c FROM copied ORDER BY k").fetchall()
    assert back == rows


def test_a_nul_in_a_quick_line_is_refused_with_its_index() -> None:
    rows = [(("a", "b"), ()), (("c\x00", "d"), ()), (("e\tf", "g"), ()), ((None, "h"), ())]
    prepared = CopyText(width=2)(rows)
    assert prepared.rejects == [(1, Reject.INVALID_ENCODING)]
    assert prepared.data == b"a\tb\ne\\tf\tg\n\\N\th\n"
