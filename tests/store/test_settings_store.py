"""The store keeps job settings as the domain's to_dict and reads them with from_stored.

On SQLite and PostgreSQL (``app``): every setting of the domain's records comes back, the
settings column holds exactly ``to_dict`` (keys in order), and a stored job loads without the
table checks of a request.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, update

from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.store import schema as s
from dataconnect.testing import (
    contacts_table,
    every_export_setting,
    every_import_setting,
    make_account,
    unset_settings,
)

REQUESTS: dict[str, dict[str, Any]] = {
    "import": {"name": "Every in", "type": "import", "import": every_import_setting()},
    "export": {"name": "Every out", "type": "export", "export": every_export_setting()},
}


@pytest.fixture
def acme(app: App) -> Caller:
    caller, _ = make_account(app, "Acme")
    app.tables.create(caller, contacts_table())
    return caller


def _stored_text(app: App, job_id: int) -> str:
    """The settings column as the database gives it back, serialised in its key order."""
    with app.engines.meta.connect() as conn:
        value = conn.execute(select(s.jobs.c.settings).where(s.jobs.c.id == job_id)).scalar_one()
    return json.dumps(value)


@pytest.mark.parametrize("kind", sorted(REQUESTS))
def test_every_setting_is_stored_and_read_back(app: App, acme: Caller, kind: str) -> None:
    created = app.jobs.create(acme, REQUESTS[kind])
    settings = created.import_settings if kind == "import" else created.export_settings
    assert settings is not None
    assert unset_settings(settings) == [], "give the new setting a value in dataconnect.testing"

    loaded = app.jobs.get(acme, created.id)
    assert loaded.import_settings == created.import_settings
    assert loaded.export_settings == created.export_settings
    assert _stored_text(app, created.id) == json.dumps({kind: settings.to_dict()})


def test_a_stored_job_loads_without_the_table_checks(app: App, acme: Caller) -> None:
    created = app.jobs.create(acme, REQUESTS["import"])
    assert created.import_settings is not None
    stored = {"import": created.import_settings.to_dict() | {"target": "GONE"}}
    with app.engines.meta.begin() as conn:
        conn.execute(update(s.jobs).where(s.jobs.c.id == created.id).values(settings=stored))
    loaded = app.jobs.get(acme, created.id)
    assert loaded.import_settings is not None
    assert loaded.import_settings.target == "GONE"
