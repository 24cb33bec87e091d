"""One contract suite for the store: every test runs on SQLite and on PostgreSQL (``app``)."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Table, delete, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from dataconnect.bootstrap import App
from dataconnect.clock import FakeClock
from dataconnect.domain.accounts import Caller
from dataconnect.domain.tables import TableDef
from dataconnect.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from dataconnect.store import schema as s
from dataconnect.store.data import CHANGE_SEQ, RUN_ID, physical_name, sql_table
from dataconnect.store.store import Tx
from dataconnect.testing import (
    contacts_table,
    group_request,
    import_job,
    make_account,
    make_app,
    pet_table,
    supplemental_table,
)

# --- helpers -----------------------------------------------------------------------------------


def _all_meta_values(app: App) -> list[str]:
    """Every value of every metadata table, as text."""
    out: list[str] = []
    with app.engines.meta.connect() as conn:
        for table in s.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                out += [str(v) for v in row]
    return out


def _data_table(app: App, caller: Caller, name: str) -> tuple[TableDef, Table]:
    table, _ = app.tables.get(caller, name)
    return table, sql_table(caller.account_id, table, app.engines.data_schema)


def _insert_data(app: App, table: Table, rows: list[dict[str, Any]]) -> None:
    with app.engines.data.begin() as conn:
        conn.execute(insert(table), rows)


def _data_table_names(app: App) -> set[str]:
    return set(inspect(app.engines.data).get_table_names(schema=app.engines.data_schema))


def _is_utc(value: datetime | None) -> bool:
    return value is not None and value.tzinfo is not None and value.utcoffset() == timedelta(0)


@pytest.fixture
def caller(app: App) -> Caller:
    caller, _ = make_account(app)
    return caller


@pytest.fixture
def other(app: App) -> Caller:
    """A data director of a second account."""
    caller, _ = make_account(app, "Globex", email="bob@example.com")
    return caller


# --- accounts, users, tokens --------------------------------------------------------------------


def test_accounts_are_found_by_name_whatever_the_case(app: App, clock: FakeClock) -> None:
    created = app.accounts.create_account("Acme Corp", "Europe/Berlin")
    found = app.accounts.account_by_name("ACME corp")
    assert found == created
    assert found.created_at == clock.now()
    assert _is_utc(found.created_at)
    assert [a.name for a in app.accounts.accounts()] == ["Acme Corp"]


def test_account_names_are_unique_whatever_the_case(app: App) -> None:
    app.accounts.create_account("Acme", "UTC")
    with pytest.raises(Conflict) as err:
        app.accounts.create_account("ACME", "UTC")
    assert err.value.code == "ACCOUNT_NAME_TAKEN"
    with pytest.raises(NotFound):
        app.accounts.account_by_name("Initech")


def test_users_are_unique_per_account_but_not_across_accounts(app: App) -> None:
    app.accounts.create_account("Acme", "UTC")
    app.accounts.create_account("Globex", "UTC")
    app.accounts.create_user("Acme", "ann@example.com", "data_director")
    with pytest.raises(Conflict) as err:
        app.accounts.create_user("Acme", "ANN@example.com", "viewer")
    assert err.value.code == "USER_EXISTS"
    app.accounts.create_user("Globex", "ann@example.com", "viewer")
    assert [u.email for u in app.accounts.users("Acme")] == ["ann@example.com"]
    assert [u.role.value for u in app.accounts.users("Globex")] == ["viewer"]


def test_passwords_are_stored_hashed(app: App) -> None:
    app.accounts.create_account("Acme", "UTC")
    password = "correct horse battery"
    app.accounts.create_user("Acme", "ann@example.com", "viewer", password)
    assert not [v for v in _all_meta_values(app) if password in v]
    assert app.accounts.login("Acme", "ann@example.com", password).label == "user:ann@example.com"
    with pytest.raises(Unauthenticated):
        app.accounts.login("Acme", "ann@example.com", password + "!")


def test_a_token_is_stored_only_as_its_hash(app: App) -> None:
    caller, token = make_account(app)
    assert not [v for v in _all_meta_values(app) if token in v]
    with app.engines.meta.connect() as conn:
        rows = conn.execute(select(s.api_tokens)).mappings().all()
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert rows[0]["revoked_at"] is None
    assert app.accounts.authenticate(token) == caller


def test_tokens_identify_their_user_and_account(app: App, caller: Caller, other: Caller) -> None:
    _, second = app.accounts.create_token("Globex", "bob@example.com")
    found = app.accounts.authenticate(second)
    assert (found.account_id, found.user_id) == (other.account_id, other.user_id)
    assert found.account_id != caller.account_id
    with pytest.raises(Unauthenticated):
        app.accounts.authenticate(second + "x")


def test_revoked_tokens_stop_authenticating(app: App, clock: FakeClock) -> None:
    _, token = make_account(app)
    _, bob_token = make_account(app, email="bob@example.com")
    clock.advance(timedelta(minutes=5))

    assert app.accounts.revoke_tokens("Acme", "ann@example.com") == 1

    with pytest.raises(Unauthenticated) as err:
        app.accounts.authenticate(token)
    assert err.value.code == "TOKEN_INVALID"
    assert app.accounts.authenticate(bob_token).label == "user:bob@example.com"
    assert app.accounts.revoke_tokens("Acme", "ann@example.com") == 0
    with app.engines.meta.connect() as conn:
        revoked = conn.execute(
            select(s.api_tokens.c.revoked_at).where(s.api_tokens.c.revoked_at.is_not(None))
        ).scalar_one()
    assert revoked == clock.now()
    assert _is_utc(revoked)
    # A new token works again.
    _, fresh = app.accounts.create_token("Acme", "ann@example.com")
    assert app.accounts.authenticate(fresh).label == "user:ann@example.com"


# --- tables ------------------------------------------------------------------------------------


def test_a_profile_list_creates_its_sql_table(app: App, caller: Caller) -> None:
    before = _data_table_names(app)
    created = app.tables.create(caller, contacts_table())

    physical = physical_name(caller.account_id, "CONTACTS")
    assert _data_table_names(app) - before == {physical}
    columns = {
        c["name"]
        for c in inspect(app.engines.data).get_columns(physical, schema=app.engines.data_schema)
    }
    # + the run that wrote each row, and the change sequence of the run that last changed it
    assert columns == {f.name for f in created.fields} | {RUN_ID, CHANGE_SEQ}
    assert {"RIID_", "EMAIL_ADDRESS_", "FIRST_NAME"} <= columns
    pk = inspect(app.engines.data).get_pk_constraint(physical, schema=app.engines.data_schema)
    assert pk["constrained_columns"] == ["RIID_"]
    table, count = app.tables.get(caller, "contacts")
    assert (table.id, table.name, count) == (created.id, "CONTACTS", 0)


def test_riid_is_assigned_by_the_database(app: App, caller: Caller) -> None:
    app.tables.create(caller, contacts_table())
    _, t = _data_table(app, caller, "CONTACTS")
    _insert_data(app, t, [{"EMAIL_ADDRESS_": f"p{i}@example.com"} for i in range(3)])

    with app.engines.data.connect() as conn:
        riids = list(conn.execute(select(t.c.RIID_).order_by(t.c.RIID_)).scalars())
    assert len(set(riids)) == 3
    assert all(isinstance(r, int) and r > 0 for r in riids)
    assert app.tables.get(caller, "CONTACTS")[1] == 3


def test_a_pet_is_keyed_by_riid_given_by_the_caller(app: App, caller: Caller) -> None:
    app.tables.create(caller, contacts_table())
    pet = app.tables.create(caller, pet_table())
    assert pet.list_name == "CONTACTS"
    assert [f.name for f in pet.fields][:1] == ["RIID_"]

    _, t = _data_table(app, caller, "PURCHASES")
    physical = physical_name(caller.account_id, "PURCHASES")
    pk = inspect(app.engines.data).get_pk_constraint(physical, schema=app.engines.data_schema)
    assert pk["constrained_columns"] == ["RIID_"]
    _insert_data(app, t, [{"RIID_": 7, "TOTAL": 1.5}, {"RIID_": 9, "TOTAL": 2.5}])
    with pytest.raises(IntegrityError):
        _insert_data(app, t, [{"RIID_": 7, "TOTAL": 3.0}])
    assert app.tables.get(caller, "PURCHASES")[1] == 2


def test_a_pet_needs_an_existing_profile_list(app: App, caller: Caller) -> None:
    before = _data_table_names(app)
    with pytest.raises(ValidationFailed) as err:
        app.tables.create(caller, pet_table(list_name="NOWHERE"))
    assert err.value.code == "LIST_NOT_FOUND"
    assert _data_table_names(app) == before


def test_a_supplemental_table_has_a_unique_composite_key(app: App, caller: Caller) -> None:
    created = app.tables.create(caller, supplemental_table(primary_key=["sku", "store"]))
    assert created.primary_key == ("SKU", "STORE")

    physical = physical_name(caller.account_id, "PRODUCTS")
    uniques = inspect(app.engines.data).get_unique_constraints(
        physical, schema=app.engines.data_schema
    )
    assert [sorted(u["column_names"]) for u in uniques] == [["SKU", "STORE"]]

    _, t = _data_table(app, caller, "PRODUCTS")
    _insert_data(
        app,
        t,
        [
            {"SKU": "A-1", "STORE": 1, "PRICE": 9.5},
            {"SKU": "A-1", "STORE": 2, "PRICE": 9.5},
            {"SKU": "B-2", "STORE": 1, "PRICE": 3.0},
        ],
    )
    with pytest.raises(IntegrityError):
        _insert_data(app, t, [{"SKU": "A-1", "STORE": 2, "PRICE": 1.0}])
    assert app.tables.get(caller, "PRODUCTS")[1] == 3


def test_table_names_are_unique_per_account(app: App, caller: Caller, other: Caller) -> None:
    app.tables.create(caller, contacts_table())
    with pytest.raises(Conflict) as err:
        app.tables.create(caller, contacts_table("contacts"))
    assert err.value.code == "TABLE_NAME_TAKEN"

    app.tables.create(other, contacts_table())
    assert {
        physical_name(caller.account_id, "CONTACTS"),
        physical_name(other.account_id, "CONTACTS"),
    } <= _data_table_names(app)
    assert [t.name for t, _ in app.tables.list(other)] == ["CONTACTS"]
    with pytest.raises(NotFound):
        app.tables.get(other, "NOPE")


def test_tables_of_one_account_are_invisible_to_another(
    app: App, caller: Caller, other: Caller
) -> None:
    app.tables.create(caller, supplemental_table())
    assert app.tables.list(other) == []
    with pytest.raises(NotFound):
        app.tables.get(other, "PRODUCTS")


def test_rows_come_in_pages_with_cursors(app: App, caller: Caller) -> None:
    app.tables.create(caller, contacts_table())
    _, t = _data_table(app, caller, "CONTACTS")
    _insert_data(app, t, [{"FIRST_NAME": f"n{i}"} for i in range(5)])

    seen: list[dict[str, Any]] = []
    pages = []
    cursor: str | None = None
    for _ in range(10):  # bounded: 5 rows in pages of 2 need 3 pages
        rows, cursor = app.tables.rows(caller, "CONTACTS", limit=2, cursor=cursor)
        pages.append(len(rows))
        seen += rows
        if cursor is None:
            break
    assert pages == [2, 2, 1]
    assert [r["FIRST_NAME"] for r in seen] == [f"n{i}" for i in range(5)]
    riids = [r["RIID_"] for r in seen]
    assert riids == sorted(riids) and len(set(riids)) == 5

    rows, cursor = app.tables.rows(caller, "CONTACTS", limit=5, cursor=None)
    assert (len(rows), cursor) == (5, None)
    with pytest.raises(ValidationFailed):
        app.tables.rows(caller, "CONTACTS", limit=2, cursor="not a cursor")


def test_supplemental_rows_page_without_their_internal_key(app: App, caller: Caller) -> None:
    app.tables.create(caller, supplemental_table())
    _, t = _data_table(app, caller, "PRODUCTS")
    _insert_data(app, t, [{"SKU": f"S{i}", "STORE": i, "PRICE": i / 2} for i in range(3)])

    first, cursor = app.tables.rows(caller, "PRODUCTS", limit=2, cursor=None)
    rest, end = app.tables.rows(caller, "PRODUCTS", limit=2, cursor=cursor)
    assert end is None
    assert [r["SKU"] for r in first + rest] == ["S0", "S1", "S2"]
    assert set(first[0]) == {"SKU", "STORE", "PRICE"}


def test_table_definitions_round_trip(app: App, caller: Caller) -> None:
    app.tables.create(caller, contacts_table())
    created = app.tables.create(caller, supplemental_table(primary_key=["SKU", "STORE"]))
    found, _ = app.tables.get(caller, "products")
    assert found == created
    assert [t.name for t, _ in app.tables.list(caller)] == ["CONTACTS", "PRODUCTS"]


# --- jobs --------------------------------------------------------------------------------------


@pytest.fixture
def with_list(app: App, caller: Caller) -> Caller:
    app.tables.create(caller, contacts_table())
    return caller


def test_jobs_crud(app: App, with_list: Caller, clock: FakeClock) -> None:
    caller = with_list
    job = app.jobs.create(caller, import_job("Daily customers", description="first"))
    assert job.id > 0
    assert app.jobs.get(caller, job.id) == job
    assert app.jobs.by_name(caller, "DAILY CUSTOMERS") == job

    clock.advance(timedelta(hours=1))
    changed = app.jobs.update(caller, job.id, {"name": "Nightly customers", "description": "x"})
    assert app.jobs.get(caller, job.id) == changed
    assert (changed.name, changed.description) == ("Nightly customers", "x")
    assert changed.created_at == job.created_at
    assert changed.updated_at == clock.now()

    inactive = app.jobs.deactivate(caller, job.id)
    assert app.jobs.get(caller, job.id).state == inactive.state

    app.jobs.delete(caller, job.id)
    with pytest.raises(NotFound):
        app.jobs.get(caller, job.id)
    # The name is free again.
    app.jobs.create(caller, import_job("Nightly customers"))


def test_jobs_list_in_pages(app: App, with_list: Caller) -> None:
    ids = [app.jobs.create(with_list, import_job(f"Job {i}")).id for i in range(5)]
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(10):
        page, cursor = app.jobs.list(with_list, limit=2, cursor=cursor)
        seen += [j.id for j in page]
        if cursor is None:
            break
    assert seen == ids


def test_job_names_are_unique_per_account_whatever_the_case(app: App, with_list: Caller) -> None:
    app.jobs.create(with_list, import_job("Daily customers"))
    with pytest.raises(Conflict) as err:
        app.jobs.create(with_list, import_job("DAILY Customers"))
    assert err.value.code == "JOB_NAME_TAKEN"

    second = app.jobs.create(with_list, import_job("Weekly"))
    with pytest.raises(Conflict) as err:
        app.jobs.update(with_list, second.id, {"name": "daily CUSTOMERS"})
    assert err.value.code == "JOB_NAME_TAKEN"
    assert app.jobs.get(with_list, second.id).name == "Weekly"


def test_the_same_job_name_is_fine_in_two_accounts(
    app: App, with_list: Caller, other: Caller
) -> None:
    app.tables.create(other, contacts_table())
    mine = app.jobs.create(with_list, import_job("Daily customers"))
    theirs = app.jobs.create(other, import_job("Daily customers"))
    assert mine.id != theirs.id
    assert app.jobs.by_name(other, "daily customers").id == theirs.id
    with pytest.raises(NotFound):
        app.jobs.get(other, mine.id)


def test_job_timestamps_come_back_aware_utc(app: App, with_list: Caller, clock: FakeClock) -> None:
    clock.set(datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=UTC))
    job = app.jobs.create(with_list, import_job(expires_at="2026-06-30"))
    found = app.jobs.get(with_list, job.id)
    for value in (found.created_at, found.updated_at, found.expires_at):
        assert _is_utc(value)
    assert found.created_at == found.updated_at == clock.now()
    # A bare date ends at midnight in the account's zone (Europe/Berlin, summer time).
    assert found.expires_at == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert app.jobs.create(with_list, import_job("Forever", expires_at="never")).expires_at is None


# --- groups ------------------------------------------------------------------------------------


@pytest.fixture
def jobs(app: App, with_list: Caller) -> list[int]:
    return [app.jobs.create(with_list, import_job(f"Job {i}")).id for i in range(4)]


def test_a_group_keeps_its_members_in_order(app: App, with_list: Caller, jobs: list[int]) -> None:
    order = [jobs[2], jobs[0], jobs[3]]
    group = app.groups.create(with_list, group_request("Nightly", order))
    assert app.groups.get(with_list, group.id).job_ids == tuple(order)
    assert [g.job_ids for g, _, _, _ in app.groups.list(with_list)[0]] == [tuple(order)]
    assert all(app.jobs.get(with_list, j).group_id == group.id for j in order)
    assert app.jobs.get(with_list, jobs[1]).group_id is None

    reordered = [jobs[3], jobs[1], jobs[2], jobs[0]]
    app.groups.update(with_list, group.id, {"job_ids": reordered})
    assert app.groups.get(with_list, group.id).job_ids == tuple(reordered)

    app.groups.update(with_list, group.id, {"job_ids": reordered[:2]})
    assert app.groups.get(with_list, group.id).job_ids == tuple(reordered[:2])
    assert app.jobs.get(with_list, jobs[2]).group_id is None


def test_group_names_are_unique_per_account_whatever_the_case(
    app: App, with_list: Caller, jobs: list[int]
) -> None:
    app.groups.create(with_list, group_request("Nightly", jobs[:2]))
    with pytest.raises(Conflict) as err:
        app.groups.create(with_list, group_request("NIGHTLY", jobs[2:]))
    assert err.value.code == "GROUP_NAME_TAKEN"


def test_a_job_in_one_group_cannot_join_another(
    app: App, with_list: Caller, jobs: list[int]
) -> None:
    app.groups.create(with_list, group_request("Nightly", jobs[:2]))
    with pytest.raises(ValidationFailed) as err:
        app.groups.create(with_list, group_request("Weekly", [jobs[1], jobs[2]]))
    assert "JOB_IN_OTHER_GROUP" in {p.code for p in err.value.problems}


def test_the_database_keeps_a_job_in_at_most_one_group(
    app: App, with_list: Caller, jobs: list[int]
) -> None:
    """Even without the service's check, ``group_jobs.job_id`` is UNIQUE."""
    first = app.groups.create(with_list, group_request("Nightly", jobs[:2]))
    second = app.groups.create(with_list, group_request("Weekly", [], activate=False))

    with pytest.raises(IntegrityError), app.engines.meta.begin() as conn:
        conn.execute(insert(s.group_jobs).values(group_id=second.id, position=0, job_id=jobs[0]))
    # Nor twice in the same group.
    with pytest.raises(IntegrityError), app.engines.meta.begin() as conn:
        conn.execute(insert(s.group_jobs).values(group_id=first.id, position=5, job_id=jobs[1]))

    assert app.groups.get(with_list, first.id).job_ids == tuple(jobs[:2])
    assert app.groups.get(with_list, second.id).job_ids == ()
    with app.engines.meta.begin() as conn:
        conn.execute(insert(s.group_jobs).values(group_id=second.id, position=0, job_id=jobs[2]))
    assert app.groups.get(with_list, second.id).job_ids == (jobs[2],)


