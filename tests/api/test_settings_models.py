"""The API's job settings are the domain's records: the same keys, all the way down.

The request models are made from the records (``schemas.settings_model``); these tests fail
if a model, the OpenAPI document or an answer drifts from the records (a field added to
``ExportSettings`` that the API does not take or does not give back, a hand-written model
that misses one, a choice that is not the enum's).
"""

from __future__ import annotations

import json
import typing
from typing import Any, Literal

import pytest
from api_helpers import Api
from fastapi.testclient import TestClient
from pydantic import BaseModel

from dataconnect.api import schemas
from dataconnect.domain import plain
from dataconnect.domain.job_settings import (
    ExportSettings,
    ImportSettings,
    parse_export_settings,
    parse_import_settings,
)
from dataconnect.domain.requests import JOB_KEYS
from dataconnect.testing import (
    contacts_table,
    every_export_setting,
    every_import_setting,
    import_job,
)

SETTINGS = {"import": ImportSettings, "export": ExportSettings}


def _parts(annotation: Any) -> list[Any]:
    """The types an annotation is made of: X | None | list[Y] → X, None, list, Y, …"""
    out = [annotation]
    for arg in typing.get_args(annotation):
        out += _parts(arg)
    return out


def _model_in(annotation: Any) -> type[BaseModel] | None:
    models = [p for p in _parts(annotation) if isinstance(p, type) and issubclass(p, BaseModel)]
    return models[0] if models else None


def _literals(annotation: Any) -> set[str]:
    return {
        value
        for p in _parts(annotation)
        if typing.get_origin(p) is Literal
        for value in typing.get_args(p)
    }


def _record_in(shape: plain.Shape) -> type | None:
    while isinstance(shape, plain.Nullable | plain.ListOf):
        shape = shape.inner if isinstance(shape, plain.Nullable) else shape.item
    return shape.record if isinstance(shape, plain.RecordOf) else None


def _json_kind(shape: plain.Shape) -> str:
    while isinstance(shape, plain.Nullable):
        shape = shape.inner
    if isinstance(shape, plain.ListOf):
        return "list"
    if isinstance(shape, plain.PairsOf | plain.RecordOf):
        return "dict"
    return "value"


def _annotation_kind(annotation: Any) -> str:
    origins = {typing.get_origin(p) for p in _parts(annotation)}
    if list in origins:
        return "list"
    if dict in origins or _model_in(annotation) is not None:
        return "dict"
    return "value"


def model_drift(model: type[BaseModel], record: type, where: str) -> list[str]:
    """Every difference between a request model and a settings record, recursively."""
    fields = {(f.alias or name): f for name, f in model.model_fields.items()}
    settings = {s.name: s for s in plain.settings_of(record)}
    out = [
        f"{where}{k}: the domain has it, the API model does not"
        for k in sorted(settings.keys() - fields)
    ]
    out += [
        f"{where}{k}: the API model has it, the domain does not"
        for k in sorted(fields.keys() - settings)
    ]
    if model.model_config.get("extra") != "forbid" or not model.model_config.get("strict"):
        out.append(f"{where}: the model must be strict and forbid unknown keys")
    for key in settings.keys() & fields.keys():
        shape, annotation = settings[key].shape, fields[key].annotation
        if fields[key].is_required() or type(None) not in _parts(annotation):
            # every key may be left out or null: the domain fills in defaults, reports the rest
            out.append(f"{where}{key}: the API model must make it optional and nullable")
        if _json_kind(shape) != _annotation_kind(annotation):
            out.append(f"{where}{key}: {_json_kind(shape)} in the domain, not in the API model")
        inner = shape.inner if isinstance(shape, plain.Nullable) else shape
        if isinstance(inner, plain.Choice):
            values = {e.value for e in inner.enum}
            if _literals(annotation) != values or str not in _parts(annotation):
                out.append(f"{where}{key}: the API model must list {sorted(values)} | str")
        nested_record, nested_model = _record_in(shape), _model_in(annotation)
        if (nested_record is None) != (nested_model is None):
            out.append(f"{where}{key}: a settings record on one side only")
        elif nested_record is not None and nested_model is not None:
            out += model_drift(nested_model, nested_record, f"{where}{key}.")
    return out


