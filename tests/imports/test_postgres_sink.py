"""PostgresSink against SqliteSink: the same batches give the same results and the same tables.

Each test builds the same tables on a SQLite app and on a fresh PostgreSQL database, drives both
sinks with identical batches of converted rows, and compares every ``BatchResult`` and the final
table contents (generated keys aside). Where SqliteSink departs from the sink contract, the
PostgreSQL behaviour is asserted on its own (see the ``pg_only`` tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dataconnect.bootstrap import App, build
from dataconnect.config import Settings
from dataconnect.domain.accounts import Caller
from dataconnect.domain.imports import Reject
from dataconnect.domain.job_settings import parse_import_settings
from dataconnect.domain.tables import TableDef, TableKind
from dataconnect.imports.plan import RowPlan, build_plan
from dataconnect.imports.postgres_sink import PostgresSink
from dataconnect.imports.sink import (
    AlreadyApplied,
    Applied,
    BatchResult,
    RepeatedKeys,
    Row,
    Sink,
    Target,
)
from dataconnect.imports.sqlite_sink import SqliteSink
from dataconnect.store.data import ROW_ID, sql_table
from dataconnect.testing import (
    contacts_table,
    import_job,
    make_account,
    pet_table,
    supplemental_table,
)

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(hours=2)

DUP = Reject.DUPLICATE_KEY_IN_FILE
NMP = Reject.NO_MATCHING_PROFILE
NMR = Reject.NO_MATCHING_RECORD
EXISTS = Reject.KEY_EXISTS

LIST_HEADER = ["cust_id", "email", "city", "first"]
LIST_MAPPING = {
    "cust_id": "CUSTOMER_ID_",
    "email": "EMAIL_ADDRESS_",
    "city": "CITY_",
    "first": "FIRST_NAME",
}
PET_HEADER = ["cust_id", "last_order", "total"]
PET_MAPPING = {"cust_id": "CUSTOMER_ID_", "last_order": "LAST_ORDER", "total": "TOTAL"}
SUPP_HEADER = ["sku", "store", "price"]
SUPP_MAPPING = {"sku": "SKU", "store": "STORE", "price": "PRICE"}

APPLIED = Applied(processed=1, added=1, updated=0, rejected=0, file_name="f.csv", rejects_file=None)


def spec(
    target: str,
    mapping: dict[str, str | None],
    *,
    match: tuple[str, ...] = (),
    insert: bool = True,
    update: str = "replace_all",
    mode: str = "merge",
) -> dict[str, Any]:
    settings: dict[str, Any] = import_job()["import"]
    settings.update(target=target, mapping=mapping, supplemental_mode=mode)
    settings["match"] = {
        "columns": list(match),
        "insert_on_no_match": insert,
        "update_on_match": update,
    }
    return settings


# --- the two sides -----------------------------------------------------------------------------


@dataclass
class Side:
    app: App
    caller: Caller
    open_sink: Callable[[Target, RowPlan], Sink]
    tables: dict[str, TableDef] = field(default_factory=dict)

    def create(self, request: dict[str, Any]) -> None:
        table = self.app.tables.create(self.caller, request)
        self.tables[table.name] = table

    def sink(
        self,
        settings: dict[str, Any],
        header: list[str],
        run_id: int,
        now: datetime,
        optimistic: bool = True,
    ) -> tuple[Sink, RowPlan]:
        parsed, problems = parse_import_settings(settings, self.tables)
        assert parsed is not None, problems
        table = self.tables[parsed.target]
        parent = self.tables[table.list_name] if table.list_name else None
        plan = build_plan(parsed, table, parent, header, "UTC")
        target = Target(self.caller.account_id, table, parent, run_id, now, None, optimistic)
        return self.open_sink(target, plan), plan

    def contents(self, name: str) -> list[tuple[tuple[str, Any], ...]]:
        """Rows as sorted (column, value) tuples; generated keys left out, a PET's RIID_ shown
        as its profile's CUSTOMER_ID_."""
        table = self.tables[name]
        data = self.app.engines.data
        schema = self.app.engines.data_schema
        account = self.caller.account_id
        customer: dict[int, Any] = {}
        if table.kind is TableKind.PET:
            assert table.list_name
            profiles = sql_table(account, self.tables[table.list_name], schema)
            with data.connect() as conn:
                query = select(profiles.c.RIID_, profiles.c.CUSTOMER_ID_)
                customer = {r[0]: r[1] for r in conn.execute(query)}
        with data.connect() as conn:
            found = [
                dict(r._mapping) for r in conn.execute(select(sql_table(account, table, schema)))
            ]
        out = []
        for row in found:
            row.pop(ROW_ID, None)
            riid = row.pop("RIID_", None)
            if table.kind is TableKind.PET:
                row["RIID_"] = ("profile", customer[riid])
            out.append(tuple(sorted(row.items())))
        return sorted(out, key=repr)


