"""Secrets at rest (the passwords and private keys of outside SFTP servers): encrypted with
Fernet (AES-128-CBC and HMAC-SHA256) under a key derived by HKDF-SHA256 from the settings'
``DATACONNECT_SECRET_KEY``, any string. The embedded setup without one makes a random key once
into ``home/secret.key`` (mode 0600) and keeps it; a clustered one (PostgreSQL) refuses to start
without it, since every process must hold the same key."""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dataconnect.errors import BadRequest

KEY_FILE = "secret.key"
_INFO = b"dataconnect secrets at rest v1"


class SecretBox:
    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("an empty secret key")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
            key.encode("utf-8")
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            raise BadRequest(
                "a stored secret cannot be decrypted: DATACONNECT_SECRET_KEY changed",
                code="SECRET_UNREADABLE",
            ) from None


def secret_box(configured: str | None, *, home: Path, clustered: bool) -> SecretBox:
    """The box of the configured key; without one, the embedded setup's kept key file."""
    if configured:
        return SecretBox(configured)
    if clustered:
        raise BadRequest(
            "DATACONNECT_SECRET_KEY is required with PostgreSQL: every process must encrypt "
            "and decrypt the outside servers' secrets with the same key",
            code="SECRET_KEY_REQUIRED",
        )
    return SecretBox(_kept_key(Path(home) / KEY_FILE))


def _kept_key(path: Path) -> str:
    with contextlib.suppress(FileNotFoundError):
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        # a second process starting at the same moment keeps whichever key landed first
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    return path.read_text(encoding="ascii").strip()
