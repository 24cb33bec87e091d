"""Every failure prints a stable code and exits 1, never with a traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from dataconnect.cli.main import cli
from dataconnect.testing import contacts_table, import_job

if TYPE_CHECKING:
    from tests.cli.conftest import Cli

A = "Acme"


@pytest.fixture
def acme(dc: Cli) -> Cli:
    """Account Acme with CONTACTS and two active import jobs, A and B."""
    dc.ok("accounts", "create", A, "--timezone", "Europe/Berlin")
    dc.ok("tables", "create", "-a", A, "-f", dc.write("contacts.json", contacts_table()))
    for name in ("A", "B"):
        dc.ok("jobs", "create", "-a", A, "-f", dc.write(f"{name}.json", import_job(name)))
    return dc


def test_group_with_one_job_cannot_be_activated(acme: Cli) -> None:
    result = acme.fails(
        "GROUP_TOO_FEW_JOBS", "groups", "create", "Solo", "-a", A, "-j", "A", "--activate"
    )
    assert "job_ids" in result.stderr
    assert acme.json("groups", "list", "-a", A, "--json") == []


def test_group_activate_command_with_one_job(acme: Cli) -> None:
    acme.ok("groups", "create", "Solo", "-a", A, "-j", "A")
    acme.fails("GROUP_TOO_FEW_JOBS", "groups", "activate", "Solo", "-a", A)
    assert acme.json("groups", "show", "Solo", "-a", A, "--json")["state"] == "saved"


def test_group_with_unknown_job(acme: Cli) -> None:
    acme.fails("JOB_NOT_FOUND", "groups", "create", "G", "-a", A, "-j", "A", "-j", "Nope")


def test_group_with_invalid_schedule_json(acme: Cli) -> None:
    acme.fails("JSON_INVALID", "groups", "create", "G", "-a", A, "-j", "A", "--schedule", "{daily")


def test_group_notify_without_emails(acme: Cli) -> None:
    acme.fails(
        "NOTIFICATION_EMAILS_REQUIRED",
        "groups",
        "create",
        "G",
        "-a",
        A,
        "-j",
        "A",
        "-j",
        "B",
        "--notify",
        "failure",
    )


def test_invalid_json_file(acme: Cli) -> None:
    path = acme.tmp_path / "broken.json"
    path.write_text('{"name": "X",', encoding="utf-8")
    for command in (["tables", "create"], ["jobs", "create"]):
        result = acme.fails("JSON_INVALID", *command, "--account", A, "--file", str(path))
        assert "broken.json" in result.stderr


def test_invalid_json_on_stdin(acme: Cli) -> None:
    acme.fails("JSON_INVALID", "tables", "create", "-a", A, "--file", "-", input="not json")


def test_missing_file(acme: Cli) -> None:
    missing = str(acme.tmp_path / "nowhere.json")
    for command in (
        ["tables", "create"],
        ["jobs", "create"],
        ["jobs", "update", "A"],
        ["groups", "update", "G"],
    ):
        result = acme.fails("FILE_UNREADABLE", *command, "--account", A, "--file", missing)
        assert "nowhere.json" in result.stderr


def test_a_folder_is_not_a_file(acme: Cli) -> None:
    acme.fails("FILE_UNREADABLE", "tables", "create", "-a", A, "--file", str(acme.tmp_path))


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_input_that_is_not_utf8(acme: Cli, source: str) -> None:
    """A document in another encoding is an input error like any other, not a crash."""
    latin1 = '{"name": "K\xd6LN"}'.encode("latin-1")
    if source == "file":
        path = acme.tmp_path / "latin1.json"
        path.write_bytes(latin1)
        result = acme.invoke("tables", "create", "--account", A, "--file", str(path))
    else:
        result = acme.runner.invoke(
            cli,
            ["tables", "create", "--account", A, "--file", "-"],
            input=latin1,
            env={"DATACONNECT_HOME": str(acme.home)},
        )
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "FILE_UNREADABLE" in result.stderr or "JSON_INVALID" in result.stderr, result.output


@pytest.mark.parametrize(
    "command",
    [
        ["tables", "list"],
        ["tables", "show", "CONTACTS"],
        ["jobs", "list"],
        ["jobs", "show", "A"],
        ["groups", "list"],
        ["groups", "show", "G"],
        ["users", "list"],
        ["groups", "create", "G"],
        ["jobs", "delete", "A"],
    ],
)
def test_unknown_account(acme: Cli, command: list[str]) -> None:
    result = acme.fails("ACCOUNT_NOT_FOUND", *command, "--account", "Nope")
    assert "Nope" in result.stderr


def test_unknown_account_with_a_file(acme: Cli) -> None:
    acme.fails(
        "ACCOUNT_NOT_FOUND",
        "tables",
        "create",
        "--account",
        "Nope",
        "--file",
        acme.write("t.json", contacts_table("OTHER")),
    )


def test_deleting_a_job_in_a_group(acme: Cli) -> None:
    acme.ok("groups", "create", "G", "-a", A, "-j", "A", "-j", "B", "--activate")

    acme.fails("JOB_IN_GROUP", "jobs", "delete", "A", "--account", A)

    names = [j["name"] for j in acme.json("jobs", "list", "-a", A, "--json")]
    assert names == ["A", "B"]
    assert acme.json("groups", "show", "G", "-a", A, "--json")["job_ids"] != []


def test_deactivating_a_job_in_a_group(acme: Cli) -> None:
    acme.ok("groups", "create", "G", "-a", A, "-j", "A", "-j", "B", "--activate")
    acme.fails("JOB_IN_GROUP", "jobs", "deactivate", "B", "--account", A)
    assert acme.json("jobs", "show", "B", "-a", A)["state"] == "active"


def test_job_in_another_group(acme: Cli) -> None:
    acme.ok("groups", "create", "G", "-a", A, "-j", "A", "-j", "B")
    acme.fails("JOB_IN_OTHER_GROUP", "groups", "create", "H", "-a", A, "-j", "A")


def test_unknown_job_and_group(acme: Cli) -> None:
    acme.fails("JOB_NOT_FOUND", "jobs", "show", "Nope", "-a", A)
    acme.fails("JOB_NOT_FOUND", "jobs", "show", "999", "-a", A)
    acme.fails("GROUP_NOT_FOUND", "groups", "show", "Nope", "-a", A)
    acme.fails("GROUP_NOT_FOUND", "groups", "delete", "Nope", "-a", A)


def test_job_that_is_not_an_object(acme: Cli) -> None:
    acme.fails("BODY_INVALID", "jobs", "create", "-a", A, "--file", "-", input='"a job"')


def test_job_targeting_a_missing_table(acme: Cli) -> None:
    job = import_job("Lost")
    job["import"]["target"] = "NO_SUCH_TABLE"
    result = acme.invoke("jobs", "create", "-a", A, "-f", acme.write("lost.json", job))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "error" in result.stderr
    assert "import.target" in result.stderr or "target" in result.stderr


def test_duplicate_table(acme: Cli) -> None:
    result = acme.invoke(
        "tables", "create", "-a", A, "-f", acme.write("again.json", contacts_table())
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "error" in result.stderr
