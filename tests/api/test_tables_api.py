"""Tables: create the three kinds, read them with row counts, browse rows, name rules."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import Api, assert_problem, assert_validation, error_fields

from dataconnect.store.data import sql_table
from dataconnect.testing import contacts_table, pet_table, supplemental_table

PROFILE_SYSTEM = [
    "RIID_",
    "CUSTOMER_ID_",
    "EMAIL_ADDRESS_",
    "EMAIL_DOMAIN_",
    "EMAIL_FORMAT_",
    "EMAIL_PERMISSION_STATUS_",
    "EMAIL_MD5_HASH_",
    "EMAIL_SHA256_HASH_",
    "MOBILE_NUMBER_",
    "MOBILE_COUNTRY_",
    "MOBILE_PERMISSION_STATUS_",
    "POSTAL_STREET_1_",
    "CITY_",
    "STATE_",
    "POSTAL_CODE_",
    "COUNTRY_",
    "CREATED_DATE_",
    "MODIFIED_DATE_",
]


def _insert_rows(api: Api, table_name: str, rows: list[dict[str, Any]]) -> None:
    """Rows straight into the account's SQL table (imports are not part of these tests)."""
    table, _ = api.app.tables.get(api.caller, table_name)
    t = sql_table(api.caller.account_id, table, api.app.engines.data_schema)
    with api.app.engines.data.begin() as conn:
        conn.execute(t.insert(), rows)


def test_create_a_profile_list(api: Api) -> None:
    table = api.contacts()
    assert table["name"] == "CONTACTS"
    assert table["kind"] == "profile_list"
    assert table["list"] is None
    assert table["primary_key"] == []
    assert table["row_count"] == 0
    names = [f["name"] for f in table["fields"]]
    assert names == [*PROFILE_SYSTEM, "FIRST_NAME"]
    assert all(f["system"] for f in table["fields"][:-1])
    assert table["fields"][-1] == {
        "name": "FIRST_NAME",
        "type": "text",
        "length": 50,
        "system": False,
    }


def test_create_a_pet_with_its_list(api: Api) -> None:
    api.contacts()
    table = api.table(pet_table())
    assert (table["name"], table["kind"], table["list"]) == ("PURCHASES", "pet", "CONTACTS")
    assert [f["name"] for f in table["fields"]] == [
        "RIID_",
        "CREATED_DATE_",
        "MODIFIED_DATE_",
        "LAST_ORDER",
        "TOTAL",
    ]
    assert table["primary_key"] == []
    assert table["row_count"] == 0


def test_create_a_supplemental_table_with_a_composite_key(api: Api) -> None:
    body = supplemental_table("Products", primary_key=["sku", "Store"])
    table = api.table(body)
    assert table["name"] == "PRODUCTS"
    assert table["kind"] == "supplemental"
    assert table["primary_key"] == ["SKU", "STORE"]
    assert [(f["name"], f["type"], f["length"]) for f in table["fields"]] == [
        ("SKU", "text", 40),
        ("STORE", "integer", None),
        ("PRICE", "number", None),
    ]


def test_text_fields_get_a_default_length(api: Api) -> None:
    table = api.table(
        {"name": "NOTES", "kind": "supplemental", "fields": [{"name": "BODY", "type": "text"}]}
    )
    assert table["fields"][0]["length"] == 255


def test_list_and_read_tables_with_row_counts(api: Api) -> None:
    api.contacts()
    api.table(pet_table())
    api.table(supplemental_table(primary_key=["SKU", "STORE"]))
    _insert_rows(
        api,
        "PRODUCTS",
        [{"SKU": f"S{i}", "STORE": i, "PRICE": 1.5 * i} for i in range(3)],
    )
    _insert_rows(api, "CONTACTS", [{"EMAIL_ADDRESS_": "a@example.com"}])

    listing = api.tables()
    assert [t["name"] for t in listing] == ["CONTACTS", "PURCHASES", "PRODUCTS"]
    assert {t["name"]: t["row_count"] for t in listing} == {
        "CONTACTS": 1,
        "PURCHASES": 0,
        "PRODUCTS": 3,
    }
    one = api.ok("GET", "/api/v1/tables/PRODUCTS")
    assert one == listing[2]
    assert api.ok("GET", "/api/v1/tables/products") == one  # names are case-insensitive


