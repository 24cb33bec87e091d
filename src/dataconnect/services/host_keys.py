"""The SFTP server's host keys: made once (ed25519 and RSA 3072) in the data directory, file
mode 0600, and kept, so clients that pinned a fingerprint keep trusting the server."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from dataconnect.services.ssh_keys import parse_public_key

KEYS = (("ssh_host_ed25519_key", "ed25519"), ("ssh_host_rsa_key", "rsa"))
RSA_BITS = 3072


def _generate(kind: str) -> bytes:
    key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
    if kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )


class HostKeys:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def paths(self) -> list[Path]:
        """The private key files, made first if they are not there yet."""
        self.folder.mkdir(parents=True, exist_ok=True)
        found = []
        for file_name, kind in KEYS:
            path = self.folder / file_name
            if not path.exists():
                self._write(path, _generate(kind))
            found.append(path)
        return found

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        # Made 0600 from the start, and renamed into place: a second process starting at the
        # same moment keeps whichever key landed first (link fails if the name is taken).
        temp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)

    def public_lines(self) -> list[str]:
        """Each host key's public half, ``<type> <base64>`` (a known_hosts line without its
        host)."""
        found = []
        for path in self.paths():
            private = serialization.load_ssh_private_key(path.read_bytes(), password=None)
            public = private.public_key().public_bytes(
                serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
            )
            found.append(public.decode())
        return found

    def fingerprints(self) -> list[str]:
        """``SHA256:…`` of each host key, as ``ssh-keygen -lf`` and clients show them."""
        return [parse_public_key(line).fingerprint for line in self.public_lines()]
