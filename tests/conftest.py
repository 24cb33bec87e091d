"""Shared fixtures. PostgreSQL tests get their own database, cloned from a migrated template.

Without a reachable PostgreSQL they skip locally and FAIL when CI=true: CI never hides them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from dataconnect.bootstrap import App, build
from dataconnect.clock import FakeClock
from dataconnect.config import Settings
from dataconnect.testing import START, make_app

PG_ADMIN = os.environ.get("DATACONNECT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Cheap password hashes for the suite's thousands of users (the default is 16 times the work);
# hashes record their N, and tests/unit/test_accounts.py checks the default's.
os.environ.setdefault("DATACONNECT_PASSWORD_WORK", str(2**10))
# PostgreSQL setups refuse to start without one (the secrets of outside connections).
os.environ.setdefault("DATACONNECT_SECRET_KEY", "the test suite's secret key")


def _pg_url(database: str) -> str:
    base, _, _ = PG_ADMIN.rpartition("/")
    return f"{base}/{database}"


def _admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _require_postgres() -> None:
    try:
        _admin("SELECT 1")
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    """A brand-new PostgreSQL database with nothing in it: no schemas, no tables."""
    _require_postgres()
    name = f"dc_empty_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once per session; each test clones it (fast: a file copy)."""
    _require_postgres()
    name = f"dc_template_{os.getpid()}"
    _admin(f'DROP DATABASE IF EXISTS "{name}"')
    _admin(f'CREATE DATABASE "{name}"')
    app = make_app(home=tmp_path_factory.mktemp("pg-template"), database_url=_pg_url(name))
    app.close()
    yield name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    name = f"dc_test_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _pg_url(name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def app(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> Iterator[App]:
    """The app on SQLite and on PostgreSQL: tests using it form the contract suite of both."""
    if backend == "postgres":
        url = request.getfixturevalue("pg_url")
        application = build(Settings(home=tmp_path / "home", database_url=url), clock=clock)
    else:
        home = _sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path / "home")
        application = build(Settings(home=home), clock=clock)
    yield application
    application.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SQLite databases migrated once; each test starts from a copy (migrating costs ~0.2 s)."""
    home = tmp_path_factory.mktemp("sqlite-template")
    make_app(home=home).close()
    return home


def _sqlite_copy(template: Path, home: Path) -> Path:
    home.mkdir(parents=True)
    for name in ("meta.db", "data.db"):
        shutil.copyfile(template / name, home / name)
    return home


@pytest.fixture
def sqlite_app(sqlite_template: Path, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    home = _sqlite_copy(sqlite_template, tmp_path / "home")
    application = build(Settings(home=home), clock=clock)
    yield application
    application.close()


@pytest.fixture
def client(sqlite_app: App) -> Iterator[TestClient]:
    """An in-process HTTP client on the SQLite app; a server error fails the test."""
    from dataconnect.api.app import create_app

    with TestClient(create_app(sqlite_app)) as c:
        yield c
