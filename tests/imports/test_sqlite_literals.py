"""The SQLite sink writes the run's constants into its statements: only safe ones pass."""

from __future__ import annotations

import pytest

from dataconnect.imports.sqlite_sink import _literal


@pytest.mark.parametrize(
    ("value", "text"),
    [(7, "7"), ("I", "'I'"), ("2026-01-15 12:00:00.000000", "'2026-01-15 12:00:00.000000'")],
)
def test_run_constants_become_literals(value: object, text: str) -> None:
    assert _literal(value) == text


@pytest.mark.parametrize("value", ["O'Brien", "x; DROP TABLE t", "a\nb", True, 1.5, None, b"I"])
def test_anything_else_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="not a run constant"):
        _literal(value)