def test_a_missing_table_is_404(api: Api) -> None:
    for path in (
        "/api/v1/tables/NOPE",
        "/api/v1/tables/NOPE/rows",
        "/api/v1/tables/" + "X" * 31,
        "/api/v1/tables/" + "X" * 200,
    ):
        assert_problem(api.get(path), 404, "TABLE_NOT_FOUND")


def test_browse_rows_page_by_page(api: Api) -> None:
    api.table(supplemental_table(primary_key=["SKU", "STORE"]))
    rows = [{"SKU": f"S{i}", "STORE": i, "PRICE": float(i)} for i in range(5)]
    _insert_rows(api, "PRODUCTS", rows)

    seen: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.ok("GET", f"/api/v1/tables/PRODUCTS/rows{query}")
        assert len(page["items"]) <= 2
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10
    assert pages == 3
    assert seen == rows  # key order, nothing skipped or repeated, no internal columns

    everything = api.ok("GET", "/api/v1/tables/PRODUCTS/rows")
    assert everything == {"items": rows, "next_cursor": None}


def test_browse_profile_list_rows(api: Api) -> None:
    api.contacts()
    _insert_rows(
        api,
        "CONTACTS",
        [{"EMAIL_ADDRESS_": f"p{i}@example.com", "FIRST_NAME": f"P{i}"} for i in range(3)],
    )
    first = api.ok("GET", "/api/v1/tables/CONTACTS/rows?limit=2")
    assert [r["RIID_"] for r in first["items"]] == [1, 2]
    assert first["items"][0]["EMAIL_ADDRESS_"] == "p0@example.com"
    assert first["next_cursor"]
    second = api.ok("GET", f"/api/v1/tables/CONTACTS/rows?limit=2&cursor={first['next_cursor']}")
    assert [r["RIID_"] for r in second["items"]] == [3]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    "cursor",
    ["garbage!!", "abc", "k1", "%00", "a" * 100, "ZZZZ", "-1", "eDE"],
)
def test_a_bad_cursor_is_422(api: Api, cursor: str) -> None:
    api.contacts()
    response = api.get(f"/api/v1/tables/CONTACTS/rows?cursor={cursor}")
    errors = assert_validation(response, "CURSOR_INVALID")
    assert errors[0]["field"] == "cursor"
    assert response.json()["code"] == "CURSOR_INVALID"


def test_a_too_long_cursor_is_refused(api: Api) -> None:
    api.contacts()
    response = api.get("/api/v1/tables/CONTACTS/rows?cursor=" + "a" * 101)
    assert_validation(response)


@pytest.mark.parametrize(
    ("limit", "code"),
    [("0", "LIMIT_INVALID"), ("-1", "LIMIT_INVALID"), ("501", "LIMIT_INVALID")],
)
def test_a_bad_limit_is_422(api: Api, limit: str, code: str) -> None:
    api.contacts()
    assert_validation(api.get(f"/api/v1/tables/CONTACTS/rows?limit={limit}"), code)


@pytest.mark.parametrize("limit", ["abc", "1.5", "1e3", "99999999999999999999999"])
def test_a_non_numeric_limit_is_422(api: Api, limit: str) -> None:
    api.contacts()
    assert_problem(api.get(f"/api/v1/tables/CONTACTS/rows?limit={limit}"), 422)


# --- rules ------------------------------------------------------------------------------------


FIELD_NAME_CASES = [
    ("1ABC", "FIELD_NAME_MUST_START_WITH_LETTER"),
    ("_ABC", "FIELD_NAME_MUST_START_WITH_LETTER"),
    ("ABC_", "FIELD_NAME_ENDS_WITH_UNDERSCORE"),
    ("SELECT", "FIELD_NAME_RESERVED"),
    ("select", "FIELD_NAME_RESERVED"),
    ("Table", "FIELD_NAME_RESERVED"),
    ("A", "FIELD_NAME_RESERVED"),
    ("X" * 31, "FIELD_NAME_TOO_LONG"),
    ("BAD-NAME", "FIELD_NAME_INVALID_CHARACTERS"),
    ("WITH SPACE", "FIELD_NAME_INVALID_CHARACTERS"),
    ("ÄPFEL", "FIELD_NAME_INVALID_CHARACTERS"),
    ("x; DROP TABLE jobs", "FIELD_NAME_INVALID_CHARACTERS"),
    ('Robert"); --', "FIELD_NAME_INVALID_CHARACTERS"),
    ("A\x00B", "TEXT_INVALID"),
    ("", "FIELD_NAME_EMPTY"),
]