def test_deleting_a_group_leaves_its_jobs(app: App, with_list: Caller, jobs: list[int]) -> None:
    group = app.groups.create(with_list, group_request("Nightly", jobs[:3]))
    app.groups.delete(with_list, group.id)

    with pytest.raises(NotFound):
        app.groups.get(with_list, group.id)
    for job_id in jobs[:3]:
        assert app.jobs.get(with_list, job_id).group_id is None
    with app.engines.meta.connect() as conn:
        assert conn.execute(select(s.group_jobs)).all() == []
    # Free to join another group, and to be deleted.
    app.groups.create(with_list, group_request("Weekly", jobs[:2]))
    app.jobs.delete(with_list, jobs[2])


def test_a_job_in_a_group_cannot_be_deleted(app: App, with_list: Caller, jobs: list[int]) -> None:
    app.groups.create(with_list, group_request("Nightly", jobs[:2]))
    with pytest.raises(Conflict) as err:
        app.jobs.delete(with_list, jobs[0])
    assert err.value.code == "JOB_IN_GROUP"
    assert app.jobs.get(with_list, jobs[0]).id == jobs[0]


def test_group_timestamps_come_back_aware_utc(
    app: App, with_list: Caller, jobs: list[int], clock: FakeClock
) -> None:
    clock.set(datetime(2026, 2, 1, 8, 15, 30, 654321, tzinfo=UTC))
    group = app.groups.create(
        with_list, group_request("Nightly", jobs[:2], expires_at="2026-03-01T09:30:00+05:30")
    )
    found = app.groups.get(with_list, group.id)
    for value in (found.created_at, found.updated_at, found.expires_at):
        assert _is_utc(value)
    assert found.created_at == clock.now()
    assert found.expires_at == datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    assert found == group


