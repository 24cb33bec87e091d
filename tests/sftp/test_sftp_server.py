"""The built-in SFTP server with real clients (paramiko here; asyncssh and OpenSSH elsewhere)."""

from __future__ import annotations

import errno
import io
import logging
import socket
import stat

import pytest
from sftping import ClientKey, Site, connect, start_site, wait_until

from dataconnect.bootstrap import App
from dataconnect.domain.login_limits import LoginLimits

with __import__("warnings").catch_warnings():
    __import__("warnings").filterwarnings("ignore", "DSA is deprecated")
    import paramiko


def _errno(exc: BaseException) -> int | None:
    return getattr(exc, "errno", None)


# --- what a session may do ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rsa", "ed25519", "ecdsa"])
def test_put_list_get_rename_remove_with_each_key_type(
    site: Site, keys: dict[str, ClientKey], kind: str
) -> None:
    if kind != "rsa":
        site.app.ssh_keys.add(site.caller, kind, keys[kind].public_line)
    data = b"id,email\n1,a@x.com\n" * 1000
    with site.client(keys[kind]) as sftp:
        assert sorted(sftp.listdir("/")) == ["archive", "download", "upload"]
        sftp.putfo(io.BytesIO(data), "/upload/contacts.csv")
        assert sftp.listdir("upload") == ["contacts.csv"]
        assert sftp.stat("upload/contacts.csv").st_size == len(data)
        assert sftp.open("/upload/contacts.csv").read() == data
        sftp.rename("upload/contacts.csv", "upload/c2.csv")
        assert site.visible("upload") == ["c2.csv"]
        sftp.remove("upload/c2.csv")
        assert sftp.listdir("upload") == []
    assert site.visible("upload") == []


def test_download_is_read_and_delete_and_archive_read_only(site: Site) -> None:
    site.app.file_server.put(site.account_id, "download", "out.csv", [b"a\n"], 100)
    site.app.file_server.put(site.account_id, "archive", "old.csv", [b"b\n"], 100)
    with site.client() as sftp:
        assert sftp.open("download/out.csv").read() == b"a\n"
        assert sftp.open("archive/old.csv").read() == b"b\n"
        assert stat.S_ISDIR(sftp.stat("/archive").st_mode)
        for path in ("download/new.csv", "archive/new.csv", "download/out.csv"):
            with pytest.raises(PermissionError):
                sftp.putfo(io.BytesIO(b"x"), path)
        with pytest.raises(PermissionError):
            sftp.remove("archive/old.csv")
        with pytest.raises(PermissionError):
            sftp.rename("download/out.csv", "download/o2.csv")
        sftp.remove("download/out.csv")
    assert site.visible("download") == []
    assert site.visible("archive") == ["old.csv"]
    assert (site.folder("archive") / "old.csv").read_bytes() == b"b\n"


def test_every_other_operation_is_refused_with_a_status(site: Site) -> None:
    with site.client() as sftp:
        with pytest.raises(PermissionError):
            sftp.mkdir("upload/sub")
        with pytest.raises(PermissionError):
            sftp.mkdir("/new")
        with pytest.raises(PermissionError):
            sftp.rmdir("/upload")
        with pytest.raises(PermissionError):
            sftp.symlink("/upload/a", "/upload/link")
        with pytest.raises(FileNotFoundError):
            sftp.listdir("/etc")
        with pytest.raises(FileNotFoundError):
            sftp.open("/etc/passwd")
        with pytest.raises(FileNotFoundError):
            sftp.open("upload/missing.csv")
        with pytest.raises(OSError):
            sftp.putfo(io.BytesIO(b"x"), "upload/" + "n" * 300)
        with pytest.raises(OSError):
            sftp.putfo(io.BytesIO(b"x"), "upload/.hidden")
        with pytest.raises(OSError):
            sftp.putfo(io.BytesIO(b"x"), "upload/a/b.csv")
    assert site.visible("upload") == []
    assert not any(site.folder("upload").iterdir()) if site.folder("upload").exists() else True


def test_dot_dot_and_links_never_leave_the_account_root(site: Site, tmp_path: object) -> None:
    outside = site.app.settings.home / "secret.txt"
    outside.write_text("not yours")
    upload = site.folder("upload")
    upload.mkdir(parents=True, exist_ok=True)
    (upload / "link.txt").symlink_to(outside)
    with site.client() as sftp:
        assert sorted(sftp.listdir("/../../..")) == ["archive", "download", "upload"]
        assert sftp.normalize("/upload/../../..") == "/"
        assert sftp.listdir("/upload/../upload") == []  # the link is not listed
        with pytest.raises(FileNotFoundError):
            sftp.open("/../secret.txt")
        with pytest.raises(OSError):
            sftp.open("upload/link.txt")
        with pytest.raises(OSError):
            sftp.readlink("upload/link.txt")
    assert outside.read_text() == "not yours"


