"""Every reject reason and every run failure, with the exact rejects file and the file lifecycle.

A rejected row goes to ``download/<job>_<run>_rejects.csv`` as its original text, the delimiter
and the reason, under the header plus ``REJECT_REASON``, in file order. A failed run leaves the
table exactly as it was. Runs on SQLite and on PostgreSQL (the ``app`` fixture).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from importing import (
    FILE,
    Env,
    account,
    contacts,
    counts,
    csv_bytes,
    direct,
    folder,
    load,
    make_job,
    put,
    rejects_text,
    rows,
    run,
    table_rows,
)

from dataconnect.bootstrap import App
from dataconnect.testing import contacts_table, pet_table, supplemental_table

# --- profile list rows ---------------------------------------------------------------------

LIST_HEADER = "cust_id,email,mobile,perm,fmt,city"
LIST_MAPPING = {
    "cust_id": "CUSTOMER_ID_",
    "email": "EMAIL_ADDRESS_",
    "mobile": "MOBILE_NUMBER_",
    "perm": "EMAIL_PERMISSION_STATUS_",
    "fmt": "EMAIL_FORMAT_",
    "city": "CITY_",
}
LIST_FIELDS = (
    "CUSTOMER_ID_",
    "EMAIL_ADDRESS_",
    "MOBILE_NUMBER_",
    "EMAIL_PERMISSION_STATUS_",
    "EMAIL_FORMAT_",
    "CITY_",
)
GOOD_1 = "C1,a@x.com,+49 170 1234567,I,H,Berlin"
GOOD_3 = "C3,c@x.com,,O,t," + "é" * 50  # CITY_ holds 50 characters, not bytes
LOADED = [
    ("C1", "a@x.com", "+491701234567", "I", "H", "Berlin"),
    ("C3", "c@x.com", None, "O", "T", "é" * 50),
]


def list_job(env: Env, name: str = "Daily customers", **settings: Any) -> int:
    return make_job(env, name, mapping=LIST_MAPPING, **settings).id


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (",z@x.com,,,,Rome", "EMPTY_MATCH_FIELD"),
        ("   ,z@x.com,,,,Rome", "EMPTY_MATCH_FIELD"),
        ("C2,not-an-email,,,,Rome", "INVALID_EMAIL"),
        ("C2,z@localhost,,,,Rome", "INVALID_EMAIL"),
        ("C2,z@@x.com,,,,Rome", "INVALID_EMAIL"),
        ("C2,z@x.com,12ab34,,,Rome", "INVALID_MOBILE_NUMBER"),
        ("C2,z@x.com,12345,,,Rome", "INVALID_MOBILE_NUMBER"),
        ("C2,z@x.com,1234567890123456,,,Rome", "INVALID_MOBILE_NUMBER"),
        ("C2,z@x.com,,maybe,,Rome", "INVALID_PERMISSION_VALUE"),
        ("C2,z@x.com,,,X,Rome", "INVALID_EMAIL_FORMAT"),
        ("C2,z@x.com,,,," + "R" * 51, "VALUE_TOO_LONG"),
        ("C" + "2" * 255 + ",z@x.com,,,,Rome", "VALUE_TOO_LONG"),
        ("C2,z@x.com,,,,Rome,extra", "WRONG_COLUMN_COUNT"),
        ("C2,z@x.com", "WRONG_COLUMN_COUNT"),
        ('C2,"z@x.com,,,,Rome', "UNCLOSED_QUOTE"),
        ('C2,"z@x.com"x,,,,Rome', "MALFORMED_QUOTES"),
        ('C2,"multi\nline@x.com",,,,Rome', "INVALID_EMAIL"),
        ("C1,dup@x.com,,,,Oslo", "DUPLICATE_KEY_IN_FILE"),
    ],
)
def test_a_bad_profile_row_is_rejected_alone_with_its_reason(
    app: App, line: str, reason: str
) -> None:
    env = contacts(app)
    job_id = list_job(env)

    done = load(env, job_id, csv_bytes(GOOD_1, line, GOOD_3, header=LIST_HEADER))

    assert done.state.value == "succeeded"
    assert counts(done) == (3, 2, 0, 1)
    assert sorted(table_rows(env, fields=LIST_FIELDS)) == LOADED
    assert done.rejects_file == f"Daily_customers_{done.id}_rejects.csv"
    assert folder(env, "download") == [done.rejects_file]
    assert rejects_text(env, done.rejects_file) == (
        f"{LIST_HEADER},REJECT_REASON\n{line},{reason}\n"
    )


def test_invalid_bytes_for_the_encoding_reject_the_line(app: App) -> None:
    env = contacts(app)
    job_id = list_job(env)
    data = csv_bytes(GOOD_1, header=LIST_HEADER) + b"C2,z@x.com,,,,R\xf6me\n"
    data += csv_bytes(GOOD_3, header=None)

    done = load(env, job_id, data)

    assert counts(done) == (3, 2, 0, 1)
    assert sorted(table_rows(env, fields=LIST_FIELDS)) == LOADED
    # The rejects file is UTF-8: the undecodable byte shows as U+FFFD.
    assert rejects_text(env, done.rejects_file) == (
        f"{LIST_HEADER},REJECT_REASON\nC2,z@x.com,,,,R\ufffdme,INVALID_ENCODING\n"
    )


@pytest.mark.parametrize("encoding", ["windows-1252", "iso-8859-1"])
def test_single_byte_encodings_load_their_characters(app: App, encoding: str) -> None:
    env = contacts(app)
    job = make_job(env, fmt={"encoding": encoding})

    done = load(env, job.id, "cust_id,email,city,legacy\nC1,a@x.com,Köln,\n".encode(encoding))

    assert counts(done) == (1, 1, 0, 0)
    assert table_rows(env) == [("C1", "a@x.com", "Köln")]


def test_a_byte_undefined_in_windows_1252_rejects_its_line(app: App) -> None:
    env = contacts(app)
    job = make_job(env, fmt={"encoding": "windows-1252"})

    done = load(env, job.id, b"cust_id,email,city,legacy\nC1,a@x.com,K\xf6ln,\nC2,b@x.com,\x81,\n")

    assert counts(done) == (2, 1, 0, 1)
    assert table_rows(env) == [("C1", "a@x.com", "Köln")]
    assert rejects_text(env, done.rejects_file) == (
        "cust_id,email,city,legacy,REJECT_REASON\nC2,b@x.com,\ufffd,,INVALID_ENCODING\n"
    )


def test_a_long_quoted_value_in_an_ignored_column_is_no_reason_to_reject(app: App) -> None:
    env = contacts(app)
    job = make_job(env)
    big = "x" * 200_000  # more than the csv module's default field limit

    done = load(env, job.id, csv_bytes(f'C1,a@x.com,Berlin,"{big}"', 'C2,b@x.com,"Paris",'))

    assert counts(done) == (2, 2, 0, 0)
    assert sorted(table_rows(env)) == [("C1", "a@x.com", "Berlin"), ("C2", "b@x.com", "Paris")]


def test_a_long_quoted_value_in_a_mapped_column_is_too_long(app: App) -> None:
    env = contacts(app)
    job = make_job(env)
    line = f'C1,a@x.com,"{"x" * 200_000}",'

    done = load(env, job.id, csv_bytes(line, "C2,b@x.com,Paris,"))

    assert counts(done) == (2, 1, 0, 1)
    assert rejects_text(env, done.rejects_file) == (
        f"cust_id,email,city,legacy,REJECT_REASON\n{line},VALUE_TOO_LONG\n"
    )


# --- typed fields --------------------------------------------------------------------------

EVENTS = {
    "name": "EVENTS",
    "kind": "supplemental",
    "fields": [
        {"name": "EVENT_ID", "type": "text", "length": 10},
        {"name": "EVENT_DAY", "type": "date"},
        {"name": "QTY", "type": "integer"},
        {"name": "AMOUNT", "type": "number"},
        {"name": "PAID", "type": "boolean"},
        {"name": "CODE", "type": "text", "length": 5},
        {"name": "SEEN", "type": "timestamp"},
    ],
    "primary_key": ["EVENT_ID"],
}
EVENTS_HEADER = "id,day,qty,amount,paid,code,seen"
EVENT_FIELDS = ("EVENT_ID", "EVENT_DAY", "QTY", "AMOUNT", "PAID", "CODE", "SEEN")
EVENTS_FILE = "events_20260115.csv"
EVENT_1 = "E1,15/01/2026,3,2.5,yes,ééééé,2026-01-15T10:00:00"  # Berlin time, 09:00 UTC
EVENT_3 = "E3,31/12/2025,-7,-0.5,N,x,2026-01-15 10:00:00+00:00"
EVENTS_LOADED = [
    ("E1", "2026-01-15", 3, 2.5, True, "ééééé", "2026-01-15T09:00:00+00:00"),
    ("E3", "2025-12-31", -7, -0.5, False, "x", "2026-01-15T10:00:00+00:00"),
]


def events_job(env: Env) -> int:
    return make_job(
        env,
        "Events",
        file_pattern="events_{YYYYMMDD}.csv",
        target="EVENTS",
        fmt={"date_format": "%d/%m/%Y"},
        mapping={
            "id": "EVENT_ID",
            "day": "EVENT_DAY",
            "qty": "QTY",
            "amount": "AMOUNT",
            "paid": "PAID",
            "code": "CODE",
            "seen": "SEEN",
        },
        match_={"columns": []},
    ).id


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("E2,2026-01-15,1,1,yes,a,", "INVALID_DATE"),  # ISO, but the job says %d/%m/%Y
        ("E2,31/02/2026,1,1,yes,a,", "INVALID_DATE"),
        ("E2,15/13/2026,1,1,yes,a,", "INVALID_DATE"),
        ("E2,,1.5,1,yes,a,", "INVALID_INTEGER"),
        ("E2,,abc,1,yes,a,", "INVALID_INTEGER"),
        ("E2,,9223372036854775808,1,yes,a,", "INVALID_INTEGER"),
        ("E2,,1,abc,yes,a,", "INVALID_NUMBER"),
        ("E2,,1,1.2.3,yes,a,", "INVALID_NUMBER"),
        ("E2,,1,nan,yes,a,", "INVALID_NUMBER"),
        ("E2,,1,inf,yes,a,", "INVALID_NUMBER"),
        ("E2,,1,1,maybe,a,", "INVALID_BOOLEAN"),
        ("E2,,1,1,yes,abcdef,", "VALUE_TOO_LONG"),
        ("E2,,1,1,yes,a,yesterday", "INVALID_TIMESTAMP"),
        (",,1,1,yes,a,", "EMPTY_MATCH_FIELD"),
        ("E1,,1,1,yes,a,", "DUPLICATE_KEY_IN_FILE"),
    ],
)
def test_a_bad_typed_value_is_rejected_with_its_reason(app: App, line: str, reason: str) -> None:
    env = account(app, EVENTS)
    job_id = events_job(env)

    done = load(env, job_id, csv_bytes(EVENT_1, line, EVENT_3, header=EVENTS_HEADER), EVENTS_FILE)

    assert done.state.value == "succeeded", (done.error_code, done.error_message)
    assert counts(done) == (3, 2, 0, 1)
    assert sorted(table_rows(env, "EVENTS", EVENT_FIELDS)) == EVENTS_LOADED
    assert rejects_text(env, done.rejects_file) == (
        f"{EVENTS_HEADER},REJECT_REASON\n{line},{reason}\n"
    )


def test_empty_typed_cells_load_as_null(app: App) -> None:
    env = account(app, EVENTS)
    job_id = events_job(env)

    done = load(env, job_id, csv_bytes("E9,,,,,,", header=EVENTS_HEADER), EVENTS_FILE)

    assert counts(done) == (1, 1, 0, 0)
    assert table_rows(env, "EVENTS", EVENT_FIELDS) == [("E9", None, None, None, None, None, None)]


# --- duplicates, order, layout -------------------------------------------------------------


@pytest.mark.parametrize("update", ["replace_all", "no_update"])
def test_duplicate_keys_within_and_across_batches(app: App, update: str) -> None:
    env = contacts(app)
    seeder = make_job(env, "Seed")
    load(env, seeder.id, csv_bytes("C1,old@x.com,Old,"))
    job = make_job(env, match_={"update_on_match": update})
    lines = [
        "C1,a@x.com,Berlin,",  # batch 1: updates the seeded profile
        "C2,b@x.com,Paris,",
        "C3,c@x.com,Rome,",  # batch 2
        "C1,a2@x.com,Bonn,",  # a key of batch 1
        "C4,d@x.com,Oslo,",  # batch 3
        "C4,d2@x.com,Kiel,",  # the same key in the same batch
        "C2,b2@x.com,Ulm,",  # batch 4: a key of batch 1
    ]
    put(env, csv_bytes(*lines))

    outcome = direct(env, job.id, 9001, batch_rows=2)

    assert outcome.state == "succeeded", outcome
    c1 = ("C1", "a@x.com", "Berlin") if update == "replace_all" else ("C1", "old@x.com", "Old")
    assert counts(outcome) == (7, 3, 1 if update == "replace_all" else 0, 3)
    assert sorted(table_rows(env)) == [
        c1,
        ("C2", "b@x.com", "Paris"),
        ("C3", "c@x.com", "Rome"),
        ("C4", "d@x.com", "Oslo"),
    ]
    assert rejects_text(env, outcome.rejects_file) == (
        "cust_id,email,city,legacy,REJECT_REASON\n"
        "C1,a2@x.com,Bonn,,DUPLICATE_KEY_IN_FILE\n"
        "C4,d2@x.com,Kiel,,DUPLICATE_KEY_IN_FILE\n"
        "C2,b2@x.com,Ulm,,DUPLICATE_KEY_IN_FILE\n"
    )


def test_duplicate_profile_in_a_pet_file_is_rejected(app: App) -> None:
    env = account(app, contacts_table(), pet_table())
    load(env, make_job(env, "Seed").id, csv_bytes("C1,a@x.com,Berlin,"))
    job = make_job(
        env,
        "Purchases",
        file_pattern="purchases_{YYYYMMDD}.csv",
        target="PURCHASES",
        mapping={"cust_id": "CUSTOMER_ID_", "total": "TOTAL"},
    )
    put(env, csv_bytes("C1,1", "C1,2", "C9,3", header="cust_id,total"), "purchases_20260115.csv")

    done = run(env, job.id)

    assert counts(done) == (3, 1, 0, 2)
    assert [r["TOTAL"] for r in rows(env, "PURCHASES")] == [1.0]
    assert rejects_text(env, done.rejects_file) == (
        "cust_id,total,REJECT_REASON\nC1,2,DUPLICATE_KEY_IN_FILE\nC9,3,NO_MATCHING_PROFILE\n"
    )


@pytest.mark.parametrize("batch_rows", [2, 5000])
def test_rejects_are_written_in_file_order(app: App, batch_rows: int) -> None:
    env = contacts(app)
    load(
        env, make_job(env, "Seed").id, csv_bytes("C1,a@x.com,A,", "C2,b@x.com,B,", "C3,c@x.com,C,")
    )
    job = make_job(env, match_={"insert_on_no_match": False})
    lines = [
        "C1,a@x.com,Berlin,",
        "C9,z@x.com,Oslo,",  # found by the sink: no such profile
        "C2,bad,Paris,",  # found by the row checks
        "C1,a@x.com,Bonn,",  # found by the sink: repeated key
        "C3,c@x.com,Rome,",
        "x",  # found by the reader
        "C8,y@x.com,Kiel,",
    ]
    put(env, csv_bytes(*lines))

    outcome = direct(env, job.id, 9002, batch_rows=batch_rows)

    assert counts(outcome) == (7, 0, 2, 5)
    assert rejects_text(env, outcome.rejects_file) == (
        "cust_id,email,city,legacy,REJECT_REASON\n"
        "C9,z@x.com,Oslo,,NO_MATCHING_RECORD\n"
        "C2,bad,Paris,,INVALID_EMAIL\n"
        "C1,a@x.com,Bonn,,DUPLICATE_KEY_IN_FILE\n"
        "x,WRONG_COLUMN_COUNT\n"
        "C8,y@x.com,Kiel,,NO_MATCHING_RECORD\n"
    )
    assert sorted(table_rows(env)) == [
        ("C1", "a@x.com", "Berlin"),
        ("C2", "b@x.com", "B"),
        ("C3", "c@x.com", "Rome"),
    ]


def test_rejects_file_without_a_header_row_has_none(app: App) -> None:
    env = contacts(app)
    job = make_job(
        env,
        fmt={"header": False},
        mapping={"1": "CUSTOMER_ID_", "2": "EMAIL_ADDRESS_"},
    )

    done = load(env, job.id, csv_bytes("C1,a@x.com", "C2,bad", header=None))

    assert counts(done) == (2, 1, 0, 1)
    assert rejects_text(env, done.rejects_file) == "C2,bad,INVALID_EMAIL\n"


def test_rejects_file_uses_the_files_delimiter(app: App) -> None:
    env = contacts(app)
    job = make_job(env, fmt={"delimiter": ";"})

    done = load(
        env,
        job.id,
        csv_bytes(
            'C1;a@x.com;"Berlin; Mitte";', "C2;bad;Paris;", header="cust_id;email;city;legacy"
        ),
    )

    assert counts(done) == (2, 1, 0, 1)
    assert table_rows(env) == [("C1", "a@x.com", "Berlin; Mitte")]
    assert rejects_text(env, done.rejects_file) == (
        "cust_id;email;city;legacy;REJECT_REASON\nC2;bad;Paris;;INVALID_EMAIL\n"
    )


def test_no_rejects_no_rejects_file(app: App) -> None:
    env = contacts(app)
    done = load(env, make_job(env).id, csv_bytes("C1,a@x.com,Berlin,"))
    assert done.rejects_file is None
    assert folder(env, "download") == []


# --- run failures: the table is unchanged, the file kept or removed as product.md says ----


SEEDED = [("C1", "a@x.com", "Berlin")]
CHANGES = csv_bytes("C1,a@x.com,Rome,", "C2,b@x.com,Paris,")  # would update C1 and add C2


def seeded(app: App, **settings: Any) -> tuple[Env, int, list[dict[str, Any]]]:
    """CONTACTS with one profile, and a job (with ``settings``) that must not change it."""
    env = contacts(app)
    load(env, make_job(env, "Seed").id, csv_bytes("C1,a@x.com,Berlin,"))
    assert table_rows(env) == SEEDED
    job = make_job(env, **settings)
    return env, job.id, rows(env)


def assert_failed(done: Any, code: str) -> None:
    assert done.state.value == "failed", (done.state, done.error_code, done.error_message)
    assert done.error_code == code, done.error_message
    assert done.error_message
    assert (done.records_added, done.records_updated) == (0, 0)


def test_file_not_found(app: App) -> None:
    env, job_id, before = seeded(app)

    done = run(env, job_id)

    assert_failed(done, "FILE_NOT_FOUND")
    assert FILE in (done.error_message or "")
    assert done.file_name == FILE
    assert rows(env) == before
    assert f"{done.id}_{FILE}" not in folder(env, "archive")


@pytest.mark.parametrize("data", [b"", b"\n\r\n   \n"])
def test_empty_file_fails_and_is_removed(app: App, data: bytes) -> None:
    env, job_id, before = seeded(app)
    put(env, data)

    done = run(env, job_id)

    assert_failed(done, "FILE_EMPTY")
    assert rows(env) == before
    assert folder(env, "upload") == []
    assert f"{done.id}_{FILE}" in folder(env, "archive")


def test_unreadable_file_fails_and_is_removed(app: App) -> None:
    env, job_id, before = seeded(app)
    put(env, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8\xff\xe0\n\xfe\xfe\n")

    done = run(env, job_id)

    assert_failed(done, "FILE_UNREADABLE")
    assert rows(env) == before
    assert folder(env, "upload") == []
    assert f"{done.id}_{FILE}" in folder(env, "archive")


def test_mapped_column_missing_from_the_header_fails_and_keeps_the_file(app: App) -> None:
    env, job_id, before = seeded(app)
    put(env, csv_bytes("C1,a@x.com,", "C2,b@x.com,", header="cust_id,email,legacy"))

    done = run(env, job_id)

    assert_failed(done, "MAPPED_COLUMN_MISSING")
    assert "city" in (done.error_message or "")
    assert rows(env) == before
    assert folder(env, "upload") == [FILE]
    assert f"{done.id}_{FILE}" in folder(env, "archive")


def test_mapped_column_number_beyond_the_rows_fails(app: App) -> None:
    env, job_id, before = seeded(
        app,
        fmt={"header": False},
        mapping={"1": "CUSTOMER_ID_", "2": "EMAIL_ADDRESS_", "4": "CITY_"},
    )
    put(env, csv_bytes("C1,a@x.com,Rome", "C2,b@x.com,Paris", header=None))

    done = run(env, job_id)

    assert_failed(done, "MAPPED_COLUMN_MISSING")
    assert rows(env) == before
    assert folder(env, "upload") == [FILE]


def test_count_file_missing_fails_and_keeps_the_file(app: App) -> None:
    env, job_id, before = seeded(app, count_file=True)
    put(env, CHANGES)

    done = run(env, job_id)

    assert_failed(done, "COUNT_FILE_MISSING")
    assert rows(env) == before
    assert folder(env, "upload") == [FILE]
    assert f"{done.id}_{FILE}" in folder(env, "archive")


@pytest.mark.parametrize("count", [b"three\n", b"", b"-1\n"])
def test_a_count_file_without_a_count_fails_the_run(app: App, count: bytes) -> None:
    env, job_id, before = seeded(app, count_file=True)
    put(env, CHANGES)
    put(env, count, f"{FILE}.cnt")

    done = run(env, job_id)

    assert done.state.value == "failed"
    assert done.error_code in {"COUNT_FILE_INVALID", "COUNT_MISMATCH"}, done.error_message
    assert rows(env) == before


def test_count_mismatch_fails_and_removes_the_file_and_its_count_file(app: App) -> None:
    env, job_id, before = seeded(app, count_file=True)
    put(env, CHANGES)
    put(env, b"3\n", f"{FILE}.cnt")

    done = run(env, job_id)

    assert_failed(done, "COUNT_MISMATCH")
    assert rows(env) == before
    assert folder(env, "upload") == []
    assert f"{done.id}_{FILE}" in folder(env, "archive")


def test_count_file_that_matches_lets_the_run_succeed(app: App) -> None:
    env, job_id, _ = seeded(app, count_file=True)
    put(env, CHANGES + csv_bytes("C3,bad,Oslo,", header=None))
    put(env, b"3\n", f"{FILE}.cnt")  # records, rejected ones included

    done = run(env, job_id)

    assert done.state.value == "succeeded", (done.error_code, done.error_message)
    assert counts(done) == (3, 1, 1, 1)
    assert sorted(table_rows(env)) == [("C1", "a@x.com", "Rome"), ("C2", "b@x.com", "Paris")]
    assert folder(env, "upload") == []


def test_reject_limit_exceeded_fails_and_keeps_the_file(app: App) -> None:
    env, job_id, before = seeded(app, max_reject_percent=30)
    put(env, CHANGES + csv_bytes("C3,bad,Oslo,", header=None))  # 1 of 3: 33%

    done = run(env, job_id)

    assert_failed(done, "REJECT_LIMIT_EXCEEDED")
    assert (done.records_processed, done.records_rejected) == (3, 1)
    assert rows(env) == before
    assert folder(env, "upload") == [FILE]
    assert f"{done.id}_{FILE}" in folder(env, "archive")
    assert rejects_text(env, done.rejects_file) == (
        "cust_id,email,city,legacy,REJECT_REASON\nC3,bad,Oslo,,INVALID_EMAIL\n"
    )


def test_rejects_exactly_at_the_limit_succeed(app: App) -> None:
    env, job_id, _ = seeded(app, max_reject_percent=25)
    put(env, CHANGES + csv_bytes("C3,c@x.com,Oslo,", "C4,bad,Kiel,", header=None))  # 1 of 4

    done = run(env, job_id)

    assert done.state.value == "succeeded"
    assert counts(done) == (4, 2, 1, 1)


def test_zero_percent_allows_no_reject(app: App) -> None:
    env, job_id, before = seeded(app, max_reject_percent=0)
    put(env, CHANGES + csv_bytes("C3,bad,Oslo,", header=None))

    done = run(env, job_id)

    assert_failed(done, "REJECT_LIMIT_EXCEEDED")
    assert rows(env) == before


def test_a_failed_replace_keeps_the_old_table(app: App) -> None:
    env = account(app, supplemental_table())
    common = {
        "file_pattern": "products_{YYYYMMDD}.csv",
        "target": "PRODUCTS",
        "mapping": {"sku": "SKU", "store": "STORE", "price": "PRICE"},
        "match_": {"columns": []},
    }
    merge = make_job(env, "Products", **common).id
    replace = make_job(
        env, "Replace", supplemental_mode="replace", max_reject_percent=10, **common
    ).id
    name = "products_20260115.csv"
    load(env, merge, csv_bytes("A,1,1.0", "B,2,2.0", header="sku,store,price"), name)
    before = rows(env, "PRODUCTS")

    done = load(env, replace, csv_bytes("Z,1,1.0", "Y,x,2.0", header="sku,store,price"), name)

    assert_failed(done, "REJECT_LIMIT_EXCEEDED")
    assert rows(env, "PRODUCTS") == before


@pytest.mark.parametrize("repeat", [False, True])
def test_an_empty_list_is_loaded_optimistically_and_again_only_on_a_repeat(
    app: App, repeat: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Into an empty table keys are checked once at the end; a repeat rolls back and the file
    is read again with per-batch checks, giving what they alone would give."""
    env = contacts(app)
    job = make_job(env)
    lines = ["C1,a@x.com,Berlin,", "C2,bad-email,Paris,", "C3,c@x.com,Rome,"]
    if repeat:
        lines += ["C1,a2@x.com,Bonn,", "C4,d@x.com,Oslo,"]
    put(env, csv_bytes(*lines))

    with caplog.at_level(logging.INFO, logger="dataconnect.imports.engine"):
        outcome = direct(env, job.id, 9002, batch_rows=2)

    assert outcome.state == "succeeded", outcome
    assert ("reading it again" in caplog.text) is repeat
    expected = [("C1", "a@x.com", "Berlin"), ("C3", "c@x.com", "Rome")]
    if repeat:
        expected.append(("C4", "d@x.com", "Oslo"))
    assert sorted(table_rows(env)) == expected
    assert counts(outcome) == ((5, 3, 0, 2) if repeat else (3, 2, 0, 1))
    assert rejects_text(env, outcome.rejects_file) == (
        "cust_id,email,city,legacy,REJECT_REASON\nC2,bad-email,Paris,,INVALID_EMAIL\n"
        + ("C1,a2@x.com,Bonn,,DUPLICATE_KEY_IN_FILE\n" if repeat else "")
    )


