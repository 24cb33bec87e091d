"""Out and back in: an export read by our own import gives every value of every type as it was.

Rows of every field type, with text that holds delimiters, qualifiers, CR, LF and CR LF, are
imported into table A, exported, and the export imported into table B, defined alike: B holds
exactly A's values. Hypothesis draws the rows and the file's format.
"""

from __future__ import annotations

import csv
import io
import itertools
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.testing import make_account, make_app

FIELDS = [
    {"name": "NOTE", "type": "text", "length": 4000},
    {"name": "N", "type": "integer"},
    {"name": "X", "type": "number"},
    {"name": "D", "type": "date"},
    {"name": "TS", "type": "timestamp"},
    {"name": "B", "type": "boolean"},
]
NAMES = [f["name"] for f in FIELDS]

PIECES = [*"ab ,;|\t\"'\r\n", "\r\n", "é", "€", "中", "😀", "\ufeff"]
# Text an import can store: not empty, no outer whitespace (imports strip every value).
nasty = (
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=12)
    .map(lambda pieces: "".join(pieces).strip())
    .filter(bool)
)
rows = st.lists(
    st.tuples(
        st.one_of(st.none(), nasty),
        st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1)),
        st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=64)),
        st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))),
        st.one_of(
            st.none(),
            st.datetimes(
                min_value=datetime(1970, 1, 2),
                max_value=datetime(2200, 1, 1),
                timezones=st.just(UTC),
            ),
        ),
        st.one_of(st.none(), st.booleans()),
    ),
    min_size=1,
    max_size=12,
)
formats = st.fixed_dictionaries(
    {
        "delimiter": st.sampled_from([",", "\t", ";", "|"]),
        "date_format": st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"]),
    }
)


class World:
    """One account with tables A and B and the three jobs, reused by every example."""

    def __init__(self, app: App, caller: Caller) -> None:
        self.app, self.caller = app, caller
        self.examples = itertools.count(1)
        for name in ("TABLE_A", "TABLE_B"):
            app.tables.create(caller, {"name": name, "kind": "supplemental", "fields": FIELDS})

    def jobs(self, n: int, fmt: dict[str, str]) -> tuple[int, int, int]:
        """The example's import into A, export of A and import of the export into B."""
        file_format = {"delimiter": fmt["delimiter"], "qualifier": '"', "header": True}
        load = {
            "type": "import",
            "activate": True,
            "expires_at": "never",
        }

        def importer(name: str, target: str, pattern: str, date_format: str) -> int:
            request = {
                **load,
                "name": name,
                "import": {
                    "file_pattern": pattern,
                    "target": target,
                    "mapping": {c: c for c in NAMES},
                    "format": {**file_format, "date_format": date_format},
                    "supplemental_mode": "replace",
                },
            }
            return self.app.jobs.create(self.caller, request).id

        into_a = importer(f"In A {n}", "TABLE_A", f"in_{n}.csv", "%Y-%m-%d")
        out = self.app.jobs.create(
            self.caller,
            {
                **load,
                "type": "export",
                "name": f"Out {n}",
                "export": {
                    "source": "TABLE_A",
                    "fields": NAMES,
                    "file_pattern": f"out_{n}.csv",
                    "format": {**file_format, "date_format": fmt["date_format"]},
                },
            },
        ).id
        into_b = importer(f"In B {n}", "TABLE_B", f"out_{n}.csv", fmt["date_format"])
        return into_a, out, into_b

    def run(self, job_id: int) -> None:
        queued = self.app.runs.start_job(self.caller, job_id)
        done = self.app.runs.execute(self.caller.account_id, queued.id, threading.Event())
        assert done.state.value == "succeeded", (done.error_code, done.error_message)
        assert done.records_rejected == 0

    def table(self, name: str) -> list[dict[str, Any]]:
        found, _ = self.app.tables.rows(self.caller, name, limit=500, cursor=None)
        return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    app = make_app(home=Path(tmp_path_factory.mktemp("round-trip")))
    caller, _ = make_account(app, "Acme", timezone="UTC")
    yield World(app, caller)
    app.close()


def source_file(values: list[tuple[Any, ...]], delimiter: str) -> bytes:
    """The rows as a file our import reads: every value quoted, ISO dates, UTC timestamps."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(NAMES)
    for note, n, x, d, t, b in values:
        writer.writerow(
            [
                note,
                n,
                repr(x) if x is not None else None,
                d.isoformat() if d else None,
                t.isoformat() if t else None,
                None if b is None else str(b).lower(),
            ]
        )
    return out.getvalue().encode()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows, formats)
def test_what_an_export_writes_our_import_reads_back_as_it_was(
    world: World, values: list[tuple[Any, ...]], fmt: dict[str, str]
) -> None:
    n = next(world.examples)
    into_a, out, into_b = world.jobs(n, fmt)
    world.app.file_server.put(
        world.caller.account_id,
        "upload",
        f"in_{n}.csv",
        [source_file(values, fmt["delimiter"])],
        10**7,
    )
    world.run(into_a)
    world.run(out)
    exported = world.app.file_server.path(world.caller.account_id, "download", f"out_{n}.csv")
    world.app.file_server.put(
        world.caller.account_id, "upload", f"out_{n}.csv", [exported.read_bytes()], 10**7
    )
    world.run(into_b)

    a, b = world.table("TABLE_A"), world.table("TABLE_B")
    stored = [tuple(r[name] for name in NAMES) for r in a]
    assert stored == [
        (note, n, x, d.isoformat() if d else None, t.isoformat() if t else None, flag)
        for note, n, x, d, t, flag in values
    ]  # the import kept every value as it was, a CR LF inside quotes too
    assert b == a  # and so did the export, read back by the import
