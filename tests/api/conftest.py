"""Fixtures of the API tests: a client that returns 500s instead of raising, and callers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_helpers import Api
from fastapi.testclient import TestClient

from dataconnect.bootstrap import App
from dataconnect.testing import make_account


@pytest.fixture
def api_client(sqlite_app: App) -> Iterator[TestClient]:
    from dataconnect.api.app import create_app

    with TestClient(create_app(sqlite_app), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def api(api_client: TestClient, sqlite_app: App) -> Api:
    """A data director of account Acme (Europe/Berlin)."""
    caller, token = make_account(sqlite_app, "Acme", email="ann@example.com")
    return Api(api_client, sqlite_app, caller, token)


@pytest.fixture
def other(api_client: TestClient, sqlite_app: App, api: Api) -> Api:
    """A data director of a second account, Globex."""
    caller, token = make_account(sqlite_app, "Globex", timezone="UTC", email="bob@example.com")
    return Api(api_client, sqlite_app, caller, token)


@pytest.fixture
def viewer(api_client: TestClient, sqlite_app: App, api: Api) -> Api:
    """A viewer of Acme, the account of ``api``."""
    caller, token = make_account(sqlite_app, "Acme", role="viewer", email="vic@example.com")
    return Api(api_client, sqlite_app, caller, token)


@pytest.fixture
def anonymous(api_client: TestClient) -> TestClient:
    return api_client
