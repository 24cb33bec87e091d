"""The console script as a user runs it: each command a separate process on one home folder."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Callable

import pytest

import dataconnect

pytestmark = pytest.mark.e2e

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_upgrade_demo_then_list_groups(run_dataconnect: Run) -> None:
    assert "databases are up to date" in run_dataconnect("db", "upgrade").stdout

    demo = run_dataconnect("demo").stdout
    assert "demo account created" in demo
    assert re.search(r"^demo API token: dc_\S+$", demo, re.MULTILINE), demo

    groups = json.loads(run_dataconnect("groups", "list", "--account", "Demo", "--json").stdout)
    assert [g["name"] for g in groups] == ["Nightly load"]
    assert groups[0]["state"] == "active"
    assert len(groups[0]["job_ids"]) == 3

    again = run_dataconnect("demo").stdout
    assert "already there" in again
    accounts = json.loads(run_dataconnect("accounts", "list", "--json").stdout)
    assert [a["name"] for a in accounts] == ["Demo"]


def test_a_failing_command_exits_1_with_a_code(run_dataconnect: Run) -> None:
    run_dataconnect("db", "upgrade")
    done = run_dataconnect("groups", "list", "--account", "Nobody", "--json", check=False)
    assert done.returncode == 1
    assert "ACCOUNT_NOT_FOUND" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_version_and_help(run_dataconnect: Run) -> None:
    assert run_dataconnect("version").stdout.strip() == dataconnect.__version__
    helped = run_dataconnect("--help").stdout
    for command in ("accounts", "users", "tokens", "db", "tables", "jobs", "groups", "serve"):
        assert command in helped


def test_all_names_in_dunder_all_are_exported() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import dataconnect; print(sorted(dataconnect.__all__))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    names = ast.literal_eval(done.stdout.strip())
    assert names == sorted(dataconnect.__all__)
    assert len(names) == len(set(names)), "__all__ lists a name twice"
    for name in names:
        assert hasattr(dataconnect, name), f"dataconnect.__all__ names {name}, which is missing"

    star: dict[str, object] = {}
    exec("from dataconnect import *", star)
    assert sorted(k for k in star if k != "__builtins__") == names

    # The exception tree is all there, with DataConnectError at its root.
    for name in names:
        value = getattr(dataconnect, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, dataconnect.DataConnectError)