@dataclass
class Both:
    sqlite: Side
    pg: Side

    @property
    def sides(self) -> tuple[Side, Side]:
        return (self.sqlite, self.pg)

    def create(self, *requests: dict[str, Any]) -> None:
        for side in self.sides:
            for request in requests:
                side.create(request)

    def run(
        self,
        settings: dict[str, Any],
        header: list[str],
        batches: list[list[list[str]]],
        *,
        run_id: int,
        now: datetime = T0,
        commit: bool = True,
    ) -> list[BatchResult]:
        """The same import on both sides; their batch results must be equal."""
        results = [
            _drive(side, settings, header, batches, run_id, now, commit) for side in self.sides
        ]
        assert results[0] == results[1], f"sqlite {results[0]} != postgres {results[1]}"
        return results[1]

    def contents(self, name: str) -> list[tuple[tuple[str, Any], ...]]:
        sqlite, pg = (side.contents(name) for side in self.sides)
        assert sqlite == pg
        return pg


def _drive(
    side: Side,
    settings: dict[str, Any],
    header: list[str],
    batches: list[list[list[str]]],
    run_id: int,
    now: datetime,
    commit: bool,
) -> list[BatchResult]:
    """As ``run_import`` drives a sink: optimistic first, again with checks on a repeat."""
    for optimistic in (True, False):
        sink, plan = side.sink(settings, header, run_id, now, optimistic)
        sink.begin()
        try:
            results = [sink.write(_convert(plan, batch)) for batch in batches]
            sink.check_keys()
        except RepeatedKeys:
            continue  # rolled back by the sink
        except BaseException:
            sink.rollback()
            raise
        if commit:
            sink.commit(APPLIED)
        else:
            sink.rollback()
        return results
    raise AssertionError("a sink without optimism raised RepeatedKeys")


def _convert(plan: RowPlan, records: list[list[str]]) -> list[Row]:
    rows = []
    for fields in records:
        converted = plan.convert(fields)
        assert not isinstance(converted, Reject), (fields, converted)
        rows.append(converted)
    return rows


@pytest.fixture
def both(tmp_path: Path, pg_url: str, sqlite_app: App) -> Iterator[Both]:
    # Both databases start from migrated templates (see tests/conftest.py).
    pg_app = build(Settings(home=tmp_path / "p", database_url=pg_url))
    callers = [make_account(app)[0] for app in (sqlite_app, pg_app)]
    schema = pg_app.engines.data_schema
    assert schema is not None
    yield Both(
        Side(sqlite_app, callers[0], lambda t, p: SqliteSink(sqlite_app.engines.data, t, p)),
        Side(pg_app, callers[1], lambda t, p: PostgresSink(pg_app.engines.data, schema, t, p)),
    )
    pg_app.close()


def pg_run(
    both: Both,
    settings: dict[str, Any],
    header: list[str],
    batches: list[list[list[str]]],
    *,
    run_id: int,
    now: datetime = T0,
) -> list[BatchResult]:
    return _drive(both.pg, settings, header, batches, run_id, now, True)


def person(n: int, city: str = "Berlin", email: str | None = None) -> list[str]:
    return [f"C{n}", email or f"p{n}@example.com", city, f"Name{n}"]


def result(added: int = 0, updated: int = 0, *rejects: tuple[int, Reject]) -> BatchResult:
    return BatchResult(added=added, updated=updated, rejects=list(rejects))


def by_customer(rows: list[tuple[tuple[str, Any], ...]]) -> dict[str, dict[str, Any]]:
    return {dict(r)["CUSTOMER_ID_"]: dict(r) for r in rows}


