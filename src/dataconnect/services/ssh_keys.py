"""The account's SSH keys: what may log in to its SFTP folders. Data directors add and remove
them; everyone of the account sees them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_ssh_public_key

from dataconnect.domain.accounts import Caller
from dataconnect.domain.ssh_keys import (
    KEY_TYPES,
    WEAK_TYPES,
    SshKey,
    key_name_problem,
    strength_problem,
)
from dataconnect.domain.text import text_problems
from dataconnect.errors import NotFound, Problem, ValidationFailed, collect
from dataconnect.services.base import Deps, require_writer

log = logging.getLogger("dataconnect.sftp")
LINE_MAX = 16 * 1024  # an RSA key of 16384 bits is about 2.8 KB of base64


@dataclass(frozen=True, slots=True)
class ParsedKey:
    openssh_type: str
    key_type: str  # ed25519, ecdsa, rsa (dsa only to refuse it)
    bits: int
    fingerprint: str
    public_key: str  # "<type> <base64>"


def fingerprint(blob: bytes) -> str:
    """``SHA256:<base64, no padding>`` of the key's wire form, as OpenSSH shows it."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(Problem("public_key", "SSH_KEY_INVALID", message))


def parse_public_key(line: object) -> ParsedKey:
    """One OpenSSH public key line (``ssh-ed25519 AAAA… comment``), checked: SSH_KEY_INVALID
    for anything else, SSH_KEY_TOO_WEAK for DSA and short RSA."""
    if not isinstance(line, str) or not line.strip():
        raise _invalid("one OpenSSH public key line, as in ~/.ssh/id_ed25519.pub")
    if len(line) > LINE_MAX:
        raise _invalid(f"a public key line has at most {LINE_MAX} characters")
    parts = line.strip().split()
    if len(parts) < 2 or "\n" in line.strip():
        raise _invalid("one line: the key type, the key in base64 and an optional comment")
    openssh_type, encoded = parts[0], parts[1]
    if openssh_type not in KEY_TYPES and openssh_type not in WEAK_TYPES:
        raise _invalid(f"{openssh_type[:40]} keys are not supported; use ed25519, ECDSA or RSA")
    try:
        blob = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("the key is not valid base64") from None
    weak = strength_problem(openssh_type, 0) if openssh_type in WEAK_TYPES else None
    if weak is not None:
        # Refused at any size, before cryptography reads it: it deprecates DSA (a warning on
        # every read) and will drop it, when it would become SSH_KEY_INVALID.
        collect([weak])
    try:
        key = load_ssh_public_key(f"{openssh_type} {encoded}".encode())
    except (ValueError, UnsupportedAlgorithm):
        raise _invalid("the key's data is not a valid public key of its type") from None
    if isinstance(key, ec.EllipticCurvePublicKey):
        bits = key.curve.key_size
    elif isinstance(key, rsa.RSAPublicKey | dsa.DSAPublicKey):
        bits = key.key_size
    elif isinstance(key, ed25519.Ed25519PublicKey):
        bits = 256
    else:  # pragma: no cover - the types above are all load_ssh_public_key answers for them
        raise _invalid("an ed25519, ECDSA or RSA key")
    problem = strength_problem(openssh_type, bits)
    if problem is not None:
        collect([problem])
    kind = KEY_TYPES.get(openssh_type) or WEAK_TYPES[openssh_type]
    return ParsedKey(openssh_type, kind, bits, fingerprint(blob), f"{openssh_type} {encoded}")


class SshKeyService:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def add(self, caller: Caller, name: str, public_key: str) -> SshKey:
        require_writer(caller)
        problems = text_problems({"name": name}) + [
            p for p in (key_name_problem(name),) if p is not None
        ]
        try:
            parsed: ParsedKey | None = parse_public_key(public_key)
        except ValidationFailed as exc:
            problems += exc.problems
            parsed = None
        collect(problems)
        assert parsed is not None
        with self._deps.store.write() as tx:
            key = tx.add_ssh_key(
                caller.account_id,
                name=name,
                key_type=parsed.key_type,
                bits=parsed.bits,
                fingerprint=parsed.fingerprint,
                public_key=parsed.public_key,
                created_by=caller.label,
                now=self._deps.clock.now(),
            )
        log.info(
            "ssh key added: account %s, key %s %s (%s), by %s",
            caller.account_id,
            key.id,
            key.fingerprint,
            key.name,
            caller.label,
        )
        return key

    def list(self, caller: Caller) -> list[SshKey]:
        with self._deps.store.read() as tx:
            return tx.ssh_keys(caller.account_id)

    def get(self, caller: Caller, key_id: int) -> SshKey:
        with self._deps.store.read() as tx:
            key = tx.ssh_key(caller.account_id, key_id)
        if key is None:
            raise NotFound(f"no SSH key with id {key_id}", code="SSH_KEY_NOT_FOUND")
        return key

    def remove(self, caller: Caller, key_id: int) -> None:
        """Remove the key: no new login with it from now; open sessions end within seconds
        (the SFTP server checks its sessions' keys)."""
        require_writer(caller)
        with self._deps.store.write() as tx:
            key = tx.ssh_key(caller.account_id, key_id)
            if key is None or not tx.delete_ssh_key(caller.account_id, key_id):
                raise NotFound(f"no SSH key with id {key_id}", code="SSH_KEY_NOT_FOUND")
        log.info(
            "ssh key removed: account %s, key %s %s, by %s",
            caller.account_id,
            key_id,
            key.fingerprint,
            caller.label,
        )
