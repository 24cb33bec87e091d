"""Other real clients (asyncssh, OpenSSH's sftp), the server on PostgreSQL, and files that come
and go by SFTP through import and export runs."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
import threading
import warnings
from pathlib import Path

import pytest
from sftping import ClientKey, Site, start_site, wait_until

from dataconnect.bootstrap import App
from dataconnect.services.host_keys import HostKeys
from dataconnect.testing import contacts_table, import_job

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "DSA is deprecated")
    import asyncssh


def test_asyncssh_client_puts_gets_lists_renames_and_removes(site: Site) -> None:
    async def session() -> list[str]:
        async with (
            asyncssh.connect(
                "127.0.0.1",
                site.port,
                username=site.username,
                client_keys=[str(site.key.private)],
                known_hosts=None,
                agent_path=None,
            ) as conn,
            conn.start_sftp_client() as sftp,
        ):
            async with sftp.open("upload/a.csv", "wb") as f:
                await f.write(b"x" * 300_000)
            names = await sftp.listdir("upload")
            await sftp.rename("upload/a.csv", "upload/b.csv")
            async with sftp.open("upload/b.csv", "rb") as f:
                assert await f.read() == b"x" * 300_000
            with pytest.raises(asyncssh.SFTPPermissionDenied):
                await sftp.mkdir("upload/dir")
            with pytest.raises(asyncssh.SFTPNoSuchFile):
                await sftp.stat("/nowhere/file")
            await sftp.remove("upload/b.csv")
            return sorted(n for n in names if not n.startswith("."))

    assert asyncio.run(session()) == ["a.csv"]
    assert site.visible("upload") == []


def test_asyncssh_client_get_with_its_defaults(site: Site, tmp_path: Path) -> None:
    site.app.file_server.put(site.account_id, "download", "out.csv", [b"q" * 500_000], 10**6)

    async def fetch() -> None:
        async with (
            asyncssh.connect(
                "127.0.0.1",
                site.port,
                username=site.username,
                client_keys=[str(site.key.private)],
                known_hosts=None,
                agent_path=None,
            ) as conn,
            conn.start_sftp_client() as sftp,
        ):
            await sftp.get("download/out.csv", str(tmp_path / "got.csv"))  # sparse: ranges

    asyncio.run(fetch())
    assert (tmp_path / "got.csv").read_bytes() == b"q" * 500_000


def _known_hosts(site: Site, folder: Path) -> Path:
    path = folder / "known_hosts"
    lines = [f"[127.0.0.1]:{site.port} {line}" for line in site.app.host_keys.public_lines()]
    path.write_text("\n".join(lines) + "\n")
    return path


def _openssh(
    site: Site, key: ClientKey, known_hosts: Path, batch: str, folder: Path
) -> subprocess.CompletedProcess[str]:
    script = folder / "batch"
    script.write_text(batch)
    return subprocess.run(
        [
            "sftp",
            "-b",
            str(script),
            "-P",
            str(site.port),
            "-i",
            str(key.private),
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            f"UserKnownHostsFile={known_hosts}",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=10",
            f"{site.username}@127.0.0.1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
    )


@pytest.mark.skipif(shutil.which("sftp") is None, reason="OpenSSH's sftp is not installed")
def test_openssh_sftp_in_batch_mode_against_the_published_host_key(
    site: Site, tmp_path: Path
) -> None:
    (tmp_path / "local.csv").write_bytes(b"id\n1\n" * 5000)
    site.app.file_server.put(site.account_id, "download", "out.csv", [b"a,b\n"], 100)
    known = _known_hosts(site, tmp_path)
    done = _openssh(
        site,
        site.key,
        known,
        "put local.csv upload/in.csv\nls -1 upload\nget download/out.csv got.csv\n"
        "rm download/out.csv\n-put local.csv archive/x.csv\nbye\n",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "got.csv").read_bytes() == b"a,b\n"
    assert site.visible("upload") == ["in.csv"]
    assert site.visible("download") == []
    assert site.visible("archive") == []
    assert "denied" in done.stderr.lower()  # the archive put, allowed to fail by its "-"

    # The fingerprints the API publishes are those OpenSSH checked.
    scanned = subprocess.run(
        ["ssh-keygen", "-lf", str(known)], capture_output=True, text=True, check=True
    ).stdout
    for fingerprint in site.app.sftp_access.endpoint(site.caller).host_key_fingerprints:
        assert fingerprint in scanned


@pytest.mark.skipif(shutil.which("sftp") is None, reason="OpenSSH's sftp is not installed")
def test_openssh_refuses_a_server_whose_host_key_is_not_the_published_one(
    site: Site, tmp_path: Path
) -> None:
    other = HostKeys(tmp_path / "other")
    known = tmp_path / "known_hosts"
    known.write_text("".join(f"[127.0.0.1]:{site.port} {line}\n" for line in other.public_lines()))
    done = _openssh(site, site.key, known, "ls\n", tmp_path)
    assert done.returncode != 0
    assert "host key" in done.stderr.lower()


def test_host_keys_are_made_once_private_and_stable(tmp_path: Path) -> None:
    keys = HostKeys(tmp_path / "sftp")
    first = [p.read_bytes() for p in keys.paths()]
    fingerprints = keys.fingerprints()
    assert [p.stat().st_mode & 0o777 for p in keys.paths()] == [0o600, 0o600]
    again = HostKeys(tmp_path / "sftp")
    assert [p.read_bytes() for p in again.paths()] == first
    assert again.fingerprints() == fingerprints
    assert [line.split()[0] for line in again.public_lines()] == ["ssh-ed25519", "ssh-rsa"]
    assert len(fingerprints) == 2 and all(f.startswith("SHA256:") for f in fingerprints)


def test_logins_work_on_postgresql_too(
    app: App, host_keys: Path, keys: dict[str, ClientKey]
) -> None:
    s = start_site(app, host_keys, keys["ed25519"])
    try:
        with s.client() as sftp:
            sftp.putfo(io.BytesIO(b"pg"), "upload/pg.csv")
        assert s.visible("upload") == ["pg.csv"]
        assert wait_until(lambda: app.ssh_keys.list(s.caller)[0].last_used_at is not None)
    finally:
        s.server.close()


def _loader() -> dict[str, object]:
    request = import_job("Load contacts")
    request["import"]["file_pattern"] = "contacts_in.csv"
    return request


def test_a_file_uploaded_by_sftp_is_imported_by_a_run(site: Site) -> None:
    app, caller = site.app, site.caller
    app.tables.create(caller, contacts_table())
    job = app.jobs.create(caller, _loader())
    pattern = "contacts_in.csv"
    with site.client() as sftp:
        sftp.putfo(
            io.BytesIO(b"cust_id,email,city,legacy\nC1,a@x.com,Berlin,\nC2,b@x.com,Rome,\n"),
            f"upload/{pattern}",
        )
    queued = app.runs.start_job(caller, job.id)
    run = app.runs.execute(caller.account_id, queued.id, threading.Event())
    assert (run.state.value, run.records_processed, run.error_code) == ("succeeded", 2, None)
    rows, _ = app.tables.rows(caller, "CONTACTS", limit=10, cursor=None)
    assert sorted(r["CUSTOMER_ID_"] for r in rows) == ["C1", "C2"]
    with site.client() as sftp:
        assert sftp.listdir("upload") == []  # the lifecycle moved it to archive/
        assert any(pattern in n for n in sftp.listdir("archive"))


def test_an_etl_client_waits_for_the_ready_file_then_takes_the_export(site: Site) -> None:
    app, caller = site.app, site.caller
    app.tables.create(caller, contacts_table())
    loader = app.jobs.create(caller, _loader())
    app.file_server.put(
        caller.account_id,
        "upload",
        "contacts_in.csv",
        [b"cust_id,email,city,legacy\nC1,a@x.com,Berlin,\n"],
        1000,
    )
    app.runs.execute(caller.account_id, app.runs.start_job(caller, loader.id).id, threading.Event())
    job = app.jobs.create(
        caller,
        {
            "name": "Contacts out",
            "type": "export",
            "activate": True,
            "export": {
                "source": "CONTACTS",
                "fields": ["CUSTOMER_ID_", "EMAIL_ADDRESS_"],
                "file_pattern": "contacts.csv",
                "ready_file": True,
            },
        },
    )
    seen: list[list[str]] = []

    def etl() -> bytes:  # the typical connector: poll for <base>.ready, then get <base>.csv
        with site.client() as sftp:
            while True:
                names = sftp.listdir("download")
                seen.append(names)
                if "contacts.ready" in names:
                    return sftp.open("download/contacts.csv").read()

    result: list[bytes] = []
    poller = threading.Thread(target=lambda: result.append(etl()), daemon=True)
    poller.start()
    run = app.runs.execute(
        caller.account_id, app.runs.start_job(caller, job.id).id, threading.Event()
    )
    poller.join(30)
    assert run.state.value == "succeeded"
    assert result == [b"CUSTOMER_ID_,EMAIL_ADDRESS_\nC1,a@x.com\n"]
    # Whenever the client looked, the data file was there before its ready file, or neither.
    assert all("contacts.csv" in names for names in seen if "contacts.ready" in names)
