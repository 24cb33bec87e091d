"""SFTP paths on the account root, and the login limits (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataconnect.domain.login_limits import LoginLimits
from dataconnect.files.server import FOLDERS
from dataconnect.sftp.paths import ROOT, BadPath, Place, resolve


@pytest.mark.parametrize(
    ("path", "place"),
    [
        (b"", ROOT),
        (b".", ROOT),
        (b"/", ROOT),
        (b"..", ROOT),
        (b"/../../..", ROOT),
        (b"upload", Place("upload", None)),
        (b"/upload/", Place("upload", None)),
        (b"upload/../download/./a.csv", Place("download", "a.csv")),
        (b"/archive/x/../y.csv", Place("archive", "y.csv")),
        (b"../upload/../../upload/a.csv", Place("upload", "a.csv")),
    ],
)
def test_paths_resolve_on_the_root_as_text(path: bytes, place: Place) -> None:
    assert resolve(path) == place


@pytest.mark.parametrize(
    "path", [b"/etc", b"/etc/passwd", b"/upload/a/b", b"/home", b"\xff", b"/upload/a\x00b"]
)
def test_what_is_not_on_the_root_is_a_bad_path(path: bytes) -> None:
    with pytest.raises(BadPath):
        resolve(path)


@given(
    st.lists(
        st.sampled_from(["..", ".", "upload", "download", "archive", "a.csv", ""]), max_size=12
    )
)
def test_no_path_ever_leads_outside_the_three_folders(parts: list[str]) -> None:
    try:
        place = resolve("/".join(parts).encode())
    except BadPath:
        return
    assert place.folder is None or place.folder in FOLDERS
    assert place.name is None or ("/" not in place.name and place.name not in ("..", "."))


def test_an_address_is_refused_after_its_failures_until_they_age_out() -> None:
    limits = LoginLimits(window=300, per_address=3, per_username=100)
    for t in (0, 1, 2):
        assert limits.refused("10.0.0.1", "acme-1", t) is None
        limits.failed("10.0.0.1", f"name-{t}", t)
    assert limits.refused("10.0.0.1", "acme-1", 3) == "too many failed logins from 10.0.0.1"
    assert limits.refused("10.0.0.2", "acme-1", 3) is None  # another address: at once
    assert limits.refused("10.0.0.1", "acme-1", 300.5) is None  # the first failure aged out


def test_a_login_name_is_refused_after_its_failures_from_any_address() -> None:
    limits = LoginLimits(window=60, per_address=100, per_username=2)
    limits.failed("10.0.0.1", "acme-1", 0)
    limits.failed("10.0.0.2", "acme-1", 1)
    assert limits.refused("10.0.0.3", "acme-1", 2) == "too many failed logins as acme-1"
    assert limits.refused("10.0.0.3", "beta-2", 2) is None
    assert limits.refused("10.0.0.3", "acme-1", 61.5) is None
