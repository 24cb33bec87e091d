"""Import and export settings, checked against the account's tables (product.md, Import)."""

from __future__ import annotations

from typing import Any

import pytest

from dataconnect.domain.job_settings import (
    ImportSettings,
    PermissionDefault,
    SupplementalMode,
    UpdateOnMatch,
    parse_export_settings,
    parse_import_settings,
)
from dataconnect.domain.tables import HASH_KEYS, LIST_MATCH_KEYS

from .factories import codes, export_settings, import_settings, tables

LIST_KEYS_UPDATE_ONLY = {"RIID_", *HASH_KEYS}


def accepted(**changes: Any) -> ImportSettings:
    settings, problems = parse_import_settings(import_settings(**changes), tables())
    assert problems == []
    assert settings is not None
    return settings


def refused(**changes: Any) -> list[str]:
    settings, problems = parse_import_settings(import_settings(**changes), tables())
    assert settings is None
    return codes(problems)


def list_import(mapping: dict[str, str | None], columns: list[str], insert: bool) -> dict[str, Any]:
    return {
        "target": "CONTACTS",
        "mapping": mapping,
        "match": {"columns": columns, "insert_on_no_match": insert},
    }


def pet_import(mapping: dict[str, str | None], columns: list[str], **match: Any) -> dict[str, Any]:
    return {"target": "PURCHASES", "mapping": mapping, "match": {"columns": columns, **match}}


# --- the example of api.md --------------------------------------------------------------------


def test_the_import_example_of_api_md_is_accepted() -> None:
    settings = accepted()
    assert settings.target == "CONTACTS"
    assert settings.mapping == (
        ("cust_id", "CUSTOMER_ID_"),
        ("email", "EMAIL_ADDRESS_"),
        ("city", "CITY_"),
        ("legacy", None),
    )
    assert settings.match.columns == ("CUSTOMER_ID_",)
    assert settings.match.insert_on_no_match is True
    assert settings.match.update_on_match is UpdateOnMatch.REPLACE_ALL


def test_settings_survive_a_round_trip_through_to_dict() -> None:
    settings = accepted()
    again, problems = parse_import_settings(settings.to_dict(), tables())
    assert problems == []
    assert again == settings


def test_import_settings_must_be_an_object() -> None:
    assert codes(parse_import_settings(None, tables())[1]) == ["IMPORT_SETTINGS_REQUIRED"]


def test_unknown_import_setting_is_refused() -> None:
    assert refused(truncate=True) == ["UNKNOWN_FIELD"]


# --- target -----------------------------------------------------------------------------------


def test_target_is_required() -> None:
    assert refused(target=None) == ["TARGET_REQUIRED"]


def test_target_must_be_a_table_of_the_account() -> None:
    assert refused(target="NOBODY") == ["TARGET_NOT_FOUND"]


def test_target_is_found_regardless_of_case() -> None:
    assert accepted(target="contacts").target == "CONTACTS"


# --- mapping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mapping", [None, {}, [], "email"])
def test_mapping_is_required(mapping: object) -> None:
    assert "MAPPING_REQUIRED" in refused(mapping=mapping)


def test_a_mapping_that_ignores_every_column_is_refused() -> None:
    assert "MAPPING_REQUIRED" in refused(mapping={"a": None, "b": None})


def test_mapped_field_must_exist_in_the_target() -> None:
    assert refused(mapping={"cust_id": "CUSTOMER_ID_", "x": "SHOE_SIZE"}) == [
        "MAPPED_FIELD_NOT_FOUND"
    ]


def test_mapped_fields_are_found_regardless_of_case() -> None:
    settings = accepted(mapping={"cust_id": "customer_id_", "name": "First_Name"})
    assert settings.mapping == (("cust_id", "CUSTOMER_ID_"), ("name", "FIRST_NAME"))


@pytest.mark.parametrize("field", ["EMAIL_DOMAIN_", "CREATED_DATE_", "MODIFIED_DATE_"])
def test_maintained_fields_of_a_list_are_not_writable(field: str) -> None:
    assert refused(mapping={"cust_id": "CUSTOMER_ID_", "x": field}) == ["FIELD_NOT_WRITABLE"]


@pytest.mark.parametrize("field", ["CREATED_DATE_", "MODIFIED_DATE_"])
def test_maintained_fields_of_a_pet_are_not_writable(field: str) -> None:
    data = pet_import({"email": "EMAIL_ADDRESS_", "x": field}, ["EMAIL_ADDRESS_"])
    assert refused(**data) == ["FIELD_NOT_WRITABLE"]