LIST = spec("CONTACTS", LIST_MAPPING, match=("CUSTOMER_ID_",))


def seed_people(both: Both, *numbers: int, run_id: int = 1, now: datetime = T0) -> None:
    both.run(LIST, LIST_HEADER, [[person(n) for n in numbers]], run_id=run_id, now=now)


# --- profile list ------------------------------------------------------------------------------


def test_list_insert_into_empty_table(both: Both) -> None:
    both.create(contacts_table())
    results = both.run(
        LIST, LIST_HEADER, [[person(1), person(2), person(3)], [person(4), person(5)]], run_id=7
    )
    assert results == [result(3), result(2)]
    rows = by_customer(both.contents("CONTACTS"))
    assert set(rows) == {"C1", "C2", "C3", "C4", "C5"}
    one = rows["C1"]
    assert one["EMAIL_ADDRESS_"] == "p1@example.com"
    assert one["EMAIL_DOMAIN_"] == "example.com"
    assert len(one["EMAIL_SHA256_HASH_"]) == 64
    assert one["EMAIL_PERMISSION_STATUS_"] == "O"  # the default, on insert only
    assert one["CREATED_DATE_"] == one["MODIFIED_DATE_"] == T0
    assert one["_RUN_ID"] == 7


@pytest.mark.parametrize("update", ["replace_all", "no_update"])
def test_list_merge_with_half_the_keys_existing(both: Both, update: str) -> None:
    both.create(contacts_table())
    seed_people(both, 1, 2, 3, 4, run_id=1, now=T0)
    merge = spec("CONTACTS", LIST_MAPPING, match=("CUSTOMER_ID_",), update=update)
    batches = [
        [person(3, "Paris"), person(5, "Paris"), person(4, "")],  # an empty cell clears a field
        [person(6, "Rome"), person(3, "Again")],  # C3 again: written by this run
    ]
    results = both.run(merge, LIST_HEADER, batches, run_id=2, now=T1)
    if update == "replace_all":
        assert results == [result(1, 2), result(1, 0, (1, DUP))]
    else:
        assert results == [result(1, 0), result(1, 0, (1, DUP))]
    rows = by_customer(both.contents("CONTACTS"))
    assert len(rows) == 6
    assert rows["C1"]["_RUN_ID"] == 1 and rows["C1"]["MODIFIED_DATE_"] == T0
    assert rows["C3"]["_RUN_ID"] == 2
    assert rows["C3"]["CREATED_DATE_"] == T0
    if update == "replace_all":
        assert rows["C3"]["CITY_"] == "Paris" and rows["C3"]["MODIFIED_DATE_"] == T1
        assert rows["C4"]["CITY_"] is None
    else:
        assert rows["C3"]["CITY_"] == "Berlin" and rows["C3"]["MODIFIED_DATE_"] == T0
        assert rows["C4"]["CITY_"] == "Berlin"
    assert rows["C5"]["CREATED_DATE_"] == rows["C5"]["MODIFIED_DATE_"] == T1


def test_list_match_on_two_columns(both: Both) -> None:
    both.create(contacts_table())
    seed_people(both, 1, 2)
    two = spec("CONTACTS", LIST_MAPPING, match=("CUSTOMER_ID_", "EMAIL_ADDRESS_"))
    batches = [
        [
            person(1, "Oslo"),  # both columns match: update
            person(1, "Lima", email="other@example.com"),  # one column only: a new profile
            person(2, "Kyiv"),
            person(2, "Baku"),  # the same pair again
        ]
    ]
    assert both.run(two, LIST_HEADER, batches, run_id=2, now=T1) == [result(1, 2, (3, DUP))]
    rows = both.contents("CONTACTS")
    assert len(rows) == 3
    cities = sorted((dict(r)["CUSTOMER_ID_"], dict(r)["CITY_"]) for r in rows)
    assert cities == [("C1", "Lima"), ("C1", "Oslo"), ("C2", "Kyiv")]