def test_a_rename_onto_an_existing_file_fails_and_posix_rename_replaces(site: Site) -> None:
    with site.client() as sftp:
        sftp.putfo(io.BytesIO(b"one"), "upload/a.csv")
        sftp.putfo(io.BytesIO(b"two"), "upload/b.csv")
        with pytest.raises(OSError):
            sftp.rename("upload/a.csv", "upload/b.csv")
        assert sftp.open("upload/b.csv").read() == b"two"
        sftp.posix_rename("upload/a.csv", "upload/b.csv")
        assert sftp.listdir("upload") == ["b.csv"]
        assert sftp.open("upload/b.csv").read() == b"one"


def test_append_and_resume_keep_what_was_there(site: Site) -> None:
    with site.client() as sftp:
        sftp.putfo(io.BytesIO(b"head,"), "upload/a.csv")
        with sftp.open("upload/a.csv", "a") as f:
            f.write(b"tail")
        assert sftp.open("upload/a.csv").read() == b"head,tail"


# --- uploads are atomic --------------------------------------------------------------------


def test_an_upload_is_invisible_until_the_client_closes_it(site: Site) -> None:
    with site.client() as sftp:
        f = sftp.open("upload/big.csv", "w")
        f.write(b"x" * 100_000)
        f.flush()
        assert site.visible("upload") == []  # an import started now sees nothing
        assert site.app.files.list(site.caller, "upload") == []
        f.close()
        assert site.visible("upload") == ["big.csv"]
        assert (site.folder("upload") / "big.csv").stat().st_size == 100_000


def test_an_upload_cut_off_by_a_dropped_connection_leaves_nothing(site: Site) -> None:
    site.app.file_server.put(site.account_id, "upload", "big.csv", [b"old"], 100)
    ssh = connect(site.port, site.username, site.key)
    sftp = ssh.open_sftp()
    f = sftp.open("upload/big.csv", "w")
    f.write(b"y" * 200_000)
    f.flush()
    ssh.get_transport().sock.close()  # type: ignore[union-attr]  # the cable is pulled
    ssh.close()

    def settled() -> bool:
        return [p.name for p in site.folder("upload").iterdir()] == ["big.csv"]

    assert wait_until(settled), list(site.folder("upload").iterdir())
    assert (site.folder("upload") / "big.csv").read_bytes() == b"old"


def test_a_file_over_the_size_limit_fails_and_keeps_nothing(
    sqlite_app: App, host_keys: object, keys: dict[str, ClientKey]
) -> None:
    small = start_site(sqlite_app, host_keys, keys["rsa"], max_bytes=50_000)  # type: ignore[arg-type]
    try:
        with small.client() as sftp:
            with pytest.raises(OSError):
                sftp.putfo(io.BytesIO(b"z" * 60_000), "upload/huge.csv")
            sftp.putfo(io.BytesIO(b"z" * 50_000), "upload/fits.csv")
        assert small.visible("upload") == ["fits.csv"]
        assert [p.name for p in small.folder("upload").iterdir()] == ["fits.csv"]
    finally:
        small.server.close()


# --- who may log in ------------------------------------------------------------------------


def test_a_key_not_of_the_account_or_another_login_name_is_refused(
    site: Site, keys: dict[str, ClientKey]
) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        connect(site.port, site.username, keys["other"])
    with pytest.raises(paramiko.AuthenticationException):
        connect(site.port, "someone-else-9", site.key)


def test_passwords_are_not_taken(site: Site) -> None:
    ssh = paramiko.SSHClient()
    ssh.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    with pytest.raises(paramiko.AuthenticationException):
        ssh.connect(
            "127.0.0.1",
            site.port,
            username=site.username,
            password="guess",
            look_for_keys=False,
            allow_agent=False,
            timeout=10,
        )


def test_no_shell_exec_or_forwarding(site: Site) -> None:
    ssh = connect(site.port, site.username, site.key)
    try:
        transport = ssh.get_transport()
        assert transport is not None
        with pytest.raises(paramiko.SSHException):
            ssh.exec_command("cat /etc/passwd", timeout=5)
        chan = transport.open_session(timeout=5)
        with pytest.raises(paramiko.SSHException):
            chan.invoke_shell()
            chan.recv(1)
        with pytest.raises(paramiko.ChannelException):
            transport.open_channel("direct-tcpip", ("127.0.0.1", 22), ("127.0.0.1", 1), timeout=5)
        with pytest.raises(paramiko.SSHException, match="forwarding request denied"):
            transport.request_port_forward("127.0.0.1", 0)
    finally:
        ssh.close()


def test_a_removed_key_logs_in_no_more_and_its_sessions_end(
    site: Site, keys: dict[str, ClientKey]
) -> None:
    second = site.app.ssh_keys.add(site.caller, "second", keys["ed25519"].public_line)
    ssh = connect(site.port, site.username, keys["ed25519"])
    sftp = ssh.open_sftp()
    assert sorted(sftp.listdir("/")) == ["archive", "download", "upload"]
    with site.client() as other:  # a session of another key of the account
        site.app.ssh_keys.remove(site.caller, second.id)
        with pytest.raises(paramiko.AuthenticationException):
            connect(site.port, site.username, keys["ed25519"])
        transport = ssh.get_transport()
        assert transport is not None
        assert wait_until(lambda: not transport.is_active(), timeout=5)
        assert other.listdir("/")  # the other key's session goes on
    ssh.close()


