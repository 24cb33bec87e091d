"""The web UI over HTTP (no browser): sign-in, sessions, CSRF, roles, every page and action,
the wizard without JavaScript, and bad input. Pages and actions run on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from dataconnect.bootstrap import App
from dataconnect.clock import FakeClock
from dataconnect.domain.accounts import Caller
from dataconnect.testing import contacts_table, group_request, import_job

PASSWORD = "correct horse battery staple"
BASE = "http://testserver"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    app: App
    client: TestClient
    caller: Caller
    jobs: list[int]
    group: int

    def csrf(self, path: str = "/connect/jobs") -> str:
        page = self.client.get(path)
        found = CSRF.search(page.text)
        assert found, page.text[:500]
        return found.group(1)

    def post(self, path: str, data: dict[str, str] | None = None, **kw: object) -> httpx.Response:
        form = {"csrf_token": self.csrf(), **(data or {})}
        return self.client.post(path, data=form, follow_redirects=False, **kw)  # type: ignore[arg-type]


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    form = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token
    return client.post(
        "/login",
        data={
            "account": "Acme",
            "email": email,
            "password": password,
            "login_csrf": token.group(1),
            "next": "/connect/jobs",
        },
        follow_redirects=False,
    )


def _seed(app: App) -> tuple[Caller, list[int], int]:
    app.accounts.create_account("Acme", "Europe/Berlin")
    app.accounts.create_user("Acme", "ann@example.com", "data_director", PASSWORD)
    app.accounts.create_user("Acme", "vic@example.com", "viewer", PASSWORD)
    caller = app.accounts.cli_caller("Acme")
    app.tables.create(caller, contacts_table())
    jobs = [app.jobs.create(caller, import_job(f"Job {n}")).id for n in range(4)]
    group = app.groups.create(caller, group_request("Nightly", jobs[:2])).id
    return caller, jobs, group


def _site(app: App, email: str = "ann@example.com") -> Iterator[Site]:
    from dataconnect.api.app import create_app

    caller, jobs, group = _seed(app)
    with TestClient(create_app(app, worker=False), base_url=BASE) as client:
        assert sign_in(client, email).status_code == 303
        yield Site(app, client, caller, jobs, group)


@pytest.fixture
def site(app: App) -> Iterator[Site]:
    """A signed-in data director, on SQLite and on PostgreSQL."""
    yield from _site(app)


@pytest.fixture
def lite(sqlite_app: App) -> Iterator[Site]:
    """The same on SQLite only, for rules that do not depend on the database."""
    yield from _site(sqlite_app)


# --- signing in ---------------------------------------------------------------------------


def test_pages_ask_to_sign_in_first(sqlite_app: App) -> None:
    from dataconnect.api.app import create_app

    _seed(sqlite_app)
    with TestClient(create_app(sqlite_app, worker=False), base_url=BASE) as client:
        for path in ("/connect/jobs", "/connect/completed", "/connect/groups/1", "/"):
            answer = client.get(path, follow_redirects=True)
            assert answer.url.path == "/login"
            assert "Sign in to DataConnect" in answer.text
        assert client.get("/connect/group-runs/1/live").status_code == 401
        gone = client.post("/connect/groups/1/run", data={}, follow_redirects=False)
        assert gone.headers["location"].startswith("/login")


def test_a_wrong_password_and_an_unknown_user_look_the_same(sqlite_app: App) -> None:
    from dataconnect.api.app import create_app

    _seed(sqlite_app)
    with TestClient(create_app(sqlite_app, worker=False), base_url=BASE) as client:
        wrong = sign_in(client, "ann@example.com", "not the password at all")
        nobody = sign_in(client, "nobody@example.com")
        assert wrong.status_code == nobody.status_code == 401
        message = "Wrong account, email or password."
        assert message in wrong.text and message in nobody.text
        assert "dc_session" not in client.cookies


def test_a_sign_in_without_its_form_token_is_refused(sqlite_app: App) -> None:
    from dataconnect.api.app import create_app

    _seed(sqlite_app)
    with TestClient(create_app(sqlite_app, worker=False), base_url=BASE) as client:
        answer = client.post(
            "/login",
            data={"account": "Acme", "email": "ann@example.com", "password": PASSWORD},
            follow_redirects=False,
        )
        assert answer.status_code == 403
        assert "dc_session" not in client.cookies


def test_the_session_cookie_is_http_only_and_signing_out_ends_it_on_the_server(
    lite: Site,
) -> None:
    lite.client.cookies.clear()
    answer = sign_in(lite.client, "ann@example.com")
    header = answer.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=lax" in header and "Path=/" in header
    old = answer.cookies["dc_session"]
    out = lite.client.post("/logout", data={"csrf_token": lite.csrf()}, follow_redirects=False)
    assert out.headers["location"] == "/login"
    lite.client.cookies.set("dc_session", old)
    page = lite.client.get("/connect/jobs", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_a_session_ends_after_twelve_hours(lite: Site, clock: FakeClock) -> None:
    assert lite.client.get("/connect/jobs", follow_redirects=False).status_code == 200
    clock.advance(timedelta(hours=12, seconds=1))
    assert lite.client.get("/connect/jobs", follow_redirects=False).status_code == 303


def test_a_new_password_signs_the_user_out(lite: Site) -> None:
    lite.app.accounts.set_password("Acme", "ann@example.com", "another fine password")
    assert lite.client.get("/connect/jobs", follow_redirects=False).status_code == 303
    assert sign_in(lite.client, "ann@example.com").status_code == 401
    assert sign_in(lite.client, "ann@example.com", "another fine password").status_code == 303


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/api"],
)
def test_after_sign_in_the_user_never_leaves_the_site(sqlite_app: App, target: str) -> None:
    from dataconnect.api.app import create_app

    _seed(sqlite_app)
    with TestClient(create_app(sqlite_app, worker=False), base_url=BASE) as client:
        form = client.get("/login", params={"next": target})
        token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
        assert token
        answer = client.post(
            "/login",
            data={
                "account": "Acme",
                "email": "ann@example.com",
                "password": PASSWORD,
                "login_csrf": token.group(1),
                "next": target,
            },
            follow_redirects=False,
        )
        assert answer.headers["location"] == "/connect/jobs"


# --- CSRF, origin, roles ------------------------------------------------------------------


def _runs(site: Site) -> int:
    runs, _ = site.app.group_runs.list(site.caller, group_id=site.group)
    return len(runs)


def test_a_form_without_the_session_token_changes_nothing(lite: Site) -> None:
    for form in ({}, {"csrf_token": "forged"}):
        answer = lite.client.post(f"/connect/groups/{lite.group}/run", data=form)
        assert answer.status_code == 403
        assert "CSRF_INVALID" in answer.text
    assert _runs(lite) == 0


def test_a_form_posted_from_another_site_changes_nothing(lite: Site) -> None:
    answer = lite.post(
        f"/connect/groups/{lite.group}/run", headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403 and "ORIGIN_INVALID" in answer.text
    assert _runs(lite) == 0


def test_a_viewer_sees_no_write_action_and_the_server_refuses_them(sqlite_app: App) -> None:
    for site in _site(sqlite_app, "vic@example.com"):
        for path in ("/connect/jobs", "/connect/groups", f"/connect/groups/{site.group}"):
            page = site.client.get(path)
            assert page.status_code == 200
            for word in ("Run Now", "Create Group", "Deactivate", ">Delete<", ">Stop<"):
                assert word not in page.text, (path, word)
        assert site.client.get("/connect/groups/new").status_code == 403
        for path in (
            f"/connect/groups/{site.group}/run",
            f"/connect/groups/{site.group}/delete",
            f"/connect/jobs/{site.jobs[2]}/deactivate",
            "/connect/groups/new",
        ):
            answer = site.post(path, {"name": "Sneaky", "action": "save"})
            assert answer.status_code == 403, path
            assert "ROLE_VIEWER_READ_ONLY" in answer.text
        assert _runs(site) == 0
        assert site.app.jobs.get(site.caller, site.jobs[2]).state.value == "active"
        assert len(site.app.groups.list(site.caller)[0]) == 1


def test_pages_forbid_framing_and_outside_scripts(lite: Site) -> None:
    page = lite.client.get("/connect/groups")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["server-timing"].startswith("app;dur=")
    assert "content-security-policy" not in lite.client.get("/healthz").headers
    for asset in ("/static/app.css", "/static/app.js", "/static/favicon.svg"):
        assert lite.client.get(asset).status_code == 200
    assert "http" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', page.text))


# --- pages and actions, on both databases ---------------------------------------------------


def test_every_page_shows_what_it_should(site: Site) -> None:
    run = site.app.group_runs.start(site.caller, site.group)
    c = site.client
    jobs = c.get("/connect/jobs")
    assert jobs.status_code == 200 and "Job 0" in jobs.text and "4 jobs" in jobs.text
    assert "in group Nightly" in jobs.text
    assert "Run Now: Job 3" in jobs.text
    groups = c.get("/connect/groups")
    assert "Nightly" in groups.text and f"/connect/group-runs/{run.id}" in groups.text
    assert "Stop: Nightly" in groups.text  # it is queued, so Stop instead of Run Now
    group = c.get(f"/connect/groups/{site.group}")
    assert group.status_code == 200 and f'data-live="/connect/group-runs/{run.id}/live"' in (
        group.text
    )
    page = c.get(f"/connect/group-runs/{run.id}")
    assert page.status_code == 200 and "Job 0" in page.text and "Queued" in page.text
    live = c.get(f"/connect/group-runs/{run.id}/live").json()
    assert live["labels"] == {"ended": "—", "duration": "—", "email": "none"}
    assert live["state"] == "queued" and [s["job_name"] for s in live["steps"]] == [
        "Job 0",
        "Job 1",
    ]
    assert c.get("/connect/completed").status_code == 200
    filtered = c.get("/connect/jobs", params={"q": "job 3", "state": "active", "type": "import"})
    assert "Job 3" in filtered.text and "Job 2" not in filtered.text
    on_demand = c.get("/connect/jobs", params={"schedule": "daily"})
    assert "0 jobs" in on_demand.text


def test_run_stop_activate_deactivate_and_delete_from_the_page(site: Site) -> None:
    ran = site.post(f"/connect/groups/{site.group}/run", {"next": "/connect/groups"})
    assert ran.status_code == 303 and ran.headers["location"].startswith("/connect/group-runs/")
    shown = site.client.get(ran.headers["location"])
    assert "Nightly started" in shown.text
    assert "Nightly started" not in site.client.get(ran.headers["location"]).text  # once
    again = site.post(f"/connect/groups/{site.group}/run", {"next": "/connect/groups"})
    assert again.headers["location"] == "/connect/groups"
    assert "GROUP_ALREADY_RUNNING" in site.client.get("/connect/groups").text
    stopped = site.post(f"/connect/groups/{site.group}/stop")
    assert stopped.status_code == 303
    runs, _ = site.app.group_runs.list(site.caller, group_id=site.group)
    assert runs[0].state.value == "stopped"

    assert site.post(f"/connect/groups/{site.group}/deactivate").status_code == 303
    assert site.app.groups.get(site.caller, site.group).state.value == "saved"
    refused = site.post(f"/connect/groups/{site.group}/run", {"next": "/connect/groups"})
    assert refused.headers["location"] == "/connect/groups"
    assert "GROUP_NOT_ACTIVE" in site.client.get("/connect/groups").text
    assert site.post(f"/connect/groups/{site.group}/activate").status_code == 303

    job_run = site.post(f"/connect/jobs/{site.jobs[3]}/run")
    assert job_run.headers["location"].startswith("/connect/job-runs/")
    run_id = job_run.headers["location"].rsplit("/", 1)[1]
    assert site.post(f"/connect/job-runs/{run_id}/stop").status_code == 303
    assert "Aborted" in site.client.get(f"/connect/job-runs/{run_id}").text

    confirm = site.client.get(f"/connect/groups/{site.group}/delete")
    assert "does not delete its jobs" in confirm.text
    deleted = site.post(f"/connect/groups/{site.group}/delete")
    assert deleted.headers["location"] == "/connect/groups"
    assert len(site.app.jobs.list(site.caller)[0]) == 4
    assert site.post(f"/connect/jobs/{site.jobs[0]}/delete").status_code == 303
    assert len(site.app.jobs.list(site.caller)[0]) == 3


# --- the wizard without JavaScript -----------------------------------------------------------


def _wizard(site: Site, **fields: str | list[str]) -> httpx.Response:
    form: dict[str, str | list[str]] = {
        "csrf_token": site.csrf("/connect/groups/new"),
        "name": "Morning",
        "notify_when": "none",
        "schedule_kind": "on_demand",
        "schedule_hour": "2",
        "schedule_slot": "0",
        **fields,
    }
    return site.client.post("/connect/groups/new", data=form, follow_redirects=False)


def _chosen(page: httpx.Response) -> list[str]:
    return re.findall(r'name="job_ids" value="(\d+)"', page.text)


def test_the_move_buttons_work_without_javascript(site: Site) -> None:
    a, b = (str(j) for j in site.jobs[2:4])
    added = _wizard(site, action=f"add:{a}")
    assert added.status_code == 200 and _chosen(added) == [a]
    both = _wizard(site, job_ids=[a], action=f"add:{b}")
    assert _chosen(both) == [a, b]
    assert _chosen(_wizard(site, job_ids=[a, b], action=f"up:{b}")) == [b, a]
    assert _chosen(_wizard(site, job_ids=[a, b], action=f"down:{a}")) == [b, a]
    assert _chosen(_wizard(site, job_ids=[a, b], action=f"remove:{a}")) == [b]
    # The jobs of another group are listed but cannot be added, and say why.
    page = _wizard(site, action="stay")
    assert "already belongs to another group" in page.text
    assert f'value="add:{site.jobs[0]}"' not in page.text


def test_the_wizard_saves_or_activates(site: Site) -> None:
    a, b = (str(j) for j in site.jobs[2:4])
    saved = _wizard(site, job_ids=[b, a], action="save", description="<b>bold</b>")
    assert saved.status_code == 303
    group_id = int(saved.headers["location"].rsplit("/", 1)[1])
    group = site.app.groups.get(site.caller, group_id)
    assert group.state.value == "saved" and group.job_ids == (int(b), int(a))
    page = site.client.get(saved.headers["location"])
    assert "&lt;b&gt;bold&lt;/b&gt;" in page.text and "<b>bold</b>" not in page.text
    site.app.groups.delete(site.caller, group_id)
    active = _wizard(
        site,
        job_ids=[a, b],
        action="activate",
        notify_when="failure",
        notify_emails="ops@example.com,\n dev@example.com",
        schedule_kind="monthly",
        schedule_day="last",
        schedule_hour="23",
        schedule_slot="3",
        expires_on="2026-03-01",
    )
    assert active.status_code == 303
    group = site.app.groups.get(site.caller, int(active.headers["location"].rsplit("/", 1)[1]))
    assert group.state.value == "active"
    assert list(group.notification.emails) == ["ops@example.com", "dev@example.com"]
    assert group.schedule is not None and group.schedule.day == "last"
    assert (
        "Monthly on day last, 23:45\u201323:59" in site.client.get(active.headers["location"]).text
    )
    assert group.expires_at.isoformat().startswith("2026-03-01T23:00")


def test_the_wizard_lists_every_error_with_its_step(site: Site) -> None:
    page = _wizard(
        site,
        name="",
        job_ids=["abc", str(site.jobs[0])],
        action="activate",
        notify_when="failure",
        schedule_kind="weekly",
        schedule_hour="25",
    )
    assert page.status_code == 400
    summary = re.findall(r'<a href="#([^"]+)" data-goto-step="(\d)">([^<]+)</a>', page.text)
    assert ("f-jobs", "1") in {(t, s) for t, s, _ in summary}
    assert page.text.count('class="field-error"') >= 1
    assert "JOB_IDS_INVALID" in page.text
    real = _wizard(
        site,
        name="",
        job_ids=[str(site.jobs[0])],
        action="activate",
        notify_when="failure",
        schedule_kind="weekly",
        schedule_hour="25",
    )
    found = {
        (t, s)
        for t, s, _ in re.findall(
            r'<a href="#([^"]+)" data-goto-step="(\d)">([^<]+)</a>', real.text
        )
    }
    assert {("f-name", "0"), ("f-jobs", "1"), ("f-notify-emails", "2")} <= found
    assert ("f-schedule-weekdays", "3") in found and ("f-schedule-hour", "3") in found
    assert 'data-step="0"' in real.text  # opens at the first step with an error
    assert len(site.app.groups.list(site.caller)[0]) == 1


def test_the_schedule_preview(site: Site) -> None:
    token = site.csrf("/connect/groups/new")
    answer = site.client.post(
        "/connect/groups/preview",
        data={
            "csrf_token": token,
            "schedule_kind": "daily",
            "schedule_hour": "2",
            "schedule_slot": "1",
        },
    )
    body = answer.json()
    assert body["zone"] == "Europe/Berlin" and len(body["windows"]) == 5
    assert body["windows"][0]["label"] == "2026-01-16 02:15\u201302:29 CET"
    late = site.client.post(
        "/connect/groups/preview",
        data={
            "csrf_token": token,
            "schedule_kind": "once",
            "schedule_date": "2026-01-15",
            "schedule_hour": "8",
            "schedule_slot": "0",
        },
    ).json()
    assert late["windows"] == []
    assert late["errors"][0]["code"] == "SLOT_ALREADY_STARTED"
    assert late["errors"][0]["target"] == "f-schedule-slot"
    forged = site.client.post("/connect/groups/preview", data={"schedule_kind": "daily"})
    assert forged.status_code == 403


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/connect/groups/0", 404),
        ("/connect/groups/abc", 404),
        ("/connect/groups/99999999999999999999999", 404),
        ("/connect/groups/999", 404),
        ("/connect/group-runs/-1", 404),
        ("/connect/job-runs/1e3", 404),
        ("/connect/jobs?page=0", 400),
        ("/connect/jobs?page=abc", 400),
        ("/connect/jobs?size=7", 400),
        ("/connect/jobs?type=report", 400),
        ("/connect/jobs?schedule=hourly", 400),
        ("/connect/groups?state=running", 400),
        ("/connect/groups?q=" + "x" * 101, 400),
        ("/connect/groups?q=%01", 400),
        ("/connect/completed?cursor=garbage", 400),
        ("/connect/files/download/..%2Fmeta.db", 404),
        ("/connect/files/download/missing.csv", 404),
        ("/connect/jobs/7/delete", 404),
    ],
)
def test_bad_input_gets_a_clear_page_never_a_500(lite: Site, path: str, status: int) -> None:
    answer = lite.client.get(path)
    assert answer.status_code == status, answer.text[:300]
    assert "Error code" in answer.text


def test_unknown_verbs_and_ids_in_forms_change_nothing(lite: Site) -> None:
    assert lite.post(f"/connect/groups/{lite.group}/explode").status_code == 404
    assert lite.post("/connect/groups/abc/run").status_code == 303
    assert "NOT_FOUND" in lite.client.get("/connect/groups").text
    assert _runs(lite) == 0


def test_search_takes_wildcards_literally(lite: Site) -> None:
    for name in ("a_b", "axb"):
        lite.app.groups.create(lite.caller, group_request(name, [], activate=False))
    page = lite.client.get("/connect/groups", params={"q": "a_b"})
    assert "a_b" in page.text and "axb" not in page.text
    assert "0 groups<" in lite.client.get("/connect/groups", params={"q": "%"}).text
    assert "0 groups<" in lite.client.get("/connect/groups", params={"q": "\\"}).text


def test_completed_jobs_link_to_the_log_and_the_rejects_file(site: Site) -> None:
    data = b"cust_id,email,city,legacy\nC1,a@x.com,Berlin,\nC2,not-an-email,Paris,\n"
    site.app.file_server.put(site.caller.account_id, "upload", "customers_20260115.csv", [data], 99)
    run = site.app.runs.start_job(site.caller, site.jobs[3])
    done = site.app.runs.execute(site.caller.account_id, run.id, threading.Event())
    assert done.state.value == "succeeded" and done.rejects_file
    page = site.client.get("/connect/completed")
    assert f'href="/connect/job-runs/{run.id}"' in page.text
    link = f"/connect/files/download/{done.rejects_file}"
    assert f'href="{link}"' in page.text
    rejects = site.client.get(link)
    assert rejects.status_code == 200
    assert "attachment" in rejects.headers["content-disposition"]
    assert b"not-an-email" in rejects.content
    log = site.client.get(f"/connect/job-runs/{run.id}")
    assert "running → succeeded" in log.text and "rejects file" in log.text
