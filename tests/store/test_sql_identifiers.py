"""Table and field names become SQL identifiers: hostile ones are refused by the domain before
any SQL runs, and legal but awkward ones are quoted right on both backends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.errors import NotFound, ValidationFailed
from dataconnect.store import schema as s
from dataconnect.store.data import INDEXED_LIST_FIELDS, physical_name, sql_table
from dataconnect.testing import contacts_table, make_account

HOSTILE = [
    'X"; DROP TABLE accounts; --',
    "X'); DROP TABLE accounts; --",
    "CONTACTS; DROP TABLE data_tables",
    "X/*comment*/",
    "a b",
    "a-b",
    "a.b",
    'a"b',
    "a`b",
    "a[b]",
    "a\nb",
    "a\x00b",
    "Ä1",
    "1abc",
    "_abc",
    "$abc",
    "abc_",
    "_ROW_ID",
    "RIID_",
    "SELECT",
    "drop",
    "Table",
    "A",
    "X" * 31,
    "",
]
NOT_A_NAME: list[Any] = [None, 5, ["A"], {"name": "A"}]


@pytest.fixture
def caller(app: App) -> Caller:
    caller, _ = make_account(app)
    return caller


@pytest.fixture
def statements(app: App) -> Iterator[list[str]]:
    """Every SQL statement either engine runs while the test body runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engines = {id(app.engines.meta): app.engines.meta, id(app.engines.data): app.engines.data}
    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", record)
    yield seen
    for engine in engines.values():
        event.remove(engine, "before_cursor_execute", record)


def _snapshot(app: App) -> tuple[int, set[str]]:
    with app.engines.meta.connect() as conn:
        count = conn.execute(select(func.count()).select_from(s.data_tables)).scalar_one()
    names = set(inspect(app.engines.data).get_table_names(schema=app.engines.data_schema))
    return count, names


def _refused(
    app: App, caller: Caller, request: dict[str, Any], statements: list[str], name: object
) -> set[str]:
    """Asks for the table; checks nothing was written; returns the problem codes."""
    before = _snapshot(app)
    statements.clear()
    with pytest.raises(ValidationFailed) as err:
        app.tables.create(caller, request)
    ran = list(statements)
    writes = [sql for sql in ran if sql.lstrip().upper().startswith(("INSERT", "CREATE", "DROP"))]
    assert writes == []
    assert _snapshot(app) == before
    # Only reads ran, and a payload with SQL punctuation never made it into their text.
    if isinstance(name, str) and re.search(r"[^A-Za-z0-9_$#]", name):
        assert not [sql for sql in ran if name in sql]
    return {p.code for p in err.value.problems}


# --- hostile names never reach SQL -------------------------------------------------------------


def test_hostile_table_names_are_refused(
    app: App, caller: Caller, statements: list[str], subtests: pytest.Subtests
) -> None:
    for name in HOSTILE:
        with subtests.test(name=name):
            codes = _refused(app, caller, contacts_table(name), statements, name)
            assert codes and all(c.startswith("FIELD_NAME_") or c == "TEXT_INVALID" for c in codes)


def test_hostile_field_names_are_refused(
    app: App, caller: Caller, statements: list[str], subtests: pytest.Subtests
) -> None:
    for name in HOSTILE:
        with subtests.test(name=name):
            request = {
                "name": "ORDERS",
                "kind": "supplemental",
                "fields": [{"name": "SKU", "type": "text"}, {"name": name, "type": "text"}],
                "primary_key": ["SKU"],
            }
            codes = _refused(app, caller, request, statements, name)
            assert codes and all(c.startswith("FIELD_NAME_") or c == "TEXT_INVALID" for c in codes)


def test_names_that_are_not_text_are_refused(
    app: App, caller: Caller, statements: list[str], subtests: pytest.Subtests
) -> None:
    for name in NOT_A_NAME:
        with subtests.test(name=repr(name)):
            codes = _refused(app, caller, contacts_table(name), statements, name)
            assert codes == {"FIELD_NAME_EMPTY"}