def test_riid_may_be_mapped_as_the_match_key_of_a_list_update() -> None:
    settings = accepted(**list_import({"id": "RIID_", "city": "CITY_"}, ["RIID_"], insert=False))
    assert settings.match.columns == ("RIID_",)


def test_riid_may_be_mapped_as_the_match_key_of_a_pet() -> None:
    data = pet_import({"id": "RIID_", "total": "TOTAL"}, ["RIID_"])
    assert accepted(**data).match.columns == ("RIID_",)


@pytest.mark.parametrize(
    "data",
    [
        list_import({"cust_id": "CUSTOMER_ID_", "id": "RIID_"}, ["CUSTOMER_ID_"], insert=True),
        pet_import({"email": "EMAIL_ADDRESS_", "id": "RIID_"}, ["EMAIL_ADDRESS_"]),
    ],
    ids=["profile_list", "pet"],
)
def test_riid_is_not_writable_when_it_is_not_the_match_key(data: dict[str, Any]) -> None:
    # RIID_ is assigned by DataConnect: a file may name it to find a profile, never to set it
    # (product.md: "RIID_ (integer key we assign)"; docs/rules.md: "RIID_ (except as a key)").
    assert refused(**data) == ["FIELD_NOT_WRITABLE"]


def test_one_column_per_field() -> None:
    mapping = {"cust_id": "CUSTOMER_ID_", "city": "CITY_", "town": "city_"}
    assert refused(mapping=mapping) == ["MAPPING_DUPLICATE_FIELD"]


@pytest.mark.parametrize("column", ["", "c" * 256])
def test_file_column_names_are_1_to_255_characters(column: str) -> None:
    assert refused(mapping={"cust_id": "CUSTOMER_ID_", column: "CITY_"}) == [
        "MAPPING_COLUMN_INVALID"
    ]


@pytest.mark.parametrize("field", [5, "", ["CITY_"]])
def test_mapped_field_is_a_name_or_null(field: object) -> None:
    assert refused(mapping={"cust_id": "CUSTOMER_ID_", "city": field}) == ["MAPPING_FIELD_INVALID"]


def test_without_a_header_row_columns_are_numbered_from_1() -> None:
    settings = accepted(
        format={"header": False},
        mapping={"1": "CUSTOMER_ID_", "2": "EMAIL_ADDRESS_", "3": None},
    )
    assert settings.format.header is False
    assert settings.mapping[0] == ("1", "CUSTOMER_ID_")


@pytest.mark.parametrize("column", ["cust_id", "0", "-1", "1.5", "10001"])
def test_without_a_header_row_named_columns_are_refused(column: str) -> None:
    data = {"format": {"header": False}, "mapping": {"1": "CUSTOMER_ID_", column: "CITY_"}}
    assert refused(**data) == ["MAPPING_COLUMN_INVALID"]


# --- match on a profile list ------------------------------------------------------------------


@pytest.mark.parametrize("key", LIST_MATCH_KEYS)
def test_each_of_the_six_list_keys_may_be_matched_on(key: str) -> None:
    insert = key not in LIST_KEYS_UPDATE_ONLY
    settings = accepted(**list_import({"k": key, "city": "CITY_"}, [key], insert=insert))
    assert settings.match.columns == (key,)


@pytest.mark.parametrize("key", ["CITY_", "FIRST_NAME", "EMAIL_DOMAIN_", "MOBILE_COUNTRY_"])
def test_other_fields_cannot_be_matched_on(key: str) -> None:
    data = list_import({"c": "CUSTOMER_ID_", "k": key}, [key], insert=True)
    assert "MATCH_COLUMN_NOT_ALLOWED" in refused(**data)


def test_match_column_must_be_mapped() -> None:
    data = list_import({"cust_id": "CUSTOMER_ID_"}, ["EMAIL_ADDRESS_"], insert=True)
    assert refused(**data) == ["MATCH_COLUMN_NOT_MAPPED"]


@pytest.mark.parametrize("match", [None, {}, {"columns": []}])
def test_a_list_import_names_a_match_column(match: object) -> None:
    assert refused(match=match) == ["MATCH_COLUMNS_REQUIRED"]


def test_two_match_columns_are_combined() -> None:
    mapping = {"cust_id": "CUSTOMER_ID_", "email": "EMAIL_ADDRESS_"}
    settings = accepted(**list_import(mapping, ["CUSTOMER_ID_", "email_address_"], insert=True))
    assert settings.match.columns == ("CUSTOMER_ID_", "EMAIL_ADDRESS_")


