"""The settings records are the one definition of the settings' shape (domain.plain).

Their fields give the accepted keys, the JSON (keys and their order) and what the store reads
back; these tests fail when a field is added to a record and its parse rule, its example in
``dataconnect.testing`` or its plain form is forgotten.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from dataconnect.domain import plain
from dataconnect.domain.formats import FileFormat, parse_format
from dataconnect.domain.job_settings import (
    ExportSettings,
    ImportSettings,
    MatchRule,
    PermissionRule,
    parse_export_settings,
    parse_import_settings,
)
from dataconnect.testing import every_export_setting, every_import_setting, unset_settings

from .factories import codes, export_settings, import_settings, tables

RECORDS = [ImportSettings, ExportSettings, FileFormat, MatchRule, PermissionRule]


def every_import() -> ImportSettings:
    settings, problems = parse_import_settings(every_import_setting(), tables())
    assert problems == []
    assert settings is not None
    return settings


def every_export() -> ExportSettings:
    settings, problems = parse_export_settings(every_export_setting(), tables())
    assert problems == []
    assert settings is not None
    return settings


# --- the examples set every setting, and each comes back through parse(to_dict) ---------------


@pytest.mark.parametrize("make", [every_import, every_export], ids=["import", "export"])
def test_the_example_sets_every_setting_away_from_its_default(make: Any) -> None:
    assert unset_settings(make()) == [], "give the new setting a value in dataconnect.testing"


@pytest.mark.parametrize("make", [every_import, every_export], ids=["import", "export"])
def test_every_setting_survives_parse_of_to_dict(make: Any) -> None:
    # A field the parse function forgets would come back with its default.
    settings = make()
    parse = parse_import_settings if isinstance(settings, ImportSettings) else parse_export_settings
    again, problems = parse(settings.to_dict(), tables())
    assert problems == []
    assert again == settings


@pytest.mark.parametrize("make", [every_import, every_export], ids=["import", "export"])
def test_from_stored_reads_back_what_to_dict_wrote(make: Any) -> None:
    settings = make()
    stored = json.loads(json.dumps(settings.to_dict()))
    assert type(settings).from_stored(stored) == settings


def test_from_stored_runs_no_table_checks() -> None:
    # The store reads jobs whose target has gone since, or whose rules have changed.
    stored = every_import().to_dict() | {"target": "GONE", "mapping": {"x": "NO_SUCH_FIELD"}}
    settings = ImportSettings.from_stored(stored)
    assert (settings.target, settings.mapping) == ("GONE", (("x", "NO_SUCH_FIELD"),))
    assert parse_import_settings(stored, tables())[0] is None


def test_a_stored_key_that_is_missing_takes_the_records_default() -> None:
    stored = every_export().to_dict()
    del stored["changed_since_last_run"]
    assert ExportSettings.from_stored(stored).changed_since_last_run is False
    del stored["source"]
    with pytest.raises(KeyError):
        ExportSettings.from_stored(stored)


# --- the parse functions default to the records' defaults -------------------------------------


def test_an_import_with_only_the_required_keys_gets_the_records_defaults() -> None:
    data = {"file_pattern": "s.csv", "target": "STOCK", "mapping": {"a": "SKU", "b": "STORE"}}
    settings, problems = parse_import_settings(data, tables())
    assert problems == []
    assert settings == ImportSettings(
        file_pattern="s.csv", target="STOCK", mapping=(("a", "SKU"), ("b", "STORE"))
    )


def test_empty_nested_settings_get_the_records_defaults() -> None:
    data = import_settings(match={"columns": ["CUSTOMER_ID_"]}, permission={}, format={})
    settings, problems = parse_import_settings(data, tables())
    assert problems == []
    assert settings is not None
    assert settings.match == MatchRule(columns=("CUSTOMER_ID_",))
    assert settings.permission == PermissionRule()
    assert settings.format == FileFormat() == parse_format({}, "format")[0]


def test_an_export_with_only_the_required_keys_gets_the_records_defaults() -> None:
    data = {"source": "CONTACTS", "fields": ["CITY_"], "file_pattern": "c.csv"}
    settings, problems = parse_export_settings(data, tables())
    assert problems == []
    assert settings == ExportSettings(source="CONTACTS", fields=("CITY_",), file_pattern="c.csv")


# --- the accepted keys are the records' fields ------------------------------------------------


@pytest.mark.parametrize(
    ("record", "parse", "path"),
    [
        (ImportSettings, lambda d: parse_import_settings(import_settings(**d), tables()), ""),
        (ExportSettings, lambda d: parse_export_settings(export_settings(**d), tables()), ""),
        (MatchRule, lambda d: parse_import_settings(import_settings(match=d), tables()), "match."),
        (
            PermissionRule,
            lambda d: parse_import_settings(import_settings(permission=d), tables()),
            "permission.",
        ),
        (
            FileFormat,
            lambda d: parse_import_settings(import_settings(format=d), tables()),
            "format.",
        ),
    ],
    ids=["import", "export", "match", "permission", "format"],
)
def test_the_accepted_keys_are_the_fields_of_the_record(
    record: type, parse: Any, path: str
) -> None:
    for key in plain.keys(record):
        _, problems = parse({key: None})
        assert "UNKNOWN_FIELD" not in codes(problems), key
    _, problems = parse({"not_a_setting": 1})
    assert [(p.field, p.code) for p in problems if p.code == "UNKNOWN_FIELD"] == [
        (
            f"{'export' if record is ExportSettings else 'import'}.{path}not_a_setting",
            "UNKNOWN_FIELD",
        )
    ]


# --- to_dict: today's JSON, key for key and in order ------------------------------------------


def test_import_to_dict_is_the_json_of_the_api_and_the_store() -> None:
    assert json.dumps(every_import().to_dict()) == (
        '{"file_pattern": "customers_{YYYYMMDD}_{HH24MISS}.txt", '
        '"format": {"delimiter": "|", "qualifier": null, "header": false, '
        '"encoding": "windows-1252", "date_format": "%d.%m.%Y"}, '
        '"count_file": true, "target": "CONTACTS", '
        '"mapping": {"1": "CUSTOMER_ID_", "2": "EMAIL_ADDRESS_", "3": null, "4": "CITY_"}, '
        '"match": {"columns": ["CUSTOMER_ID_", "EMAIL_ADDRESS_"], "insert_on_no_match": false, '
        '"update_on_match": "no_update"}, '
        '"permission": {"default": "OPTIN", "optin_value": "Y", "optout_value": "N"}, '
        '"supplemental_mode": "append", "max_reject_percent": 12.5}'
    )


def test_export_to_dict_is_the_json_of_the_api_and_the_store() -> None:
    assert json.dumps(every_export().to_dict()) == (
        '{"source": "CONTACTS", "fields": ["RIID_", "EMAIL_ADDRESS_", "CITY_"], '
        '"file_pattern": "contacts_{YYYYMMDD}.txt", '
        '"format": {"delimiter": "\\t", "qualifier": null, "header": false, '
        '"encoding": "iso-8859-1", "date_format": "%Y%m%d"}, '
        '"changed_since_last_run": true, "count_file": true, "ready_file": true, '
        '"compression": "zip", "encrypt_to": null, "destination": null}'
    )


def test_the_defaults_to_dict() -> None:
    assert ImportSettings(file_pattern="f", target="T", mapping=()).to_dict() == {
        "file_pattern": "f",
        "format": {
            "delimiter": ",",
            "qualifier": '"',
            "header": True,
            "encoding": "utf-8",
            "date_format": "%Y-%m-%d",
        },
        "count_file": False,
        "target": "T",
        "mapping": {},
        "match": {"columns": [], "insert_on_no_match": True, "update_on_match": "replace_all"},
        "permission": {"default": "OPTOUT", "optin_value": "I", "optout_value": "O"},
        "supplemental_mode": "merge",
        "max_reject_percent": 100.0,
    }


# --- every field has a plain form; others fail loudly -----------------------------------------


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_every_field_is_described_and_documented(record: type) -> None:
    described = plain.settings_of(record)
    assert [s.name for s in described] == [f.name for f in dataclasses.fields(record)]
    assert all(s.doc for s in described), "give each setting a doc(...) for the OpenAPI document"
    assert record.__doc__ and not record.__doc__.startswith(f"{record.__name__}("), "a docstring"


@dataclass(frozen=True)
class Odd:
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Destination(plain.Plain):
    folder: str


@dataclass(frozen=True)
class Future(plain.Plain):
    destination: Destination | None = None
    emails: tuple[str, ...] = ()


def test_a_field_without_a_plain_form_fails_when_described() -> None:
    with pytest.raises(TypeError, match=r"Odd\.headers"):
        plain.settings_of(Odd)


def test_optional_records_and_lists_have_plain_forms() -> None:
    value = Future(destination=Destination(folder="out"), emails=("a@example.com",))
    assert value.to_dict() == {"destination": {"folder": "out"}, "emails": ["a@example.com"]}
    assert Future.from_stored(value.to_dict()) == value
    assert Future.from_stored({"destination": None}) == Future()
