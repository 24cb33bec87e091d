"""RecordReader: one record at a time out of a delimited file, each bad line refused alone.

Pure and fast: bytes in, records out, no database.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from dataconnect.domain.formats import FileFormat
from dataconnect.domain.imports import Reject
from dataconnect.imports.reader import RecordReader

Seen = tuple[int, str, list[str] | None, str | None]


def read(data: bytes, **fmt: Any) -> tuple[list[str] | None, list[Seen]]:
    """The header and every record as (first line, raw text, fields, reject reason)."""
    reader = RecordReader(io.BytesIO(data), FileFormat(**fmt))
    records = [(r.line_no, r.raw, r.fields, r.reason.value if r.reason else None) for r in reader]
    return reader.header, records


def good(data: bytes, **fmt: Any) -> list[list[str]]:
    """The fields of the good records; fails if any record was refused."""
    _, records = read(data, **fmt)
    refused = [(line, reason) for line, _, _, reason in records if reason is not None]
    assert refused == [], refused
    return [fields for _, _, fields, _ in records if fields is not None]


# --- lines ---------------------------------------------------------------------------------


def test_a_utf8_bom_is_not_part_of_the_first_column_name() -> None:
    header, records = read(b"\xef\xbb\xbfid,name\n1,Ann\n")
    assert header == ["id", "name"]
    assert records == [(2, "1,Ann", ["1", "Ann"], None)]


def test_a_bom_without_a_header_row_is_not_part_of_the_first_value() -> None:
    assert good(b"\xef\xbb\xbf1,Ann\n", header=False) == [["1", "Ann"]]


def test_crlf_line_ends_are_not_part_of_the_values() -> None:
    header, records = read(b"id,name\r\n1,Ann\r\n2,Bob\r\n")
    assert header == ["id", "name"]
    assert records == [(2, "1,Ann", ["1", "Ann"], None), (3, "2,Bob", ["2", "Bob"], None)]


def test_mixed_line_ends_and_no_final_line_end() -> None:
    assert good(b"id,name\n1,Ann\r\n2,Bob") == [["1", "Ann"], ["2", "Bob"]]


def test_blank_lines_are_skipped_but_counted_in_line_numbers() -> None:
    header, records = read(b"\n  \nid,name\n\n1,Ann\r\n\r\n   \n2,Bob\n\n")
    assert header == ["id", "name"]
    assert records == [(5, "1,Ann", ["1", "Ann"], None), (8, "2,Bob", ["2", "Bob"], None)]


def test_blank_lines_of_a_one_column_file_are_skipped_too() -> None:
    header, records = read(b"id\n1\n   \n\t\n2\n")
    assert header == ["id"]
    assert records == [(2, "1", ["1"], None), (5, "2", ["2"], None)]


def test_a_line_of_empty_values_is_a_record_not_a_blank_line() -> None:
    assert good(b"id,name\n,\n") == [["", ""]]


def test_spaces_inside_values_are_kept() -> None:
    assert good(b"id,name\n1, Ann Lee \n") == [["1", " Ann Lee "]]


# --- quotes --------------------------------------------------------------------------------


def test_a_quoted_delimiter_is_part_of_the_value() -> None:
    _, records = read(b'id,name\n1,"Lee, Ann"\n')
    assert records == [(2, '1,"Lee, Ann"', ["1", "Lee, Ann"], None)]


def test_doubled_quotes_inside_a_quoted_value_are_one_quote() -> None:
    assert good(b'id,name\n1,"say ""hi"""\n') == [["1", 'say "hi"']]


def test_a_quote_inside_an_unquoted_value_is_kept_as_it_is() -> None:
    assert good(b'id,name\n1,6" nails\n') == [["1", '6" nails']]


def test_a_multi_line_quoted_value_is_one_record_with_its_line_breaks() -> None:
    # Each break is kept as it was: a CR LF inside quotes is part of the value.
    header, records = read(b'id,note\n1,"first\nsecond\r\n\nfourth"\n2,next\n')
    assert header == ["id", "note"]
    assert records == [
        (2, '1,"first\nsecond\r\n\nfourth"', ["1", "first\nsecond\r\n\nfourth"], None),
        (6, "2,next", ["2", "next"], None),
    ]


