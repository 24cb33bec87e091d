"""Messy files never crash an import, and every record is accounted for.

Hypothesis writes CSV files with quotes, delimiters and line breaks inside values, blank lines,
a BOM, CRLF, lines in another encoding and huge fields. The reader must account for every
physical line; the engine (on SQLite, one app for all examples, a fresh account per example)
must load or reject every record, with counts that add up and a rejects file that matches.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from importing import Env, account, direct, rejects_text, rows

from dataconnect.bootstrap import App
from dataconnect.domain.formats import FileFormat
from dataconnect.domain.imports import Reject
from dataconnect.imports.reader import RecordReader
from dataconnect.testing import contacts_table, make_app

ENCODINGS = ["utf-8", "windows-1252", "iso-8859-1"]
DELIMITERS = [",", ";", "\t", "|"]
# No upper-case ASCII letters in values: a line of the rejects file ending in
# <delimiter><UPPER_CASE> is then always a reason. No "K" either: keys are K00001, K00002...
VALUE_CHARS = st.sampled_from(
    [*"abcxyz019 .\"'@-_,;|\t\r\n", "é", "ß", "€", "œ", "中", "😀", "\x81", "\ufeff"]
)
REASONS = {r.value for r in Reject}


@st.composite
def values(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["text", "text", "email", "empty", "huge"]))
    if kind == "email":
        return draw(st.sampled_from(["a@x.com", "b.c@mail.example.org", "bad@", "@x.com"]))
    if kind == "empty":
        return ""
    if kind == "huge":
        return draw(st.sampled_from(["x", "é", ","])) * draw(st.sampled_from([60, 5000, 150_000]))
    return draw(st.text(VALUE_CHARS, max_size=12))


def cell(value: str, style: str, delimiter: str) -> str:
    """A value as a writer might put it in a file: quoted properly, quoted badly, or bare."""
    if style == "quoted":
        return '"' + value.replace('"', '""') + '"'
    if style == "half-quoted":
        return '"' + value
    if style == "bare" or not (set(value) & {delimiter, '"', "\n", "\r"}):
        return value
    return '"' + value.replace('"', '""') + '"'


@st.composite
def messy_files(draw: st.DrawFn) -> dict[str, Any]:
    encoding = draw(st.sampled_from(ENCODINGS))
    delimiter = draw(st.sampled_from(DELIMITERS))
    qualifier = draw(st.sampled_from(['"', '"', None]))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    n = draw(st.integers(min_value=0, max_value=25))
    out = io.BytesIO()
    if draw(st.booleans()):
        out.write(b"\xef\xbb\xbf")
    header = delimiter.join(["cust_id", "email", "city", "legacy"])
    out.write((header + end).encode("ascii"))
    keys: list[str] = []
    for i in range(1, n + 1):
        for _ in range(draw(st.integers(min_value=0, max_value=1))):
            out.write(draw(st.sampled_from(["", "   ", "\t"])).encode() + end.encode())
        key = f"K{i:05d}"
        keys.append(key)
        columns = draw(st.sampled_from([4, 4, 4, 4, 3, 5]))
        cells = [cell(key, draw(st.sampled_from(["auto", "quoted"])), delimiter)]
        for _ in range(columns - 1):
            style = draw(st.sampled_from(["auto", "auto", "auto", "quoted", "bare", "half-quoted"]))
            cells.append(cell(draw(values()), style, delimiter))
        line = delimiter.join(cells) + (end if i < n or draw(st.booleans()) else "")
        line_encoding = draw(st.sampled_from([encoding, encoding, encoding, *ENCODINGS]))
        out.write(line.encode(line_encoding, errors="replace"))
    return {
        "data": out.getvalue(),
        "keys": keys,
        "format": {
            "delimiter": delimiter,
            "qualifier": qualifier,
            "encoding": encoding,
        },
    }


# --- the reader alone: no line lost, none read twice ---------------------------------------


def physical_lines(data: bytes) -> int:
    return len(io.BytesIO(data).readlines())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_files())
def test_the_reader_accounts_for_every_physical_line(file: dict[str, Any]) -> None:
    data: bytes = file["data"]
    fmt = FileFormat(**file["format"])
    reader = RecordReader(io.BytesIO(data), fmt)

    records = list(reader)

    covered: list[int] = [1]  # the header (the generator never writes a blank line before it)
    for record in records:
        assert (record.fields is None) == (record.reason is not None)
        if record.fields is not None:
            assert len(record.fields) == 4
        covered += range(record.line_no, record.line_no + record.raw.count("\n") + 1)
    assert len(covered) == len(set(covered)), "a line was read twice"
    lines = io.BytesIO(data).readlines()
    for number, line in enumerate(lines, start=1):
        if number not in covered:
            assert not line.strip(b" \t\r\n\xef\xbb\xbf"), f"line {number} lost: {line!r}"


# --- the whole engine ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def prop_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    app = make_app(home=Path(tmp_path_factory.mktemp("properties")))
    yield app
    app.close()


_examples = itertools.count(1)


def fresh_account(app: App) -> tuple[Env, int]:
    """A new account with its CONTACTS, and a run id no example used before."""
    n = next(_examples)
    return account(app, contacts_table(), name=f"Prop{n}"), 10_000 + n


REJECT_LINE = re.compile(r"(?:^|.)([A-Z_]+)$")


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(file=messy_files(), batch_rows=st.sampled_from([3, 5000]))
def test_every_record_is_loaded_or_rejected_and_the_counts_add_up(
    prop_app: App, file: dict[str, Any], batch_rows: int
) -> None:
    env, run_id = fresh_account(prop_app)
    job = env.app.jobs.create(
        env.caller,
        {
            "name": "Messy",
            "type": "import",
            "kind": "standard",
            "run_mode": "on_demand",
            "expires_at": "never",
            "activate": True,
            "import": {
                "file_pattern": "messy.csv",
                "format": {"header": True, "date_format": "%Y-%m-%d", **file["format"]},
                "target": "CONTACTS",
                "mapping": {
                    "cust_id": "CUSTOMER_ID_",
                    "email": "EMAIL_ADDRESS_",
                    "city": "CITY_",
                    "legacy": None,
                },
                "match": {
                    "columns": ["CUSTOMER_ID_"],
                    "insert_on_no_match": True,
                    "update_on_match": "no_update",
                },
                "max_reject_percent": 100,
            },
        },
    )
    env.app.file_server.put(env.account_id, "upload", "messy.csv", [file["data"]], 10**9)

    outcome = direct(env, job.id, run_id, batch_rows=batch_rows)

    assert outcome.state == "succeeded", (outcome.error_code, outcome.error_message)
    # Insert only, unique keys: nothing is ever updated or matched.
    assert outcome.updated == 0
    assert outcome.added + outcome.rejected == outcome.processed
    non_blank = [line for line in io.BytesIO(file["data"]).readlines() if line.strip()]
    assert outcome.processed <= len(non_blank) - 1  # the header is no record
    loaded = rows(env)
    assert len(loaded) == outcome.added
    rejected_text = rejects_text(env, outcome.rejects_file) if outcome.rejected else ""
    if outcome.rejected == 0:
        assert outcome.rejects_file is None
    else:
        lines = rejected_text.split("\n")
        assert lines[-1] == ""
        assert lines[0].endswith("REJECT_REASON")
        reasons = [m.group(1) for line in lines[1:-1] if (m := REJECT_LINE.search(line))]
        reasons = [r for r in reasons if r in REASONS]
        assert len(reasons) == outcome.rejected, rejected_text[:2000]
    # Every record (as the reader, checked above, sees it) was loaded or rejected.
    fmt = FileFormat(**{**file["format"], "header": True})
    records = list(RecordReader(io.BytesIO(file["data"]), fmt))
    assert outcome.processed == len(records)
    by_key = {r["CUSTOMER_ID_"]: r for r in loaded}
    assert len(by_key) == len(loaded)
    loaded_keys = set(by_key)
    delimiter = fmt.delimiter
    for record in records:
        was_loaded = record.fields is not None and record.fields[0].strip() in loaded_keys
        was_rejected = any(
            f"{record.raw}{delimiter}{reason}\n" in rejected_text for reason in REASONS
        )
        assert was_loaded or was_rejected, f"record at line {record.line_no} was lost"
        if was_loaded and not was_rejected:
            assert record.fields is not None
            row = by_key[record.fields[0].strip()]
            email, city = (record.fields[1].strip() or None), (record.fields[2].strip() or None)
            assert (row["EMAIL_ADDRESS_"], row["CITY_"]) == (email, city)
