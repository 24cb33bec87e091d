"""The forked reader process (used for large files) behaves exactly like the reader thread."""

from __future__ import annotations

import threading

import pytest
from importing import (
    FILE,
    contacts,
    counts,
    csv_bytes,
    direct,
    folder,
    load,
    make_job,
    marker_exists,
    put,
    rejects_text,
    rows,
)

from dataconnect.bootstrap import App
from dataconnect.imports.batches import can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="fork is not available on this platform")

LINES = [
    *(f"C{i:04d},u{i}@x.com,City {i}," for i in range(300)),
    "C0001,again@x.com,Twice,",  # a repeat, in a later batch
    ',"unclosed@x.com,Oslo,',
    "C9999,not-an-email,Oslo,",
    *(f"D{i:04d},d{i}@x.com,Town {i}," for i in range(120)),
]


@pytest.mark.parametrize("forked", [False, True], ids=["thread", "process"])
def test_the_reader_process_gives_the_threads_result(app: App, forked: bool) -> None:
    env = contacts(app)
    job = make_job(env)
    put(env, csv_bytes(*LINES))
    outcome = direct(env, job.id, 501, batch_rows=50, fork_from_bytes=0 if forked else 1 << 40)

    assert outcome.state == "succeeded", (outcome.error_code, outcome.error_message)
    assert counts(outcome) == (len(LINES), 420, 0, 3)
    assert rejects_text(env, outcome.rejects_file).splitlines()[1:] == [
        "C0001,again@x.com,Twice,,DUPLICATE_KEY_IN_FILE",
        ',"unclosed@x.com,Oslo,,UNCLOSED_QUOTE',
        "C9999,not-an-email,Oslo,,INVALID_EMAIL",
    ]
    assert marker_exists(app, 501)


def test_a_stop_ends_the_reader_process_and_changes_nothing(app: App) -> None:
    env = contacts(app)
    seed = load(env, make_job(env, "Seed").id, csv_bytes("C0000,old@x.com,Old,"))
    assert seed.state.value == "succeeded"
    before = rows(env)
    job = make_job(env)
    put(env, csv_bytes(*LINES))
    stop = threading.Event()

    outcome = direct(
        env,
        job.id,
        502,
        stop=stop,
        batch_rows=50,
        fork_from_bytes=0,
        progress=lambda _: stop.set(),
    )

    assert outcome.state == "aborted"
    assert rows(env) == before
    assert not marker_exists(app, 502)
    assert folder(env, "upload") == [FILE]
    assert [t.name for t in threading.enumerate() if t.name == "dc-import-reader"] == []
