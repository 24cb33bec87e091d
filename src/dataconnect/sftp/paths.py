"""An SFTP path on the account's root: ``/``, ``/<folder>`` or ``/<folder>/<file>``.

The root is the session's whole world, as a chroot is: ``..`` at the root stays there, and
nothing deeper than a file exists. Paths are resolved as text, never on the disk, so no link
and no ``..`` can lead out of it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from dataconnect.files.server import FOLDERS


class BadPath(Exception):
    """Not a path of this root (undecodable, or too deep)."""


@dataclass(frozen=True, slots=True)
class Place:
    folder: str | None  # None: the root
    name: str | None  # None: the folder itself

    @property
    def is_root(self) -> bool:
        return self.folder is None

    @property
    def is_folder(self) -> bool:
        return self.folder is not None and self.name is None

    def text(self) -> str:
        if self.folder is None:
            return "/"
        return f"/{self.folder}" if self.name is None else f"/{self.folder}/{self.name}"


ROOT = Place(None, None)


def resolve(path: bytes, cwd: str = "/") -> Place:
    """Where ``path`` (relative to ``cwd``, which the client never changes on the server side)
    leads. A folder that is not one of the three, or a path with more than two parts, is a
    ``BadPath``; whether a file exists is the caller's business."""
    try:
        text = path.decode("utf-8")
    except UnicodeDecodeError:
        raise BadPath("a path is UTF-8 text") from None
    if "\x00" in text:
        raise BadPath("a path without NUL")
    joined = posixpath.join(cwd, text) if text else cwd
    parts: list[str] = []
    for part in joined.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    if not parts:
        return ROOT
    if parts[0] not in FOLDERS:
        raise BadPath(f"no folder {parts[0][:60]!r}; the root holds upload, download and archive")
    if len(parts) == 1:
        return Place(parts[0], None)
    if len(parts) == 2:
        return Place(parts[0], parts[1])
    raise BadPath("the folders hold files only")
