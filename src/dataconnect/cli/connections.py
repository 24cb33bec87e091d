"""The account's outside SFTP servers (``dataconnect connections``). A password is read from
standard input (``--password-stdin``), never from the command line; secrets are never shown."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.markup import escape

from dataconnect.cli.common import (
    AccountOpt,
    JsonOpt,
    app_context,
    caller,
    emit_json,
    emit_table,
    guarded,
    out,
)
from dataconnect.domain.connections import Connection
from dataconnect.services.views import connection_view

connections = typer.Typer(
    help="Outside SFTP servers that imports take files from and exports deliver to.",
    no_args_is_help=True,
)


def _shown(found: Connection, json_: bool, verb: str) -> None:
    if json_:
        emit_json(connection_view(found))
        return
    out.print(
        f"connection {found.id} {escape(found.name)} {verb}: "
        f"{escape(found.username)}@{escape(found.host)}:{found.port}, auth {found.auth}, "
        f"host key {found.host_key_fingerprint or 'not pinned yet (run test)'}",
        highlight=False,
    )
    if found.public_key:
        out.print("install this public key on the remote server:", highlight=False)
        out.print(found.public_key, highlight=False, markup=False)


@connections.command("create")
@guarded
def connections_create(
    name: Annotated[str, typer.Argument(help="a label, unique in the account")],
    account: AccountOpt,
    host: Annotated[str, typer.Option(help="the remote server's host name or IP address")],
    username: Annotated[str, typer.Option("--user", help="the user to log in as")],
    auth: Annotated[str, typer.Option(help="password, or key (a key pair is generated)")] = "key",
    port: Annotated[int, typer.Option(help="the remote SSH port")] = 22,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """Add an outside SFTP server; with auth key, print the public key to install there."""
    data: dict[str, Any] = {
        "name": name,
        "host": host,
        "port": port,
        "username": username,
        "auth": auth,
    }
    if password_stdin:
        data["password"] = sys.stdin.readline().rstrip("\r\n")
    with app_context() as app:
        found = app.connections.create(caller(app, account), data)
    _shown(found, json_, "created")


@connections.command("list")
@guarded
def connections_list(account: AccountOpt, json_: JsonOpt = False) -> None:
    """The account's connections."""
    with app_context() as app:
        found = app.connections.list(caller(app, account))
    if json_:
        emit_json([connection_view(c) for c in found])
        return
    emit_table(
        ["id", "name", "host", "port", "user", "auth", "host key"],
        [
            [
                c.id,
                escape(c.name),
                escape(c.host),
                c.port,
                escape(c.username),
                c.auth.value,
                c.host_key_fingerprint or "not pinned",
            ]
            for c in found
        ],
    )


@connections.command("show")
@guarded
def connections_show(
    connection_id: Annotated[int, typer.Argument(help="the connection's id")],
    account: AccountOpt,
    json_: JsonOpt = False,
) -> None:
    """One connection (and, with auth key, its public key)."""
    with app_context() as app:
        found = app.connections.get(caller(app, account), connection_id)
    _shown(found, json_, "is")


@connections.command("test")
@guarded
def connections_test(
    connection_id: Annotated[int, typer.Argument(help="the connection's id")],
    account: AccountOpt,
    json_: JsonOpt = False,
) -> None:
    """Log in to the remote server; the first success pins its host key."""
    with app_context() as app:
        found = app.connections.test(caller(app, account), connection_id)
    _shown(found, json_, "works")


@connections.command("remove")
@guarded
def connections_remove(
    connection_id: Annotated[int, typer.Argument(help="the connection's id")],
    account: AccountOpt,
) -> None:
    """Remove a connection no job uses."""
    with app_context() as app:
        app.connections.remove(caller(app, account), connection_id)
    out.print(f"connection {connection_id} removed", highlight=False)
