"""Bootstrap commands: accounts, users, tokens, the database and the demo."""

from __future__ import annotations

from typing import Annotated

import typer

from dataconnect.cli.common import (
    AccountOpt,
    JsonOpt,
    app_context,
    emit_json,
    emit_table,
    guarded,
    out,
)
from dataconnect.services.demo import DEMO_USER
from dataconnect.services.views import account_view, user_view

accounts = typer.Typer(help="Accounts (tenants).", no_args_is_help=True)
users = typer.Typer(help="Users of an account.", no_args_is_help=True)
tokens = typer.Typer(help="API tokens.", no_args_is_help=True)
db = typer.Typer(help="The databases.", no_args_is_help=True)


@accounts.command("create")
@guarded
def accounts_create(
    name: str,
    timezone: Annotated[str, typer.Option(help="IANA time zone")] = "UTC",
    json_: JsonOpt = False,
) -> None:
    """Create an account."""
    with app_context() as app:
        account = app.accounts.create_account(name, timezone)
    if json_:
        emit_json(account_view(account))
    else:
        out.print(f"account {account.name} created (id {account.id}, {account.timezone})")


@accounts.command("list")
@guarded
def accounts_list(json_: JsonOpt = False) -> None:
    """List accounts."""
    with app_context() as app:
        found = app.accounts.accounts()
    if json_:
        emit_json([account_view(a) for a in found])
    else:
        emit_table(["id", "name", "timezone"], [[a.id, a.name, a.timezone] for a in found])


@users.command("create")
@guarded
def users_create(
    email: str,
    account: AccountOpt,
    role: Annotated[str, typer.Option(help="data_director or viewer")] = "data_director",
    password: Annotated[
        str | None, typer.Option(help="set this password instead of a generated one")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Create a user; prints the password (generated unless given)."""
    with app_context() as app:
        user, secret = app.accounts.create_user(account, email, role, password)
    if json_:
        emit_json({**user_view(user), "password": secret if password is None else None})
    else:
        out.print(f"user {user.email} ({user.role}) created")
        if password is None:
            out.print(f"password: {secret}")


@users.command("password")
@guarded
def users_password(
    email: str,
    account: AccountOpt,
    password: Annotated[
        str | None, typer.Option(help="set this password instead of a generated one")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Give a user a new web UI password (generated unless given); signs their browsers out."""
    with app_context() as app:
        secret = app.accounts.set_password(account, email, password)
    shown = secret if password is None else None
    if json_:
        emit_json({"email": email, "password": shown})
    else:
        out.print(f"password of {email} changed")
        if shown:
            out.print(f"password: {shown}", highlight=False)


@users.command("list")
@guarded
def users_list(account: AccountOpt, json_: JsonOpt = False) -> None:
    """List the users of an account."""
    with app_context() as app:
        found = app.accounts.users(account)
    if json_:
        emit_json([user_view(u) for u in found])
    else:
        emit_table(["id", "email", "role"], [[u.id, u.email, u.role] for u in found])


@tokens.command("create")
@guarded
def tokens_create(email: str, account: AccountOpt, json_: JsonOpt = False) -> None:
    """Create an API token for a user; it is shown once and only its hash is kept."""
    with app_context() as app:
        user, token = app.accounts.create_token(account, email)
    if json_:
        emit_json({"user": user.email, "token": token})
    else:
        out.print(token, highlight=False)


@tokens.command("revoke")
@guarded
def tokens_revoke(email: str, account: AccountOpt) -> None:
    """Revoke every API token of a user."""
    with app_context() as app:
        count = app.accounts.revoke_tokens(account, email)
    out.print(f"{count} token(s) revoked")


@db.command("upgrade")
@guarded
def db_upgrade() -> None:
    """Create or migrate the databases to the current schema."""
    from dataconnect.bootstrap import build

    app = build()
    try:
        app.upgrade_databases()
    finally:
        app.close()
    out.print("databases are up to date")


def demo(json_: JsonOpt = False) -> None:
    """Seed the demo account (once) and print a fresh API token for it."""
    with app_context() as app:
        created, token, password = app.demo.ensure()
    if json_:
        emit_json(
            {
                "created": created,
                "account": "Demo",
                "email": DEMO_USER,
                "token": token,
                "password": password,
            }
        )
        return
    out.print("demo account " + ("created" if created else "already there"), highlight=False)
    out.print(f"demo API token: {token}", highlight=False)
    out.print(
        f"demo sign-in: account Demo, email {DEMO_USER}, password {password}", highlight=False
    )