def test_list_duplicate_keys_within_and_across_batches(both: Both) -> None:
    both.create(contacts_table())
    seed_people(both, 9)
    batches = [
        [person(1), person(2), person(1, "Dup"), person(9, "Upd"), person(9, "Dup")],
        [person(2, "Dup"), person(3), person(3, "Dup"), person(9, "Dup")],
        [],
    ]
    results = both.run(LIST, LIST_HEADER, batches, run_id=2, now=T1)
    assert results == [
        result(2, 1, (2, DUP), (4, DUP)),
        result(1, 0, (0, DUP), (2, DUP), (3, DUP)),
        result(),
    ]
    rows = by_customer(both.contents("CONTACTS"))
    assert {k: v["CITY_"] for k, v in rows.items()} == {
        "C1": "Berlin",
        "C2": "Berlin",
        "C3": "Berlin",
        "C9": "Upd",
    }


def test_list_key_matching_several_profiles_counts_one_update(both: Both) -> None:
    both.create(contacts_table())
    shared = "same@example.com"
    both.run(LIST, LIST_HEADER, [[person(1, email=shared), person(2, email=shared)]], run_id=1)
    by_email = spec("CONTACTS", LIST_MAPPING, match=("EMAIL_ADDRESS_",))
    batches = [[person(3, "Oslo", email=shared)], [person(4, "Rome", email=shared)]]
    results = both.run(by_email, LIST_HEADER, batches, run_id=2, now=T1)
    assert results == [result(0, 1), result(0, 0, (0, DUP))]
    rows = both.contents("CONTACTS")
    assert [(dict(r)["CUSTOMER_ID_"], dict(r)["CITY_"]) for r in rows] == [
        ("C3", "Oslo"),
        ("C3", "Oslo"),
    ]


def test_list_insert_on_no_match_false(both: Both) -> None:
    both.create(contacts_table())
    seed_people(both, 1, 2)
    update_only = spec("CONTACTS", LIST_MAPPING, match=("CUSTOMER_ID_",), insert=False)
    batches = [[person(1, "Oslo"), person(3), person(2, "Rome")], [person(3), person(1, "Dup")]]
    results = both.run(update_only, LIST_HEADER, batches, run_id=2, now=T1)
    assert results == [result(0, 2, (1, NMR)), result(0, 0, (0, NMR), (1, DUP))]
    rows = by_customer(both.contents("CONTACTS"))
    assert {k: v["CITY_"] for k, v in rows.items()} == {"C1": "Oslo", "C2": "Rome"}


def test_list_match_on_riid_updates_only(both: Both) -> None:
    both.create(contacts_table())
    seed_people(both, 1, 2)
    header = ["riid", "city"]
    by_riid = spec("CONTACTS", {"riid": "RIID_", "city": "CITY_"}, match=("RIID_",), insert=False)
    batches = [[["1", "Oslo"], ["77", "Nowhere"], ["1", "Dup"]]]
    results = both.run(by_riid, header, batches, run_id=2, now=T1)
    assert results == [result(0, 1, (1, NMR), (2, DUP))]
    assert by_customer(both.contents("CONTACTS"))["C1"]["CITY_"] == "Oslo"


def test_pg_only_a_refused_key_repeated_in_a_batch_keeps_its_reason(both: Both) -> None:
    """DUPLICATE_KEY_IN_FILE means "already written by this run" (the Sink contract), whatever
    the batch boundaries. SqliteSink gives the second row DUPLICATE_KEY_IN_FILE when both rows
    share a batch, NO_MATCHING_RECORD when they do not."""
    both.create(contacts_table())
    seed_people(both, 1)
    update_only = spec("CONTACTS", LIST_MAPPING, match=("CUSTOMER_ID_",), insert=False)
    batches = [[person(3), person(3), person(1), person(1)], [person(3)]]
    results = pg_run(both, update_only, LIST_HEADER, batches, run_id=2)
    assert results == [result(0, 1, (0, NMR), (1, NMR), (3, DUP)), result(0, 0, (0, NMR))]


def test_pg_only_text_with_a_nul_character_is_rejected(both: Both) -> None:
    both.create(contacts_table())
    batches = [[person(1), ["C2", "p2@example.com", "Ber\x00lin", "x"], person(3)]]
    results = pg_run(both, LIST, LIST_HEADER, batches, run_id=2)
    assert results == [result(2, 0, (1, Reject.INVALID_ENCODING))]


# --- PET ---------------------------------------------------------------------------------------


