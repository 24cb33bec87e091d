"""Bootstrap commands: accounts, users, tokens, the database and the demo."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from dataconnect import Unauthenticated, __version__
from dataconnect.bootstrap import App
from dataconnect.cli.main import cli

if TYPE_CHECKING:
    from tests.cli.conftest import Cli


def test_accounts_create_and_list(dc: Cli) -> None:
    out = dc.ok("accounts", "create", "Acme", "--timezone", "Europe/Berlin")
    assert "Acme" in out
    assert "Europe/Berlin" in out
    dc.ok("accounts", "create", "Globex")

    listed = dc.json("accounts", "list", "--json")

    assert [(a["name"], a["timezone"]) for a in listed] == [
        ("Acme", "Europe/Berlin"),
        ("Globex", "UTC"),
    ]
    assert all(isinstance(a["id"], int) for a in listed)


def test_accounts_create_json(dc: Cli) -> None:
    created = dc.json("accounts", "create", "Acme", "--timezone", "America/New_York", "--json")
    assert created["name"] == "Acme"
    assert created["timezone"] == "America/New_York"
    assert dc.json("accounts", "list", "--json")[0]["id"] == created["id"]


def test_accounts_list_is_empty_on_a_new_home(dc: Cli) -> None:
    assert dc.json("accounts", "list", "--json") == []


def test_invalid_timezone_exits_1_with_its_code(dc: Cli) -> None:
    result = dc.fails("TIMEZONE_INVALID", "accounts", "create", "Acme", "--timezone", "Mars/Base")
    assert "Mars/Base" in result.stderr
    assert dc.json("accounts", "list", "--json") == []


def test_duplicate_account_name_is_refused(dc: Cli) -> None:
    dc.ok("accounts", "create", "Acme")
    dc.fails("ACCOUNT_NAME_TAKEN", "accounts", "create", "Acme")
    assert len(dc.json("accounts", "list", "--json")) == 1


def test_users_create_prints_a_password(dc: Cli, open_app: Callable[[], App]) -> None:
    dc.ok("accounts", "create", "Acme", "--timezone", "Europe/Berlin")

    out = dc.ok("users", "create", "ann@example.com", "--account", "Acme", "--role", "viewer")

    assert "ann@example.com" in out
    assert "viewer" in out
    match = re.search(r"password: (\S+)", out)
    assert match is not None, out
    password = match.group(1)
    assert len(password) >= 12
    # The printed password is the user's password.
    caller = open_app().accounts.login("Acme", "ann@example.com", password)
    assert caller.role.value == "viewer"


def test_users_password_sets_a_new_web_password(dc: Cli, open_app: Callable[[], App]) -> None:
    dc.ok("accounts", "create", "Acme", "--timezone", "Europe/Berlin")
    dc.ok("users", "create", "ann@example.com", "--account", "Acme", "--password", "first pw 123")

    out = dc.ok("users", "password", "ann@example.com", "--account", "Acme")

    match = re.search(r"password: (\S+)", out)
    assert match is not None, out
    app = open_app()
    assert app.accounts.login("Acme", "ann@example.com", match.group(1)).user_id is not None
    with pytest.raises(Unauthenticated):
        app.accounts.login("Acme", "ann@example.com", "first pw 123")
    given = dc.json(
        "users",
        "password",
        "ann@example.com",
        "--account",
        "Acme",
        "--password",
        "x" * 12,
        "--json",
    )
    assert given == {"email": "ann@example.com", "password": None}
    dc.fails(
        "PASSWORD_INVALID",
        "users",
        "password",
        "ann@example.com",
        "--account",
        "Acme",
        "--password",
        "x",
    )


def test_users_create_with_a_given_password_prints_none(dc: Cli) -> None:
    dc.ok("accounts", "create", "Acme")
    out = dc.ok(
        "users", "create", "bob@example.com", "--account", "Acme", "--password", "correct horse 1"
    )
    assert "password" not in out
    users = dc.json("users", "list", "--account", "Acme", "--json")
    assert [(u["email"], u["role"]) for u in users] == [("bob@example.com", "data_director")]


def test_users_create_json(dc: Cli) -> None:
    dc.ok("accounts", "create", "Acme")
    created = dc.json(
        "users", "create", "ann@example.com", "--account", "Acme", "--role", "viewer", "--json"
    )
    assert created["email"] == "ann@example.com"
    assert created["role"] == "viewer"
    assert isinstance(created["password"], str)
    assert len(created["password"]) >= 12


def test_users_create_in_unknown_account(dc: Cli) -> None:
    dc.fails("ACCOUNT_NOT_FOUND", "users", "create", "ann@example.com", "--account", "Nope")


def test_tokens_create_prints_a_token_that_authenticates(
    dc: Cli, open_app: Callable[[], App]
) -> None:
    dc.ok("accounts", "create", "Acme", "--timezone", "Europe/Berlin")
    dc.ok("users", "create", "ann@example.com", "--account", "Acme", "--role", "viewer")

    token = dc.ok("tokens", "create", "ann@example.com", "--account", "Acme").strip()

    assert token.startswith("dc_")
    assert len(token.split()) == 1
    app = open_app()
    caller = app.accounts.authenticate(token)
    assert caller.account_id == app.accounts.account_by_name("Acme").id
    assert caller.role.value == "viewer"
    assert caller.label == "user:ann@example.com"


def test_each_token_is_new_and_revoke_ends_them(dc: Cli, open_app: Callable[[], App]) -> None:
    dc.ok("accounts", "create", "Acme")
    dc.ok("users", "create", "ann@example.com", "--account", "Acme")
    first = dc.json("tokens", "create", "ann@example.com", "--account", "Acme", "--json")
    second = dc.json("tokens", "create", "ann@example.com", "--account", "Acme", "--json")
    assert first["user"] == "ann@example.com"
    assert first["token"] != second["token"]

    out = dc.ok("tokens", "revoke", "ann@example.com", "--account", "Acme")

    assert "2 token(s) revoked" in out
    app = open_app()
    for token in (first["token"], second["token"]):
        with pytest.raises(Unauthenticated) as caught:
            app.accounts.authenticate(token)
        assert caught.value.code == "TOKEN_INVALID"


def test_tokens_for_unknown_user_or_account(dc: Cli) -> None:
    dc.ok("accounts", "create", "Acme")
    dc.fails("USER_NOT_FOUND", "tokens", "create", "ghost@example.com", "--account", "Acme")
    dc.fails("ACCOUNT_NOT_FOUND", "tokens", "create", "ghost@example.com", "--account", "Nope")


def test_account_can_come_from_the_environment(dc: Cli) -> None:
    dc.ok("accounts", "create", "Acme")
    result = dc.runner.invoke(
        cli,
        ["users", "create", "ann@example.com"],
        env={"DATACONNECT_HOME": str(dc.home), "DATACONNECT_ACCOUNT": "Acme"},
    )
    assert result.exit_code == 0, result.output
    assert [u["email"] for u in dc.json("users", "list", "--account", "Acme", "--json")] == [
        "ann@example.com"
    ]


def test_db_upgrade_creates_the_databases(dc: Cli, open_app: Callable[[], App]) -> None:
    assert "up to date" in dc.ok("db", "upgrade")
    assert dc.home.is_dir()
    assert "up to date" in dc.ok("db", "upgrade")  # idempotent
    assert open_app().databases_current()


def test_version(dc: Cli) -> None:
    assert dc.ok("version").strip() == __version__


def test_demo_creates_the_demo_account_once(dc: Cli, open_app: Callable[[], App]) -> None:
    first = dc.json("demo", "--json")

    assert first["created"] is True
    assert first["account"] == "Demo"
    assert first["token"].startswith("dc_")

    tables = dc.json("tables", "list", "--account", "Demo", "--json")
    assert sorted(t["name"] for t in tables) == ["CONTACTS", "PRODUCTS", "PURCHASES"]
    jobs = dc.json("jobs", "list", "--account", "Demo", "--json")
    assert len(jobs) == 3
    assert {j["state"] for j in jobs} == {"active"}
    groups = dc.json("groups", "list", "--account", "Demo", "--json")
    assert len(groups) == 1
    group = groups[0]
    assert group["name"] == "Nightly load"
    assert group["state"] == "active"
    assert group["job_ids"] == [j["id"] for j in jobs]
    assert [m["job_name"] for m in group["jobs"]] == [
        "Load contacts",
        "Load purchases",
        "Load products",
    ]

    second = dc.json("demo", "--json")

    assert second["created"] is False
    assert second["token"].startswith("dc_")
    assert second["token"] != first["token"]
    accounts = dc.json("accounts", "list", "--json")
    assert [a["name"] for a in accounts] == ["Demo"]
    assert len(dc.json("jobs", "list", "--account", "Demo", "--json")) == 3
    assert len(dc.json("groups", "list", "--account", "Demo", "--json")) == 1
    # Both tokens work; only the newest web password does.
    app = open_app()
    demo_id = app.accounts.account_by_name("Demo").id
    assert app.accounts.authenticate(first["token"]).account_id == demo_id
    assert app.accounts.authenticate(second["token"]).account_id == demo_id
    assert second["email"] == "demo@example.com" and second["password"] != first["password"]
    assert app.accounts.login("Demo", second["email"], second["password"]).account_id == demo_id
    with pytest.raises(Unauthenticated):
        app.accounts.login("Demo", first["email"], first["password"])


def test_demo_plain_output_prints_the_token(dc: Cli) -> None:
    out = dc.ok("demo")
    assert "demo account created" in out
    assert re.search(r"^demo API token: dc_\S+$", out, re.MULTILINE), out
    again = dc.ok("demo")
    assert "demo account already there" in again
