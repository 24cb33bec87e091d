"""File format and file-name pattern rules (product.md, Import semantics: File and Format)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from dataconnect.domain.formats import (
    FileFormat,
    date_format_problem,
    file_pattern_problem,
    parse_format,
    resolve_file_pattern,
)

from .factories import codes


def format_codes(data: dict[str, Any]) -> list[str]:
    return codes(parse_format(data, "format")[1])


# --- format -----------------------------------------------------------------------------------


def test_missing_format_means_the_defaults() -> None:
    assert parse_format(None, "format") == (FileFormat(), [])


def test_defaults_are_comma_double_quote_header_utf8_iso_dates() -> None:
    assert FileFormat() == FileFormat(
        delimiter=",", qualifier='"', header=True, encoding="utf-8", date_format="%Y-%m-%d"
    )


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (",", ","),
        ("comma", ","),
        ("\t", "\t"),
        ("tab", "\t"),
        (";", ";"),
        ("semicolon", ";"),
        ("|", "|"),
        ("pipe", "|"),
    ],
)
def test_comma_tab_semicolon_and_pipe_delimiters_are_accepted(given: str, stored: str) -> None:
    fmt, problems = parse_format({"delimiter": given}, "format")
    assert problems == []
    assert fmt.delimiter == stored


@pytest.mark.parametrize("delimiter", [":", "", " ", "x", ",,", None, 44])
def test_other_delimiters_are_refused(delimiter: object) -> None:
    assert format_codes({"delimiter": delimiter}) == ["DELIMITER_INVALID"]


def test_a_delimiter_that_is_a_list_is_refused_not_crashed_on() -> None:
    # JSON can carry a list here; it must be a validation problem, never a server error.
    assert format_codes({"delimiter": [","]}) == ["DELIMITER_INVALID"]


@pytest.mark.parametrize(("given", "stored"), [('"', '"'), ("double_quote", '"')])
def test_double_quote_qualifier_is_accepted(given: str, stored: str) -> None:
    fmt, problems = parse_format({"qualifier": given}, "format")
    assert problems == []
    assert fmt.qualifier == stored


@pytest.mark.parametrize("qualifier", [None, "", "none"])
def test_no_qualifier_is_accepted(qualifier: object) -> None:
    fmt, problems = parse_format({"qualifier": qualifier}, "format")
    assert problems == []
    assert fmt.qualifier is None


@pytest.mark.parametrize("qualifier", ["'", "`", "single_quote", 1])
def test_other_qualifiers_are_refused(qualifier: object) -> None:
    assert format_codes({"qualifier": qualifier}) == ["QUALIFIER_INVALID"]


@pytest.mark.parametrize("header", [True, False])
def test_header_is_true_or_false(header: bool) -> None:
    fmt, problems = parse_format({"header": header}, "format")
    assert problems == []
    assert fmt.header is header


@pytest.mark.parametrize("header", ["yes", 1, None])
def test_header_that_is_not_a_boolean_is_refused(header: object) -> None:
    assert format_codes({"header": header}) == ["HEADER_INVALID"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("utf-8", "utf-8"),
        ("UTF-8", "utf-8"),
        ("utf8", "utf-8"),
        ("ISO-8859-1", "iso-8859-1"),
        ("latin-1", "iso-8859-1"),
        ("Windows-1252", "windows-1252"),
        ("cp1252", "windows-1252"),
    ],
)
def test_utf8_iso_8859_1_and_windows_1252_are_accepted(given: str, stored: str) -> None:
    fmt, problems = parse_format({"encoding": given}, "format")
    assert problems == []
    assert fmt.encoding == stored


@pytest.mark.parametrize("encoding", ["utf-16", "ascii", "", None, 8])
def test_other_encodings_are_refused(encoding: object) -> None:
    assert format_codes({"encoding": encoding}) == ["ENCODING_INVALID"]


def test_format_must_be_an_object() -> None:
    assert codes(parse_format(",", "format")[1]) == ["FORMAT_INVALID"]


def test_unknown_format_setting_is_refused() -> None:
    _, problems = parse_format({"escape": "\\"}, "import.format")
    assert [(p.field, p.code) for p in problems] == [("import.format.escape", "UNKNOWN_FIELD")]


def test_every_format_problem_is_reported_at_once() -> None:
    assert format_codes(
        {
            "delimiter": "x",
            "qualifier": "'",
            "header": "no",
            "encoding": "ebcdic",
            "date_format": "",
        }
    ) == [
        "DELIMITER_INVALID",
        "QUALIFIER_INVALID",
        "HEADER_INVALID",
        "ENCODING_INVALID",
        "DATE_FORMAT_INVALID",
    ]


# --- date format ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%y", "%Y%m%d", "%d.%m.%Y %H:%M:%S", "%d %b %Y"]
)
def test_strftime_date_formats_with_a_year_are_accepted(value: str) -> None:
    assert date_format_problem(value, "date_format") is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "YYYY-MM-DD",  # no directives at all
        "%m-%d",  # no year
        "%Y-%Q",  # unknown directive
        "%Y-%m-%d %c",  # locale-dependent directive
        "%Y" + "-" * 40,  # too long
        None,
        20260101,
    ],
)
def test_other_date_formats_are_refused(value: object) -> None:
    problem = date_format_problem(value, "date_format")
    assert problem is not None
    assert problem.code == "DATE_FORMAT_INVALID"


# --- file-name pattern ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "customers.csv",
        "customers_{YYYYMMDD}.csv",
        "c_{YYYY}-{MM}-{DD}_{HH24MISS}.txt",
        "export {YYYY}.csv",
        "a" * 255,
    ],
)
def test_plain_file_names_with_date_tokens_are_accepted(pattern: str) -> None:
    assert file_pattern_problem(pattern, "file_pattern") is None


@pytest.mark.parametrize("pattern", ["", "   ", None, 3])
def test_file_pattern_is_required(pattern: object) -> None:
    problem = file_pattern_problem(pattern, "file_pattern")
    assert problem is not None
    assert problem.code == "FILE_PATTERN_REQUIRED"


@pytest.mark.parametrize(
    "pattern",
    [
        "../secrets.csv",
        "upload/customers.csv",
        "a\\b.csv",
        "*.csv",
        "customer?.csv",
        "c:customers.csv",
        "a\x00b.csv",
        "a\nb.csv",
        ".",
        "..",
        "a" * 256,
        "customers_{YYYY.csv",
        "customers_YYYY}.csv",
    ],
)
def test_folders_wildcards_control_characters_and_unbalanced_braces_are_refused(
    pattern: str,
) -> None:
    problem = file_pattern_problem(pattern, "file_pattern")
    assert problem is not None
    assert problem.code == "FILE_PATTERN_INVALID"


@pytest.mark.parametrize("pattern", ["c_{HOST}.csv", "c_{yyyy}.csv", "c_{}.csv", "c_{HH}.csv"])
def test_unknown_tokens_are_refused(pattern: str) -> None:
    problem = file_pattern_problem(pattern, "file_pattern")
    assert problem is not None
    assert problem.code == "FILE_PATTERN_TOKEN_UNKNOWN"


def test_date_tokens_are_replaced_with_the_given_local_time() -> None:
    local = datetime(2026, 3, 9, 7, 5, 1)
    pattern = "c_{YYYYMMDD}_{HH24MISS}_{YYYY}-{MM}-{DD}.csv"
    assert resolve_file_pattern(pattern, local) == "c_20260309_070501_2026-03-09.csv"


def test_a_pattern_without_tokens_is_the_file_name() -> None:
    assert resolve_file_pattern("customers.csv", datetime(2026, 1, 1)) == "customers.csv"