def pet_row(n: int, day: int = 1, total: str = "10.5") -> list[str]:
    return [f"C{n}", f"2026-02-{day:02d}", total]


PET = spec("PURCHASES", PET_MAPPING, match=("CUSTOMER_ID_",))


def test_pet_no_matching_profile_inserts_and_updates(both: Both) -> None:
    both.create(contacts_table(), pet_table())
    seed_people(both, 1, 2, 3)
    first = [[pet_row(1), pet_row(9), pet_row(2)]]
    assert both.run(PET, PET_HEADER, first, run_id=2, now=T1) == [result(2, 0, (1, NMP))]
    batches = [
        [pet_row(2, 5, "99"), pet_row(9), pet_row(3, 6), pet_row(9), pet_row(2, 7)],
        [pet_row(3, 8), pet_row(1, 9, "1.25")],
    ]
    results = both.run(PET, PET_HEADER, batches, run_id=3, now=T2)
    assert results == [
        result(1, 1, (1, NMP), (3, NMP), (4, DUP)),
        result(0, 1, (0, DUP)),
    ]
    rows = {dict(r)["RIID_"][1]: dict(r) for r in both.contents("PURCHASES")}
    assert rows["C2"]["LAST_ORDER"] == date(2026, 2, 5) and rows["C2"]["TOTAL"] == 99.0
    assert rows["C2"]["CREATED_DATE_"] == T1 and rows["C2"]["MODIFIED_DATE_"] == T2
    assert rows["C1"]["TOTAL"] == 1.25
    assert rows["C3"]["_RUN_ID"] == 3


@pytest.mark.parametrize("update", ["replace_all", "no_update"])
def test_pet_update_only_and_no_update(both: Both, update: str) -> None:
    both.create(contacts_table(), pet_table())
    seed_people(both, 1, 2)
    both.run(PET, PET_HEADER, [[pet_row(1)]], run_id=2, now=T1)
    update_only = spec(
        "PURCHASES", PET_MAPPING, match=("CUSTOMER_ID_",), insert=False, update=update
    )
    batches = [[pet_row(1, 3), pet_row(2), pet_row(7)], [pet_row(1, 4)]]
    results = both.run(update_only, PET_HEADER, batches, run_id=3, now=T2)
    updated = 1 if update == "replace_all" else 0
    assert results == [result(0, updated, (1, NMR), (2, NMP)), result(0, 0, (0, DUP))]
    assert len(both.contents("PURCHASES")) == 1


def test_pet_matched_on_riid_and_on_two_list_columns(both: Both) -> None:
    both.create(contacts_table(), pet_table())
    seed_people(both, 1, 2, 3)
    by_riid = spec("PURCHASES", {"riid": "RIID_", "total": "TOTAL"}, match=("RIID_",), insert=True)
    batches = [[["1", "5"], ["3", "6"], ["99", "7"], ["1", "8"]]]
    results = both.run(by_riid, ["riid", "total"], batches, run_id=2, now=T1)
    assert results == [result(2, 0, (2, NMP), (3, DUP))]
    two = spec(
        "PURCHASES",
        {"email": "EMAIL_ADDRESS_", "cust_id": "CUSTOMER_ID_", "total": "TOTAL"},
        match=("CUSTOMER_ID_", "EMAIL_ADDRESS_"),  # not the mapping's order
    )
    header = ["email", "cust_id", "total"]
    batches = [
        [
            ["p1@example.com", "C1", "1"],
            ["p2@example.com", "C1", "2"],
            ["p2@example.com", "C2", "3"],
        ]
    ]
    results = both.run(two, header, batches, run_id=3, now=T2)
    assert results == [result(1, 1, (1, NMP))]
    rows = {dict(r)["RIID_"][1]: dict(r)["TOTAL"] for r in both.contents("PURCHASES")}
    assert rows == {"C1": 1.0, "C2": 3.0, "C3": 6.0}


