"""The SFTP access page over HTTP (no browser): how to connect, the host keys' fingerprints, and
the SSH keys: add one by pasting it (every error beside its field), remove one after its
confirmation, and a viewer who sees the keys but may change none."""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Callable, Iterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import dsa, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.utils import CryptographyDeprecationWarning
from tests.web.test_web_http import Site, _site

from dataconnect.bootstrap import App
from dataconnect.services.ssh_keys import parse_public_key

PAGE = "/connect/sftp"


def _line(key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | dsa.DSAPrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()


def ed25519_line(comment: str = "ann@laptop") -> str:
    return f"{_line(ed25519.Ed25519PrivateKey.generate())} {comment}"


def rsa_line(bits: int) -> str:
    return _line(rsa.generate_private_key(public_exponent=65537, key_size=bits))


def dsa_line() -> str:
    with warnings.catch_warnings():  # cryptography deprecates DSA in SSH's format
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return _line(dsa.generate_private_key(key_size=1024))


def add(site: Site, name: str, public_key: str) -> httpx.Response:
    return site.post(f"{PAGE}/keys", {"name": name, "public_key": public_key})


def errors_beside(page: httpx.Response, target: str) -> list[str]:
    """The codes shown beside one field (``k-name``, ``k-public-key``)."""
    return re.findall(
        rf'<p class="field-error" id="{target}-error-\d+">[^<]*<code>([A-Z_]+)</code>', page.text
    )


@pytest.fixture
def site(app: App) -> Iterator[Site]:
    """A signed-in data director, on SQLite and on PostgreSQL."""
    yield from _site(app)


@pytest.fixture
def lite(sqlite_app: App) -> Iterator[Site]:
    """The same on SQLite only."""
    yield from _site(sqlite_app)


@pytest.fixture
def viewer(sqlite_app: App) -> Iterator[Site]:
    yield from _site(sqlite_app, "vic@example.com")


def test_the_page_shows_how_to_connect(site: Site) -> None:
    page = site.client.get(PAGE)
    assert page.status_code == 200
    endpoint = site.app.sftp_access.endpoint(site.caller)
    account = site.app.accounts.account(site.caller)
    assert endpoint.username == account.sftp_username
    assert f'<code data-field="username">{endpoint.username}</code>' in page.text
    assert f'<code data-field="host">{endpoint.host}</code>' in page.text
    assert f'<code data-field="port">{endpoint.port}</code>' in page.text
    command = f"sftp -P {endpoint.port} {endpoint.username}@{endpoint.host}"
    assert f'<code id="sftp-command">{command}</code>' in page.text
    shown = re.findall(r'<code data-field="host-key">([^<]+)</code>', page.text)
    assert shown == site.app.host_keys.fingerprints()
    assert len(shown) == 2 and all(f.startswith("SHA256:") for f in shown)
    assert "No key yet" in page.text
    # In the navigation of every page, marked on its own.
    assert 'href="/connect/sftp" aria-current="page"' in page.text
    assert 'href="/connect/sftp">SFTP access' in site.client.get("/connect/jobs").text


def test_a_pasted_key_is_listed_with_its_fingerprint(site: Site) -> None:
    line = ed25519_line()
    added = add(site, "ann@laptop", line)
    assert added.status_code == 303 and added.headers["location"] == PAGE
    fingerprint = parse_public_key(line).fingerprint
    page = site.client.get(PAGE)
    assert f"Key ann@laptop added ({fingerprint})." in page.text  # the note, once
    assert f"<code>{fingerprint}</code>" in page.text
    row = re.search(r'<tr data-key="(\d+)">(.*?)</tr>', page.text, re.S)
    assert row
    cells = re.sub(r"<[^>]+>", " ", row.group(2))
    assert "ann@laptop" in cells and "ed25519" in cells and "256" in cells
    assert "by user:ann@example.com" in cells and "Never" in cells
    assert "2026-01-15" in cells  # added at, in the account's time zone
    [key] = site.app.ssh_keys.list(site.caller)
    assert key.fingerprint == fingerprint and key.id == int(row.group(1))
    assert "1 key<" in page.text
    # RSA 3072 is fine too.
    assert add(site, "etl", rsa_line(3072)).status_code == 303
    assert len(site.app.ssh_keys.list(site.caller)) == 2


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (dsa_line, "SSH_KEY_TOO_WEAK"),
        (lambda: rsa_line(1024), "SSH_KEY_TOO_WEAK"),
        (lambda: "ssh-ed25519 not-base64!!", "SSH_KEY_INVALID"),
        (lambda: "hello world", "SSH_KEY_INVALID"),
        (lambda: "", "SSH_KEY_INVALID"),
    ],
    ids=["dsa-1024", "rsa-1024", "bad-base64", "not-a-key", "empty"],
)
def test_a_bad_key_shows_its_error_beside_the_field(
    lite: Site, make: Callable[[], str], code: str
) -> None:
    line = make()
    page = add(lite, "weak one", line)
    assert page.status_code == 400
    assert errors_beside(page, "k-public-key") == [code]
    assert errors_beside(page, "k-name") == []
    assert 'id="k-public-key" name="public_key"' in page.text
    assert 'aria-invalid="true" aria-describedby="k-public-key-error-1' in page.text
    # What was typed comes back, to be corrected.
    assert 'value="weak one"' in page.text
    assert html.escape(line, quote=False) in page.text
    assert '<a href="#k-public-key">' in page.text  # listed at the top, a link to the field
    assert lite.app.ssh_keys.list(lite.caller) == []