def test_a_hostile_primary_key_or_parent_list_is_refused(
    app: App, caller: Caller, statements: list[str]
) -> None:
    app.tables.create(caller, contacts_table())
    key = 'SKU"); DROP TABLE accounts; --'
    parent = 'CONTACTS" ; DROP TABLE accounts; --'
    request = {
        "name": "ORDERS",
        "kind": "supplemental",
        "fields": [{"name": "SKU", "type": "text"}],
        "primary_key": [key],
    }
    assert _refused(app, caller, request, statements, key) == {"PRIMARY_KEY_FIELD_NOT_FOUND"}
    pet = {
        "name": "PURCHASES",
        "kind": "pet",
        "list": parent,
        "fields": [{"name": "TOTAL", "type": "number"}],
    }
    assert _refused(app, caller, pet, statements, parent) == {"LIST_NOT_FOUND"}


@pytest.mark.parametrize("name", ["X' OR '1'='1", 'CONTACTS" --', "contacts%", "CONTACT_"])
def test_looking_up_a_hostile_name_finds_nothing(app: App, caller: Caller, name: str) -> None:
    app.tables.create(caller, contacts_table())
    with pytest.raises(NotFound):
        app.tables.get(caller, name)
    with pytest.raises(NotFound):
        app.tables.rows(caller, name, limit=10, cursor=None)
    assert [t.name for t, _ in app.tables.list(caller)] == ["CONTACTS"]


# --- legal but awkward names are quoted right ----------------------------------------------------


def test_a_supplemental_table_with_awkward_names_works(app: App, caller: Caller) -> None:
    created = app.tables.create(
        caller,
        {
            "name": "Orders",
            "kind": "supplemental",
            "fields": [
                {"name": "Select1", "type": "text", "length": 20},
                {"name": "x$#", "type": "integer"},
                {"name": "Group#", "type": "number"},
                {"name": "Where$", "type": "boolean"},
            ],
            "primary_key": ["select1", "X$#"],
        },
    )
    assert created.name == "ORDERS"
    assert [f.name for f in created.fields] == ["SELECT1", "X$#", "GROUP#", "WHERE$"]
    assert created.primary_key == ("SELECT1", "X$#")

    physical = physical_name(caller.account_id, "ORDERS")
    columns = inspect(app.engines.data).get_columns(physical, schema=app.engines.data_schema)
    assert {c["name"] for c in columns} >= {"SELECT1", "X$#", "GROUP#", "WHERE$"}

    t = sql_table(caller.account_id, created, app.engines.data_schema)
    rows = [
        {"SELECT1": "a", "X$#": 1, "GROUP#": 1.5, "WHERE$": True},
        {"SELECT1": "a", "X$#": 2, "GROUP#": 2.5, "WHERE$": False},
        {"SELECT1": "b'; DROP TABLE x; --", "X$#": 1, "GROUP#": None, "WHERE$": None},
    ]
    with app.engines.data.begin() as conn:
        conn.execute(insert(t), rows)
    with pytest.raises(IntegrityError), app.engines.data.begin() as conn:
        conn.execute(insert(t).values(SELECT1="a", **{"X$#": 2}))

    assert app.tables.get(caller, "orders")[1] == 3
    first, cursor = app.tables.rows(caller, "ORDERS", limit=2, cursor=None)
    rest, end = app.tables.rows(caller, "ORDERS", limit=2, cursor=cursor)
    assert end is None
    assert first + rest == rows


@pytest.mark.parametrize("name", ["Sales$#2024", "T#", "L" + "X" * 29])
def test_profile_lists_with_awkward_or_long_names_work(app: App, caller: Caller, name: str) -> None:
    created = app.tables.create(caller, contacts_table(name))
    physical = physical_name(caller.account_id, created.name)
    assert physical in inspect(app.engines.data).get_table_names(schema=app.engines.data_schema)
    indexes = inspect(app.engines.data).get_indexes(physical, schema=app.engines.data_schema)
    assert len(indexes) == len(INDEXED_LIST_FIELDS)  # the usual keys; others come with jobs

    t = sql_table(caller.account_id, created, app.engines.data_schema)
    with app.engines.data.begin() as conn:
        conn.execute(insert(t), [{"FIRST_NAME": "Ann"}, {"FIRST_NAME": "Bob"}])
    rows, _ = app.tables.rows(caller, name, limit=10, cursor=None)
    assert [r["FIRST_NAME"] for r in rows] == ["Ann", "Bob"]
    assert app.tables.get(caller, name)[1] == 2
