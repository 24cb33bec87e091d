"""``dataconnect ssh-keys add|list|remove``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

if TYPE_CHECKING:
    from tests.cli.conftest import Cli


def _pub(dc: Cli, name: str, key: object) -> str:
    line = key.public_key().public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    path = dc.tmp_path / name
    path.write_bytes(line + b" me@host\n")
    return str(path)


@pytest.fixture
def acme(dc: Cli) -> Cli:
    dc.ok("accounts", "create", "Acme")
    return dc


def test_add_list_remove(acme: Cli) -> None:
    path = _pub(acme, "id_ed25519.pub", ed25519.Ed25519PrivateKey.generate())
    said = acme.ok("ssh-keys", "add", path, "--account", "Acme")
    assert "ed25519 256 bits SHA256:" in said and "log in as acme-1" in said
    [key] = acme.json("ssh-keys", "list", "--account", "Acme", "--json")
    assert (key["name"], key["type"], key["bits"]) == ("id_ed25519.pub", "ed25519", 256)
    assert key["fingerprint"] in acme.ok("ssh-keys", "list", "--account", "Acme")
    acme.ok("ssh-keys", "remove", str(key["id"]), "--account", "Acme")
    assert acme.json("ssh-keys", "list", "--account", "Acme", "--json") == []
    acme.fails("SSH_KEY_NOT_FOUND", "ssh-keys", "remove", str(key["id"]), "--account", "Acme")


def test_a_weak_or_unreadable_key_fails_with_its_code(acme: Cli) -> None:
    weak = _pub(acme, "old.pub", rsa.generate_private_key(public_exponent=65537, key_size=1024))
    acme.fails("SSH_KEY_TOO_WEAK", "ssh-keys", "add", weak, "--account", "Acme")
    acme.fails(
        "FILE_UNREADABLE", "ssh-keys", "add", str(Path("/nonexistent.pub")), "--account", "Acme"
    )
    assert acme.json("ssh-keys", "list", "--account", "Acme", "--json") == []