def test_an_unclosed_quote_refuses_its_line_alone_and_the_next_lines_load() -> None:
    data = b'id,name,city\n1,"Ann,Berlin\n2,Bob,Paris\n3,Cy,Rome\n4,"Dee,Oslo\n5,Eve,Bonn\n'
    header, records = read(data)
    assert header == ["id", "name", "city"]
    assert records == [
        (2, '1,"Ann,Berlin', None, "UNCLOSED_QUOTE"),
        (3, "2,Bob,Paris", ["2", "Bob", "Paris"], None),
        (4, "3,Cy,Rome", ["3", "Cy", "Rome"], None),
        (5, '4,"Dee,Oslo', None, "UNCLOSED_QUOTE"),
        (6, "5,Eve,Bonn", ["5", "Eve", "Bonn"], None),
    ]


def test_an_unclosed_quote_on_the_last_line_is_refused() -> None:
    _, records = read(b'id,name\n1,Ann\n2,"Bob')
    assert records == [(2, "1,Ann", ["1", "Ann"], None), (3, '2,"Bob', None, "UNCLOSED_QUOTE")]


def test_an_unclosed_quote_does_not_swallow_a_long_run_of_good_lines() -> None:
    lines = [b'0,"open'] + [f"{i},v{i}".encode() for i in range(1, 200)]
    _, records = read(b"id,v\n" + b"\n".join(lines) + b"\n")
    assert records[0] == (2, '0,"open', None, "UNCLOSED_QUOTE")
    assert [fields for _, _, fields, _ in records[1:]] == [[str(i), f"v{i}"] for i in range(1, 200)]


@pytest.mark.parametrize(
    "line",
    [
        b'1,"Ann"x',  # text after the closing quote
        b'1,"Ann" ',  # a space after the closing quote
        b'"1"2,Ann',
    ],
)
def test_malformed_quotes_refuse_the_line_alone(line: bytes) -> None:
    _, records = read(b"id,name\n" + line + b"\n2,Bob\n")
    assert records == [
        (2, line.decode(), None, "MALFORMED_QUOTES"),
        (3, "2,Bob", ["2", "Bob"], None),
    ]


def test_a_large_quoted_value_is_read_whole() -> None:
    # Larger than the csv module's default field limit (131,072 characters).
    big = "x" * 200_000
    assert good(f'id,note\n1,"{big}"\n2,"small"\n'.encode()) == [["1", big], ["2", "small"]]


def test_a_large_unquoted_value_is_read_whole() -> None:
    big = "y" * 200_000
    assert good(f"id,note\n1,{big}\n".encode()) == [["1", big]]


# --- encodings -----------------------------------------------------------------------------


def test_invalid_utf8_bytes_refuse_their_line_alone() -> None:
    _, records = read(b"id,name\n1,Ren\xe9\n2,Ren\xc3\xa9\n3,\xff\xfe\n4,Bob\n")
    assert records == [
        (2, "1,Ren\ufffd", None, "INVALID_ENCODING"),
        (3, "2,René", ["2", "René"], None),
        (4, "3,\ufffd\ufffd", None, "INVALID_ENCODING"),
        (5, "4,Bob", ["4", "Bob"], None),
    ]


def test_windows_1252_decodes_its_own_characters() -> None:
    # 0x80 euro sign, 0x9c oe ligature, 0xe9 e acute
    assert good(b"id,name\n1,\x80 \x9c \xe9\n", encoding="windows-1252") == [["1", "€ œ é"]]


