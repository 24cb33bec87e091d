"""A DSA key is refused as too weak before cryptography reads it (it deprecates DSA: a warning on
every read, and an error once it drops it)."""

from __future__ import annotations

import warnings

import pytest
from cryptography.hazmat.primitives.asymmetric import dsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.utils import CryptographyDeprecationWarning

from dataconnect.errors import ValidationFailed
from dataconnect.services.ssh_keys import parse_public_key


def test_a_dsa_key_is_too_weak_and_warns_of_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        key = dsa.generate_private_key(key_size=1024).public_key()
        line = key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValidationFailed) as refused:
            parse_public_key(line + " old@host")
    assert [p.code for p in refused.value.problems] == ["SSH_KEY_TOO_WEAK"]
    with pytest.raises(ValidationFailed) as bad:
        parse_public_key("ssh-dss not*base64")
    assert bad.value.code == "SSH_KEY_INVALID"
