"""The ``dataconnect`` command."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from dataconnect import __version__
from dataconnect.cli import admin, connections, files, resources, runs, sftp  # noqa: F401 - runs adds commands
from dataconnect.cli.common import app_context, fail, guarded, out
from dataconnect.services.demo import DEMO_USER

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
cli.add_typer(sftp.ssh_keys, name="ssh-keys")
cli.add_typer(connections.connections, name="connections")
cli.command("sftp")(guarded(sftp.sftp))
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
    role: Annotated[
        str,
        typer.Option(
            help="all: HTTP and a worker in this process; web: HTTP only (runs go to "
            "`dataconnect worker` processes sharing the PostgreSQL database)"
        ),
    ] = "all",
) -> None:
    """Serve the API and web UI, with a worker that runs jobs and groups (role all)."""
    if role not in ("all", "web"):
        fail("ROLE_INVALID", "--role is all or web")
    import uvicorn

    from dataconnect.api.app import create_app

    with app_context() as app:
        if demo:
            created, token, password = app.demo.ensure()
            out.print("demo account " + ("created" if created else "ready"), highlight=False)
            out.print(f"demo API token: {token}", highlight=False)
            out.print(
                f"demo sign-in: account Demo, email {DEMO_USER}, password {password}",
                highlight=False,
            )
        bind_host = host or app.settings.host
        bind_port = port or app.settings.port
        sftp_server = sftp.start_sftp(app, bind_host) if app.settings.sftp_port else None
        out.print(
            f"serving on http://{bind_host}:{bind_port} (web UI at /, API docs at /docs)",
            highlight=False,
        )
        uvicorn.run(
            create_app(app, worker=role == "all", freeze_gc=True),
            host=bind_host,
            port=bind_port,
            log_level="info",
        )
        if sftp_server is not None:
            sftp_server.close()


@cli.command()
@guarded
def worker(
    slots: Annotated[
        int | None,
        typer.Option(
            help="runs at once (default DATACONNECT_WORKER_SLOTS, else 4 on PostgreSQL, "
            "1 on SQLite)"
        ),
    ] = None,
) -> None:
    """Run job and group runs, beside other workers (PostgreSQL) or a `serve --role web`."""
    import signal
    import threading

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    with app_context() as app:
        running = app.start_worker(slots=slots)
        app.start_mailer()
        out.print(f"worker {running.id} ready", highlight=False)
        done.wait()
        out.print("stopping: runs in hand are handed back to other workers", highlight=False)


@cli.command()
@guarded
def scheduler(
    interval: Annotated[float, typer.Option(help="seconds between two passes")] = 1.0,
) -> None:
    """Fire scheduled groups and jobs (any number of schedulers may run; each occurrence fires
    once)."""
    import signal
    import threading

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    with app_context() as app:
        app.start_scheduler(interval=interval)
        out.print("scheduler ready", highlight=False)
        done.wait()


notify = typer.Typer(help="Email notifications.", no_args_is_help=True)
cli.add_typer(notify, name="notify")


@notify.command("test")
@guarded
def notify_test(to: str) -> None:
    """Send a test email with the SMTP settings (DATACONNECT_SMTP_*)."""
    from dataconnect.domain.accounts import email_problem

    problem = email_problem(to, "to")
    if problem is not None:
        fail(problem.code, problem.message)
    with app_context() as app:
        try:
            app.mail.send_test(to)
        except OSError as exc:  # refused, unreachable, TLS or login failed
            fail("SMTP_FAILED", f"{type(exc).__name__}: {exc}")
    out.print(f"test email sent to {to}", highlight=False)


def main() -> None:
    cli()