def test_pg_only_pet_row_for_several_profiles_is_rejected_once(both: Both) -> None:
    """A list key shared by two profiles writes one PET row each (counted per PET row), but a
    refused file row is reported once. SqliteSink reports it once per profile."""
    both.create(contacts_table(), pet_table())
    shared = "same@example.com"
    both.run(LIST, LIST_HEADER, [[person(1, email=shared), person(2, email=shared)]], run_id=1)
    by_email = spec(
        "PURCHASES", {"email": "EMAIL_ADDRESS_", "total": "TOTAL"}, match=("EMAIL_ADDRESS_",)
    )
    batches = [[[shared, "1"], [shared, "2"]], [[shared, "3"]]]
    results = pg_run(both, by_email, ["email", "total"], batches, run_id=2)
    assert results == [result(2, 0, (1, DUP)), result(0, 0, (0, DUP))]
    assert sorted(dict(r)["TOTAL"] for r in both.pg.contents("PURCHASES")) == [1.0, 1.0]


# --- supplemental tables -----------------------------------------------------------------------


def product(sku: str, store: int = 1, price: str = "9.99") -> list[str]:
    return [sku, str(store), price]


def supp(mode: str, **kwargs: Any) -> dict[str, Any]:
    return spec("PRODUCTS", SUPP_MAPPING, mode=mode, **kwargs)


def prices(rows: list[tuple[tuple[str, Any], ...]]) -> list[tuple[Any, ...]]:
    return sorted((dict(r)["SKU"], dict(r)["STORE"], dict(r)["PRICE"]) for r in rows)


def test_supplemental_merge_on_a_composite_key(both: Both) -> None:
    both.create(supplemental_table(primary_key=["SKU", "STORE"]))
    both.run(supp("merge"), SUPP_HEADER, [[product("A", 1), product("A", 2)]], run_id=1)
    batches = [
        [product("A", 1, "1"), product("B", 1, "2"), product("A", 1, "3"), product("A", 3, "4")],
        [product("B", 1, "5"), product("A", 2, "6")],
    ]
    results = both.run(supp("merge"), SUPP_HEADER, batches, run_id=2)
    assert results == [result(2, 1, (2, DUP)), result(0, 1, (0, DUP))]
    assert prices(both.contents("PRODUCTS")) == [
        ("A", 1, 1.0),
        ("A", 2, 6.0),
        ("A", 3, 4.0),
        ("B", 1, 2.0),
    ]


def test_supplemental_merge_no_update(both: Both) -> None:
    both.create(supplemental_table())
    both.run(supp("merge"), SUPP_HEADER, [[product("A"), product("B")]], run_id=1)
    batches = [[product("A", 5, "1"), product("C")], [product("A", 6, "2")]]
    results = both.run(supp("merge", update="no_update"), SUPP_HEADER, batches, run_id=2)
    assert results == [result(1, 0), result(0, 0, (0, DUP))]
    rows = both.contents("PRODUCTS")
    assert prices(rows) == [("A", 1, 9.99), ("B", 1, 9.99), ("C", 1, 9.99)]
    assert sorted(dict(r)["_RUN_ID"] for r in rows) == [1, 2, 2]


def test_supplemental_append_refuses_existing_keys(both: Both) -> None:
    both.create(supplemental_table())
    both.run(supp("merge"), SUPP_HEADER, [[product("A"), product("B")]], run_id=1)
    batches = [[product("A", 2), product("C", 2), product("C", 3)], [product("C", 4), product("B")]]
    results = both.run(supp("append"), SUPP_HEADER, batches, run_id=2)
    assert results == [result(1, 0, (0, EXISTS), (2, DUP)), result(0, 0, (0, DUP), (1, EXISTS))]
    assert prices(both.contents("PRODUCTS")) == [("A", 1, 9.99), ("B", 1, 9.99), ("C", 2, 9.99)]


def test_supplemental_replace_swaps_the_table(both: Both) -> None:
    both.create(supplemental_table())
    both.run(supp("merge"), SUPP_HEADER, [[product("A"), product("B")]], run_id=1)
    batches = [[product("B", 2), product("C", 2), product("B", 3)], [product("C", 4)]]
    results = both.run(supp("replace"), SUPP_HEADER, batches, run_id=2)
    assert results == [result(2, 0, (2, DUP)), result(0, 0, (0, DUP))]
    assert prices(both.contents("PRODUCTS")) == [("B", 2, 9.99), ("C", 2, 9.99)]