def test_the_job_models_take_the_keys_of_a_job_request() -> None:
    for model, keys in [
        (schemas.JobCreate, JOB_KEYS),
        (schemas.JobUpdate, JOB_KEYS - {"activate"}),
    ]:
        assert {(f.alias or n) for n, f in model.model_fields.items()} == keys, model


@pytest.mark.parametrize("model", [schemas.JobCreate, schemas.JobUpdate])
@pytest.mark.parametrize("key", sorted(SETTINGS))
def test_the_settings_models_are_the_domain_records(model: type[BaseModel], key: str) -> None:
    (field,) = [f for n, f in model.model_fields.items() if (f.alias or n) == key]
    settings_model = _model_in(field.annotation)
    assert settings_model is not None
    assert model_drift(settings_model, SETTINGS[key], f"{key}.") == []


def test_the_drift_check_sees_a_missing_and_an_extra_key() -> None:
    # The check itself: a hand-written model that lost one key and invented another.
    class FormatIn(schemas.Strict):
        delimiter: str | None = None
        qualifier: str | None = None
        header: bool | None = None
        encoding: str | None = None
        separator: str | None = None

    from dataconnect.domain.formats import FileFormat

    assert model_drift(FormatIn, FileFormat, "import.format.") == [
        "import.format.date_format: the domain has it, the API model does not",
        "import.format.separator: the API model has it, the domain does not",
    ]


# --- the OpenAPI document ----------------------------------------------------------------------


def _schema_drift(
    spec: dict[str, Any], schema: dict[str, Any], record: type, where: str
) -> list[str]:
    components = spec["components"]["schemas"]
    properties = schema["properties"]
    settings = {s.name: s for s in plain.settings_of(record)}
    out = [
        f"{where}{k}: not in the OpenAPI document"
        for k in sorted(settings.keys() - properties.keys())
    ]
    out += [f"{where}{k}: not in the domain" for k in sorted(properties.keys() - settings.keys())]
    if schema.get("additionalProperties") is not False:
        out.append(f"{where}: the document must refuse other keys")
    for key in settings.keys() & properties.keys():
        refs = [
            part["$ref"]
            for part in properties[key].get("anyOf", [properties[key]])
            if "$ref" in part
        ]
        nested = _record_in(settings[key].shape)
        if (nested is None) != (not refs):
            out.append(f"{where}{key}: a settings record on one side only")
        elif nested is not None:
            nested_schema = components[refs[0].rsplit("/", 1)[-1]]
            out += _schema_drift(spec, nested_schema, nested, f"{where}{key}.")
        if not properties[key].get("description"):
            out.append(f"{where}{key}: no description in the OpenAPI document")
    return out


def test_the_openapi_document_lists_the_domain_settings(anonymous: TestClient) -> None:
    spec = anonymous.get("/openapi.json").json()
    components = spec["components"]["schemas"]
    for body in ("JobCreate", "JobUpdate"):
        for key, record in SETTINGS.items():
            branches = components[body]["properties"][key]["anyOf"]
            ref = next(p["$ref"] for p in branches if "$ref" in p)
            schema = components[ref.rsplit("/", 1)[-1]]
            assert _schema_drift(spec, schema, record, f"{body}.{key}.") == []


# --- every setting in, every setting back --------------------------------------------------------


def test_every_import_setting_goes_in_and_comes_back_in_order(api: Api) -> None:
    api.table(contacts_table())
    tables = {t.name: t for t, _ in api.app.tables.list(api.caller)}
    expected, problems = parse_import_settings(every_import_setting(), tables)
    assert problems == [] and expected is not None
    created = api.created("/api/v1/jobs", import_job("Every") | {"import": every_import_setting()})
    shown = api.ok("GET", f"/api/v1/jobs/{created['id']}")
    for answer in (created, shown):
        assert json.dumps(answer["import"]) == json.dumps(expected.to_dict())


def test_every_export_setting_goes_in_and_comes_back_in_order(api: Api) -> None:
    api.table(contacts_table())
    tables = {t.name: t for t, _ in api.app.tables.list(api.caller)}
    expected, problems = parse_export_settings(every_export_setting(), tables)
    assert problems == [] and expected is not None
    body = {"name": "Every out", "type": "export", "export": every_export_setting()}
    created = api.created("/api/v1/jobs", body)
    shown = api.ok("GET", f"/api/v1/jobs/{created['id']}")
    for answer in (created, shown):
        assert json.dumps(answer["export"]) == json.dumps(expected.to_dict())
