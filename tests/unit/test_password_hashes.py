"""Password hashes: scrypt with its work factor stored beside the salt."""

from __future__ import annotations

import hashlib

import pytest

from dataconnect.config import Settings
from dataconnect.services.accounts import PASSWORD_WORK, hash_password, verify_password


def test_the_default_work_factor_is_scryptss_interactive_level() -> None:
    assert PASSWORD_WORK == 2**14
    assert Settings.model_fields["password_work"].default == 2**14
    assert hash_password("a long password").startswith(f"scrypt${2**14}$")


@pytest.mark.parametrize("work", [2**10, 2**14])
def test_a_hash_verifies_with_the_work_factor_it_was_made_with(work: int) -> None:
    stored = hash_password("a long password", work)
    assert verify_password("a long password", stored)
    assert not verify_password("another password", stored)


def test_hashes_written_before_the_work_factor_was_stored_still_verify() -> None:
    salt = bytes(range(16))
    digest = hashlib.scrypt(b"old password 1", salt=salt, n=2**14, r=8, p=1)
    assert verify_password("old password 1", f"scrypt${salt.hex()}${digest.hex()}")


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "md5$abc$def",
        "scrypt$3$00$00",  # N not a power of two
        f"scrypt${2**20}$00$00",  # more memory than allowed
        "scrypt$x$00$00",
        "scrypt$1024$zz$00",
    ],
)
def test_malformed_hashes_never_verify(stored: str) -> None:
    assert not verify_password("anything at all", stored)
