"""The web UI in a real headless Chromium against a real `dataconnect serve` (SQLite).

Tests run in file order against one server: the group made by the wizard is the one that is
run, watched and deleted; the long run comes last because it holds the data file's lock.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import (
    ARTIFACTS,
    VIEWER,
    VIEWER_PASSWORD,
    Site,
    check_page,
    chromium_path,
    serve,
    shot,
    sign_in,
)
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.sync_api import Browser, Page, expect, sync_playwright

pytestmark = pytest.mark.e2e

WAIT_MS = 20_000
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    script = Path(sys.executable).parent / "dataconnect"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATACONNECT_")}
    env["PYTHONUNBUFFERED"] = "1"
    env["DATACONNECT_SFTP_PORT"] = "0"  # no SFTP here: the page tests only
    with serve(script, env, tmp_path_factory.mktemp("web") / "home") as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def outside() -> list[str]:
    """Requests the pages made to anywhere but our server."""
    return []


def _page(browser: Browser, site: Site, outside: list[str], viewport: dict[str, int]) -> Page:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    context.set_default_timeout(WAIT_MS)

    def note(request: Any) -> None:
        if not request.url.startswith((site.base_url, "data:")):
            outside.append(request.url)

    context.on("request", note)
    return context.new_page()


@pytest.fixture
def page(browser: Browser, site: Site, outside: list[str]) -> Iterator[Page]:
    found = _page(browser, site, outside, DESKTOP)
    yield found
    found.context.close()
    assert not outside, f"pages fetched from outside the server: {outside}"


@pytest.fixture
def phone(browser: Browser, site: Site, outside: list[str]) -> Iterator[Page]:
    found = _page(browser, site, outside, PHONE)
    yield found
    found.context.close()
    assert not outside, f"pages fetched from outside the server: {outside}"


def _group_ids(page: Page) -> list[str]:
    return page.eval_on_selector_all("#chosen input[name=job_ids]", "els => els.map(e => e.value)")


def test_signing_in_needs_the_right_password_and_signing_out_ends_the_session(
    page: Page, site: Site
) -> None:
    page.goto(site.base_url + "/connect/groups")
    expect(page).to_have_url(re.compile(r"/login\?next=/connect/groups"))
    page.get_by_label("Account").fill("Acme")
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong account, email or password")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/connect/groups$"))
    cookie = next(c for c in page.context.cookies() if c["name"] == "dc_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    # The old cookie is dead on the server, not just forgotten by the browser.
    page.context.add_cookies([{**cookie}])  # type: ignore[list-item]
    page.goto(site.base_url + "/connect/jobs")
    expect(page).to_have_url(re.compile(r"/login"))


def test_a_group_made_by_dragging_and_keys_is_activated_run_and_watched_to_the_end(
    page: Page, site: Site
) -> None:
    sign_in(page, site.base_url)
    page.get_by_role("link", name="Group jobs").click()
    page.get_by_role("link", name="Create Group").click()
    expect(page.get_by_role("heading", name="Create Group")).to_be_visible()
    shot(page, "wizard-0-details")
    page.get_by_label("Name").fill("Morning load")
    page.get_by_label("Description").fill("Contacts, then cities")
    page.get_by_role("button", name="Next").click()

    # Step 1: one job dragged, one added by keyboard, then reordered by keyboard.
    available = page.locator("#available")
    chosen = page.locator("#chosen")
    draft = available.locator("li", has_text="Draft job")
    expect(draft).to_have_attribute("aria-disabled", "true")
    expect(draft).to_contain_text("saved but was never activated")
    available.locator("li", has_text="Refresh cities").drag_to(chosen)
    expect(chosen.locator("li")).to_have_count(1)
    contacts = available.locator("li", has_text=re.compile(r"^\s*Load contacts"))
    contacts.focus()
    page.keyboard.press("Enter")
    expect(chosen.locator("li")).to_have_count(2)
    ids = site.ids
    assert _group_ids(page) == [str(ids["Refresh cities"]), str(ids["Load contacts"])]
    page.keyboard.press("Alt+ArrowUp")  # focus stayed on Load contacts
    assert _group_ids(page) == [str(ids["Load contacts"]), str(ids["Refresh cities"])]
    expect(page.locator("#announce")).to_contain_text("Load contacts moved to position 1 of 2")
    # A third job added with its button and taken out again by the Delete key.
    available.get_by_role("button", name="Add Load more contacts to the group").click()
    expect(chosen.locator("li")).to_have_count(3)
    chosen.locator("li", has_text="Load more contacts").focus()
    page.keyboard.press("Delete")
    expect(chosen.locator("li")).to_have_count(2)
    # Reordered by dragging within the Group list: dropped on the top half of the first job.
    first = chosen.locator("li").first
    chosen.locator("li", has_text="Refresh cities").drag_to(
        first, target_position={"x": 20, "y": 3}
    )
    assert _group_ids(page) == [str(ids["Refresh cities"]), str(ids["Load contacts"])]
    first = chosen.locator("li").first
    chosen.locator("li", has_text="Load contacts").drag_to(first, target_position={"x": 20, "y": 3})
    assert _group_ids(page) == [str(ids["Load contacts"]), str(ids["Refresh cities"])]
    shot(page, "wizard-1-jobs")
    page.get_by_role("button", name="Next").click()

    # Step 2: notification.
    page.get_by_label("On failure only").check()
    page.get_by_label("Recipients").fill("ops@example.com")
    shot(page, "wizard-2-notification")
    page.get_by_role("button", name="Next").click()

    # Step 3: a weekly schedule; the preview follows the fields.
    page.get_by_label("Weekly").check()
    page.get_by_label("Wed").check()
    page.get_by_label("Hour").select_option("6")
    page.get_by_label("Slot").select_option("2")
    expect(page.locator("#preview li").first).to_contain_text("06:30\u201306:44")
    shot(page, "wizard-3-schedule")
    page.get_by_role("button", name="Activate").click()

    expect(page.get_by_role("status")).to_contain_text("Group Morning load created and activated")
    expect(page.locator("ol.order li")).to_have_text(["Load contacts", "Refresh cities"])
    expect(page.locator("h1")).to_contain_text("Active")
    # The data file's write lock, held here, keeps the run's first import waiting, so the run
    # is still going when its page opens (a 3-row run could end before): the page must see
    # the end by itself.
    lock = sqlite3.connect(site.home / "data.db", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        page.get_by_role("button", name="Run Now").click()
        expect(page).to_have_url(re.compile(r"/connect/group-runs/\d+$"))
        expect(page.locator("[data-field=live-note]")).to_have_text("Updating as the run goes.")
    finally:
        lock.execute("ROLLBACK")
        lock.close()

    # The run page updates itself until the run ends.
    expect(page.locator("[data-field=run-state]")).to_contain_text("Succeeded", timeout=WAIT_MS)
    rows = page.locator("table.steps tbody tr")
    expect(rows.nth(0).locator("[data-field=state]")).to_have_text("Succeeded")
    expect(rows.nth(1).locator("[data-field=state]")).to_have_text("Succeeded")
    expect(rows.nth(0).locator("[data-field=records_processed]")).to_have_text("3")
    expect(page.locator("[data-field=live-note]")).to_contain_text("The run ended")
    shot(page, "group-run")

    page.get_by_role("link", name="Completed jobs").click()
    done = page.locator("tbody tr", has_text="Load contacts").first
    expect(done).to_contain_text("Succeeded")
    expect(done.get_by_role("link", name="Log")).to_be_visible()
    done.get_by_role("link", name="Log").click()
    expect(page.locator("ol.log")).to_contain_text("running → succeeded")


def test_the_wizard_shows_every_server_error_at_its_step(page: Page, site: Site) -> None:
    sign_in(page, site.base_url)
    page.goto(site.base_url + "/connect/groups/new")
    for _ in range(3):
        page.get_by_role("button", name="Next").click()
    page.get_by_label("Once").check()
    page.get_by_label("Date").fill("2020-01-01")
    page.get_by_role("button", name="Activate").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("li")).to_have_count(4)
    expect(summary).to_contain_text("Details: a name is required")
    expect(summary).to_contain_text("Select jobs: a group needs at least 2 jobs")
    expect(summary).to_contain_text("Notification: who gets the failure emails?")
    expect(summary).to_contain_text("Schedule: this slot has already begun")
    shot(page, "wizard-errors")
    # The wizard opened at the first step with an error; each link opens its step.
    expect(page.get_by_label("Name")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link", name=re.compile("^Schedule")).click()
    expect(page.locator("#f-schedule-slot")).to_be_focused()
    slot_error = page.locator("fieldset[data-step='3'] .field-error")
    expect(slot_error).to_contain_text("SLOT_ALREADY_STARTED")


def test_every_tab_and_step_reads_well_at_1280_and_390_px(
    page: Page, phone: Page, site: Site
) -> None:
    group = site.ids["Long group"]
    # Group run 1 and job run 1 are the Morning load run of the wizard test above.
    pages = [
        ("tab-all-jobs", "/connect/jobs"),
        ("tab-completed-jobs", "/connect/completed"),
        ("tab-group-jobs", "/connect/groups"),
        ("group-page", f"/connect/groups/{group}"),
        ("group-run-page", "/connect/group-runs/1"),
        ("job-run-page", "/connect/job-runs/1"),
        ("confirm-delete", f"/connect/groups/{group}/delete"),
        ("wizard", "/connect/groups/new"),
    ]
    for view in (page, phone):
        view.goto(site.base_url + "/login")
        check_page(view, f"sign-in at {view.viewport_size}")
        shot(view, "sign-in")
        sign_in(view, site.base_url)
        for name, path in pages:
            view.goto(site.base_url + path)
            check_page(view, f"{name} at {view.viewport_size}")
            shot(view, name)
        for step in range(1, 4):
            view.get_by_role("button", name="Next").click()
            check_page(view, f"wizard step {step} at {view.viewport_size}")
            if view is phone:
                shot(view, f"wizard-{step}")
    assert ARTIFACTS.exists()


def test_a_viewer_is_offered_no_change_and_the_server_refuses_one(page: Page, site: Site) -> None:
    sign_in(page, site.base_url, VIEWER, VIEWER_PASSWORD)
    for path in ("/connect/jobs", "/connect/groups", f"/connect/groups/{site.ids['Long group']}"):
        page.goto(site.base_url + path)
        expect(page.locator("main")).to_be_visible()
        for label in ("Run Now", "Stop", "Delete", "Activate", "Deactivate"):
            expect(page.get_by_role("button", name=label)).to_have_count(0)
        expect(page.get_by_role("link", name="Create Group")).to_have_count(0)
        expect(page.get_by_role("link", name="Delete")).to_have_count(0)
    shot(page, "viewer-group-jobs")
    page.goto(site.base_url + "/connect/groups/new")
    expect(page.locator("main")).to_contain_text("only a data director may make changes")
    # A forged form from the viewer's own session (right CSRF token) is still refused.
    page.goto(site.base_url + "/connect/groups")
    token = page.eval_on_selector("form[action='/logout'] input[name=csrf_token]", "e => e.value")
    answer = page.request.post(
        f"{site.base_url}/connect/groups/{site.ids['Long group']}/run",
        form={"csrf_token": token},
        max_redirects=0,
    )
    assert answer.status == 403
    assert "ROLE_VIEWER_READ_ONLY" in answer.text()
    page.goto(f"{site.base_url}/connect/groups/{site.ids['Long group']}")
    expect(page.get_by_text("This group has not run yet.")).to_be_visible()


def test_deleting_a_group_asks_first_and_keeps_its_jobs(page: Page, site: Site) -> None:
    sign_in(page, site.base_url)
    page.goto(site.base_url + "/connect/groups")
    row = page.locator("tbody tr", has_text="Morning load")
    row.get_by_role("link", name="Delete: Morning load").click()
    expect(page.get_by_role("alertdialog")).to_contain_text(
        "Deleting a group does not delete its jobs"
    )
    shot(page, "confirm-delete")
    page.get_by_role("button", name="Delete group").click()
    expect(page.get_by_role("status")).to_contain_text("Group Morning load deleted")
    expect(page.locator("tbody tr", has_text="Morning load")).to_have_count(0)
    page.get_by_role("link", name="All jobs").click()
    expect(page.locator("tbody tr", has_text="Load contacts")).to_have_count(1)
    expect(page.locator("tbody tr", has_text="Refresh cities")).to_have_count(1)
    page.get_by_label("Name").fill("refresh")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr")).to_have_count(1)


def test_an_export_is_run_now_and_its_file_downloaded_from_its_run_page(
    page: Page, site: Site
) -> None:
    sign_in(page, site.base_url)
    page.get_by_role("button", name="Run Now: Contacts out").click()
    expect(page).to_have_url(re.compile(r"/connect/job-runs/\d+$"))
    expect(page.locator("h1")).to_contain_text("Succeeded")  # the page follows the run
    files = page.locator("ul.files a")
    expect(files).to_have_text(["download/contacts_out.csv", "download/contacts_out.ready"])
    shot(page, "export-run")
    check_page(page, "an export's run page")
    with page.expect_download() as waiting:
        files.first.click()
    download = waiting.value
    assert download.suggested_filename == "contacts_out.csv"
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "CUSTOMER_ID_,EMAIL_ADDRESS_,CITY_"
    ready = page.context.request.get(site.base_url + "/connect/files/download/contacts_out.ready")
    assert ready.text() == f"contacts_out.csv,{len(lines) - 1}\n"


def test_an_ssh_key_is_pasted_listed_and_removed_on_the_sftp_page(
    page: Page, phone: Page, site: Site
) -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    line = private.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
    sign_in(page, site.base_url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="SFTP access").click()
    expect(page).to_have_url(re.compile(r"/connect/sftp$"))
    expect(page.locator("#sftp-command")).to_have_text(re.compile(r"^sftp -P \d+ acme-\d+@"))
    expect(page.locator("[data-field=host-key]")).to_have_count(2)
    # A short RSA key: the error sits beside the field, and what was pasted stays.
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    weak_line = weak.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
    page.get_by_label("Name").fill("laptop")
    page.get_by_label("Public key").fill(weak_line)
    page.get_by_role("button", name="Add key").click()
    expect(page.locator("#k-public-key-error-1")).to_contain_text("SSH_KEY_TOO_WEAK")
    expect(page.get_by_label("Public key")).to_have_attribute("aria-invalid", "true")
    shot(page, "sftp-key-error")
    # Pasted and sent with the keyboard alone.
    page.get_by_label("Public key").fill(line + " ann@laptop")
    page.get_by_label("Public key").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Add key")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Key laptop added")
    row = page.locator("tbody tr", has_text="laptop")
    expect(row).to_contain_text("ed25519")
    expect(row).to_contain_text("SHA256:")
    expect(row).to_contain_text("Never")
    check_page(page, "the SFTP page at 1280 px")
    shot(page, "sftp")
    sign_in(phone, site.base_url)
    phone.goto(site.base_url + "/connect/sftp")
    check_page(phone, "the SFTP page at 390 px")
    shot(phone, "sftp")
    row.get_by_role("link", name="Remove: laptop").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Remove SSH key laptop?")
    page.get_by_role("button", name="Remove key").click()
    expect(page.get_by_role("status")).to_contain_text("Key laptop removed")
    expect(page.locator("tbody tr", has_text="laptop")).to_have_count(0)


def test_a_long_run_is_stopped_from_its_page(page: Page, site: Site) -> None:
    """The first step waits for the data file's write lock, held here, until Stop."""
    held = sqlite3.connect(site.home / "data.db", isolation_level=None)
    held.execute("BEGIN IMMEDIATE")
    try:
        sign_in(page, site.base_url)
        page.goto(site.base_url + "/connect/groups")
        page.get_by_role("button", name="Run Now: Long group").click()
        expect(page).to_have_url(re.compile(r"/connect/group-runs/\d+$"))
        state = page.locator("[data-field=run-state]")
        expect(state).to_contain_text("Running")
        first = page.locator("table.steps tbody tr").nth(0).locator("[data-field=state]")
        expect(first).to_have_text("Running")
        shot(page, "long-run-running")
        page.get_by_role("button", name="Stop").click()
        expect(state).to_contain_text("Stopped", timeout=WAIT_MS)
        steps = page.locator("table.steps tbody tr")
        expect(steps.nth(0).locator("[data-field=state]")).to_have_text("Aborted")
        expect(steps.nth(1).locator("[data-field=state]")).to_have_text("Not run")
        expect(page.get_by_role("button", name="Stop")).to_have_count(0)
        expect(page.locator("[data-field=ended]")).to_contain_text(re.compile(r"\d\d:\d\d"))
        expect(steps.nth(0).locator("td").first).to_have_text("1")
        shot(page, "long-run-stopped")
    finally:
        held.execute("ROLLBACK")
        held.close()
