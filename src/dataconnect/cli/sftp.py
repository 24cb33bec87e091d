"""The SFTP server alone (``dataconnect sftp``), and the account's SSH keys."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from dataconnect.cli.common import (
    AccountOpt,
    JsonOpt,
    app_context,
    caller,
    emit_json,
    emit_table,
    fail,
    guarded,
    out,
)
from dataconnect.services.views import ssh_key_view

if TYPE_CHECKING:  # asyncssh is imported only by the commands that serve SFTP
    from dataconnect.bootstrap import App
    from dataconnect.sftp.server import SftpServer

ssh_keys = typer.Typer(
    help="SSH keys that may log in to the account's SFTP folders.", no_args_is_help=True
)


def start_sftp(app: App, host: str | None = None, port: int | None = None) -> SftpServer:
    """The SFTP server in this process (``serve`` runs one unless its port is 0)."""
    from dataconnect.sftp.server import SftpServer

    server = SftpServer(
        app.sftp_access,
        app.host_keys.paths(),
        host=host or app.settings.host,
        port=app.settings.sftp_port if port is None else port,
    ).start()
    fingerprints = ", ".join(app.host_keys.fingerprints())
    out.print(f"sftp on {server.port} (host keys {fingerprints})", highlight=False)
    return server


def sftp(
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[
        int | None, typer.Option(help="port to listen on (default DATACONNECT_SFTP_PORT)")
    ] = None,
) -> None:
    """Serve only SFTP: the accounts' folders, to their SSH keys (for clustered setups)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    with app_context() as app:
        server = start_sftp(app, host, port if port else None)
        done.wait()
        server.close()


@ssh_keys.command("add")
@guarded
def ssh_keys_add(
    public_key: Annotated[Path, typer.Argument(help="the public key file (e.g. id_ed25519.pub)")],
    account: AccountOpt,
    name: Annotated[str | None, typer.Option(help="a label (default: the file's name)")] = None,
    json_: JsonOpt = False,
) -> None:
    """Let a public key log in to the account's SFTP folders."""
    try:
        line = public_key.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail("FILE_UNREADABLE", f"cannot read {public_key}: {exc}")
    with app_context() as app:
        key = app.ssh_keys.add(caller(app, account), name or public_key.name, line)
        username = app.accounts.account(caller(app, account)).sftp_username
    if json_:
        emit_json(ssh_key_view(key))
    else:
        out.print(
            f"key {key.id} added: {key.key_type} {key.bits} bits {key.fingerprint}; "
            f"log in as {username}",
            highlight=False,
        )


@ssh_keys.command("list")
@guarded
def ssh_keys_list(account: AccountOpt, json_: JsonOpt = False) -> None:
    """The account's SSH keys."""
    with app_context() as app:
        found = app.ssh_keys.list(caller(app, account))
    if json_:
        emit_json([ssh_key_view(k) for k in found])
        return
    emit_table(
        ["id", "name", "type", "bits", "fingerprint", "last used"],
        [
            [
                k.id,
                escape(k.name),
                k.key_type,
                k.bits,
                k.fingerprint,
                k.last_used_at.isoformat() if k.last_used_at else "never",
            ]
            for k in found
        ],
        whole=("fingerprint",),
    )


@ssh_keys.command("remove")
@guarded
def ssh_keys_remove(
    key_id: Annotated[int, typer.Argument(help="the key's id (ssh-keys list)")],
    account: AccountOpt,
) -> None:
    """Remove a key: no login with it from now on, its open sessions closed within seconds."""
    with app_context() as app:
        app.ssh_keys.remove(caller(app, account), key_id)
    out.print(f"key {key_id} removed", highlight=False)
