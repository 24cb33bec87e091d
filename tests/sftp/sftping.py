"""What the SFTP tests share: client keys, a running server on a free port, real clients."""

from __future__ import annotations

import shutil
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from dataconnect.bootstrap import App
from dataconnect.domain.accounts import Caller
from dataconnect.domain.login_limits import LoginLimits
from dataconnect.sftp.server import SftpServer
from dataconnect.testing import make_account

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "DSA is deprecated")
    import paramiko


@dataclass(frozen=True)
class ClientKey:
    private: Path  # OpenSSH private key file, no passphrase
    public_line: str


def make_key(folder: Path, kind: str, bits: int = 0) -> ClientKey:
    key: object
    if kind == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits or 3072)
    elif kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
    elif kind == "ecdsa":
        key = ec.generate_private_key(ec.SECP256R1())
    elif kind == "dsa":  # only its public line is used: refused
        key = dsa.generate_private_key(key_size=1024)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            public = key.public_key().public_bytes(
                serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
            )
        return ClientKey(folder / "none", public.decode())
    else:
        raise ValueError(kind)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"id_{kind}{bits or ''}"
    fmt = serialization.PrivateFormat.OpenSSH
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())  # type: ignore[attr-defined]
    )
    path.chmod(0o600)
    public = key.public_key().public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return ClientKey(path, public.decode() + " test@client")


@dataclass
class Site:
    """An app with an account, one of its keys, and its SFTP server listening."""

    app: App
    caller: Caller
    username: str
    server: SftpServer
    key: ClientKey

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def account_id(self) -> int:
        return self.caller.account_id

    def folder(self, folder: str) -> Path:
        return self.app.file_server.folder(self.account_id, folder)

    def visible(self, folder: str) -> list[str]:
        return [f.name for f in self.app.file_server.list(self.account_id, folder)]

    @contextmanager
    def client(
        self, key: ClientKey | None = None, username: str | None = None, **kw: object
    ) -> Iterator[paramiko.SFTPClient]:
        ssh = connect(self.port, username or self.username, key or self.key, **kw)
        try:
            yield ssh.open_sftp()
        finally:
            ssh.close()


def connect(port: int, username: str, key: ClientKey, **kw: object) -> paramiko.SSHClient:
    ssh = paramiko.SSHClient()
    ssh.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    ssh.connect(
        "127.0.0.1",
        port,
        username=username,
        pkey=paramiko.PKey.from_path(key.private),
        look_for_keys=False,
        allow_agent=False,
        timeout=10,
        banner_timeout=10,
        auth_timeout=10,
        **kw,  # type: ignore[arg-type]
    )
    return ssh


def start_site(
    app: App,
    host_keys: Path,
    key: ClientKey,
    *,
    account: str = "Acme",
    limits: LoginLimits | None = None,
    max_bytes: int | None = None,
) -> Site:
    target = app.settings.home / "sftp"
    if not target.exists():
        shutil.copytree(host_keys, target)
    caller, _ = make_account(app, account, email=f"dd@{account.lower()}.example")
    app.ssh_keys.add(caller, "client", key.public_line)
    access = app.sftp_access.with_limits(limits, max_bytes)
    server = SftpServer(access, app.host_keys.paths(), port=0).start()
    username = app.accounts.account(caller).sftp_username
    return Site(app, caller, username, server, key)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll a condition another process or thread makes true; bounded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()
