from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sftping import ClientKey, Site, make_key, start_site

from dataconnect.bootstrap import App
from dataconnect.services.host_keys import HostKeys


@pytest.fixture(scope="session")
def host_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Host keys made once (RSA 3072 takes a moment); each site gets a copy."""
    folder = tmp_path_factory.mktemp("host-keys")
    HostKeys(folder).paths()
    return folder


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ClientKey]:
    folder = tmp_path_factory.mktemp("client-keys")
    return {
        "rsa": make_key(folder, "rsa", 3072),
        "ed25519": make_key(folder, "ed25519"),
        "ecdsa": make_key(folder, "ecdsa"),
        "rsa1024": make_key(folder, "rsa", 1024),
        "dsa": make_key(folder, "dsa"),
        "other": make_key(folder / "other", "ed25519"),
    }


@pytest.fixture
def site(sqlite_app: App, host_keys: Path, keys: dict[str, ClientKey]) -> Iterator[Site]:
    s = start_site(sqlite_app, host_keys, keys["rsa"])
    yield s
    s.server.close()
