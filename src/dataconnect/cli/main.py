"""The ``dataconnect`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from dataconnect import __version__
from dataconnect.cli import admin, files, resources
from dataconnect.cli.common import app_context, guarded, out

cli = typer.Typer(
    name="dataconnect",
    help="DataConnect: import jobs and job groups that move marketing data in the right order.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
cli.add_typer(admin.accounts, name="accounts")
cli.add_typer(admin.users, name="users")
cli.add_typer(admin.tokens, name="tokens")
cli.add_typer(admin.db, name="db")
cli.add_typer(resources.tables, name="tables")
cli.add_typer(resources.jobs, name="jobs")
cli.add_typer(resources.groups, name="groups")
cli.add_typer(files.files, name="files")
cli.command("demo")(guarded(admin.demo))


@cli.command()
def version() -> None:
    """Print the version."""
    out.print(__version__)


@cli.command()
@guarded
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    demo: Annotated[bool, typer.Option(help="seed the demo account and print its token")] = False,
) -> None:
    """Serve the API (and, in later releases, the scheduler and workers) in one process."""
    import uvicorn

    from dataconnect.api.app import create_app

    with app_context() as app:
        if demo:
            created, token = app.demo.ensure()
            out.print("demo account " + ("created" if created else "ready"), highlight=False)
            out.print(f"demo API token: {token}", highlight=False)
        bind_host = host or app.settings.host
        bind_port = port or app.settings.port
        out.print(f"serving on http://{bind_host}:{bind_port} (API docs at /docs)", highlight=False)
        uvicorn.run(create_app(app), host=bind_host, port=bind_port, log_level="info")


def main() -> None:
    cli()
