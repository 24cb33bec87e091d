"""Outside SFTP servers: create, test (pinning the host key), edit and delete, against real
servers: a second DataConnect (key logins) and an asyncssh server (password logins)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import PasswordServer, Remote, free_port
from dataconnect.bootstrap import App
from dataconnect.domain.connections import ConnectionAuth
from dataconnect.errors import BadRequest, Conflict, NotFound, PermissionDenied, ValidationFailed
from dataconnect.services.host_keys import HostKeys
from dataconnect.testing import make_account


def _codes(exc: ValidationFailed) -> set[str]:
    return {p.code for p in exc.problems}


def test_key_connection_logs_in_with_the_installed_generated_key_and_pins_the_host_key(
    app: App, remote: Remote
) -> None:
    caller, _ = make_account(app)
    created = app.connections.create(caller, remote.key_connection())
    assert created.auth is ConnectionAuth.KEY
    assert created.public_key is not None and created.public_key.startswith("ssh-ed25519 ")
    assert created.host_key_fingerprint is None
    # not installed yet: the remote server refuses the key
    with pytest.raises(BadRequest) as refused:
        app.connections.test(caller, created.id)
    assert refused.value.code == "SFTP_AUTH_FAILED"
    remote.install(created.public_key)
    tested = app.connections.test(caller, created.id)
    assert tested.host_key_fingerprint in HostKeys(remote.keys).fingerprints()
    assert app.connections.test(caller, created.id).host_key_fingerprint == (
        tested.host_key_fingerprint
    )


def test_a_changed_host_key_fails_with_sftp_host_key_changed(
    app: App, remote: Remote, tmp_path: Path
) -> None:
    caller, _ = make_account(app)
    created = app.connections.create(caller, remote.key_connection())
    assert created.public_key is not None
    remote.install(created.public_key)
    pinned = app.connections.test(caller, created.id).host_key_fingerprint
    remote.stop()
    remote.start(tmp_path / "new-host-keys")  # the same port, other host keys
    with pytest.raises(Conflict) as changed:
        app.connections.test(caller, created.id)
    assert changed.value.code == "SFTP_HOST_KEY_CHANGED"
    assert app.connections.get(caller, created.id).host_key_fingerprint == pinned
    # a new port (or host) unpins it: the next test pins the new key
    app.connections.update(caller, created.id, {"port": remote.port})  # the same: still pinned
    with pytest.raises(Conflict):
        app.connections.test(caller, created.id)


def test_password_connection_and_wrong_password(app: App, password_server: PasswordServer) -> None:
    caller, _ = make_account(app)
    good = app.connections.create(caller, password_server.connection())
    assert good.public_key is None
    tested = app.connections.test(caller, good.id)
    assert tested.host_key_fingerprint is not None
    assert tested.host_key_fingerprint.startswith("SHA256:")
    bad = app.connections.create(caller, password_server.connection("bad", password="nope"))
    with pytest.raises(BadRequest) as refused:
        app.connections.test(caller, bad.id)
    assert refused.value.code == "SFTP_AUTH_FAILED"
    assert app.connections.get(caller, bad.id).host_key_fingerprint is None
    # a new password fixes it; without one the stored password is kept
    app.connections.update(caller, bad.id, {"password": password_server.password})
    app.connections.update(caller, bad.id, {"name": "fixed"})
    assert app.connections.test(caller, bad.id).name == "fixed"


def test_an_unreachable_host_fails_with_sftp_unreachable(app: App) -> None:
    caller, _ = make_account(app)
    created = app.connections.create(
        caller,
        {"name": "gone", "host": "127.0.0.1", "port": free_port(), "username": "u", "auth": "key"},
    )
    with pytest.raises(BadRequest) as unreachable:
        app.connections.test(caller, created.id)
    assert unreachable.value.code == "SFTP_UNREACHABLE"
    assert app.connections.get(caller, created.id).host_key_fingerprint is None


def test_secrets_are_encrypted_at_rest(app: App, password_server: PasswordServer) -> None:
    caller, _ = make_account(app)
    created = app.connections.create(caller, password_server.connection())
    keyed = app.connections.create(
        caller, {"name": "k", "host": "example.com", "username": "u", "auth": "key"}
    )
    with app.engines.meta.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, secret FROM connections")).all())
    assert password_server.password not in stored[created.id]
    assert "PRIVATE KEY" not in stored[keyed.id]
    assert stored[created.id].startswith("gAAAA")  # a Fernet token


def test_field_rules(app: App) -> None:
    caller, _ = make_account(app)
    with pytest.raises(ValidationFailed) as bad:
        app.connections.create(
            caller,
            {
                "name": "",
                "kind": "ftp",
                "host": "bad host",
                "port": 70000,
                "username": "a b",
                "auth": "pgp",
                "extra": 1,
            },
        )
    assert _codes(bad.value) == {
        "CONNECTION_NAME_INVALID",
        "CONNECTION_KIND_INVALID",
        "CONNECTION_HOST_INVALID",
        "CONNECTION_PORT_INVALID",
        "CONNECTION_USERNAME_INVALID",
        "CONNECTION_AUTH_INVALID",
        "UNKNOWN_FIELD",
    }
    base = {"name": "x", "host": "10.0.0.1", "username": "u"}
    with pytest.raises(ValidationFailed) as missing:
        app.connections.create(caller, {**base, "auth": "password"})
    assert _codes(missing.value) == {"CONNECTION_PASSWORD_REQUIRED"}
    with pytest.raises(ValidationFailed) as extra:
        app.connections.create(caller, {**base, "auth": "key", "password": "p"})
    assert _codes(extra.value) == {"CONNECTION_PASSWORD_NOT_ALLOWED"}
    made = app.connections.create(caller, {**base, "auth": "key"})
    assert made.port == 22
    with pytest.raises(Conflict) as taken:
        app.connections.create(caller, {**base, "name": "X", "auth": "key"})
    assert taken.value.code == "CONNECTION_EXISTS"


def test_viewers_read_only_and_other_accounts_see_nothing(app: App) -> None:
    caller, _ = make_account(app)
    viewer, _ = make_account(app, role="viewer", email="vic@example.com")
    other, _ = make_account(app, "Globex", email="bob@example.com")
    made = app.connections.create(
        caller, {"name": "x", "host": "example.com", "username": "u", "auth": "key"}
    )
    assert [c.name for c in app.connections.list(viewer)] == ["x"]
    for change in (
        lambda: app.connections.create(
            viewer, {"name": "y", "host": "example.com", "username": "u", "auth": "key"}
        ),
        lambda: app.connections.update(viewer, made.id, {"name": "z"}),
        lambda: app.connections.remove(viewer, made.id),
        lambda: app.connections.test(viewer, made.id),
    ):
        with pytest.raises(PermissionDenied):
            change()
    assert app.connections.list(other) == []
    for look in (
        lambda: app.connections.get(other, made.id),
        lambda: app.connections.remove(other, made.id),
        lambda: app.connections.update(other, made.id, {"name": "z"}),
    ):
        with pytest.raises(NotFound) as missing:
            look()
        assert missing.value.code == "CONNECTION_NOT_FOUND"
    app.connections.remove(caller, made.id)
    assert app.connections.list(caller) == []