def test_three_match_columns_are_refused() -> None:
    mapping = {"c": "CUSTOMER_ID_", "e": "EMAIL_ADDRESS_", "m": "MOBILE_NUMBER_"}
    data = list_import(mapping, ["CUSTOMER_ID_", "EMAIL_ADDRESS_", "MOBILE_NUMBER_"], insert=True)
    assert refused(**data) == ["MATCH_COLUMNS_INVALID"]


def test_the_same_match_column_twice_is_refused() -> None:
    data = list_import({"c": "CUSTOMER_ID_"}, ["CUSTOMER_ID_", "customer_id_"], insert=True)
    assert refused(**data) == ["MATCH_COLUMNS_INVALID"]


@pytest.mark.parametrize("columns", ["CUSTOMER_ID_", [1], None])
def test_match_columns_are_a_list_of_names(columns: object) -> None:
    assert refused(match={"columns": columns}) == ["MATCH_COLUMNS_INVALID"]


def test_two_hash_keys_cannot_be_combined() -> None:
    mapping = {"md5": "EMAIL_MD5_HASH_", "sha": "EMAIL_SHA256_HASH_"}
    data = list_import(mapping, ["EMAIL_MD5_HASH_", "EMAIL_SHA256_HASH_"], insert=False)
    assert refused(**data) == ["MATCH_COMBINATION_NOT_ALLOWED"]


@pytest.mark.parametrize("hash_key", sorted(HASH_KEYS))
def test_an_email_address_and_a_hash_key_cannot_be_combined(hash_key: str) -> None:
    mapping = {"email": "EMAIL_ADDRESS_", "hash": hash_key}
    data = list_import(mapping, ["EMAIL_ADDRESS_", hash_key], insert=False)
    assert refused(**data) == ["MATCH_COMBINATION_NOT_ALLOWED"]


@pytest.mark.parametrize("hash_key", sorted(HASH_KEYS))
def test_a_hash_key_may_be_combined_with_another_key(hash_key: str) -> None:
    mapping = {"cust_id": "CUSTOMER_ID_", "hash": hash_key}
    settings = accepted(**list_import(mapping, ["CUSTOMER_ID_", hash_key], insert=False))
    assert settings.match.columns == ("CUSTOMER_ID_", hash_key)


@pytest.mark.parametrize("hash_key", sorted(HASH_KEYS))
def test_a_hash_key_match_can_only_update(hash_key: str) -> None:
    data = list_import({"hash": hash_key}, [hash_key], insert=True)
    assert refused(**data) == ["HASH_KEY_UPDATE_ONLY"]


def test_a_hash_key_match_inserts_by_default_and_is_therefore_refused() -> None:
    data = {"mapping": {"hash": "EMAIL_MD5_HASH_"}, "match": {"columns": ["EMAIL_MD5_HASH_"]}}
    assert refused(**data) == ["HASH_KEY_UPDATE_ONLY"]


def test_a_riid_match_on_a_list_can_only_update() -> None:
    data = list_import({"id": "RIID_", "city": "CITY_"}, ["RIID_"], insert=True)
    assert refused(**data) == ["RIID_KEY_UPDATE_ONLY"]


@pytest.mark.parametrize("value", ["replace_all", "no_update"])
def test_update_on_match_is_replace_all_or_no_update(value: str) -> None:
    match = {"columns": ["CUSTOMER_ID_"], "update_on_match": value}
    assert accepted(match=match).match.update_on_match is UpdateOnMatch(value)


def test_other_update_on_match_values_are_refused() -> None:
    match = {"columns": ["CUSTOMER_ID_"], "update_on_match": "merge"}
    assert refused(match=match) == ["UPDATE_ON_MATCH_INVALID"]


def test_insert_on_no_match_is_a_boolean() -> None:
    match = {"columns": ["CUSTOMER_ID_"], "insert_on_no_match": "yes"}
    assert refused(match=match) == ["BOOLEAN_EXPECTED"]


def test_match_must_be_an_object() -> None:
    assert refused(match=["CUSTOMER_ID_"]) == ["MATCH_INVALID"]


def test_unknown_match_setting_is_refused() -> None:
    assert refused(match={"columns": ["CUSTOMER_ID_"], "fuzzy": True}) == ["UNKNOWN_FIELD"]


