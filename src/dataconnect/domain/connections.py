"""Outside SFTP servers (connections): the record, and the rules of its fields.

A connection names a remote SFTP server (host, port, user) and how DataConnect logs in to it: a
password, or a key pair DataConnect generates (the user installs the public half remotely). The
remote host key is pinned at the first good test. The secret (password or private key) is kept
encrypted and never answered.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from dataconnect.errors import Problem

NAME_MAX = 100
HOST_MAX = 255
USERNAME_MAX = 100
PASSWORD_MAX = 1024
DEFAULT_PORT = 22
_HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?")


class ConnectionAuth(StrEnum):
    PASSWORD = "password"  # noqa: S105 - the name of a way to log in
    KEY = "key"


@dataclass(frozen=True, slots=True, kw_only=True)
class Connection:
    id: int
    account_id: int
    name: str
    kind: str  # "sftp"
    host: str
    port: int
    username: str
    auth: ConnectionAuth
    public_key: str | None  # auth key: the OpenSSH line to install on the remote server
    host_key: str | None  # the pinned remote host key (OpenSSH line), after the first good test
    host_key_fingerprint: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionSpec:
    """What a request sets: every field checked; ``password`` only for auth password."""

    name: str
    host: str
    port: int
    username: str
    auth: ConnectionAuth
    password: str | None


def name_key(name: str) -> str:
    """Names are unique per account whatever their case."""
    return name.casefold()


def _free_text(value: object, limit: int) -> bool:
    return (
        isinstance(value, str)
        and bool(value.strip())
        and len(value) <= limit
        and not any(unicodedata.category(c) == "Cc" for c in value)
    )


def host_ok(host: object) -> bool:
    """A host name or an IP address, without spaces, at most 255 characters."""
    if not isinstance(host, str) or not host or len(host) > HOST_MAX:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return _HOSTNAME.fullmatch(host) is not None


KEYS = frozenset({"name", "kind", "host", "port", "username", "auth", "password"})


def spec_from_request(
    data: Mapping[str, Any], existing: Connection | None = None
) -> tuple[ConnectionSpec | None, list[Problem]]:
    """The connection a create (or, with ``existing``, an update) asks for, or its problems."""
    problems: list[Problem] = [
        Problem(str(k)[:60], "UNKNOWN_FIELD", "not a field of a connection")
        for k in data
        if k not in KEYS
    ]

    def given(key: str, default: Any) -> Any:
        return data.get(key, default)

    name = given("name", existing.name if existing else None)
    if not _free_text(name, NAME_MAX):
        problems.append(
            Problem("name", "CONNECTION_NAME_INVALID", "1 to 100 characters, no control characters")
        )
    kind = given("kind", "sftp")
    if kind != "sftp":
        problems.append(Problem("kind", "CONNECTION_KIND_INVALID", "the only kind is sftp"))
    host = given("host", existing.host if existing else None)
    if not host_ok(host):
        problems.append(
            Problem("host", "CONNECTION_HOST_INVALID", "a host name or IP address, no spaces")
        )
    port = given("port", existing.port if existing else DEFAULT_PORT)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        problems.append(Problem("port", "CONNECTION_PORT_INVALID", "a port from 1 to 65535"))
    username = given("username", existing.username if existing else None)
    if not _free_text(username, USERNAME_MAX) or (isinstance(username, str) and " " in username):
        problems.append(
            Problem("username", "CONNECTION_USERNAME_INVALID", "1 to 100 characters, no spaces")
        )
    raw_auth = given("auth", existing.auth.value if existing else None)
    auth = None
    try:
        auth = ConnectionAuth(raw_auth)
    except ValueError:
        problems.append(Problem("auth", "CONNECTION_AUTH_INVALID", "password or key"))
    password = data.get("password")
    if auth is ConnectionAuth.PASSWORD:
        keeps = existing is not None and existing.auth is ConnectionAuth.PASSWORD
        if password is None and not keeps:
            problems.append(
                Problem("password", "CONNECTION_PASSWORD_REQUIRED", "auth password needs one")
            )
        elif password is not None and (
            not isinstance(password, str) or not password or len(password) > PASSWORD_MAX
        ):
            problems.append(
                Problem("password", "CONNECTION_PASSWORD_INVALID", "1 to 1024 characters")
            )
    elif auth is ConnectionAuth.KEY and password is not None:
        problems.append(
            Problem("password", "CONNECTION_PASSWORD_NOT_ALLOWED", "auth key takes no password")
        )
    if problems or auth is None:
        return None, problems
    return (
        ConnectionSpec(
            name=name,
            host=host,
            port=port,
            username=username,
            auth=auth,
            password=password if auth is ConnectionAuth.PASSWORD else None,
        ),
        [],
    )
