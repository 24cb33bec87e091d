"""The codes of files in transit: the SFTP server and its SSH keys, outside SFTP servers
(connections) and the secrets they keep."""

from __future__ import annotations

from dataconnect.error_codes.kinds import BR, CF, NF, RF, Code, P
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
    _code("CONNECTION_EXISTS", CF, "the account has a connection of that name (any case)"),
    _code("CONNECTION_IN_USE", CF, "jobs name the connection: it cannot be removed or renamed"),
    _code("CONNECTION_NAME_INVALID", P, "a connection's name: 1 to 100 characters"),
    _code("CONNECTION_KIND_INVALID", P, "a connection's kind other than sftp"),
    _code("CONNECTION_HOST_INVALID", P, "not a host name or IP address (no spaces, 255 at most)"),
    _code("CONNECTION_PORT_INVALID", P, "a port outside 1 to 65535"),
    _code("CONNECTION_USERNAME_INVALID", P, "a remote user of 1 to 100 characters, no spaces"),
    _code("CONNECTION_AUTH_INVALID", P, "auth other than password or key"),
    _code("CONNECTION_PASSWORD_REQUIRED", P, "auth password without a password"),
    _code("CONNECTION_PASSWORD_INVALID", P, "a password that is empty or over 1024 characters"),
    _code("CONNECTION_PASSWORD_NOT_ALLOWED", P, "a password given with auth key"),
    _code("SFTP_UNREACHABLE", (BR, RF), "the remote server cannot be reached (10 s timeout)"),
    _code("SFTP_AUTH_FAILED", (BR, RF), "the remote server refused the user, password or key"),
    _code("SFTP_HOST_KEY_CHANGED", (CF, RF), "the remote server's host key is not the pinned one"),
    _code("SFTP_REMOTE_NOT_FOUND", (BR, RF), "a remote file or folder that does not exist"),
    _code("SFTP_TRANSFER_FAILED", (BR, RF), "the remote server failed a file operation"),
    # --- secrets at rest -------------------------------------------------------------------
    _code("SECRET_KEY_REQUIRED", BR, "PostgreSQL without DATACONNECT_SECRET_KEY"),
    _code("SECRET_UNREADABLE", (BR, RF), "a stored secret the configured key cannot decrypt"),
)
