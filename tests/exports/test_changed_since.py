"""``changed_since_last_run``: every row changed since the job's last successful run, exactly.

A row an import changes while an export runs is in that export or the next, never in neither:
the export's snapshot holds the table's rows and its change sequence together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from exporting import DAY, Env, account, export_job

from dataconnect.bootstrap import App
from dataconnect.domain.jobs import Job
from dataconnect.domain.runs import JobRun
from dataconnect.testing import supplemental_table

WAIT = 30.0


def contacts(*keys: str, city: str = "Berlin") -> str:
    return "cust_id,email,city,legacy\n" + "".join(f"{k},{k.lower()}@x.com,{city},\n" for k in keys)


def exported(env: Env, job: Job) -> list[str]:
    """Run the export; the customer ids of the file's rows."""
    run = env.run(job)
    assert run.state.value == "succeeded", (run.error_code, run.error_message)
    lines = env.read(f"changed_{DAY}.csv").decode().splitlines()
    assert lines[0] == "CUSTOMER_ID_,CITY_"
    assert run.records_processed == len(lines) - 1
    return [line.split(",")[0] for line in lines[1:]]


@pytest.fixture
def env(app: App) -> Env:
    return account(app, supplemental_table())


@pytest.fixture
def job(env: Env) -> Job:
    return env.job(
        export_job(
            "Changed",
            fields=["CUSTOMER_ID_", "CITY_"],
            file_pattern="changed_{YYYYMMDD}.csv",
            changed_since_last_run=True,
        )
    )


def test_the_first_run_exports_everything_then_only_what_changed(env: Env, job: Job) -> None:
    env.load(contacts("C1", "C2", "C3"))
    assert exported(env, job) == ["C1", "C2", "C3"]
    assert exported(env, job) == []  # nothing changed since

    env.load(contacts("C2", "C4", city="Rome"))  # one update, one insert
    assert exported(env, job) == ["C2", "C4"]
    assert exported(env, job) == []


def test_a_match_an_import_leaves_alone_is_not_a_change(env: Env, job: Job) -> None:
    env.load(contacts("C1", "C2"))
    assert exported(env, job) == ["C1", "C2"]
    env.load(
        contacts("C1", "C5", city="Oslo"),
        name="Add only",
        match={"columns": ["CUSTOMER_ID_"], "update_on_match": "no_update"},
    )
    assert exported(env, job) == ["C5"]


def test_a_failed_export_leaves_the_boundary_where_it_was(env: Env, job: Job) -> None:
    env.load(contacts("C1"))
    assert exported(env, job) == ["C1"]
    env.load(contacts("C2"))
    env.load("cust_id,email,city,legacy\nC3,c3@x.com,Kraków ☃,\n")
    failing = env.app.jobs.update(
        env.caller, job.id, {"export": {"format": {"encoding": "windows-1252"}}}
    )
    assert env.run(failing).error_code == "EXPORT_VALUE_UNENCODABLE"
    env.app.jobs.update(env.caller, job.id, {"export": {"format": {"encoding": "utf-8"}}})
    assert exported(env, job) == ["C2", "C3"]


def test_a_supplemental_table_and_a_pet_know_their_changes_too(env: Env) -> None:
    products = env.job(
        export_job(
            "Products out",
            source="PRODUCTS",
            fields=["SKU"],
            file_pattern="products.csv",
            changed_since_last_run=True,
        )
    )
    load = {
        "name": "Load products",
        "target": "PRODUCTS",
        "mapping": {"sku": "SKU", "store": "STORE", "price": "PRICE"},
        "match": {"columns": ["SKU"]},
    }
    env.load("sku,store,price\nA,1,1.5\nB,2,2.5\n", **load)
    assert env.run(products).records_processed == 2
    env.load("sku,store,price\nB,2,3.5\nC,3,1\n", **load)
    run = env.run(products)
    assert run.records_processed == 2
    assert env.read("products.csv") == b"SKU\nB\nC\n"


def _blocked_at_first_batch() -> tuple[threading.Event, threading.Event, Callable[[int], None]]:
    """A progress callback that holds its run at its first batch until ``release`` is set."""
    reached, release = threading.Event(), threading.Event()

    def progress(rows: int) -> None:
        if rows and not reached.is_set():
            reached.set()
            assert release.wait(WAIT)

    return reached, release, progress


@pytest.fixture
def background() -> Iterator[list[threading.Thread]]:
    threads: list[threading.Thread] = []
    yield threads
    for thread in threads:
        thread.join(WAIT)
        assert not thread.is_alive()


def test_an_import_that_commits_during_the_export_is_in_the_next_one(
    env: Env, job: Job, background: list[threading.Thread]
) -> None:
    """The export reads its snapshot, the import commits meanwhile: not in this export (its
    snapshot began before), in the next."""
    keys = [f"K{i:05d}" for i in range(12_000)]  # more than one batch of the export
    env.load(contacts(*keys))
    assert len(exported(env, job)) == len(keys)
    env.load(contacts(*keys[:6000], city="Paris"), name="Big change")
    reached, release, progress = _blocked_at_first_batch()
    thread = threading.Thread(target=lambda: env.run(job, progress=progress))
    background.append(thread)
    thread_start_and_wait(thread, reached)
    env.load(contacts("K11999", city="Lima"), name="During")  # commits while the export reads
    release.set()
    thread.join(WAIT)

    first = env.read(f"changed_{DAY}.csv").decode().splitlines()[1:]
    assert {line.split(",")[0] for line in first} == set(keys[:6000])
    assert all(line.endswith(",Paris") for line in first)
    assert exported(env, job) == ["K11999"]


def test_an_import_running_when_the_export_begins_is_in_the_next_one(
    env: Env, job: Job, background: list[threading.Thread]
) -> None:
    """The import has written rows but not committed when the export's snapshot begins: not
    in this export, in the next one once it commits."""
    env.load(contacts("C1", "C2"))
    assert exported(env, job) == ["C1", "C2"]
    big = contacts(*[f"N{i:05d}" for i in range(12_000)])
    reached, release, progress = _blocked_at_first_batch()
    request_name = "Slow load"
    env.load(contacts("C9"), name=request_name)  # creates the job; C9 is in the next export
    slow = env.app.jobs.by_name(env.caller, request_name)
    env.put("slow_load.csv", big)
    done: list[JobRun] = []
    thread = threading.Thread(target=lambda: done.append(env.run(slow, progress=progress)))
    background.append(thread)
    thread_start_and_wait(thread, reached)  # the import's first batch is written, not committed
    assert exported(env, job) == ["C9"]
    release.set()
    thread.join(WAIT)
    assert [r.state.value for r in done] == ["succeeded"]
    assert len(exported(env, job)) == 12_000


def thread_start_and_wait(thread: threading.Thread, reached: threading.Event) -> None:
    thread.start()
    assert reached.wait(WAIT), "the other run never got to its first batch"