def test_the_store_refuses_naive_datetimes(app: App) -> None:
    with pytest.raises(StatementError, match="naive datetime"), app.engines.meta.begin() as conn:
        conn.execute(
            insert(s.accounts).values(
                name="Acme", name_key="acme", timezone="UTC", created_at=datetime(2026, 1, 1)
            )
        )


@pytest.mark.postgres
def test_timestamps_are_utc_whatever_the_postgresql_session_zone(
    pg_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    database = pg_url.rpartition("/")[2]
    with psycopg.connect(pg_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"ALTER DATABASE \"{database}\" SET timezone = 'America/New_York'")
    app = make_app(home=tmp_path / "home", database_url=pg_url, clock=clock)
    try:
        with app.engines.meta.connect() as conn:
            assert conn.execute(text("SHOW timezone")).scalar_one() == "America/New_York"
        caller, _ = make_account(app)
        account = app.accounts.account(caller)
        assert account.created_at == clock.now()
        assert _is_utc(account.created_at)
        with app.engines.meta.connect() as conn:
            raw = conn.execute(select(s.accounts.c.created_at)).scalar_one()
        assert _is_utc(raw)
    finally:
        app.close()


# --- the run constraints as the services see them ----------------------------------------------


def _active_run(app: App, table: Table, account_id: int, **values: Any) -> int:
    with app.engines.meta.begin() as conn:
        result = conn.execute(
            insert(table).values(
                account_id=account_id,
                state="running",
                trigger="manual",
                requested_by="user:ann@example.com",
                created_at=app.clock.now(),
                started_at=app.clock.now(),
                **values,
            )
        )
        return int(result.inserted_primary_key[0])


def test_a_running_group_keeps_its_jobs_and_cannot_be_deleted(
    app: App, with_list: Caller, jobs: list[int]
) -> None:
    group = app.groups.create(with_list, group_request("Nightly", jobs[:2]))
    _active_run(app, s.group_runs, with_list.account_id, group_id=group.id, group_name="Nightly")

    with pytest.raises(Conflict) as err:
        app.groups.update(with_list, group.id, {"job_ids": [jobs[1], jobs[0]]})
    assert err.value.code == "GROUP_RUNNING"
    with pytest.raises(Conflict) as err:
        app.groups.delete(with_list, group.id)
    assert err.value.code == "GROUP_RUNNING"
    assert app.groups.get(with_list, group.id).job_ids == tuple(jobs[:2])
    # What does not touch the members may still change.
    assert app.groups.update(with_list, group.id, {"description": "x"}).description == "x"


def test_a_running_job_cannot_be_deleted(app: App, with_list: Caller, jobs: list[int]) -> None:
    _active_run(app, s.job_runs, with_list.account_id, job_id=jobs[0], job_name="Job 0")
    with pytest.raises(Conflict) as err:
        app.jobs.delete(with_list, jobs[0])
    assert err.value.code == "JOB_RUNNING"
    app.jobs.delete(with_list, jobs[1])


def test_group_details_show_the_newest_run(
    app: App, with_list: Caller, jobs: list[int], clock: FakeClock
) -> None:
    group = app.groups.create(with_list, group_request("Nightly", jobs[:2]))
    assert app.groups.details(with_list, group.id)[2] is None
    with app.engines.meta.begin() as conn:
        for state in ("failed", "succeeded"):
            conn.execute(
                insert(s.group_runs).values(
                    account_id=with_list.account_id,
                    group_id=group.id,
                    group_name="Nightly",
                    state=state,
                    trigger="manual",
                    requested_by="cli",
                    created_at=clock.now(),
                    started_at=clock.now(),
                    ended_at=clock.now() + timedelta(minutes=3),
                )
            )
    newest = _active_run(
        app, s.group_runs, with_list.account_id, group_id=group.id, group_name="Nightly"
    )

    _, members, last, _ = app.groups.details(with_list, group.id)
    assert set(members) == set(jobs[:2])
    assert last is not None
    assert (last.id, last.state, last.ended_at) == (newest, "running", None)
    assert last.started_at == clock.now() and _is_utc(last.started_at)


# --- foreign keys hold on both backends -----------------------------------------------------------


def test_a_job_in_a_group_cannot_be_deleted_even_directly(
    app: App, with_list: Caller, jobs: list[int]
) -> None:
    """``group_jobs.job_id`` references the job ON DELETE RESTRICT (SQLite: foreign_keys=ON)."""
    app.groups.create(with_list, group_request("Nightly", jobs[:2]))
    with pytest.raises(IntegrityError), app.engines.meta.begin() as conn:
        conn.execute(delete(s.jobs).where(s.jobs.c.id == jobs[0]))
    assert app.jobs.get(with_list, jobs[0]).group_id is not None


def test_group_members_must_be_real_jobs(app: App, with_list: Caller) -> None:
    group = app.groups.create(with_list, group_request("Weekly", [], activate=False))
    with pytest.raises(IntegrityError), app.engines.meta.begin() as conn:
        conn.execute(insert(s.group_jobs).values(group_id=group.id, position=0, job_id=999))


# --- a table and its SQL table come together -----------------------------------------------------


def test_no_table_row_is_kept_when_its_sql_table_cannot_be_made(app: App, caller: Caller) -> None:
    physical = physical_name(caller.account_id, "PRODUCTS")
    with app.engines.data.begin() as conn:
        # A leftover with the same physical name makes CREATE TABLE fail.
        qualified = (
            f'"{app.engines.data_schema}"."{physical}"' if app.engines.data_schema else physical
        )
        conn.execute(text(f"CREATE TABLE {qualified} (x INTEGER)"))

    with pytest.raises(DBAPIError):
        app.tables.create(caller, supplemental_table())

    with app.engines.meta.connect() as conn:
        assert conn.execute(select(s.data_tables)).all() == []
    assert app.tables.list(caller) == []


@pytest.mark.postgres
def test_two_groups_racing_for_one_job_end_with_one_conflict(
    pg_url: str, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both saves pass the service's check (each reads the job as free) before either writes:
    the UNIQUE on ``group_jobs.job_id`` decides, and the loser gets JOB_IN_OTHER_GROUP."""
    app = make_app(home=tmp_path / "home", database_url=pg_url, clock=clock)
    try:
        caller, _ = make_account(app)
        app.tables.create(caller, contacts_table())
        ids = [app.jobs.create(caller, import_job(f"Job {i}")).id for i in range(3)]

        both_checked = threading.Barrier(2, timeout=20)
        original = Tx.insert_group

        def insert_group(self: Tx, group: Any) -> int:
            both_checked.wait()
            return original(self, group)

        monkeypatch.setattr(Tx, "insert_group", insert_group)
        outcomes: dict[str, object] = {}

        def save(name: str, members: list[int]) -> None:
            try:
                outcomes[name] = app.groups.create(caller, group_request(name, members)).id
            except Exception as exc:
                outcomes[name] = exc

        threads = [
            threading.Thread(target=save, args=("Nightly", [ids[0], ids[1]])),
            threading.Thread(target=save, args=("Weekly", [ids[2], ids[1]])),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not [t for t in threads if t.is_alive()]
        # The loser's group row went with its transaction.
        groups = [g for g, _, _, _ in app.groups.list(caller)[0]]
        assert [g.id for g in groups] == [v for v in outcomes.values() if isinstance(v, int)]
        assert ids[1] in groups[0].job_ids
    finally:
        app.close()

    errors = [v for v in outcomes.values() if isinstance(v, Exception)]
    assert len(outcomes) == 2 and len(errors) == 1, outcomes
    assert isinstance(errors[0], Conflict) and errors[0].code == "JOB_IN_OTHER_GROUP", errors[0]