@pytest.mark.parametrize(("name", "code"), FIELD_NAME_CASES)
def test_a_field_name_that_breaks_a_rule_is_422(api: Api, name: str, code: str) -> None:
    body = {"name": "SUPP", "kind": "supplemental", "fields": [{"name": name, "type": "text"}]}
    errors = assert_validation(api.post("/api/v1/tables", body), code)
    assert {"field": "fields[0].name", "code": code}.items() <= errors[0].items()
    assert api.tables() == []


@pytest.mark.parametrize(("name", "code"), FIELD_NAME_CASES)
def test_a_table_name_that_breaks_a_rule_is_422(api: Api, name: str, code: str) -> None:
    errors = assert_validation(api.post("/api/v1/tables", contacts_table(name)), code)
    assert errors[0]["field"] == "name"
    assert api.tables() == []


def test_every_field_problem_is_reported_at_once(api: Api) -> None:
    body = {
        "name": "1BAD",
        "kind": "supplemental",
        "fields": [
            {"name": "GOOD", "type": "text"},
            {"name": "ENDS_", "type": "text"},
            {"name": "FROM", "type": "integer"},
            {"name": "good", "type": "number"},
            {"name": "KIND", "type": "blob"},
            {"name": "LONGTEXT", "type": "text", "length": 4001},
            {"name": "NUM", "type": "number", "length": 5},
        ],
        "primary_key": ["MISSING"],
    }
    response = api.post("/api/v1/tables", body)
    assert_validation(response)
    assert error_fields(response) == {
        "name": "FIELD_NAME_MUST_START_WITH_LETTER",
        "fields[1].name": "FIELD_NAME_ENDS_WITH_UNDERSCORE",
        "fields[2].name": "FIELD_NAME_RESERVED",
        "fields[3].name": "FIELD_NAME_DUPLICATE",
        "fields[4].type": "FIELD_TYPE_INVALID",
        "fields[5].length": "FIELD_LENGTH_INVALID",
        "fields[6].length": "FIELD_LENGTH_NOT_ALLOWED",
        "primary_key[0]": "PRIMARY_KEY_FIELD_NOT_FOUND",
    }
    assert response.json()["code"] == "VALIDATION_FAILED"
    assert api.tables() == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "P", "kind": "pet", "fields": []}, "PET_LIST_REQUIRED"),
        (pet_table("PETS", "NOLIST"), "LIST_NOT_FOUND"),
        (pet_table("PETS", "PRODUCTS"), "LIST_NOT_FOUND"),  # a supplemental table, not a list
        ({**supplemental_table(), "list": "CONTACTS"}, "LIST_NOT_ALLOWED"),
        ({**contacts_table("OTHERS"), "primary_key": ["FIRST_NAME"]}, "PRIMARY_KEY_NOT_ALLOWED"),
        (supplemental_table("S2", primary_key=["SKU", "sku"]), "PRIMARY_KEY_DUPLICATE"),
        ({"name": "S3", "kind": "supplemental", "fields": []}, "FIELDS_REQUIRED"),
        ({**contacts_table("T"), "kind": "view"}, "TABLE_KIND_INVALID"),
        ({**contacts_table("T"), "kind": "PROFILE_LIST"}, "TABLE_KIND_INVALID"),
    ],
)
def test_table_rules(api: Api, body: dict[str, Any], code: str) -> None:
    api.contacts()
    api.table(supplemental_table())
    before = api.tables()
    assert_validation(api.post("/api/v1/tables", body), code)
    assert api.tables() == before


@pytest.mark.parametrize("name", ["CONTACTS", "contacts", "Contacts"])
def test_a_taken_table_name_is_409(api: Api, name: str) -> None:
    api.contacts()
    before = api.tables()
    assert_problem(api.post("/api/v1/tables", contacts_table(name)), 409, "TABLE_NAME_TAKEN")
    body = supplemental_table(name, primary_key=[])
    assert_problem(api.post("/api/v1/tables", body), 409, "TABLE_NAME_TAKEN")
    assert api.tables() == before