@pytest.mark.parametrize("byte", [b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"])
def test_bytes_undefined_in_windows_1252_refuse_their_line(byte: bytes) -> None:
    _, records = read(b"id,name\n1," + byte + b"\n2,\xe9\n", encoding="windows-1252")
    assert records == [
        (2, "1,\ufffd", None, "INVALID_ENCODING"),
        (3, "2,é", ["2", "é"], None),
    ]


def test_iso_8859_1_has_no_invalid_bytes() -> None:
    every_byte = bytes(b for b in range(32, 256) if b not in b',"\x7f')
    rows = good(b"id,value\n1," + every_byte + b"\n", encoding="iso-8859-1")
    assert rows == [["1", every_byte.decode("iso-8859-1")]]


def test_utf8_text_read_as_windows_1252_is_mojibake_not_a_reject() -> None:
    assert good("id,name\n1,é\n".encode(), encoding="windows-1252") == [["1", "Ã©"]]


# --- columns and header --------------------------------------------------------------------


def test_a_record_with_too_many_or_too_few_columns_is_refused_alone() -> None:
    _, records = read(b"id,name\n1,Ann,extra\n2\n3,Cy\n")
    assert records == [
        (2, "1,Ann,extra", None, "WRONG_COLUMN_COUNT"),
        (3, "2", None, "WRONG_COLUMN_COUNT"),
        (4, "3,Cy", ["3", "Cy"], None),
    ]


def test_the_header_row_sets_the_column_count() -> None:
    header, records = read(b" id , name \n1,Ann\n")
    assert header == ["id", "name"]
    assert records == [(2, "1,Ann", ["1", "Ann"], None)]


def test_without_a_header_row_every_line_is_data() -> None:
    header, records = read(b"id,name\n1,Ann\n", header=False)
    assert header is None
    assert records == [(1, "id,name", ["id", "name"], None), (2, "1,Ann", ["1", "Ann"], None)]


def test_without_a_header_row_the_first_record_sets_the_column_count() -> None:
    _, records = read(b"1,Ann\n2,Bob,x\n3,Cy\n", header=False)
    assert [reason for *_, reason in records] == [None, "WRONG_COLUMN_COUNT", None]


def test_a_quoted_header_is_read_like_any_record() -> None:
    header, _ = read(b'"id","full name"\n1,Ann\n')
    assert header == ["id", "full name"]


def test_a_file_of_only_a_header_has_no_records() -> None:
    assert read(b"id,name\n") == (["id", "name"], [])


def test_an_empty_file_has_no_header_and_no_records() -> None:
    assert read(b"") == (None, [])
    assert read(b"\n\r\n  \n") == (None, [])


# --- delimiters and qualifier --------------------------------------------------------------


@pytest.mark.parametrize("delimiter", ["\t", ";", "|"])
def test_tab_semicolon_and_pipe_delimiters(delimiter: str) -> None:
    d = delimiter
    data = f'id{d}name{d}city\n1{d}"Lee{d} Ann"{d}Berlin\n2{d}Bob,Jr{d}Paris\n'.encode()
    header, records = read(data, delimiter=d)
    assert header == ["id", "name", "city"]
    assert [fields for _, _, fields, _ in records] == [
        ["1", f"Lee{d} Ann", "Berlin"],
        ["2", "Bob,Jr", "Paris"],  # a comma is plain text here
    ]


def test_without_a_qualifier_quotes_are_plain_text() -> None:
    data = b'id;name\n1;"Ann"\n2;"open\n3;say "hi"\n'
    header, records = read(data, delimiter=";", qualifier=None)
    assert header == ["id", "name"]
    assert records == [
        (2, '1;"Ann"', ["1", '"Ann"'], None),
        (3, '2;"open', ["2", '"open'], None),
        (4, '3;say "hi"', ["3", 'say "hi"'], None),
    ]


def test_without_a_qualifier_a_delimiter_always_splits() -> None:
    _, records = read(b'id,name\n1,"Lee, Ann"\n', qualifier=None)
    assert records == [(2, '1,"Lee, Ann"', None, "WRONG_COLUMN_COUNT")]


def test_reject_reasons_are_the_domain_values() -> None:
    _, records = read(b'id,name\n1,"x\n')
    assert records[0][3] == Reject.UNCLOSED_QUOTE.value
