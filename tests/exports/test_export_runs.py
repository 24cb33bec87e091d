"""Export runs on SQLite and PostgreSQL: every source, the file and its publication, failures."""

from __future__ import annotations

import gzip
import io
import threading
import zipfile

import pytest
from exporting import CONTACTS_CSV, DAY, Env, account, export_job
from sqlalchemy import text

from dataconnect.bootstrap import App
from dataconnect.store.data import physical_name, quote
from dataconnect.testing import supplemental_table


@pytest.fixture
def env(app: App) -> Env:
    found = account(app, supplemental_table())
    found.load(CONTACTS_CSV)
    return found


def test_the_profile_list_goes_out_as_a_file_with_its_ready_file(env: Env) -> None:
    run = env.run(env.job(export_job()))

    assert (run.state.value, run.records_processed, run.error_code) == ("succeeded", 3, None)
    name = f"contacts_{DAY}.csv"
    assert run.output_files == (f"download/{name}", f"download/contacts_{DAY}.ready")
    assert run.file_name == name
    assert env.read(name).decode() == (
        "RIID_,EMAIL_ADDRESS_,CITY_\n"
        "1,a@x.com,Berlin\n"
        '2,b@x.com,"Paris, France"\n'
        '3,c@x.com,"Say ""hi"""\n'
    )
    assert env.read(f"contacts_{DAY}.ready") == f"{name},3\n".encode()
    assert env.folder(hidden=True) == sorted([name, f"contacts_{DAY}.ready"])


def test_no_fields_named_is_every_field_and_a_count_file_counts_the_rows(env: Env) -> None:
    request = export_job(count_file=True, ready_file=False)
    del request["export"]["fields"]
    run = env.run(env.job(request))

    header = env.read(f"contacts_{DAY}.csv").decode().splitlines()[0]
    assert header.startswith("RIID_,CUSTOMER_ID_,EMAIL_ADDRESS_,EMAIL_DOMAIN_,")
    assert header.endswith(",CREATED_DATE_,MODIFIED_DATE_,FIRST_NAME")
    assert run.output_files == (f"download/contacts_{DAY}.csv", f"download/contacts_{DAY}.cnt")
    assert env.read(f"contacts_{DAY}.cnt") == b"3\n"


def test_a_pet_goes_out_joined_to_the_fields_of_its_profiles(env: Env) -> None:
    env.load(
        "cust_id,last,total\nC1,2026-01-02,10.5\nC3,2026-01-03,7\n",
        name="Load purchases",
        target="PURCHASES",
        mapping={"cust_id": "CUSTOMER_ID_", "last": "LAST_ORDER", "total": "TOTAL"},
    )
    request = export_job(
        source="PURCHASES",
        fields=["RIID_", "EMAIL_ADDRESS_", "LAST_ORDER", "TOTAL"],
        file_pattern="purchases.csv",
        format={"date_format": "%d/%m/%Y"},
    )
    run = env.run(env.job(request))

    assert run.records_processed == 2
    assert env.read("purchases.csv").decode() == (
        "RIID_,EMAIL_ADDRESS_,LAST_ORDER,TOTAL\n1,a@x.com,02/01/2026,10.5\n3,c@x.com,03/01/2026,7\n"
    )


def test_a_supplemental_table_goes_out_in_key_order_tab_separated(env: Env) -> None:
    env.load(
        "sku\tstore\tprice\nB-2\t2\t1.25\nA-1\t1\t\n",
        name="Load products",
        target="PRODUCTS",
        mapping={"sku": "SKU", "store": "STORE", "price": "PRICE"},
        match={"columns": ["SKU"]},
        format={"delimiter": "tab"},
    )
    request = export_job(
        source="PRODUCTS",
        fields=["SKU", "PRICE", "STORE"],
        file_pattern="products_{YYYY}.tsv",
        format={"delimiter": "tab", "header": False},
    )
    run = env.run(env.job(request))

    assert run.records_processed == 2
    assert env.read("products_2026.tsv") == b"B-2\t1.25\t2\nA-1\t\t1\n"


