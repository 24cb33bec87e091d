"""Helpers for end-to-end tests: the installed console script, run as a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

DATACONNECT = Path(sys.executable).parent / "dataconnect"
COMMAND_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def dc_env(tmp_path: Path) -> dict[str, str]:
    """This environment without any DATACONNECT_* setting, with DATACONNECT_HOME=tmp_path/home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATACONNECT_")}
    env["DATACONNECT_HOME"] = str(tmp_path / "home")
    env["DATACONNECT_SFTP_PORT"] = str(free_port())  # serve's SFTP server, never a fixed port
    env["PYTHONUNBUFFERED"] = "1"
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    return env


@pytest.fixture
def console_script() -> Path:
    if not DATACONNECT.exists():
        pytest.fail(f"the dataconnect console script is not installed next to {sys.executable}")
    return DATACONNECT


@pytest.fixture
def run_dataconnect(
    console_script: Path, dc_env: dict[str, str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs ``dataconnect ARGS`` to completion with DATACONNECT_HOME=tmp_path/home."""

    def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(console_script), *args],
            env=dc_env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        if check:
            assert done.returncode == 0, (
                f"dataconnect {' '.join(args)} exited {done.returncode}\n"
                f"stdout: {done.stdout}\nstderr: {done.stderr}"
            )
        return done

    return _run