# --- PET imports ------------------------------------------------------------------------------


def test_pet_import_maps_a_list_key_to_find_the_profile() -> None:
    data = pet_import({"email": "EMAIL_ADDRESS_", "total": "TOTAL"}, ["EMAIL_ADDRESS_"])
    settings = accepted(**data)
    assert settings.target == "PURCHASES"
    assert settings.mapping == (("email", "EMAIL_ADDRESS_"), ("total", "TOTAL"))


@pytest.mark.parametrize("key", LIST_MATCH_KEYS)
def test_pet_import_may_find_the_profile_by_any_list_key(key: str) -> None:
    insert = key not in HASH_KEYS
    data = pet_import({"k": key, "total": "TOTAL"}, [key], insert_on_no_match=insert)
    assert accepted(**data).match.columns == (key,)


def test_pet_import_needs_a_list_match_key() -> None:
    data = pet_import({"email": "EMAIL_ADDRESS_", "total": "TOTAL"}, [])
    assert refused(**data) == ["PET_MATCH_KEY_REQUIRED"]


def test_pet_import_cannot_match_on_its_own_fields() -> None:
    data = pet_import({"email": "EMAIL_ADDRESS_", "total": "TOTAL"}, ["TOTAL"])
    assert refused(**data) == ["MATCH_COLUMN_NOT_ALLOWED"]


def test_pet_import_cannot_write_list_fields_that_are_not_keys() -> None:
    data = pet_import({"email": "EMAIL_ADDRESS_", "city": "CITY_"}, ["EMAIL_ADDRESS_"])
    assert refused(**data) == ["MAPPED_FIELD_NOT_FOUND"]


def test_pet_match_key_must_be_mapped() -> None:
    data = pet_import({"email": "EMAIL_ADDRESS_", "total": "TOTAL"}, ["CUSTOMER_ID_"])
    assert refused(**data) == ["MATCH_COLUMN_NOT_MAPPED"]


# --- supplemental imports ---------------------------------------------------------------------


def supplemental_import(
    target: str, mapping: dict[str, str | None], **changes: Any
) -> dict[str, Any]:
    return {"target": target, "mapping": mapping, "match": None} | changes


def test_supplemental_merge_with_every_key_field_mapped_is_accepted() -> None:
    data = supplemental_import("STOCK", {"sku": "SKU", "store": "STORE", "price": "PRICE"})
    settings = accepted(**data)
    assert settings.supplemental_mode is SupplementalMode.MERGE
    assert settings.match.columns == ()


def test_supplemental_merge_needs_a_primary_key() -> None:
    data = supplemental_import("EVENTS", {"sku": "SKU"}, supplemental_mode="merge")
    assert refused(**data) == ["SUPPLEMENTAL_MERGE_NEEDS_PRIMARY_KEY"]


def test_supplemental_merge_needs_every_primary_key_field_mapped() -> None:
    data = supplemental_import("STOCK", {"sku": "SKU", "price": "PRICE"})
    assert refused(**data) == ["PRIMARY_KEY_NOT_MAPPED"]


@pytest.mark.parametrize("mode", ["append", "replace"])
def test_append_and_replace_need_no_primary_key(mode: str) -> None:
    data = supplemental_import("EVENTS", {"sku": "SKU"}, supplemental_mode=mode)
    assert accepted(**data).supplemental_mode is SupplementalMode(mode)


def test_unknown_supplemental_mode_is_refused() -> None:
    data = supplemental_import("PRODUCTS", {"sku": "SKU"}, supplemental_mode="upsert")
    assert refused(**data) == ["SUPPLEMENTAL_MODE_INVALID"]


def test_supplemental_table_matches_only_on_its_primary_key() -> None:
    data = supplemental_import(
        "PRODUCTS", {"sku": "SKU", "p": "PRICE"}, match={"columns": ["PRICE"]}
    )
    assert refused(**data) == ["MATCH_COLUMN_NOT_ALLOWED"]


def test_supplemental_table_may_name_its_primary_key_as_match_columns() -> None:
    data = supplemental_import("PRODUCTS", {"sku": "SKU"}, match={"columns": ["sku"]})
    assert accepted(**data).match.columns == ("SKU",)


# --- format, file pattern, count file ---------------------------------------------------------


