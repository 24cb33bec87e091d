"""SFTP throughput and memory of our server (``dataconnect sftp``), measured in the same run
against a raw local file copy and against asyncssh's own SFTP server.

The issue's reference is OpenSSH's ``sftp-server`` over ``ssh`` to localhost. When this machine
has no ``sshd`` and no ``sftp-server`` (the development machine has neither), the reference is a
raw local copy of the same file on the same disk, and the bench says so. Every server runs in
a process of its own; the clients run in this one.

A random --size-mb file (default 1024 MiB), then, --repeat times (default 3), alternating:
  raw copy      shutil.copyfile of the file on the same disk, with and without fsync (an upload
                to our server is fsynced before it appears; a client's download is not)
  ours          ``dataconnect sftp`` on a fresh home: upload into upload/ and download from
                download/, with the asyncssh client (``sftp.put`` / ``sftp.get``, their default
                parallel block requests) and the OpenSSH ``sftp`` command in batch mode
  asyncssh      ``asyncssh.listen`` with its stock ``SFTPServer`` chrooted to a folder (no
                DataConnect code): the same clients, the same transfers
Each transfer is timed from the client's start (connection and login included) to its end, and
its size checked. Then, --repeat times on a fresh ``dataconnect sftp``: 50 asyncssh sessions
opened at once, the server's RSS with all 50 open, then each uploads a distinct 10 MB file at
the same time; errors counted (target 0), every file checked in upload/, the server's peak RSS
(VmHWM, and VmRSS sampled every 20 ms) (target <= 300 MB).

asyncssh's ``get`` asks the server for the file's data ranges (``sparse=True``); when that fails
on our server the bench says so and times the asyncssh client's downloads with ``sparse=False``.

    .venv/bin/python bench/sftp_bench.py [--size-mb 1024] [--repeat 3] [--sessions 50]
        [--session-mb 10] [--skip-plain]
    .venv/bin/python bench/sftp_bench.py --skip-big --session-block-kib 256   # sessions only,
        # with the clients' write size set (default: asyncssh's, the server's 4 MiB limit)
    .venv/bin/python bench/sftp_bench.py --size-mb 64 --repeat 1      # a quick smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path

warnings.filterwarnings("ignore", "DSA is deprecated")  # asyncssh still defines DSA support
import asyncssh  # noqa: E402

from dataconnect.testing import make_account, make_app  # noqa: E402

EXE = str(Path(sys.executable).parent / "dataconnect")
MB = 1024 * 1024

PLAIN_SERVER = """
import asyncio, sys, warnings
warnings.filterwarnings("ignore", "DSA is deprecated")
import asyncssh

port, host_key, authorized, root = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

async def main():
    await asyncssh.listen(
        "127.0.0.1", port, server_host_keys=[host_key], authorized_client_keys=authorized,
        sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=root), allow_scp=False,
        encoding=None,
    )
    await asyncio.Event().wait()

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def keygen(path: Path) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", str(path)], check=True
    )
    return path.with_suffix(".pub").read_text().strip()


def random_file(path: Path, size: int) -> None:
    with path.open("wb") as f:
        left = size
        while left:
            n = min(left, 8 * MB)
            f.write(os.urandom(n))
            left -= n


class Server:
    """A server process listening on 127.0.0.1:port; ``stop`` ends it."""

    def __init__(
        self, name: str, argv: list[str], env: dict[str, str], port: int, log: Path, upload: Path
    ) -> None:
        self.name, self.port, self.upload = name, port, upload
        self._log = log.open("wb")
        self.proc = subprocess.Popen(argv, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    if s.recv(4).startswith(b"SSH-"):
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{name} did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)

    def rss(self, field: str = "VmRSS") -> float:
        return status_mb(self.proc.pid, field)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