@pytest.mark.parametrize("mode", ["append", "replace"])
def test_supplemental_without_primary_key_inserts_everything(both: Both, mode: str) -> None:
    both.create(supplemental_table(primary_key=[]))
    both.run(supp("append"), SUPP_HEADER, [[product("A")]], run_id=1)
    batches = [[product("A"), product("A"), product("B", 2, "")], [product("A")]]
    assert both.run(supp(mode), SUPP_HEADER, batches, run_id=2) == [result(3), result(1)]
    expected = [("A", 1, 9.99)] * (4 if mode == "append" else 3) + [("B", 2, None)]
    assert prices(both.contents("PRODUCTS")) == expected


@pytest.mark.parametrize("mode", ["merge", "append", "replace"])
@pytest.mark.parametrize("mapping", [{"sku": "SKU", "price": "PRICE"}, {"price": "PRICE"}])
def test_every_primary_key_field_must_be_mapped(
    both: Both, mapping: dict[str, str | None], mode: str
) -> None:
    """An unmapped key column would be NULL in every row: no mode can use such a key."""
    both.create(supplemental_table(primary_key=["SKU", "STORE"]))
    parsed, problems = parse_import_settings(spec("PRODUCTS", mapping, mode=mode), both.pg.tables)
    assert parsed is None
    assert "PRIMARY_KEY_NOT_MAPPED" in {p.code for p in problems}


def test_supplemental_date_key_merges(both: Both) -> None:
    both.create(
        {
            "name": "DAILY",
            "kind": "supplemental",
            "fields": [
                {"name": "VISIT_DAY", "type": "date"},
                {"name": "VISITS", "type": "integer"},
            ],
            "primary_key": ["VISIT_DAY"],
        }
    )
    settings = spec("DAILY", {"day": "VISIT_DAY", "visits": "VISITS"})
    header = ["day", "visits"]
    first = [[["2026-01-01", "5"], ["2026-01-02", "6"]]]
    assert both.run(settings, header, first, run_id=1) == [result(2)]
    second = [[["2026-01-02", "7"], ["2026-01-03", "8"], ["2026-01-03", "9"]]]
    assert both.run(settings, header, second, run_id=2) == [result(1, 1, (2, DUP))]
    rows = sorted((dict(r)["VISIT_DAY"], dict(r)["VISITS"]) for r in both.contents("DAILY"))
    assert rows == [(date(2026, 1, 1), 5), (date(2026, 1, 2), 7), (date(2026, 1, 3), 8)]


def test_pg_only_supplemental_timestamp_key_merges(both: Both) -> None:
    """SqliteSink never finds an existing timestamp key (it compares the stored text with a
    datetime), so a second import of the same instant fails on the unique key."""
    both.create(
        {
            "name": "EVENTS",
            "kind": "supplemental",
            "fields": [
                {"name": "AT_TIME", "type": "timestamp"},
                {"name": "CNT", "type": "integer"},
            ],
            "primary_key": ["AT_TIME"],
        }
    )
    settings = spec("EVENTS", {"at": "AT_TIME", "n": "CNT"})
    header = ["at", "n"]
    first = [[["2026-01-01T10:00:00", "5"], ["2026-01-01T11:00:00+01:00", "6"]]]
    assert pg_run(both, settings, header, first, run_id=1) == [result(1, 0, (1, DUP))]
    second = [[["2026-01-01T10:00:00Z", "7"], ["2026-01-02T00:00:00", "8"]]]
    assert pg_run(both, settings, header, second, run_id=2) == [result(1, 1)]
    rows = sorted((dict(r)["AT_TIME"], dict(r)["CNT"]) for r in both.pg.contents("EVENTS"))
    assert rows == [
        (datetime(2026, 1, 1, 10, tzinfo=UTC), 7),
        (datetime(2026, 1, 2, tzinfo=UTC), 8),
    ]


