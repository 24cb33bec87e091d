"""A real `dataconnect serve` and a real headless Chromium (Debian's package) for web UI tests.

The account is seeded through the services into the server's home before it starts; the
browser then does everything a user would. Screenshots land in tests/e2e/artifacts/.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from dataconnect.bootstrap import build
from dataconnect.config import Settings
from dataconnect.testing import contacts_table, group_request, import_job

ARTIFACTS = Path(__file__).parent / "artifacts"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
START_TIMEOUT = 30.0
PASSWORD = "correct horse battery staple"
VIEWER_PASSWORD = "viewer horse battery staple"
ACCOUNT = "Acme"
WRITER = "ann@example.com"
VIEWER = "vic@example.com"
CSV = "cust_id,email,city\nC1,a@example.com,Berlin\nC2,b@example.com,Paris\nC3,c@example.com,Rome\n"

EXPORT = "Contacts out"
EXPORT_JOB = {
    "name": EXPORT,
    "type": "export",
    "activate": True,
    "export": {
        "source": "CONTACTS",
        "fields": ["CUSTOMER_ID_", "EMAIL_ADDRESS_", "CITY_"],
        "file_pattern": "contacts_out.csv",
        "ready_file": True,
    },
}

# name → upload file; the last one is never activated, so the wizard greys it out
JOBS = {
    "Load contacts": "contacts.csv",
    "Load more contacts": "more.csv",
    "Refresh cities": "cities.csv",
    "Long load": "long.csv",
    "Long follow-up": "long2.csv",
    "Draft job": "draft.csv",
}


def chromium_path() -> str:
    found = shutil.which("chromium")
    if found is None:
        message = "Debian's chromium is not on PATH (make test installs it with apt-get)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Site:
    base_url: str
    home: Path
    process: subprocess.Popen[bytes]
    ids: dict[str, int]


def seed(home: Path) -> dict[str, int]:
    """Acme with a data director and a viewer, a table, six import jobs and one active group."""
    app = build(Settings(home=home))
    try:
        app.upgrade_databases()
        app.accounts.create_account(ACCOUNT, "Europe/Berlin")
        app.accounts.create_user(ACCOUNT, WRITER, "data_director", PASSWORD)
        app.accounts.create_user(ACCOUNT, VIEWER, "viewer", VIEWER_PASSWORD)
        caller = app.accounts.cli_caller(ACCOUNT)
        app.tables.create(caller, contacts_table())
        ids: dict[str, int] = {}
        for name, file_name in JOBS.items():
            job = import_job(name, activate=name != "Draft job")
            job["import"]["file_pattern"] = file_name
            ids[name] = app.jobs.create(caller, job).id
            data = CSV.encode()
            app.file_server.put(caller.account_id, "upload", file_name, [data], len(data))
        group = app.groups.create(
            caller, group_request("Long group", [ids["Long load"], ids["Long follow-up"]])
        )
        ids["Long group"] = group.id
        ids[EXPORT] = app.jobs.create(caller, EXPORT_JOB).id
        return ids
    finally:
        app.close()


@contextlib.contextmanager
def serve(console_script: Path, env: dict[str, str], home: Path) -> Iterator[Site]:
    ids = seed(home)
    port = _free_port()
    log = home / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(console_script), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "DATACONNECT_HOME": str(home)},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        with httpx.Client(base_url=base_url, timeout=2.0) as probe:
            while True:
                if process.poll() is not None:
                    pytest.fail(f"serve exited {process.returncode}:\n{log.read_text()[-4000:]}")
                with contextlib.suppress(httpx.TransportError):
                    if probe.get("/healthz").status_code == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(f"serve did not answer in time:\n{log.read_text()[-4000:]}")
                time.sleep(0.1)
        yield Site(base_url=base_url, home=home, process=process, ids=ids)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def sign_in(page: Any, base_url: str, email: str = WRITER, password: str = PASSWORD) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Account").fill(ACCOUNT)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/connect/jobs")


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)


# Text contrast per WCAG 2.x: 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold).
# Backgrounds are composited from the root down; text hidden or clipped to 1 px is skipped.
CONTRAST_JS = (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8")


def check_page(page: Any, what: str) -> None:
    """AA contrast for every visible text, and nothing wider than the window."""
    found = page.evaluate(CONTRAST_JS)
    assert found["checked"] > 5, f"{what}: hardly any text was checked"
    assert not found["failures"], f"{what}: low contrast: {found['failures']}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{what}: {overflow} px wider than the window"
    unlabelled = page.evaluate(UNLABELLED_JS)
    assert not unlabelled, f"{what}: form controls without a label: {unlabelled}"


# Visible form controls a screen reader could not name.
UNLABELLED_JS = """
() => Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter((el) => el.type !== 'hidden' && el.getClientRects().length > 0)
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
    && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 80))
"""
