"""Commands for the account's files, through the same service as the API."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, BinaryIO

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
from dataconnect.services.files import file_view

files = typer.Typer(
    help="The account's files: folders upload, download and archive.", no_args_is_help=True
)

CHUNK = 1024 * 1024


def _chunks(source: BinaryIO, path: Path) -> Iterator[bytes]:
    try:
        while chunk := source.read(CHUNK):
            yield chunk
    except OSError as exc:
        fail("FILE_UNREADABLE", f"cannot read {path}: {exc.strerror}")


@files.command("put")
@guarded
def files_put(
    local_path: Annotated[Path, typer.Argument(help="the file to upload")],
    account: AccountOpt,
    name: Annotated[
        str | None, typer.Option("--name", help="its name in upload/ (default: the file's name)")
    ] = None,
) -> None:
    """Store a local file in the account's upload/ folder (replacing one of the same name)."""
    try:
        source = local_path.open("rb")
    except OSError as exc:
        fail("FILE_UNREADABLE", f"cannot read {local_path}: {exc.strerror}")
    with source, app_context() as app:
        info = app.files.upload(
            caller(app, account),
            name if name is not None else local_path.name,
            _chunks(source, local_path),
        )
    out.print(f"stored {escape(info.name)} in upload/ ({info.size} bytes)", highlight=False)


@files.command("list")
@guarded
def files_list(
    folder: Annotated[str, typer.Argument(help="upload, download or archive")],
    account: AccountOpt,
    json_: JsonOpt = False,
) -> None:
    """List a folder's files by name."""
    with app_context() as app:
        found = app.files.list(caller(app, account), folder)
    if json_:
        emit_json([file_view(f) for f in found])
    else:
        emit_table(
            ["name", "size", "modified_at"],
            [[escape(f.name), f.size, f.modified_at.isoformat()] for f in found],
            title=f"{folder}/",
        )


@files.command("get")
@guarded
def files_get(
    folder: Annotated[str, typer.Argument(help="upload, download or archive")],
    name: Annotated[str, typer.Argument(help="the file's name")],
    account: AccountOpt,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="a file or folder to write to, or - for standard output "
            "(default: NAME in the current folder)",
        ),
    ] = None,
) -> None:
    """Download a file (a rejects file of download/, say)."""
    with app_context() as app:
        stream = app.files.open(caller(app, account), folder, name)
    with stream:
        if output == "-":
            shutil.copyfileobj(stream, sys.stdout.buffer, CHUNK)
            sys.stdout.buffer.flush()
            return
        target = Path(output) if output else Path(name)
        if target.is_dir():
            target = target / name
        try:
            with target.open("wb") as dest:
                shutil.copyfileobj(stream, dest, CHUNK)
                size = dest.tell()
        except OSError as exc:
            target.unlink(missing_ok=True)
            fail("FILE_UNWRITABLE", f"cannot write {target}: {exc.strerror}")
    out.print(f"saved {escape(name)} to {escape(str(target))} ({size} bytes)", highlight=False)


@files.command("rm")
@guarded
def files_rm(
    folder: Annotated[str, typer.Argument(help="upload or download (archive is read-only)")],
    name: Annotated[str, typer.Argument(help="the file's name")],
    account: AccountOpt,
) -> None:
    """Delete a file of upload/ or download/."""
    with app_context() as app:
        app.files.delete(caller(app, account), folder, name)
    out.print(f"deleted {escape(folder)}/{escape(name)}", highlight=False)