def test_format_problems_name_the_import_format_field() -> None:
    _, problems = parse_import_settings(import_settings(format={"delimiter": "x"}), tables())
    assert [(p.field, p.code) for p in problems] == [
        ("import.format.delimiter", "DELIMITER_INVALID")
    ]


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("qualifier", "'", "QUALIFIER_INVALID"),
        ("encoding", "utf-16", "ENCODING_INVALID"),
        ("date_format", "%d/%m", "DATE_FORMAT_INVALID"),
    ],
)
def test_import_format_is_checked(key: str, value: str, code: str) -> None:
    assert refused(format={key: value}) == [code]


def test_import_format_is_kept() -> None:
    fmt = {"delimiter": "pipe", "qualifier": None, "encoding": "cp1252", "date_format": "%d.%m.%Y"}
    settings = accepted(format=fmt)
    assert (settings.format.delimiter, settings.format.qualifier) == ("|", None)
    assert (settings.format.encoding, settings.format.date_format) == ("windows-1252", "%d.%m.%Y")


@pytest.mark.parametrize(
    ("pattern", "code"),
    [
        (None, "FILE_PATTERN_REQUIRED"),
        ("../customers.csv", "FILE_PATTERN_INVALID"),
        ("customers_{DATE}.csv", "FILE_PATTERN_TOKEN_UNKNOWN"),
    ],
)
def test_import_file_pattern_is_checked(pattern: object, code: str) -> None:
    assert refused(file_pattern=pattern) == [code]


def test_count_file_is_a_boolean() -> None:
    assert accepted(count_file=True).count_file is True
    assert refused(count_file="yes") == ["BOOLEAN_EXPECTED"]


# --- permission -------------------------------------------------------------------------------


def test_permission_defaults_to_optout_with_i_and_o() -> None:
    permission = accepted(permission=None).permission
    assert permission.default is PermissionDefault.OPTOUT
    assert (permission.optin_value, permission.optout_value) == ("I", "O")


def test_permission_default_may_be_optin() -> None:
    permission = accepted(permission={"default": "OPTIN", "optin_value": "Y", "optout_value": "N"})
    assert permission.permission.default is PermissionDefault.OPTIN


def test_permission_default_is_optin_or_optout() -> None:
    assert refused(permission={"default": "MAYBE"}) == ["PERMISSION_DEFAULT_INVALID"]


@pytest.mark.parametrize("value", ["", "v" * 51, 1, None])
def test_permission_values_are_1_to_50_characters(value: object) -> None:
    assert refused(permission={"optin_value": value}) == ["PERMISSION_VALUE_INVALID"]


def test_optin_and_optout_values_must_differ() -> None:
    assert refused(permission={"optin_value": "X", "optout_value": "X"}) == [
        "PERMISSION_VALUES_EQUAL"
    ]


def test_permission_must_be_an_object() -> None:
    assert refused(permission="OPTIN") == ["PERMISSION_INVALID"]


def test_unknown_permission_setting_is_refused() -> None:
    assert refused(permission={"double_optin": True}) == ["UNKNOWN_FIELD"]


# --- max_reject_percent -----------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 12.5, 100])
def test_max_reject_percent_from_0_to_100_is_accepted(value: float) -> None:
    assert accepted(max_reject_percent=value).max_reject_percent == value


@pytest.mark.parametrize("value", [-1, 100.1, 101, True, "50", None])
def test_max_reject_percent_outside_0_to_100_is_refused(value: object) -> None:
    assert refused(max_reject_percent=value) == ["MAX_REJECT_PERCENT_INVALID"]


def test_every_import_problem_is_reported_at_once() -> None:
    problems = refused(
        file_pattern="a/b.csv",
        format={"encoding": "ebcdic"},
        target="NOBODY",
        max_reject_percent=-5,
    )
    assert sorted(problems) == sorted(
        [
            "FILE_PATTERN_INVALID",
            "ENCODING_INVALID",
            "TARGET_NOT_FOUND",
            "MAX_REJECT_PERCENT_INVALID",
        ]
    )


# --- export settings --------------------------------------------------------------------------


def export_refused(connections: tuple[str, ...] | set[str] = (), **changes: Any) -> list[str]:
    settings, problems = parse_export_settings(
        export_settings(**changes), tables(), connections=connections
    )
    assert settings is None
    return codes(problems)


def test_the_export_example_of_api_md_is_accepted() -> None:
    settings, problems = parse_export_settings(export_settings(), tables())
    assert problems == []
    assert settings is not None
    assert settings.source == "CONTACTS"
    assert settings.fields == ("RIID_", "EMAIL_ADDRESS_", "CITY_")