# --- transactions ------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["CONTACTS", "PURCHASES", "PRODUCTS"])
def test_rollback_leaves_the_table_unchanged(both: Both, target: str) -> None:
    both.create(contacts_table(), pet_table(), supplemental_table())
    seed_people(both, 1, 2)
    both.run(PET, PET_HEADER, [[pet_row(1)]], run_id=2)
    both.run(supp("merge"), SUPP_HEADER, [[product("A")]], run_id=3)
    settings, header, batches = {
        "CONTACTS": (LIST, LIST_HEADER, [[person(1, "X"), person(5)]]),
        "PURCHASES": (PET, PET_HEADER, [[pet_row(1, 9), pet_row(2)]]),
        "PRODUCTS": (supp("replace"), SUPP_HEADER, [[product("B")]]),
    }[target]
    before = both.contents(target)
    both.run(settings, header, batches, run_id=4, now=T2, commit=False)
    assert both.contents(target) == before
    for side in both.sides:  # rolling back twice is harmless
        sink, _ = side.sink(settings, header, 5, T2)
        sink.begin()
        sink.rollback()
        sink.rollback()
    # The run id was never applied: it can run again.
    both.run(settings, header, batches, run_id=4, now=T2)
    assert both.contents(target) != before


def test_a_committed_run_is_never_applied_twice(both: Both) -> None:
    both.create(contacts_table())
    both.run(LIST, LIST_HEADER, [[person(1)]], run_id=7)
    before = both.contents("CONTACTS")
    for side in both.sides:
        sink, _ = side.sink(LIST, LIST_HEADER, 7, T1)
        with pytest.raises(AlreadyApplied):
            sink.begin()
        sink.rollback()  # harmless after AlreadyApplied
    assert both.contents("CONTACTS") == before
    both.run(LIST, LIST_HEADER, [[person(2)]], run_id=8)  # the connection went back to the pool


def test_pg_only_marker_written_meanwhile_refuses_the_commit(both: Both) -> None:
    both.create(contacts_table(), supplemental_table())
    pg = both.pg
    sink_a, plan_a = pg.sink(LIST, LIST_HEADER, 7, T0)
    sink_b, plan_b = pg.sink(supp("merge"), SUPP_HEADER, 7, T0)
    sink_a.begin()
    sink_b.begin()  # another table: not blocked by the first run
    sink_a.write(_convert(plan_a, [person(1)]))
    sink_b.write(_convert(plan_b, [product("A")]))
    sink_a.commit(APPLIED)
    with pytest.raises(AlreadyApplied):
        sink_b.commit(APPLIED)
    sink_b.rollback()
    assert len(pg.contents("CONTACTS")) == 1
    assert pg.contents("PRODUCTS") == []


def test_pg_only_two_runs_into_one_table_take_turns(both: Both) -> None:
    """A second run waits for the first to commit, then sees its rows: no key is inserted twice."""
    both.create(contacts_table())
    pg = both.pg
    sink_a, plan_a = pg.sink(LIST, LIST_HEADER, 1, T0)
    sink_b, plan_b = pg.sink(LIST, LIST_HEADER, 2, T1)
    sink_a.begin()
    sink_a.write(_convert(plan_a, [person(1)]))
    outcome: list[BatchResult] = []

    def second() -> None:
        sink_b.begin()
        outcome.append(sink_b.write(_convert(plan_b, [person(1, "Later")])))
        sink_b.commit(APPLIED)

    thread = threading.Thread(target=second, daemon=True)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive() and not outcome  # waiting for the table
    sink_a.commit(APPLIED)
    thread.join(10)
    assert outcome == [result(0, 1)]
    assert [dict(r)["CITY_"] for r in pg.contents("CONTACTS")] == ["Later"]


def test_many_rows_in_full_batches(both: Both) -> None:
    both.create(contacts_table(), pet_table())
    batches = [[person(n) for n in range(start, start + 5000)] for start in (0, 5000)]
    assert both.run(LIST, LIST_HEADER, batches, run_id=1) == [result(5000), result(5000)]
    again = [[person(n, "Hamburg") for n in range(start, start + 5000)] for start in (2500, 7500)]
    results = both.run(LIST, LIST_HEADER, again, run_id=2, now=T1)
    assert results == [result(0, 5000), result(2500, 2500)]
    pets = [
        [pet_row(n % 12000, 1 + n % 28) for n in range(start, start + 5000)] for start in (0, 9000)
    ]
    results = both.run(PET, PET_HEADER, pets, run_id=3, now=T2)
    assert [(r.added, r.updated, len(r.rejects)) for r in results] == [
        (5000, 0, 0),
        (3000, 0, 2000),
    ]
    assert len(both.contents("CONTACTS")) == 12500
    assert len(both.contents("PURCHASES")) == 8000