def test_the_key_records_when_it_was_last_used(site: Site) -> None:
    [before] = site.app.ssh_keys.list(site.caller)
    assert before.last_used_at is None
    with site.client() as sftp:
        sftp.listdir("/")
    assert wait_until(lambda: site.app.ssh_keys.list(site.caller)[0].last_used_at is not None)


def _from(address: str, port: int, username: str, key: ClientKey) -> paramiko.SSHClient:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(address, 0))
    return connect(port, username, key, sock=sock)


def test_failed_logins_lock_out_their_address_but_not_other_clients(
    sqlite_app: App, host_keys: object, keys: dict[str, ClientKey], caplog: pytest.LogCaptureFixture
) -> None:
    limits = LoginLimits(per_address=3, per_username=100)
    s = start_site(sqlite_app, host_keys, keys["rsa"], limits=limits)  # type: ignore[arg-type]
    try:
        for _ in range(3):
            with pytest.raises(paramiko.AuthenticationException):
                _from("127.0.0.2", s.port, s.username, keys["other"])
        caplog.set_level(logging.WARNING, logger="dataconnect.sftp")
        with pytest.raises(paramiko.AuthenticationException):  # the right key, too late
            _from("127.0.0.2", s.port, s.username, s.key)
        assert any("too many failed logins from 127.0.0.2" in r.message for r in caplog.records)
        _from("127.0.0.3", s.port, s.username, s.key).close()  # another client: at once
    finally:
        s.server.close()


def test_failed_logins_lock_out_a_login_name_from_every_address(
    sqlite_app: App, host_keys: object, keys: dict[str, ClientKey]
) -> None:
    limits = LoginLimits(per_address=100, per_username=3)
    s = start_site(sqlite_app, host_keys, keys["rsa"], limits=limits)  # type: ignore[arg-type]
    try:
        for i in range(3):
            with pytest.raises(paramiko.AuthenticationException):
                _from(f"127.0.0.{10 + i}", s.port, s.username, keys["other"])
        with pytest.raises(paramiko.AuthenticationException):
            _from("127.0.0.20", s.port, s.username, s.key)
    finally:
        s.server.close()


# --- two accounts ----------------------------------------------------------------------------


def test_two_accounts_never_see_each_others_files(
    sqlite_app: App, host_keys: object, keys: dict[str, ClientKey]
) -> None:
    a = start_site(sqlite_app, host_keys, keys["rsa"], account="Acme")  # type: ignore[arg-type]
    b_caller = __import__("dataconnect.testing", fromlist=["make_account"]).make_account(
        sqlite_app, "Beta", email="dd@beta.example"
    )[0]
    sqlite_app.ssh_keys.add(b_caller, "beta", keys["ed25519"].public_line)
    b_name = sqlite_app.accounts.account(b_caller).sftp_username
    try:
        sqlite_app.file_server.put(b_caller.account_id, "download", "beta.csv", [b"b"], 10)
        with a.client() as sftp:
            sftp.putfo(io.BytesIO(b"a"), "upload/acme.csv")
            assert sftp.listdir("download") == []
            with pytest.raises(FileNotFoundError):
                sftp.open("download/beta.csv")
        with a.client(keys["ed25519"], username=b_name) as sftp:
            assert sftp.listdir("upload") == []
            assert sftp.listdir("download") == ["beta.csv"]
        with pytest.raises(paramiko.AuthenticationException):
            connect(a.port, b_name, keys["rsa"])  # Acme's key is not Beta's
        assert [f.name for f in sqlite_app.file_server.list(b_caller.account_id, "upload")] == []
    finally:
        a.server.close()


# --- what is logged --------------------------------------------------------------------------


def test_logins_and_transfers_are_logged_with_account_key_and_bytes(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dataconnect.sftp")
    with site.client() as sftp:
        sftp.putfo(io.BytesIO(b"12345"), "upload/a.csv")
        sftp.open("upload/a.csv").read()
        sftp.remove("upload/a.csv")
    [key] = site.app.ssh_keys.list(site.caller)
    lines = [r.getMessage() for r in caplog.records]
    login = f"account {site.account_id} ({site.username}), key {key.fingerprint}"
    assert any(line.startswith("sftp login: " + login) for line in lines), lines
    assert any(line == f"sftp upload: {login}, /upload/a.csv, 5 bytes" for line in lines), lines
    assert any(line == f"sftp download: {login}, /upload/a.csv, 5 bytes" for line in lines)
    assert any(line == f"sftp delete: {login}, /upload/a.csv" for line in lines)


def test_errno_of_refusals_is_a_permission_error(site: Site) -> None:
    with site.client() as sftp, pytest.raises(OSError) as info:
        sftp.putfo(io.BytesIO(b"x"), "archive/x.csv")
    assert _errno(info.value) == errno.EACCES
