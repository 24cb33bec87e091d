"""``dataconnect files put|list|get``: the account's files from the server's console."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dataconnect.bootstrap import App

if TYPE_CHECKING:
    from tests.cli.conftest import Cli

A = "Acme"
CSV = b"cust_id,email\n1,ann@example.com\n"


@pytest.fixture
def acme(dc: Cli) -> Cli:
    dc.ok("accounts", "create", A, "--timezone", "Europe/Berlin")
    return dc


def _local(dc: Cli, name: str, data: bytes = CSV) -> str:
    path = dc.tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_put_then_list_then_get_gives_the_same_bytes(acme: Cli, tmp_path: Path) -> None:
    out = acme.ok("files", "put", _local(acme, "customers.csv"), "--account", A)
    assert "customers.csv" in out
    assert str(len(CSV)) in out

    listed = acme.json("files", "list", "upload", "--account", A, "--json")
    assert [(f["name"], f["size"]) for f in listed] == [("customers.csv", len(CSV))]
    assert listed[0]["modified_at"].endswith("+00:00")

    target = tmp_path / "fetched.csv"
    acme.ok("files", "get", "upload", "customers.csv", "--account", A, "--output", str(target))
    assert target.read_bytes() == CSV


def test_put_with_another_name(acme: Cli) -> None:
    acme.ok("files", "put", _local(acme, "local.csv"), "-a", A, "--name", "customers_20260115.csv")

    listed = acme.json("files", "list", "upload", "-a", A, "--json")
    assert [f["name"] for f in listed] == ["customers_20260115.csv"]


def test_the_file_is_the_one_the_api_and_the_import_engine_see(
    acme: Cli, open_app: Callable[[], App]
) -> None:
    acme.ok("files", "put", _local(acme, "c.csv"), "--account", A)

    app = open_app()
    account_id = app.accounts.account_by_name(A).id
    assert app.file_server.exists(account_id, "upload", "c.csv")
    with app.file_server.open_read(account_id, "upload", "c.csv") as f:
        assert f.read() == CSV


def test_list_as_a_table(acme: Cli) -> None:
    acme.ok("files", "put", _local(acme, "b.csv"), "-a", A)
    acme.ok("files", "put", _local(acme, "a.csv", b""), "-a", A)

    out = acme.ok("files", "list", "upload", "--account", A)

    assert out.index("a.csv") < out.index("b.csv")
    assert "modified_at" in out


def test_list_of_an_empty_folder(acme: Cli) -> None:
    assert acme.json("files", "list", "download", "--account", A, "--json") == []
    assert acme.json("files", "list", "archive", "--account", A, "--json") == []


def test_get_to_the_current_folder_by_default(
    acme: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme.ok("files", "put", _local(acme, "c.csv", b"data"), "-a", A)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    acme.ok("files", "get", "upload", "c.csv", "-a", A)

    assert (work / "c.csv").read_bytes() == b"data"


def test_get_into_a_folder_and_to_standard_output(acme: Cli, tmp_path: Path) -> None:
    acme.ok("files", "put", _local(acme, "c.csv", b"\x00binary\xff"), "-a", A)
    folder = tmp_path / "into"
    folder.mkdir()

    acme.ok("files", "get", "upload", "c.csv", "-a", A, "-o", str(folder))
    result = acme.invoke("files", "get", "upload", "c.csv", "-a", A, "-o", "-")

    assert (folder / "c.csv").read_bytes() == b"\x00binary\xff"
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"\x00binary\xff"


def test_the_accounts_files_are_apart(acme: Cli) -> None:
    acme.ok("accounts", "create", "Globex")
    acme.ok("files", "put", _local(acme, "c.csv"), "-a", A)

    assert acme.json("files", "list", "upload", "-a", "Globex", "--json") == []
    acme.fails("FILE_NOT_FOUND", "files", "get", "upload", "c.csv", "-a", "Globex")


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../x.csv", "a/b", ".hidden", "..", "x" * 300])
def test_a_bad_name_is_refused(acme: Cli, name: str) -> None:
    result = acme.fails(
        "FILENAME_INVALID", "files", "put", _local(acme, "c.csv"), "-a", A, "--name", name
    )

    assert "filename" in result.stderr
    assert acme.json("files", "list", "upload", "-a", A, "--json") == []


def test_a_local_file_that_cannot_be_read(acme: Cli, tmp_path: Path) -> None:
    acme.fails("FILE_UNREADABLE", "files", "put", str(tmp_path / "missing.csv"), "-a", A)
    acme.fails("FILE_UNREADABLE", "files", "put", str(tmp_path), "-a", A)


def test_an_unknown_folder(acme: Cli) -> None:
    acme.fails("FOLDER_NOT_FOUND", "files", "list", "uploads", "-a", A)
    acme.fails("FOLDER_NOT_FOUND", "files", "get", "nope", "c.csv", "-a", A)


def test_a_missing_file(acme: Cli, tmp_path: Path) -> None:
    acme.fails(
        "FILE_NOT_FOUND", "files", "get", "upload", "none.csv", "-a", A, "-o", str(tmp_path / "x")
    )

    assert not (tmp_path / "x").exists()


def test_an_output_that_cannot_be_written(acme: Cli, tmp_path: Path) -> None:
    acme.ok("files", "put", _local(acme, "c.csv"), "-a", A)

    target = tmp_path / "no" / "such" / "folder" / "c.csv"
    acme.fails("FILE_UNWRITABLE", "files", "get", "upload", "c.csv", "-a", A, "-o", str(target))


def test_an_unknown_account(dc: Cli) -> None:
    dc.ok("accounts", "create", A)
    dc.fails("ACCOUNT_NOT_FOUND", "files", "list", "upload", "-a", "Nobody")