class Bench:
    def __init__(self, work: Path, size: int) -> None:
        self.work, self.size = work, size
        self.key = work / "id_ed25519"
        public = keygen(self.key)
        self.source = work / "source.bin"
        random_file(self.source, size)
        self.local = work / "local"  # where downloads and raw copies land
        self.local.mkdir()
        # a plain asyncssh server's root: the same three folders
        self.plain_root = work / "plain"
        for folder in ("upload", "download", "archive"):
            (self.plain_root / folder).mkdir(parents=True)
        (work / "authorized_keys").write_text(public + "\n")
        self.plain_host_key = work / "plain_host_key"
        keygen(self.plain_host_key)
        shutil.copyfile(self.source, self.plain_root / "download" / "big.bin")
        self.public = public
        self.sparse = True  # asyncssh's default for get: ask the server for the data ranges

    def our_home(self, name: str, big: bool) -> tuple[Path, str, Path]:
        """A fresh home with one account and the bench's key: home, login name, upload/."""
        home = self.work / name
        app = make_app(home=home)
        caller, _ = make_account(app, "Acme", timezone="UTC")
        app.ssh_keys.add(caller, "bench", self.public)
        username = app.accounts.account(caller).sftp_username
        download = app.file_server.folder(caller.account_id, "download")
        upload = app.file_server.folder(caller.account_id, "upload")
        app.close()
        download.mkdir(parents=True, exist_ok=True)
        upload.mkdir(parents=True, exist_ok=True)
        if big:
            shutil.copyfile(self.source, download / "big.bin")
        return home, username, upload

    def ours(self, home: Path, name: str, upload: Path) -> Server:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DATACONNECT_")}
        env["DATACONNECT_HOME"] = str(home)
        argv = [EXE, "sftp", "--host", "127.0.0.1", "--port", str(port)]
        return Server(name, argv, env, port, self.work / f"{name}.log", upload)

    def plain(self) -> Server:
        port = free_port()
        argv = [
            sys.executable,
            "-c",
            PLAIN_SERVER,
            str(port),
            str(self.plain_host_key),
            str(self.work / "authorized_keys"),
            str(self.plain_root),
        ]
        log = self.work / "plain.log"
        return Server("asyncssh", argv, dict(os.environ), port, log, self.plain_root / "upload")

    # --- references ----------------------------------------------------------------------------

    def raw_copy(self, fsync: bool) -> float:
        target = self.local / "raw.bin"
        began = time.perf_counter()
        shutil.copyfile(self.source, target)
        if fsync:
            fd = os.open(target, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        took = time.perf_counter() - began
        assert target.stat().st_size == self.size
        target.unlink()
        return took

    # --- clients -------------------------------------------------------------------------------

    async def _asyncssh(self, port: int, user: str, up: bool) -> tuple[float, str]:
        began = time.perf_counter()
        async with asyncssh.connect(
            "127.0.0.1", port, username=user, client_keys=[str(self.key)], known_hosts=None
        ) as conn:
            cipher = str(conn.get_extra_info("send_cipher"))
            async with conn.start_sftp_client() as sftp:
                if up:
                    await sftp.put(str(self.source), "/upload/big.bin")
                else:
                    await sftp.get(
                        "/download/big.bin", str(self.local / "big.bin"), sparse=self.sparse
                    )
        return time.perf_counter() - began, cipher

    def asyncssh_client(self, port: int, user: str, up: bool) -> float:
        took, self.asyncssh_cipher = asyncio.run(self._asyncssh(port, user, up))
        return took

    def openssh_argv(self, port: int, user: str, batch: Path, *extra: str) -> list[str]:
        return [
            "sftp",
            *extra,
            "-b",
            str(batch),
            "-P",
            str(port),
            "-i",
            str(self.key),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            f"{user}@127.0.0.1",
        ]

    def openssh_client(self, port: int, user: str, up: bool) -> float:
        batch = self.work / "batch"
        if up:
            batch.write_text(f"put {self.source} /upload/big.bin\n")
        else:
            batch.write_text(f"get /download/big.bin {self.local / 'big.bin'}\n")
        began = time.perf_counter()
        done = subprocess.run(self.openssh_argv(port, user, batch), capture_output=True)
        took = time.perf_counter() - began
        if done.returncode != 0:
            raise SystemExit(f"sftp failed: {done.stderr.decode(errors='replace')[-2000:]}")
        return took

    def openssh_cipher(self, port: int, user: str) -> str:
        batch = self.work / "batch"
        batch.write_text("ls /\n")
        done = subprocess.run(self.openssh_argv(port, user, batch, "-v"), capture_output=True)
        for line in done.stderr.decode(errors="replace").splitlines():
            if "client->server cipher:" in line:
                return line.split("cipher:", 1)[1].split()[0]
        return "?"


def transfer(
    bench: Bench, client: Callable[[int, str, bool], float], server: Server, user: str, up: bool
) -> float:
    """Seconds of one transfer, its result checked and removed."""
    took = client(server.port, user, up)
    landed = (server.upload if up else bench.local) / "big.bin"
    size = landed.stat().st_size
    assert size == bench.size, (landed, size)
    landed.unlink()
    return took


async def _sessions(
    port: int, user: str, key: Path, files: list[Path], rss: Callable[[], float], block: int
):
    """Open every session, the server's RSS with all open, then every upload at once."""
    opened, go = asyncio.Event(), asyncio.Event()
    ready = 0
    errors: list[str] = []

    def settled() -> None:
        nonlocal ready
        ready += 1
        if ready == len(files):
            opened.set()

    async def one(path: Path) -> float:
        try:
            conn = await asyncssh.connect(
                "127.0.0.1", port, username=user, client_keys=[str(key)], known_hosts=None
            )
            sftp = await conn.start_sftp_client()
        except BaseException:
            settled()  # a session that failed to open does not hold the others back
            raise
        async with conn, sftp:
            settled()
            await go.wait()
            began = time.perf_counter()
            await sftp.put(str(path), f"/upload/{path.name}", block_size=block)
            return time.perf_counter() - began

    tasks = [asyncio.ensure_future(one(p)) for p in files]
    await asyncio.wait_for(opened.wait(), timeout=300)
    await asyncio.sleep(0.5)
    idle_rss = rss()
    go.set()
    began = time.perf_counter()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    wall = time.perf_counter() - began
    for r in results:
        if isinstance(r, BaseException):
            errors.append(f"{type(r).__name__}: {r}")
    return idle_rss, wall, errors


def concurrency(
    bench: Bench, run: int, sessions: int, session_mb: int, block: int
) -> dict[str, object]:
    home, user, upload = bench.our_home(f"home-sessions-{run}", big=False)
    files = []
    folder = bench.work / "sessions"
    folder.mkdir(exist_ok=True)
    for i in range(sessions):
        path = folder / f"s{i:02d}.bin"
        if not path.exists():
            random_file(path, session_mb * 1000 * 1000)
        files.append(path)
    server = bench.ours(home, f"ours-sessions-{run}", upload)
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                peak[0] = max(peak[0], server.rss())
            except (OSError, ValueError):
                return
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        start_rss = server.rss()
        sampler.start()
        idle_rss, wall, errors = asyncio.run(
            _sessions(server.port, user, bench.key, files, server.rss, block)
        )
        stop.set()
        sampler.join()
        hwm = server.rss("VmHWM")
        end_rss = server.rss()
    finally:
        stop.set()
        server.stop()
    bad = []
    for path in files:
        landed = upload / path.name
        if not landed.exists():
            bad.append(f"{path.name} missing")
        elif landed.stat().st_size != path.stat().st_size:
            bad.append(f"{path.name} {landed.stat().st_size} bytes")
    leftovers = [p.name for p in upload.iterdir() if p.name not in {f.name for f in files}]
    shutil.rmtree(home, ignore_errors=True)
    return {
        "start": start_rss,
        "open": idle_rss,
        "peak": peak[0],
        "hwm": hwm,
        "end": end_rss,
        "wall": wall,
        "errors": errors,
        "bad": bad,
        "leftovers": leftovers,
        "mb_s": sessions * session_mb * 1e6 / MB / wall,
    }


def big_transfers(bench: Bench, args: argparse.Namespace, servers: list[Server]) -> None:
    """The big file up and down, through every server and client, against the raw copies."""
    size = bench.size
    home, user, upload = bench.our_home("home", big=True)
    ours = bench.ours(home, "ours", upload)
    servers.append(ours)
    plain = None
    if not args.skip_plain:
        plain = bench.plain()
        servers.append(plain)
    print(f"our server RSS idle: {ours.rss():.0f} MB", flush=True)
    print(f"OpenSSH sftp cipher: {bench.openssh_cipher(ours.port, user)}", flush=True)
    try:  # asyncssh's get with its defaults (sparse: the ranges@asyncssh.com extension)
        transfer(bench, bench.asyncssh_client, ours, user, up=False)
    except asyncssh.SFTPError as exc:
        bench.sparse = False
        (bench.local / "big.bin").unlink(missing_ok=True)
        print(
            f"asyncssh get with its defaults FAILED on our server ({type(exc).__name__}: "
            f"{exc}); downloads with the asyncssh client below use sparse=False",
            flush=True,
        )
    clients = {"asyncssh": bench.asyncssh_client, "openssh": bench.openssh_client}
    results: dict[str, list[float]] = {}
    raws: dict[str, list[float]] = {"fsync": [], "nofsync": []}
    for run in range(args.repeat):
        raws["fsync"].append(bench.raw_copy(fsync=True))
        raws["nofsync"].append(bench.raw_copy(fsync=False))
        print(
            f"run {run + 1}: raw copy {size / MB / raws['fsync'][-1]:.0f} MB/s with fsync, "
            f"{size / MB / raws['nofsync'][-1]:.0f} MB/s without",
            flush=True,
        )
        for server in servers:
            login = user if server is ours else "bench"
            for cname, client in clients.items():
                for up in (True, False):
                    took = transfer(bench, client, server, login, up)
                    key = f"{server.name} {cname} {'upload' if up else 'download'}"
                    results.setdefault(key, []).append(took)
                    print(f"  {key}: {took:.2f} s, {size / MB / took:.0f} MB/s", flush=True)
    print(f"asyncssh client cipher: {bench.asyncssh_cipher}")
    after, peak = ours.rss(), ours.rss("VmHWM")
    print(f"our server RSS after the transfers: {after:.0f} MB (peak {peak:.0f})")
    while servers:
        servers.pop().stop()

    raw_up = statistics.median(size / MB / t for t in raws["fsync"])
    raw_down = statistics.median(size / MB / t for t in raws["nofsync"])
    print(f"\nmedians of {args.repeat} (MiB/s; x raw = over the raw copy of the same run):")
    print(f"  raw copy with fsync (reference for uploads):      {raw_up:7.0f}")
    print(f"  raw copy without fsync (reference for downloads): {raw_down:7.0f}")
    for key, times in results.items():
        up = key.endswith("upload")
        raw = raws["fsync"] if up else raws["nofsync"]
        ratios = [r / t for r, t in zip(raw, times, strict=True)]
        line = f"  {key:28s} {statistics.median(size / MB / t for t in times):7.0f}"
        line += f"   x raw {statistics.median(ratios):.3f}"
        if key.startswith("ours") and plain is not None:
            other = results[key.replace("ours", "asyncssh", 1)]
            line += f"   x asyncssh server {statistics.median(o / t for o, t in zip(other, times, strict=True)):.2f}"  # noqa: E501
        print(line)
    print("  (target >= 0.5 x OpenSSH sftp-server: not measurable here, see the reference)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024, help="the big file, MiB")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--session-mb", type=int, default=10, help="each session's file, MB")
    parser.add_argument(
        "--session-block-kib",
        type=int,
        default=0,
        help="the sessions' SFTP write size (default 0: asyncssh's, the server's 4 MiB limit)",
    )
    parser.add_argument("--skip-big", action="store_true", help="the 50 sessions only")
    parser.add_argument("--skip-plain", action="store_true", help="no asyncssh-server reference")
    args = parser.parse_args()
    size = args.size_mb * MB
    work = Path(tempfile.mkdtemp(prefix="dc-sftp-bench-"))
    openssh = Path("/usr/sbin/sshd").exists() and any(
        Path(p).exists()
        for p in ("/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server")
    )
    servers: list[Server] = []  # stopped at the end, whatever happens
    try:
        bench = Bench(work, 0 if args.skip_big else size)
        print(
            f"file {args.size_mb} MiB, {args.repeat} repeats, {os.cpu_count()} cores; "
            f"asyncssh {asyncssh.__version__}",
            flush=True,
        )
        if openssh:
            print("note: sshd and sftp-server are here, but this bench does not drive them yet")
        print(
            "reference: raw local file copy on the same disk (no sshd / sftp-server on this "
            "machine, so no OpenSSH sftp-server over ssh to localhost)",
            flush=True,
        )
        if not args.skip_big:
            big_transfers(bench, args, servers)
        print(
            f"\n{args.sessions} concurrent sessions, each uploading a distinct "
            f"{args.session_mb} MB file, {args.repeat} runs on a fresh server:",
            flush=True,
        )
        runs = []
        for run in range(args.repeat):
            block = args.session_block_kib * 1024 or -1
            r = concurrency(bench, run, args.sessions, args.session_mb, block)
            runs.append(r)
            errs, bad, left = r["errors"], r["bad"], r["leftovers"]
            assert isinstance(errs, list) and isinstance(bad, list) and isinstance(left, list)
            print(
                f"  run {run + 1}: errors {len(errs)}, files wrong {len(bad)}, leftovers "
                f"{len(left)}, {r['wall']:.2f} s ({r['mb_s']:.0f} MiB/s in all); server RSS "
                f"start {r['start']:.0f} MB, {args.sessions} open {r['open']:.0f} MB, peak "
                f"sampled {r['peak']:.0f} MB, VmHWM {r['hwm']:.0f} MB, after {r['end']:.0f} MB",
                flush=True,
            )
            for e in errs[:5] + bad[:5]:
                print(f"    {e}")
        errors = sum(len(r["errors"]) + len(r["bad"]) for r in runs)  # type: ignore[arg-type]
        hwm = max(float(r["hwm"]) for r in runs)  # type: ignore[arg-type]
        print(
            f"  errors in all: {errors} (target 0: {'met' if errors == 0 else 'NOT met'}); "
            f"highest server VmHWM {hwm:.0f} MB (target <= 300: "
            f"{'met' if hwm <= 300 else 'NOT met'})"
        )
    finally:
        while servers:
            servers.pop().stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