@pytest.mark.parametrize(
    ("update", "lines", "reread", "reject"),
    [
        ("replace_all", ["C1,a@x.com,Berlin,", "C2,b@x.com,Paris,"], False, None),
        # An existing key twice in different batches: its profile would be changed twice.
        (
            "replace_all",
            ["C1,a@x.com,Berlin,", "C2,b@x.com,Paris,", "C1,a2@x.com,Bonn,"],
            True,
            "C1,a2@x.com,Bonn,,DUPLICATE_KEY_IN_FILE",
        ),
        (
            "no_update",
            ["C1,a@x.com,Berlin,", "C2,b@x.com,Paris,", "C1,a2@x.com,Bonn,"],
            True,
            "C1,a2@x.com,Bonn,,DUPLICATE_KEY_IN_FILE",
        ),
        # A new key twice in different batches: it would be inserted twice.
        (
            "replace_all",
            ["C2,b@x.com,Paris,", "C1,a@x.com,Berlin,", "C2,b2@x.com,Ulm,"],
            True,
            "C2,b2@x.com,Ulm,,DUPLICATE_KEY_IN_FILE",
        ),
    ],
)
def test_a_merge_is_looked_up_beside_the_writer_and_read_again_only_on_a_repeat(
    app: App,
    update: str,
    lines: list[str],
    reread: bool,
    reject: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Into a list that holds rows, keys are looked up beside the writer; what this run wrote
    twice is found at the end, and the file is read again with the writer's own checks."""
    env = contacts(app)
    load(env, make_job(env, "Seed").id, csv_bytes("C1,old@x.com,Old,"))
    job = make_job(env, match_={"update_on_match": update})
    put(env, csv_bytes(*lines))

    with caplog.at_level(logging.INFO, logger="dataconnect.imports.engine"):
        outcome = direct(env, job.id, 9003, batch_rows=2)

    assert outcome.state == "succeeded", outcome
    # PostgreSQL merges through its staging table, which finds repeats batch by batch.
    assert ("reading it again" in caplog.text) is (reread and app.engines.dialect == "sqlite")
    c1 = ("C1", "a@x.com", "Berlin") if update == "replace_all" else ("C1", "old@x.com", "Old")
    c2 = ("C2", "b@x.com", "Paris")
    assert sorted(table_rows(env)) == [c1, c2]
    assert counts(outcome) == (
        len(lines),
        1,
        1 if update == "replace_all" else 0,
        1 if reject else 0,
    )
    if reject:
        assert rejects_text(env, outcome.rejects_file) == (
            f"cust_id,email,city,legacy,REJECT_REASON\n{reject}\n"
        )
    else:
        assert outcome.rejects_file is None


@pytest.mark.parametrize("update", ["replace_all", "no_update"])
def test_a_looked_up_key_that_several_profiles_share_changes_each_of_them(
    app: App, update: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Named once in the file, a key two profiles share updates (or touches) both, and counts
    one update; nothing is read again."""
    env = contacts(app)
    load(env, make_job(env, "Seed").id, csv_bytes("C1,a@x.com,Old,", "C2,a@x.com,Old2,"))
    job = make_job(env, match_={"columns": ["EMAIL_ADDRESS_"], "update_on_match": update})
    put(env, csv_bytes("C9,a@x.com,Berlin,", "C3,c@x.com,Rome,"))

    with caplog.at_level(logging.INFO, logger="dataconnect.imports.engine"):
        outcome = direct(env, job.id, 9004, batch_rows=2)

    assert outcome.state == "succeeded", outcome
    assert "reading it again" not in caplog.text
    shared = (
        [("C9", "a@x.com", "Berlin")] * 2
        if update == "replace_all"
        else [("C1", "a@x.com", "Old"), ("C2", "a@x.com", "Old2")]
    )
    assert sorted(table_rows(env)) == sorted([*shared, ("C3", "c@x.com", "Rome")])
    assert counts(outcome) == (2, 1, 1 if update == "replace_all" else 0, 0)


def test_a_looked_up_key_of_two_columns_matches_on_both(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """A profile that matches the first key column only is no match: that row is inserted."""
    env = contacts(app)
    load(env, make_job(env, "Seed").id, csv_bytes("C1,a@x.com,Old,"))
    job = make_job(env, match_={"columns": ["CUSTOMER_ID_", "EMAIL_ADDRESS_"]})
    put(env, csv_bytes("C1,b@x.com,Paris,", "C1,a@x.com,Berlin,"))

    with caplog.at_level(logging.INFO, logger="dataconnect.imports.engine"):
        outcome = direct(env, job.id, 9005, batch_rows=2)

    assert outcome.state == "succeeded", outcome
    assert "reading it again" not in caplog.text
    assert sorted(table_rows(env)) == [("C1", "a@x.com", "Berlin"), ("C1", "b@x.com", "Paris")]
    assert counts(outcome) == (2, 1, 1, 0)
