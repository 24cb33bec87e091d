"""Tables, jobs and groups through the CLI, with JSON documents in files or on stdin."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from dataconnect.testing import contacts_table, import_job, pet_table, supplemental_table

if TYPE_CHECKING:
    from tests.cli.conftest import Cli

A = "Acme"


@pytest.fixture
def acme(dc: Cli) -> Cli:
    """The CLI with account Acme and its CONTACTS profile list."""
    dc.ok("accounts", "create", A, "--timezone", "Europe/Berlin")
    dc.ok("tables", "create", "--account", A, "--file", dc.write("contacts.json", contacts_table()))
    return dc


def _create_job(dc: Cli, name: str, *, activate: bool = True) -> dict[str, Any]:
    path = dc.write(f"job-{name}.json", import_job(name, activate=False))
    args = ["jobs", "create", "--account", A, "--file", path, "--json"]
    if activate:
        args.append("--activate")
    return dict(dc.json(*args))


def _job(dc: Cli, name: str) -> dict[str, Any]:
    return dict(dc.json("jobs", "show", name, "--account", A))


# --- tables ------------------------------------------------------------------------------


def test_tables_create_from_a_file_then_list_and_show(dc: Cli) -> None:
    dc.ok("accounts", "create", A)
    out = dc.ok(
        "tables", "create", "--account", A, "--file", dc.write("contacts.json", contacts_table())
    )
    assert "CONTACTS" in out
    dc.ok("tables", "create", "-a", A, "-f", dc.write("pet.json", pet_table()))

    listed = dc.json("tables", "list", "--account", A, "--json")

    assert [(t["name"], t["kind"], t["list"]) for t in listed] == [
        ("CONTACTS", "profile_list", None),
        ("PURCHASES", "pet", "CONTACTS"),
    ]
    assert all(t["row_count"] == 0 for t in listed)

    shown = dc.json("tables", "show", "PURCHASES", "--account", A, "--json")

    assert shown["name"] == "PURCHASES"
    assert shown["kind"] == "pet"
    assert shown["list"] == "CONTACTS"
    assert shown["row_count"] == 0
    user_fields = {f["name"]: f["type"] for f in shown["fields"] if not f["system"]}
    assert user_fields == {"LAST_ORDER": "date", "TOTAL": "number"}


def test_tables_create_from_stdin(dc: Cli) -> None:
    dc.ok("accounts", "create", A)

    created = dc.json(
        "tables",
        "create",
        "--account",
        A,
        "--file",
        "-",
        "--json",
        input=json.dumps(supplemental_table()),
    )

    assert created["name"] == "PRODUCTS"
    assert created["kind"] == "supplemental"
    assert created["primary_key"] == ["SKU"]
    assert created["row_count"] == 0
    shown = dc.json("tables", "show", "PRODUCTS", "--account", A, "--json")
    assert shown["primary_key"] == ["SKU"]
    assert [f["name"] for f in shown["fields"]] == [f["name"] for f in created["fields"]]


def test_tables_show_as_a_table(acme: Cli) -> None:
    out = acme.ok("tables", "show", "CONTACTS", "--account", A)
    assert "FIRST_NAME" in out
    assert "CONTACTS" in out


def test_tables_show_unknown_table(acme: Cli) -> None:
    result = acme.fails("TABLE", "tables", "show", "NOPE", "--account", A)
    assert "NOT_FOUND" in result.stderr


def test_tables_from_stdin_that_is_not_an_object(acme: Cli) -> None:
    acme.fails("BODY_INVALID", "tables", "create", "--account", A, "--file", "-", input="[1, 2]")


# --- jobs --------------------------------------------------------------------------------


def test_jobs_create_activate_list_show(acme: Cli) -> None:
    out = acme.ok(
        "jobs",
        "create",
        "--account",
        A,
        "--file",
        acme.write("job.json", import_job("Daily customers", activate=False)),
        "--activate",
    )
    assert "Daily customers" in out
    assert "active" in out
    saved = _create_job(acme, "Saved only", activate=False)
    assert saved["state"] == "saved"

    listed = acme.json("jobs", "list", "--account", A, "--json")

    assert [(j["name"], j["state"], j["type"]) for j in listed] == [
        ("Daily customers", "active", "import"),
        ("Saved only", "saved", "import"),
    ]
    active = acme.json("jobs", "list", "--account", A, "--state", "active", "--json")
    assert [j["name"] for j in active] == ["Daily customers"]

    shown = _job(acme, "Daily customers")
    assert shown["id"] == listed[0]["id"]
    assert shown["run_mode"] == "on_demand"
    assert shown["expires_at"] == "never"
    assert shown["import"]["target"] == "CONTACTS"
    assert shown["import"]["file_pattern"] == "customers_{YYYYMMDD}.csv"
    assert shown["group_id"] is None
    # By id too.
    assert acme.json("jobs", "show", str(shown["id"]), "--account", A)["name"] == "Daily customers"


def test_jobs_create_without_activate_keeps_it_saved(acme: Cli) -> None:
    job = _create_job(acme, "Later", activate=False)
    assert job["state"] == "saved"
    assert _job(acme, "Later")["state"] == "saved"


def test_jobs_update_from_a_patch_file(acme: Cli) -> None:
    _create_job(acme, "Daily customers")
    patch = {"description": "from the CRM", "import": {"file_pattern": "crm_{YYYYMMDD}.csv"}}

    changed = acme.json(
        "jobs",
        "update",
        "Daily customers",
        "--account",
        A,
        "--file",
        acme.write("patch.json", patch),
        "--json",
    )

    assert changed["description"] == "from the CRM"
    assert changed["import"]["file_pattern"] == "crm_{YYYYMMDD}.csv"
    shown = _job(acme, "Daily customers")
    assert shown["description"] == "from the CRM"
    assert shown["import"]["file_pattern"] == "crm_{YYYYMMDD}.csv"
    # The keys the patch left out are kept.
    assert shown["import"]["target"] == "CONTACTS"
    assert shown["import"]["match"]["columns"] == ["CUSTOMER_ID_"]
    assert shown["state"] == "active"


def test_jobs_update_rename(acme: Cli) -> None:
    _create_job(acme, "Old name")
    acme.ok("jobs", "update", "Old name", "-a", A, "-f", acme.write("p.json", {"name": "New name"}))
    assert _job(acme, "New name")["name"] == "New name"
    acme.fails("JOB_NOT_FOUND", "jobs", "show", "Old name", "--account", A)


def test_jobs_deactivate_activate_delete(acme: Cli) -> None:
    _create_job(acme, "Daily customers")

    out = acme.ok("jobs", "deactivate", "Daily customers", "--account", A)
    assert "inactive" in out
    assert _job(acme, "Daily customers")["state"] == "inactive"

    again = acme.json("jobs", "activate", "Daily customers", "--account", A, "--json")
    assert again["state"] == "active"
    assert _job(acme, "Daily customers")["state"] == "active"

    out = acme.ok("jobs", "delete", "Daily customers", "--account", A)
    assert "deleted" in out
    assert acme.json("jobs", "list", "--account", A, "--json") == []
    acme.fails("JOB_NOT_FOUND", "jobs", "show", "Daily customers", "--account", A)


def test_jobs_deactivate_a_saved_job_is_refused(acme: Cli) -> None:
    _create_job(acme, "Saved", activate=False)
    acme.fails("JOB_NOT_ACTIVE", "jobs", "deactivate", "Saved", "--account", A)


def test_jobs_list_as_a_table(acme: Cli) -> None:
    _create_job(acme, "Nightly")
    out = acme.ok("jobs", "list", "--account", A)
    assert "Nightly" in out
    assert "never" in out


def test_jobs_create_with_problems_lists_each(acme: Cli) -> None:
    job = import_job("Broken", activate=False)
    job["type"] = "sideways"
    job["run_mode"] = "sometimes"
    result = acme.fails(
        "VALIDATION_FAILED", "jobs", "create", "-a", A, "-f", acme.write("bad.json", job)
    )
    assert "JOB_TYPE_INVALID" in result.stderr
    assert "RUN_MODE_INVALID" in result.stderr


# --- groups ------------------------------------------------------------------------------


@pytest.fixture
def two_jobs(acme: Cli) -> tuple[dict[str, Any], dict[str, Any]]:
    return _create_job(acme, "A"), _create_job(acme, "B")


def test_groups_create_show_reorder_list_delete(
    acme: Cli, two_jobs: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    job_a, job_b = two_jobs

    out = acme.ok(
        "groups",
        "create",
        "Nightly",
        "--account",
        A,
        "--job",
        "A",
        "--job",
        "B",
        "--activate",
        "--notify",
        "failure",
        "--email",
        "ops@example.com",
    )
    assert "Nightly" in out
    assert "active" in out

    shown = acme.json("groups", "show", "Nightly", "--account", A, "--json")
    assert shown["state"] == "active"
    assert shown["job_ids"] == [job_a["id"], job_b["id"]]
    assert [(m["position"], m["job_name"]) for m in shown["jobs"]] == [(0, "A"), (1, "B")]
    assert shown["notification"] == {"when": "failure", "emails": ["ops@example.com"]}
    assert shown["schedule"] is None
    assert shown["schedule_type"] == "on_demand"
    assert _job(acme, "A")["group_id"] == shown["id"]
    assert _job(acme, "B")["group_id"] == shown["id"]

    reordered = acme.json(
        "groups", "reorder", "Nightly", "--account", A, "--job", "B", "--job", "A", "--json"
    )
    assert reordered["job_ids"] == [job_b["id"], job_a["id"]]
    shown = acme.json("groups", "show", "Nightly", "--account", A, "--json")
    assert [m["job_name"] for m in shown["jobs"]] == ["B", "A"]
    assert shown["state"] == "active"

    listed = acme.json("groups", "list", "--account", A, "--json")
    assert [(g["name"], g["state"], g["job_ids"]) for g in listed] == [
        ("Nightly", "active", [job_b["id"], job_a["id"]])
    ]

    out = acme.ok("groups", "delete", "Nightly", "--account", A)
    assert "deleted" in out

    assert acme.json("groups", "list", "--account", A, "--json") == []
    jobs = acme.json("jobs", "list", "--account", A, "--json")
    assert [(j["name"], j["state"], j["group_id"]) for j in jobs] == [
        ("A", "active", None),
        ("B", "active", None),
    ]
    # Out of the group, a job can be deleted again.
    acme.ok("jobs", "delete", "A", "--account", A)


def test_groups_show_plain_prints_the_run_order(
    acme: Cli, two_jobs: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    acme.ok("groups", "create", "G", "-a", A, "-j", "B", "-j", "A")
    out = acme.ok("groups", "show", "G", "--account", A)
    lines = [line.strip() for line in out.splitlines()]
    assert any(line.startswith("1. B") for line in lines), out
    assert any(line.startswith("2. A") for line in lines), out
    assert "saved" in out


def test_groups_by_id_and_by_job_id(
    acme: Cli, two_jobs: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    job_a, job_b = two_jobs
    created = acme.json(
        "groups", "create", "G", "-a", A, "-j", str(job_a["id"]), "-j", str(job_b["id"]), "--json"
    )
    assert created["state"] == "saved"
    assert created["job_ids"] == [job_a["id"], job_b["id"]]
    shown = acme.json("groups", "show", str(created["id"]), "--account", A, "--json")
    assert shown["name"] == "G"


def test_groups_saved_then_activated_and_deactivated(
    acme: Cli, two_jobs: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    acme.ok("groups", "create", "G", "-a", A, "-j", "A", "-j", "B")
    assert acme.json("groups", "activate", "G", "-a", A, "--json")["state"] == "active"
    assert acme.json("groups", "deactivate", "G", "-a", A, "--json")["state"] == "saved"
    assert acme.json("groups", "show", "G", "-a", A, "--json")["state"] == "saved"


def test_groups_create_with_schedule(
    acme: Cli, two_jobs: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    created = acme.json(
        "groups",
        "create",
        "Daily",
        "-a",
        A,
        "-j",
        "A",
        "-j",
        "B",
        "--schedule",
        json.dumps({"kind": "daily", "hour": 2, "slot": 1}),
        "--description",
        "every night",
        "--json",
    )
    assert created["schedule_type"] == "daily"
    assert created["schedule"]["hour"] == 2
    assert created["description"] == "every night"


def test_groups_update_from_a_file(
    acme: Cli, two_jobs: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    acme.ok("groups", "create", "G", "-a", A, "-j", "A", "-j", "B")
    changed = acme.json(
        "groups",
        "update",
        "G",
        "-a",
        A,
        "--file",
        "-",
        "--json",
        input=json.dumps({"description": "changed", "name": "H"}),
    )
    assert changed["name"] == "H"
    assert changed["description"] == "changed"
    assert acme.json("groups", "show", "H", "-a", A, "--json")["description"] == "changed"


def test_groups_list_as_a_table(acme: Cli, two_jobs: tuple[dict[str, Any], dict[str, Any]]) -> None:
    acme.ok("groups", "create", "Nightly", "-a", A, "-j", "A", "-j", "B", "--activate")
    out = acme.ok("groups", "list", "--account", A)
    assert "Nightly" in out
    assert "active" in out
