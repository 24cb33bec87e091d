"""What every command shares: building the app, naming the account, printing, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from dataconnect.bootstrap import App, build
from dataconnect.domain.accounts import Caller
from dataconnect.errors import DataConnectError, ValidationFailed

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

AccountOpt = Annotated[
    str, typer.Option("--account", "-a", envvar="DATACONNECT_ACCOUNT", help="account name")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]

T = TypeVar("T")


@contextmanager
def app_context() -> Iterator[App]:
    """The app with its databases ready; SQLite is brought up to date on the spot."""
    app = build()
    try:
        if not app.databases_current():
            if app.settings.is_postgres:
                fail("DATABASE_NOT_CURRENT", "run `dataconnect db upgrade` first")
            app.upgrade_databases()
        yield app
    finally:
        app.close()


def fail(code: str, message: str, problems: list[dict[str, str]] | None = None) -> NoReturn:
    err.print(f"[red]error[/red] {code}: {message}", markup=True, highlight=False)
    for p in problems or []:
        err.print(f"  {p['field']}: {p['code']} {p['message']}", markup=False, highlight=False)
    raise typer.Exit(1)


def guarded(fn: Callable[..., T]) -> Callable[..., T]:
    """Turn domain errors into a message and exit status 1, never a traceback."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            fail(
                exc.code,
                "the request breaks these rules",
                [{"field": p.field, "code": p.code, "message": p.message} for p in exc.problems],
            )
        except DataConnectError as exc:
            fail(exc.code, exc.message)

    return wrapper


def caller(app: App, account: str) -> Caller:
    return app.accounts.cli_caller(account)


def read_json(path: str) -> Any:
    """A JSON document from a file, or from standard input for '-'."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        fail("FILE_UNREADABLE", f"cannot read {path}: {exc.strerror}")
    except UnicodeDecodeError:
        fail("FILE_UNREADABLE", f"{path} is not UTF-8 text")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail("JSON_INVALID", f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}")


def emit_json(data: Any) -> None:
    out.print_json(json.dumps(data, default=str))


def emit_table(
    columns: list[str],
    rows: list[list[Any]],
    title: str | None = None,
    whole: tuple[str, ...] = (),
) -> None:
    """A table; no cell is ever cut short (long ones fold), and the ``whole`` columns (a
    fingerprint, to copy) stay on one line while the others fold first."""
    table = Table(title=title)
    for i, c in enumerate(columns):
        if c in whole:
            width = max([len(c)] + [len(str(r[i])) for r in rows])
            table.add_column(c, no_wrap=True, min_width=width)
        else:
            table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*["" if v is None else str(v) for v in r])
    out.print(table)
