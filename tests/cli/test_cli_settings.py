"""The CLI takes and shows job settings as the domain defines them, every key of them.

``jobs create --file`` passes the document to the service as it is and ``jobs show`` prints
the domain's to_dict: a field added to a settings record must come through both unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from dataconnect.bootstrap import App
from dataconnect.domain.job_settings import parse_export_settings, parse_import_settings
from dataconnect.testing import (
    contacts_table,
    every_export_setting,
    every_import_setting,
    unset_settings,
)

if TYPE_CHECKING:
    from tests.cli.conftest import Cli

A = "Acme"
REQUESTS: dict[str, dict[str, Any]] = {
    "import": {"name": "Every in", "type": "import", "import": every_import_setting()},
    "export": {"name": "Every out", "type": "export", "export": every_export_setting()},
}


@pytest.mark.parametrize("kind", sorted(REQUESTS))
def test_every_setting_goes_in_from_a_file_and_is_shown_in_order(
    dc: Cli, open_app: Callable[[], App], kind: str
) -> None:
    dc.ok("accounts", "create", A, "--timezone", "Europe/Berlin")
    dc.ok("tables", "create", "--account", A, "--file", dc.write("contacts.json", contacts_table()))
    path = dc.write("job.json", REQUESTS[kind])
    dc.ok("jobs", "create", "--account", A, "--file", path, "--json")
    shown = dc.ok("jobs", "show", REQUESTS[kind]["name"], "--account", A)

    app = open_app()
    caller = app.accounts.cli_caller(A)
    tables = {t.name: t for t, _ in app.tables.list(caller)}
    parse = parse_import_settings if kind == "import" else parse_export_settings
    expected, problems = parse(REQUESTS[kind][kind], tables)
    assert problems == [] and expected is not None
    assert unset_settings(expected) == [], "give the new setting a value in dataconnect.testing"
    assert json.dumps(json.loads(shown)[kind]) == json.dumps(expected.to_dict())
