"""``/api/v1/ssh-keys`` and the account's SFTP coordinates."""

from __future__ import annotations

import base64
import subprocess
import warnings
from pathlib import Path

import pytest
from api_helpers import Api, error_codes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa


def _line(key: object, comment: str = "ann@laptop") -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DSA's serialization is deprecated
        public = key.public_key().public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
    return f"{public.decode()} {comment}"


ED25519 = _line(ed25519.Ed25519PrivateKey.generate())
RSA3072 = _line(rsa.generate_private_key(public_exponent=65537, key_size=3072))
RSA2048 = _line(rsa.generate_private_key(public_exponent=65537, key_size=2048))
RSA1024 = _line(rsa.generate_private_key(public_exponent=65537, key_size=1024))
ECDSA384 = _line(ec.generate_private_key(ec.SECP384R1()))
DSA = _line(dsa.generate_private_key(key_size=1024))


@pytest.mark.parametrize(
    ("line", "kind", "bits"),
    [
        (ED25519, "ed25519", 256),
        (RSA3072, "rsa", 3072),
        (RSA2048, "rsa", 2048),
        (ECDSA384, "ecdsa", 384),
    ],
    ids=["ed25519", "rsa3072", "rsa2048", "ecdsa384"],
)
def test_a_key_is_added_with_its_type_bits_and_fingerprint(
    api: Api, tmp_path: Path, line: str, kind: str, bits: int
) -> None:
    created = api.created("/api/v1/ssh-keys", {"name": "etl.prod", "public_key": line})
    (tmp_path / "k.pub").write_text(line + "\n")
    keygen = subprocess.run(
        ["ssh-keygen", "-lf", str(tmp_path / "k.pub")], capture_output=True, text=True, check=True
    ).stdout
    assert created["fingerprint"] in keygen  # as OpenSSH itself shows it
    assert (created["type"], created["bits"], created["name"]) == (kind, bits, "etl.prod")
    assert created["public_key"] == " ".join(line.split()[:2])
    assert created["last_used_at"] is None
    assert api.get("/api/v1/ssh-keys").json()["items"] == [created]
    assert api.get(f"/api/v1/ssh-keys/{created['id']}").json() == created


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (DSA, "SSH_KEY_TOO_WEAK"),
        (RSA1024, "SSH_KEY_TOO_WEAK"),
        ("", "SSH_KEY_INVALID"),
        ("ssh-ed25519", "SSH_KEY_INVALID"),
        ("ssh-ed25519 not*base64", "SSH_KEY_INVALID"),
        ("ssh-ed25519 " + base64.b64encode(b"garbage").decode(), "SSH_KEY_INVALID"),
        ("sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t", "SSH_KEY_INVALID"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "SSH_KEY_INVALID"),
        (ED25519 + "\n" + RSA3072, "SSH_KEY_INVALID"),
        ("ssh-rsa " + "A" * 20000, "SSH_KEY_INVALID"),
    ],
    ids=[
        "dsa",
        "rsa1024",
        "empty",
        "type-only",
        "not-base64",
        "garbage-data",
        "security-key",
        "private-key",
        "two-lines",
        "huge",
    ],
)
def test_bad_and_weak_keys_are_refused_and_nothing_is_added(api: Api, line: str, code: str) -> None:
    response = api.post("/api/v1/ssh-keys", {"name": "k", "public_key": line})
    assert response.status_code == 422, response.text
    assert error_codes(response) == [code]
    assert api.get("/api/v1/ssh-keys").json()["items"] == []


def test_every_problem_is_reported_at_once(api: Api) -> None:
    response = api.post("/api/v1/ssh-keys", {"name": "", "public_key": RSA1024})
    assert sorted(error_codes(response)) == ["SSH_KEY_NAME_INVALID", "SSH_KEY_TOO_WEAK"]


def test_a_key_added_twice_is_refused_but_another_account_may_add_it(api: Api, other: Api) -> None:
    api.created("/api/v1/ssh-keys", {"name": "a", "public_key": ED25519})
    again = api.post("/api/v1/ssh-keys", {"name": "b", "public_key": ED25519.rsplit(" ", 1)[0]})
    assert (again.status_code, again.json()["code"]) == (409, "SSH_KEY_EXISTS")
    assert other.post("/api/v1/ssh-keys", {"name": "a", "public_key": ED25519}).status_code == 201


def test_keys_are_the_accounts_own(api: Api, other: Api) -> None:
    key = api.created("/api/v1/ssh-keys", {"name": "a", "public_key": ED25519})
    assert other.get("/api/v1/ssh-keys").json()["items"] == []
    assert other.get(f"/api/v1/ssh-keys/{key['id']}").status_code == 404
    gone = other.delete(f"/api/v1/ssh-keys/{key['id']}")
    assert (gone.status_code, gone.json()["code"]) == (404, "SSH_KEY_NOT_FOUND")
    assert len(api.get("/api/v1/ssh-keys").json()["items"]) == 1


def test_a_viewer_sees_keys_but_cannot_change_them(api: Api, viewer: Api) -> None:
    key = api.created("/api/v1/ssh-keys", {"name": "a", "public_key": ED25519})
    assert viewer.get("/api/v1/ssh-keys").json()["items"] == [key]
    refused = viewer.post("/api/v1/ssh-keys", {"name": "b", "public_key": RSA3072})
    assert (refused.status_code, refused.json()["code"]) == (403, "ROLE_VIEWER_READ_ONLY")
    assert viewer.delete(f"/api/v1/ssh-keys/{key['id']}").status_code == 403
    assert len(api.get("/api/v1/ssh-keys").json()["items"]) == 1


def test_remove(api: Api) -> None:
    key = api.created("/api/v1/ssh-keys", {"name": "a", "public_key": ED25519})
    assert api.delete(f"/api/v1/ssh-keys/{key['id']}").status_code == 204
    assert api.get("/api/v1/ssh-keys").json()["items"] == []
    assert api.delete(f"/api/v1/ssh-keys/{key['id']}").status_code == 404


def test_the_account_says_where_its_sftp_folders_are(api: Api) -> None:
    account = api.get("/api/v1/account").json()
    sftp = account["sftp"]
    assert sftp["username"] == account["sftp_username"] == f"acme-{account['id']}"
    assert sftp["port"] == api.app.settings.sftp_port
    assert sftp["host_key_fingerprints"] == api.app.host_keys.fingerprints()
    assert len(sftp["host_key_fingerprints"]) == 2
    assert api.get("/api/v1/account").json()["sftp"] == sftp  # the same keys each time
