"""Fixtures for the CLI tests: a fresh DATACONNECT_HOME and a runner bound to it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from dataconnect.bootstrap import App
from dataconnect.cli.main import cli
from dataconnect.testing import make_app


@dataclass
class Cli:
    """Runs ``dataconnect`` in-process against one home folder."""

    home: Path
    tmp_path: Path
    runner: CliRunner

    def invoke(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(
            cli, list(args), input=input, env={"DATACONNECT_HOME": str(self.home)}
        )

    def ok(self, *args: str, input: str | None = None) -> str:
        """Run a command that must succeed; returns its standard output."""
        result = self.invoke(*args, input=input)
        assert result.exit_code == 0, (
            f"dataconnect {' '.join(args)} exited {result.exit_code}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}\nexception: {result.exception!r}"
        )
        return result.stdout

    def json(self, *args: str, input: str | None = None) -> Any:
        """Run a command that must succeed and print JSON; returns the parsed document."""
        return json.loads(self.ok(*args, input=input))

    def fails(self, code: str, *args: str, input: str | None = None) -> Result:
        """Run a command that must fail cleanly: exit status 1, the code printed, no traceback."""
        result = self.invoke(*args, input=input)
        assert result.exit_code == 1, (
            f"expected exit 1, got {result.exit_code}\nstdout: {result.stdout}\n"
            f"stderr: {result.stderr}\nexception: {result.exception!r}"
        )
        # typer.Exit(1) surfaces as SystemExit; anything else is an uncaught exception.
        assert isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        assert code in result.stderr, result.output
        return result

    def write(self, name: str, document: Any) -> str:
        """A JSON file in tmp_path; returns its path as a string for --file."""
        path = self.tmp_path / name
        path.write_text(json.dumps(document), encoding="utf-8")
        return str(path)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The databases' folder; the process environment points at it so Settings() reads it."""
    for key in list(os.environ):
        if key.startswith("DATACONNECT_"):
            monkeypatch.delenv(key)
    path = tmp_path / "home"
    monkeypatch.setenv("DATACONNECT_HOME", str(path))
    return path


@pytest.fixture
def dc(home: Path, tmp_path: Path) -> Cli:
    return Cli(home=home, tmp_path=tmp_path, runner=CliRunner())


@pytest.fixture
def open_app(home: Path) -> Iterator[Callable[[], App]]:
    """Opens the app on the CLI's home (after the CLI has created it); closed at teardown."""
    opened: list[App] = []

    def _open() -> App:
        app = make_app(home=home)
        opened.append(app)
        return app

    yield _open
    for app in opened:
        app.close()