def test_export_fields_are_found_regardless_of_case() -> None:
    settings, _ = parse_export_settings(
        export_settings(source="contacts", fields=["city_"]), tables()
    )
    assert settings is not None
    assert (settings.source, settings.fields) == ("CONTACTS", ("CITY_",))


def test_maintained_fields_can_be_exported() -> None:
    fields = ["RIID_", "EMAIL_DOMAIN_", "CREATED_DATE_", "MODIFIED_DATE_"]
    settings, problems = parse_export_settings(export_settings(fields=fields), tables())
    assert problems == []
    assert settings is not None


def test_export_settings_must_be_an_object() -> None:
    assert codes(parse_export_settings(None, tables())[1]) == ["EXPORT_SETTINGS_REQUIRED"]


def test_export_source_is_required() -> None:
    assert export_refused(source="") == ["SOURCE_REQUIRED"]


def test_export_source_must_be_a_table_of_the_account() -> None:
    assert export_refused(source="NOBODY") == ["SOURCE_NOT_FOUND"]


@pytest.mark.parametrize("fields", [[], "CITY_"])
def test_export_needs_a_list_of_fields(fields: object) -> None:
    assert export_refused(fields=fields) == ["EXPORT_FIELDS_REQUIRED"]


def test_an_export_that_names_no_fields_writes_every_field_of_its_table() -> None:
    data = export_settings()
    del data["fields"]
    settings, problems = parse_export_settings(data, tables())
    assert problems == [] and settings is not None
    assert settings.fields == tuple(f.name for f in tables()["CONTACTS"].fields)


def test_exported_field_must_exist_in_the_source() -> None:
    assert export_refused(fields=["CITY_", "SHOE_SIZE"]) == ["EXPORT_FIELD_UNKNOWN"]


def test_a_pet_export_may_name_fields_of_its_profile_list() -> None:
    settings, problems = parse_export_settings(
        export_settings(source="PURCHASES", fields=["RIID_", "EMAIL_ADDRESS_", "TOTAL"]), tables()
    )
    assert problems == [] and settings is not None
    assert settings.fields == ("RIID_", "EMAIL_ADDRESS_", "TOTAL")
    assert export_refused(source="PRODUCTS", fields=["SKU", "EMAIL_ADDRESS_"]) == [
        "EXPORT_FIELD_UNKNOWN"
    ]


def test_exported_field_may_not_be_listed_twice() -> None:
    assert export_refused(fields=["CITY_", "city_"]) == ["EXPORT_FIELD_DUPLICATE"]


@pytest.mark.parametrize(
    ("source", "field"), [("CONTACTS", "CITY_"), ("PURCHASES", "TOTAL"), ("PRODUCTS", "SKU")]
)
def test_changed_since_last_run_is_for_every_kind_of_table(source: str, field: str) -> None:
    settings, problems = parse_export_settings(
        export_settings(source=source, fields=[field], changed_since_last_run=True), tables()
    )
    assert problems == [] and settings is not None
    assert settings.changed_since_last_run is True


def test_delivery_settings_name_what_the_account_has() -> None:
    assert export_refused(compression="bzip2") == ["COMPRESSION_INVALID"]
    assert export_refused(encrypt_to="partner") == ["PGP_KEY_NOT_FOUND"]
    assert export_refused(destination={"connection": "dwh"}) == ["CONNECTION_NOT_FOUND"]
    assert export_refused(destination="dwh") == ["DESTINATION_INVALID"]
    settings, problems = parse_export_settings(
        export_settings(
            compression="gzip",
            encrypt_to="partner",
            destination={"connection": "dwh", "folder": "in/daily"},
        ),
        tables(),
        public_keys={"partner"},
        connections={"dwh"},
    )
    assert problems == [] and settings is not None
    assert (settings.compression.value, settings.encrypt_to) == ("gzip", "partner")
    assert settings.destination is not None and settings.destination.folder == "in/daily"
    assert export_refused(
        destination={"connection": "dwh", "folder": "../up"}, connections={"dwh"}
    ) == ["DESTINATION_FOLDER_INVALID"]


def test_export_file_pattern_and_format_are_checked() -> None:
    assert export_refused(file_pattern="*.csv", format={"delimiter": "x"}) == [
        "FILE_PATTERN_INVALID",
        "DELIMITER_INVALID",
    ]


def test_unknown_export_setting_is_refused() -> None:
    assert export_refused(where="CITY_ = 'x'") == ["UNKNOWN_FIELD"]