def test_every_error_shows_at_once(lite: Site) -> None:
    page = add(lite, "", rsa_line(1024))
    assert page.status_code == 400
    assert errors_beside(page, "k-name") == ["SSH_KEY_NAME_INVALID"]
    assert errors_beside(page, "k-public-key") == ["SSH_KEY_TOO_WEAK"]
    assert "2 things to fix" in page.text
    assert lite.app.ssh_keys.list(lite.caller) == []


def test_a_key_added_twice_says_it_exists(lite: Site) -> None:
    line = ed25519_line()
    assert add(lite, "first", line).status_code == 303
    again = add(lite, "second", line.rsplit(" ", 1)[0] + " another@comment")
    assert again.status_code == 409
    assert errors_beside(again, "k-public-key") == ["SSH_KEY_EXISTS"]
    assert "is already one of the account" in again.text
    assert [k.name for k in lite.app.ssh_keys.list(lite.caller)] == ["first"]


def test_a_key_is_removed_after_its_confirmation(site: Site) -> None:
    add(site, "old laptop", ed25519_line())
    [key] = site.app.ssh_keys.list(site.caller)
    page = site.client.get(PAGE)
    confirm_link = f'href="/connect/sftp/keys/{key.id}/remove" aria-label="Remove: old laptop"'
    assert confirm_link in page.text
    confirm = site.client.get(f"{PAGE}/keys/{key.id}/remove")
    assert confirm.status_code == 200
    assert "Remove SSH key old laptop?" in confirm.text and key.fingerprint in confirm.text
    assert f'action="/connect/sftp/keys/{key.id}/remove"' in confirm.text
    assert f'href="{PAGE}">Cancel' in confirm.text
    assert site.app.ssh_keys.list(site.caller) != []  # asking changes nothing
    removed = site.post(f"{PAGE}/keys/{key.id}/remove")
    assert removed.status_code == 303 and removed.headers["location"] == PAGE
    assert site.app.ssh_keys.list(site.caller) == []
    after = site.client.get(PAGE)
    assert "Key old laptop removed" in after.text and key.fingerprint not in after.text
    # Gone already: a note, not a crash; an unknown id's confirmation is the 404 page.
    again = site.post(f"{PAGE}/keys/{key.id}/remove")
    assert again.status_code == 303
    assert "SSH_KEY_NOT_FOUND" in site.client.get(PAGE).text
    assert site.client.get(f"{PAGE}/keys/{key.id}/remove").status_code == 404
    assert site.client.get(f"{PAGE}/keys/abc/remove").status_code == 404


def test_forms_without_the_session_token_change_nothing(lite: Site) -> None:
    line = ed25519_line()
    for form in ({}, {"csrf_token": "forged"}):
        answer = lite.client.post(f"{PAGE}/keys", data={**form, "name": "x", "public_key": line})
        assert answer.status_code == 403 and "CSRF_INVALID" in answer.text
    assert lite.app.ssh_keys.list(lite.caller) == []
    add(lite, "kept", line)
    [key] = lite.app.ssh_keys.list(lite.caller)
    forged = lite.client.post(f"{PAGE}/keys/{key.id}/remove", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    elsewhere = lite.post(
        f"{PAGE}/keys/{key.id}/remove", headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status_code == 403 and "ORIGIN_INVALID" in elsewhere.text
    assert len(lite.app.ssh_keys.list(lite.caller)) == 1


def test_a_viewer_sees_the_keys_but_no_form_and_is_refused(viewer: Site) -> None:
    director = viewer.app.accounts.cli_caller("Acme")
    key = viewer.app.ssh_keys.add(director, "etl", ed25519_line())
    page = viewer.client.get(PAGE)
    assert page.status_code == 200
    assert key.fingerprint in page.text and "etl" in page.text
    assert re.findall(r'<code data-field="host-key">([^<]+)</code>', page.text) == (
        viewer.app.host_keys.fingerprints()
    )
    assert f'action="{PAGE}/keys"' not in page.text
    assert "/remove" not in page.text and ">Remove<" not in page.text
    assert "<textarea" not in page.text and "Add key" not in page.text
    # The only form is signing out.
    assert re.findall(r'<form [^>]*action="([^"]+)"', page.text) == ["/logout"]
    assert viewer.client.get(f"{PAGE}/keys/{key.id}/remove").status_code == 403
    for path, data in (
        (f"{PAGE}/keys", {"name": "sneaky", "public_key": ed25519_line()}),
        (f"{PAGE}/keys/{key.id}/remove", {}),
    ):
        answer = viewer.post(path, data)
        assert answer.status_code == 403, path
        assert "ROLE_VIEWER_READ_ONLY" in answer.text and "Not allowed" in answer.text
    assert [k.name for k in viewer.app.ssh_keys.list(director)] == ["etl"]


def test_names_and_keys_are_shown_as_text(lite: Site) -> None:
    page = add(lite, "<b>bold</b>", "<script>alert(1)</script>")
    assert page.status_code == 400
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    assert add(lite, "<b>bold</b>", ed25519_line()).status_code == 303
    listed = lite.client.get(PAGE).text
    assert "&lt;b&gt;bold&lt;/b&gt;" in listed and "<b>bold</b>" not in listed
