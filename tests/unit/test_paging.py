"""List cursors and page sizes (api.md, Conventions: Lists)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataconnect.domain.paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Keyset,
    check_limit,
    decode_cursor,
    encode_cursor,
)
from dataconnect.errors import ValidationFailed


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("key", [0, 1, 42, 10**15])
def test_a_cursor_decodes_to_the_key_it_was_made_from(key: int) -> None:
    assert decode_cursor(encode_cursor(key)) == key


@given(st.integers(min_value=0, max_value=10**17))
def test_every_key_survives_a_round_trip(key: int) -> None:
    assert decode_cursor(encode_cursor(key)) == key


@given(st.integers(min_value=0, max_value=10**17))
def test_cursors_are_url_safe(key: int) -> None:
    cursor = encode_cursor(key)
    assert cursor.isascii()
    assert not set(cursor) & set("+/=?&# ")


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_means_the_first_page(cursor: str | None) -> None:
    assert decode_cursor(cursor) is None


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "abc",
        "k1",  # not encoded
        b64("x5"),
        b64("k"),
        b64("k-1"),
        b64("kabc"),
        b64("k1.5"),
        b64("k" + "9" * 25),
        "\u00e9t\u00e9",
        b64("k1") + "$",
    ],
)
def test_a_cursor_not_made_by_the_service_is_refused(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as failed:
        decode_cursor(cursor)
    assert failed.value.code == "CURSOR_INVALID"
    assert [p.field for p in failed.value.problems] == ["cursor"]


@given(st.text(max_size=40))
def test_any_text_is_either_a_key_or_cursor_invalid(cursor: str) -> None:
    try:
        key = decode_cursor(cursor)
    except ValidationFailed as failed:
        assert failed.code == "CURSOR_INVALID"
    else:
        assert key is None or key >= 0


def test_no_limit_means_the_default_page_size() -> None:
    assert check_limit(None) == DEFAULT_LIMIT == 50


@pytest.mark.parametrize("limit", [1, 50, MAX_LIMIT])
def test_limits_from_1_to_500_are_accepted(limit: int) -> None:
    assert check_limit(limit) == limit


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1, 10**6])
def test_limits_outside_1_to_500_are_refused(limit: int) -> None:
    with pytest.raises(ValidationFailed) as failed:
        check_limit(limit)
    assert failed.value.code == "LIMIT_INVALID"


# --- Keyset: one page of any list -------------------------------------------------------------


def test_a_page_request_checks_its_limit_and_cursor() -> None:
    assert Keyset.of(None, None) == Keyset(DEFAULT_LIMIT, None)
    assert Keyset.of(3, encode_cursor(9)) == Keyset(3, 9)
    with pytest.raises(ValidationFailed) as bad_limit:
        Keyset.of(0, None)
    assert bad_limit.value.code == "LIMIT_INVALID"
    with pytest.raises(ValidationFailed) as bad_cursor:
        Keyset.of(3, "not-a-cursor")
    assert bad_cursor.value.code == "CURSOR_INVALID"


def test_one_row_more_than_a_page_is_read_and_tells_that_another_page_follows() -> None:
    page = Keyset(3)
    assert page.fetch == 4
    rows, cursor = page.cut([10, 11, 12, 13], key=lambda r: r)
    assert rows == [10, 11, 12]
    assert cursor is not None and decode_cursor(cursor) == 12
    assert page.cut([10, 11, 12], key=lambda r: r) == ([10, 11, 12], None)
    assert page.cut([], key=lambda r: r) == ([], None)


@given(st.lists(st.integers(min_value=1, max_value=10**6), unique=True), st.integers(1, 7))
def test_walking_the_pages_sees_every_row_once_in_order(keys: list[int], limit: int) -> None:
    """The store's half (rows past the key, ``fetch`` of them) simulated over a sorted list."""
    table = sorted(keys)
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(len(table) + 2):
        page = Keyset.of(limit, cursor)
        found = [k for k in table if page.after is None or k > page.after][: page.fetch]
        rows, cursor = page.cut(found, key=lambda r: r)
        seen += rows
        if cursor is None:
            break
    assert seen == table
