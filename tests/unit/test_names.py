"""Field-name, job/group-name and description rules (product.md, Concepts: field name, job)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataconnect.domain.names import (
    RESERVED_LETTERS,
    SQL_RESERVED_WORDS,
    canonical_field_name,
    description_problem,
    field_name_problem,
    job_name_problem,
)

FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9$#_]{0,29}")
JOB_NAME = re.compile(r"[A-Za-z0-9 !\-=@_\[\]{}]{1,100}")


def field_code(name: object) -> str | None:
    problem = field_name_problem(name)
    return problem.code if problem else None


# --- field names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["FIRST_NAME", "x", "B", "Name1", "ab$#_c", "a$", "z#", "first_name"]
)
def test_valid_field_names_are_accepted(name: str) -> None:
    assert field_name_problem(name) is None


def test_field_name_of_30_characters_is_accepted() -> None:
    assert field_name_problem("F" * 30) is None


def test_field_name_of_31_characters_is_too_long() -> None:
    assert field_code("F" * 31) == "FIELD_NAME_TOO_LONG"


@pytest.mark.parametrize("name", ["", None, 5, ["NAME"]])
def test_empty_or_non_text_field_name_is_refused(name: object) -> None:
    assert field_code(name) == "FIELD_NAME_EMPTY"


@pytest.mark.parametrize(
    "name",
    [
        "first name",
        "a-b",
        "a.b",
        "caf\u00e9",
        "a\nb",
        "x;drop table",
        'a"b',
        "a'b",
        "x)--",
        "a/*b*/",
        "name%",
        "\u0410BC",  # Cyrillic A that looks like a Latin one
    ],
)
def test_field_name_with_characters_outside_the_allowed_set_is_refused(name: str) -> None:
    assert field_code(name) == "FIELD_NAME_INVALID_CHARACTERS"


@pytest.mark.parametrize("name", ["1abc", "_abc", "$abc", "#abc", "9"])
def test_field_name_must_start_with_a_letter(name: str) -> None:
    assert field_code(name) == "FIELD_NAME_MUST_START_WITH_LETTER"


@pytest.mark.parametrize("name", ["abc_", "RIID_", "EMAIL_ADDRESS_", "x__"])
def test_field_name_ending_with_underscore_is_kept_for_system_fields(name: str) -> None:
    assert field_code(name) == "FIELD_NAME_ENDS_WITH_UNDERSCORE"


@pytest.mark.parametrize("name", ["SELECT", "select", "Table", "drop", "ORDER", "user", "from"])
def test_sql_reserved_word_is_refused_in_any_case(name: str) -> None:
    assert field_code(name) == "FIELD_NAME_RESERVED"


@pytest.mark.parametrize("letter", sorted(RESERVED_LETTERS))
def test_reserved_single_letter_is_refused_in_both_cases(letter: str) -> None:
    assert field_code(letter) == "FIELD_NAME_RESERVED"
    assert field_code(letter.lower()) == "FIELD_NAME_RESERVED"


def test_a_reserved_word_inside_a_longer_name_is_fine() -> None:
    assert field_name_problem("SELECTED_ITEMS") is None


def test_field_name_problem_names_the_field_it_was_given() -> None:
    problem = field_name_problem("1x", "fields[3].name")
    assert problem is not None
    assert problem.field == "fields[3].name"


def test_field_names_are_case_insensitive() -> None:
    assert canonical_field_name("First_Name") == canonical_field_name("FIRST_NAME")


@given(st.text(max_size=40))
def test_any_accepted_field_name_follows_every_rule(name: str) -> None:
    if field_name_problem(name) is None:
        assert FIELD_NAME.fullmatch(name)
        assert len(name) <= 30
        assert not name.endswith("_")
        assert name.upper() not in SQL_RESERVED_WORDS
        assert name.upper() not in RESERVED_LETTERS


@given(st.from_regex(r"[A-Za-z][A-Za-z0-9$#_]{0,28}[A-Za-z0-9$#]", fullmatch=True))
def test_every_well_formed_unreserved_field_name_is_accepted(name: str) -> None:
    upper = name.upper()
    if upper in SQL_RESERVED_WORDS or upper in RESERVED_LETTERS:
        assert field_code(name) == "FIELD_NAME_RESERVED"
    else:
        assert field_name_problem(name) is None


# --- job and group names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Daily customers", "a", "J" * 100, "Az09 !-=@_[]{}", "Nightly [EU] {v2} = ok!", "x@y"],
)
def test_valid_job_names_are_accepted(name: str) -> None:
    assert job_name_problem(name) is None


def test_job_name_of_101_characters_is_too_long() -> None:
    problem = job_name_problem("J" * 101)
    assert problem is not None
    assert problem.code == "NAME_TOO_LONG"


@pytest.mark.parametrize("name", ["", "   ", None, 12])
def test_empty_job_name_is_refused(name: object) -> None:
    problem = job_name_problem(name)
    assert problem is not None
    assert problem.code == "NAME_EMPTY"


@pytest.mark.parametrize(
    "name",
    ["a/b", "a.b", "a;b", "a#b", "a$b", "a,b", "tab\there", "line\nbreak", "\u00fcber", "a'b"],
)
def test_job_name_with_other_characters_is_refused(name: str) -> None:
    problem = job_name_problem(name)
    assert problem is not None
    assert problem.code == "NAME_INVALID_CHARACTERS"


@given(st.text(max_size=120))
def test_any_accepted_job_name_is_1_to_100_allowed_characters(name: str) -> None:
    if job_name_problem(name) is None:
        assert JOB_NAME.fullmatch(name)


@given(st.from_regex(r"[A-Za-z0-9!\-=@_\[\]{}][A-Za-z0-9 !\-=@_\[\]{}]{0,99}", fullmatch=True))
def test_every_well_formed_job_name_is_accepted(name: str) -> None:
    assert job_name_problem(name) is None


# --- descriptions -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "Loads the customers file", "d" * 255])
def test_description_up_to_255_characters_is_accepted(text: str) -> None:
    assert description_problem(text) is None


def test_description_of_256_characters_is_too_long() -> None:
    problem = description_problem("d" * 256)
    assert problem is not None
    assert problem.code == "DESCRIPTION_TOO_LONG"


@pytest.mark.parametrize("text", [None, 5, ["a"]])
def test_description_must_be_text(text: object) -> None:
    problem = description_problem(text)
    assert problem is not None
    assert problem.code == "DESCRIPTION_INVALID"
