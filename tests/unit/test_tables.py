"""Table rules: system fields of the profile list and PETs, PET parents, primary keys, fields."""

from __future__ import annotations

from typing import Any

import pytest

from dataconnect.domain.tables import (
    MAX_CUSTOM_FIELDS,
    FieldType,
    TableKind,
)
from dataconnect.errors import ValidationFailed
from dataconnect.testing import contacts_table, pet_table, supplemental_table

from .factories import build, codes

PROFILE_LIST_SYSTEM_FIELDS = [
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
MAINTAINED = {"RIID_", "EMAIL_DOMAIN_", "CREATED_DATE_", "MODIFIED_DATE_"}


def refused(data: dict[str, Any], existing_lists: set[str] | None = None) -> list[str]:
    with pytest.raises(ValidationFailed) as failed:
        build(data, existing_lists)
    return codes(failed.value.problems)


def supplemental(fields: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    return {"name": "THINGS", "kind": "supplemental", "fields": fields} | changes


# --- profile list -----------------------------------------------------------------------------


def test_profile_list_gets_the_system_fields_of_product_md_then_custom_fields() -> None:
    table = build(contacts_table())
    assert [f.name for f in table.fields] == [*PROFILE_LIST_SYSTEM_FIELDS, "FIRST_NAME"]
    assert all(f.system for f in table.fields[:-1])
    assert not table.fields[-1].system


def test_profile_list_marks_only_riid_email_domain_and_dates_as_maintained() -> None:
    table = build(contacts_table())
    assert {f.name for f in table.fields if f.maintained} == MAINTAINED


def test_profile_list_rows_are_keyed_by_riid() -> None:
    table = build(contacts_table())
    assert table.key_fields == ("RIID_",)
    assert table.field("RIID_") is not None
    assert table.field("riid_") == table.field("RIID_")


def test_table_and_field_names_are_stored_in_upper_case() -> None:
    table = build(contacts_table("contacts") | {"fields": [{"name": "First_Name", "type": "text"}]})
    assert table.name == "CONTACTS"
    assert table.custom_fields[0].name == "FIRST_NAME"


def test_profile_list_refuses_a_parent_list() -> None:
    assert refused(contacts_table() | {"list": "OTHER"}, {"OTHER"}) == ["LIST_NOT_ALLOWED"]


def test_profile_list_refuses_a_primary_key() -> None:
    assert refused(contacts_table() | {"primary_key": ["FIRST_NAME"]}) == [
        "PRIMARY_KEY_NOT_ALLOWED"
    ]


# --- PETs -------------------------------------------------------------------------------------


def test_pet_gets_riid_and_dates_as_system_fields_and_names_its_list() -> None:
    table = build(pet_table(list_name="contacts"), {"CONTACTS"})
    assert [f.name for f in table.fields] == [
        "RIID_",
        "CREATED_DATE_",
        "MODIFIED_DATE_",
        "LAST_ORDER",
        "TOTAL",
    ]
    assert table.list_name == "CONTACTS"
    assert table.key_fields == ("RIID_",)


def test_pet_without_a_list_is_refused() -> None:
    data = pet_table()
    del data["list"]
    assert refused(data, {"CONTACTS"}) == ["PET_LIST_REQUIRED"]


def test_pet_naming_a_list_that_does_not_exist_is_refused() -> None:
    assert refused(pet_table(list_name="NOBODY"), {"CONTACTS"}) == ["LIST_NOT_FOUND"]


def test_pet_refuses_a_primary_key() -> None:
    data = pet_table() | {"primary_key": ["TOTAL"]}
    assert refused(data, {"CONTACTS"}) == ["PRIMARY_KEY_NOT_ALLOWED"]


# --- supplemental tables ----------------------------------------------------------------------


def test_supplemental_table_has_no_system_fields() -> None:
    table = build(supplemental_table())
    assert [f.name for f in table.fields] == ["SKU", "STORE", "PRICE"]
    assert table.primary_key == ("SKU",)
    assert table.key_fields == ("SKU",)


def test_supplemental_table_may_have_a_composite_primary_key_in_any_case() -> None:
    table = build(supplemental_table(primary_key=["sku", "Store"]))
    assert table.primary_key == ("SKU", "STORE")


def test_supplemental_table_may_have_no_primary_key() -> None:
    assert build(supplemental_table(primary_key=[])).primary_key == ()


def test_primary_key_must_name_fields_of_the_table() -> None:
    assert refused(supplemental_table(primary_key=["SKU", "COLOUR"])) == [
        "PRIMARY_KEY_FIELD_NOT_FOUND"
    ]


def test_primary_key_field_must_be_a_name() -> None:
    assert refused(supplemental_table(primary_key=[3])) == ["PRIMARY_KEY_FIELD_NOT_FOUND"]


def test_primary_key_may_not_list_a_field_twice() -> None:
    assert refused(supplemental_table(primary_key=["SKU", "sku"])) == ["PRIMARY_KEY_DUPLICATE"]


def test_primary_key_of_more_than_8_fields_is_refused() -> None:
    fields = [{"name": f"K{i}", "type": "integer"} for i in range(9)]
    assert refused(supplemental(fields, primary_key=[f"K{i}" for i in range(9)])) == [
        "PRIMARY_KEY_TOO_LONG"
    ]


def test_primary_key_of_8_fields_is_accepted() -> None:
    fields = [{"name": f"K{i}", "type": "integer"} for i in range(8)]
    table = build(supplemental(fields, primary_key=[f"K{i}" for i in range(8)]))
    assert len(table.primary_key) == 8


def test_supplemental_table_needs_fields() -> None:
    assert refused(supplemental([])) == ["FIELDS_REQUIRED"]


def test_supplemental_table_refuses_a_parent_list() -> None:
    assert refused(supplemental_table() | {"list": "CONTACTS"}, {"CONTACTS"}) == [
        "LIST_NOT_ALLOWED"
    ]


# --- table names and kinds --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("x;drop table", "FIELD_NAME_INVALID_CHARACTERS"),
        ('a"b', "FIELD_NAME_INVALID_CHARACTERS"),
        ("1TABLE", "FIELD_NAME_MUST_START_WITH_LETTER"),
        ("CONTACTS_", "FIELD_NAME_ENDS_WITH_UNDERSCORE"),
        ("TABLE", "FIELD_NAME_RESERVED"),
        ("T" * 31, "FIELD_NAME_TOO_LONG"),
        ("", "FIELD_NAME_EMPTY"),
    ],
)
def test_table_name_follows_the_field_name_rules(name: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as failed:
        build(supplemental_table(name))
    assert [(p.field, p.code) for p in failed.value.problems] == [("name", code)]


@pytest.mark.parametrize("kind", ["view", "", None, "PET"])
def test_unknown_table_kind_is_refused(kind: object) -> None:
    data = supplemental_table(primary_key=[]) | {"kind": kind}
    assert refused(data) == ["TABLE_KIND_INVALID"]


@pytest.mark.parametrize("kind", list(TableKind))
def test_each_table_kind_is_accepted(kind: TableKind) -> None:
    data = supplemental_table(primary_key=[] if kind is not TableKind.SUPPLEMENTAL else ["SKU"])
    data["kind"] = kind.value
    if kind is TableKind.PET:
        data["list"] = "CONTACTS"
    assert build(data, {"CONTACTS"}).kind is kind


# --- fields -----------------------------------------------------------------------------------


@pytest.mark.parametrize("type_", list(FieldType))
def test_each_field_type_is_accepted(type_: FieldType) -> None:
    table = build(supplemental([{"name": "AMOUNT", "type": type_.value}]))
    assert table.custom_fields[0].type is type_


@pytest.mark.parametrize("type_", ["varchar", "TEXT", "", None, "blob"])
def test_unknown_field_type_is_refused(type_: object) -> None:
    assert refused(supplemental([{"name": "AMOUNT", "type": type_}])) == ["FIELD_TYPE_INVALID"]


def test_text_field_without_a_length_gets_255() -> None:
    table = build(supplemental([{"name": "NOTE", "type": "text"}]))
    assert table.custom_fields[0].length == 255


@pytest.mark.parametrize("length", [1, 4000])
def test_text_length_from_1_to_4000_is_accepted(length: int) -> None:
    table = build(supplemental([{"name": "NOTE", "type": "text", "length": length}]))
    assert table.custom_fields[0].length == length


@pytest.mark.parametrize("length", [0, -1, 4001, True, "10", 2.5])
def test_text_length_outside_1_to_4000_is_refused(length: object) -> None:
    assert refused(supplemental([{"name": "NOTE", "type": "text", "length": length}])) == [
        "FIELD_LENGTH_INVALID"
    ]


@pytest.mark.parametrize("type_", ["integer", "number", "date", "timestamp", "boolean"])
def test_only_text_fields_have_a_length(type_: str) -> None:
    assert refused(supplemental([{"name": "AMOUNT", "type": type_, "length": 10}])) == [
        "FIELD_LENGTH_NOT_ALLOWED"
    ]


def test_field_names_are_compared_without_case() -> None:
    fields = [{"name": "Note", "type": "text"}, {"name": "NOTE", "type": "integer"}]
    assert refused(supplemental(fields)) == ["FIELD_NAME_DUPLICATE"]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("x;drop table", "FIELD_NAME_INVALID_CHARACTERS"),
        ('a"b', "FIELD_NAME_INVALID_CHARACTERS"),
        ("CITY_", "FIELD_NAME_ENDS_WITH_UNDERSCORE"),
        ("SELECT", "FIELD_NAME_RESERVED"),
        ("E", "FIELD_NAME_RESERVED"),
    ],
)
def test_custom_field_name_follows_the_field_name_rules(name: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as failed:
        build(contacts_table() | {"fields": [{"name": name, "type": "text"}]})
    assert [(p.field, p.code) for p in failed.value.problems] == [("fields[0].name", code)]


def test_custom_field_cannot_take_a_system_field_name() -> None:
    data = contacts_table() | {"fields": [{"name": "RIID_", "type": "integer"}]}
    assert refused(data) == ["FIELD_NAME_ENDS_WITH_UNDERSCORE"]


def test_at_most_500_custom_fields() -> None:
    fields = [{"name": f"F{i}", "type": "integer"} for i in range(MAX_CUSTOM_FIELDS + 1)]
    assert refused(supplemental(fields)) == ["TOO_MANY_FIELDS"]


def test_500_custom_fields_are_accepted() -> None:
    fields = [{"name": f"F{i}", "type": "integer"} for i in range(MAX_CUSTOM_FIELDS)]
    assert len(build(supplemental(fields)).fields) == MAX_CUSTOM_FIELDS


def test_every_table_problem_is_reported_at_once() -> None:
    data = {
        "name": "bad name",
        "kind": "pet",
        "fields": [{"name": "1X", "type": "text"}, {"name": "Y", "type": "json"}],
        "primary_key": ["Y"],
    }
    assert sorted(refused(data)) == sorted(
        [
            "FIELD_NAME_INVALID_CHARACTERS",
            "FIELD_NAME_MUST_START_WITH_LETTER",
            "FIELD_TYPE_INVALID",
            "PET_LIST_REQUIRED",
            "PRIMARY_KEY_NOT_ALLOWED",
        ]
    )
