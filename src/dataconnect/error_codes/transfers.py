"""The codes of files in transit: the SFTP server and its SSH keys, outside SFTP servers
(connections) and the secrets they keep."""

from __future__ import annotations

from dataconnect.error_codes.kinds import CF, NF, Code, P
from dataconnect.error_codes.kinds import code as _code

TRANSFERS: tuple[Code, ...] = (
    # --- SSH keys that log in to the built-in SFTP server ----------------------------------
    _code("SSH_KEY_INVALID", P, "not one OpenSSH public key line of a supported type"),
    _code("SSH_KEY_TOO_WEAK", P, "a DSA key, or an RSA key under 2048 bits"),
    _code("SSH_KEY_EXISTS", CF, "the key is already one of the account's"),
    _code("SSH_KEY_NOT_FOUND", NF, "no such SSH key in the account"),
    _code("SSH_KEY_NAME_INVALID", P, "a key's name: 1 to 100 characters, no control characters"),
    _code("FILE_EXISTS", CF, "an SFTP rename onto a file that exists (posix-rename replaces)"),
    # --- outside SFTP servers (connections) ------------------------------------------------
    # --- secrets at rest -------------------------------------------------------------------
)