@pytest.mark.parametrize("compression", ["gzip", "zip"])
def test_a_compressed_export_holds_the_same_file(env: Env, compression: str) -> None:
    plain = env.run(env.job(export_job(file_pattern="plain.csv", ready_file=False)))
    packed = env.run(
        env.job(export_job("Packed", file_pattern="packed.csv", compression=compression))
    )

    expected = env.read("plain.csv")
    assert plain.records_processed == packed.records_processed == 3
    if compression == "gzip":
        assert packed.output_files == ("download/packed.csv.gz", "download/packed.csv.ready")
        assert gzip.decompress(env.read("packed.csv.gz")) == expected
    else:
        with zipfile.ZipFile(io.BytesIO(env.read("packed.csv.zip"))) as archive:
            assert archive.namelist() == ["packed.csv"]
            assert archive.read("packed.csv") == expected
    assert (
        env.read("packed.csv.ready")
        == f"packed.csv.{'gz' if compression == 'gzip' else 'zip'},3\n".encode()
    )


def test_a_file_of_the_same_name_is_replaced_whole(env: Env) -> None:
    name = f"contacts_{DAY}.csv"
    env.app.file_server.put(env.account_id, "download", name, [b"old,file\n" * 1000], 10**6)
    with env.app.file_server.open_read(env.account_id, "download", name) as reader:
        env.run(env.job(export_job()))
        assert reader.read() == b"old,file\n" * 1000  # a reader of the old file keeps it whole
    assert env.read(name).startswith(b"RIID_,EMAIL_ADDRESS_,CITY_\n1,")


def test_a_value_windows_1252_cannot_write_fails_the_run_and_publishes_nothing(env: Env) -> None:
    env.load("cust_id,email,city,legacy\nC4,d@x.com,Kraków ☃,\n")
    run = env.run(env.job(export_job(format={"encoding": "windows-1252"})))

    assert (run.state.value, run.error_code) == ("failed", "EXPORT_VALUE_UNENCODABLE")
    assert "windows-1252" in (run.error_message or "")
    assert env.folder(hidden=True) == []
    assert run.output_files == ()


def test_windows_1252_writes_what_it_can(env: Env) -> None:
    env.load("cust_id,email,city,legacy\nC4,d@x.com,Zürich € ok,\n")
    env.run(env.job(export_job(format={"encoding": "windows-1252"}, fields=["CITY_"])))
    assert env.read(f"contacts_{DAY}.csv").decode("windows-1252").splitlines()[-1] == "Zürich € ok"


def test_a_delimiter_in_a_value_without_a_qualifier_fails_the_run(env: Env) -> None:
    run = env.run(env.job(export_job(format={"qualifier": "none"})))

    assert (run.state.value, run.error_code) == ("failed", "EXPORT_VALUE_NEEDS_QUALIFIER")
    assert "row 2, field CITY_" in (run.error_message or "")
    assert env.folder(hidden=True) == []


def test_a_stopped_export_publishes_nothing(env: Env) -> None:
    many = "cust_id,email,city,legacy\n" + "".join(
        f"K{i},k{i}@x.com,City {i},\n" for i in range(12_000)
    )
    env.load(many)
    stop = threading.Event()
    run = env.run(env.job(export_job()), stop=stop, progress=lambda rows: stop.set())

    assert run.state.value == "aborted"
    assert env.folder(hidden=True) == []


def test_a_source_table_dropped_after_the_job_was_saved_fails_the_run(env: Env) -> None:
    job = env.job(export_job(source="PRODUCTS", fields=["SKU"], file_pattern="p.csv"))
    prefix = f"{quote(env.app.engines.data_schema)}." if env.app.engines.data_schema else ""
    with env.app.engines.data.begin() as conn:
        conn.execute(text(f"DROP TABLE {prefix}{quote(physical_name(env.account_id, 'PRODUCTS'))}"))

    run = env.run(job)

    assert (run.state.value, run.error_code) == ("failed", "SOURCE_NOT_FOUND")
    assert env.folder(hidden=True) == []


def test_an_attempt_after_a_lost_one_removes_what_it_left(env: Env) -> None:
    job = env.job(export_job())
    queued = env.app.runs.start_job(env.caller, job.id)
    lost = env.app.file_server.folder(env.account_id, "download")
    lost.mkdir(parents=True, exist_ok=True)
    (lost / f".tmp-export{queued.id}-deadbeef").write_bytes(b"half a file")
    (lost / ".tmp-export999999-cafe").write_bytes(b"another run's")

    env.app.runs.execute(env.account_id, queued.id, threading.Event())

    assert env.folder(hidden=True) == sorted(
        [".tmp-export999999-cafe", f"contacts_{DAY}.csv", f"contacts_{DAY}.ready"]
    )
