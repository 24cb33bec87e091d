"""SSH public keys that log in to an account's SFTP folders, and the rules a key must meet."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from dataconnect.errors import Problem

RSA_MIN_BITS = 2048
# What OpenSSH names the key types we accept, and what we show for them.
KEY_TYPES = {
    "ssh-ed25519": "ed25519",
    "ecdsa-sha2-nistp256": "ecdsa",
    "ecdsa-sha2-nistp384": "ecdsa",
    "ecdsa-sha2-nistp521": "ecdsa",
    "ssh-rsa": "rsa",
}
WEAK_TYPES = {"ssh-dss": "dsa"}


@dataclass(frozen=True, slots=True, kw_only=True)
class SshKey:
    id: int
    account_id: int
    name: str
    key_type: str  # ed25519, ecdsa or rsa
    bits: int
    fingerprint: str  # "SHA256:…", as ssh-keygen -l shows it
    public_key: str  # "<OpenSSH type> <base64>", without the comment
    created_at: datetime
    created_by: str
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SftpLogin:
    """Who an accepted SFTP login is: the account, and the key it used."""

    account_id: int
    account_name: str
    username: str
    key_id: int
    fingerprint: str


NAME_MAX = 100


def key_name_problem(name: object) -> Problem | None:
    """A key's name is free text (``ann@laptop``, ``etl.prod``): 1 to 100 characters, no control
    characters."""
    if (
        not isinstance(name, str)
        or not name.strip()
        or len(name) > NAME_MAX
        or any(unicodedata.category(c) == "Cc" for c in name)
    ):
        return Problem(
            "name", "SSH_KEY_NAME_INVALID", "a name of 1 to 100 characters, no control characters"
        )
    return None


def strength_problem(openssh_type: str, bits: int) -> Problem | None:
    """Why a parsed key may not log in, or None: DSA never, RSA from 2048 bits."""
    if openssh_type in WEAK_TYPES:
        return Problem(
            "public_key", "SSH_KEY_TOO_WEAK", "DSA keys are refused; use ed25519, ECDSA or RSA"
        )
    if openssh_type == "ssh-rsa" and bits < RSA_MIN_BITS:
        return Problem(
            "public_key",
            "SSH_KEY_TOO_WEAK",
            f"an RSA key of {bits} bits; at least {RSA_MIN_BITS} are needed",
        )
    if openssh_type not in KEY_TYPES:
        return Problem(
            "public_key", "SSH_KEY_INVALID", "an ed25519, ECDSA or RSA key (ssh-keygen's .pub)"
        )
    return None
