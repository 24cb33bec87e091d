"""File settings shared by imports and exports: format, file-name pattern with date tokens."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from dataconnect.domain.plain import Plain, doc, unknown_problems
from dataconnect.errors import Problem

DELIMITERS = {
    ",": ",",
    "comma": ",",
    "\t": "\t",
    "tab": "\t",
    ";": ";",
    "semicolon": ";",
    "|": "|",
    "pipe": "|",
}
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "iso-8859-1": "iso-8859-1",
    "latin-1": "iso-8859-1",
    "latin1": "iso-8859-1",
    "windows-1252": "windows-1252",
    "cp1252": "windows-1252",
}
DATE_TOKENS = ("YYYYMMDD", "HH24MISS", "YYYY", "MM", "DD")
ISO_DATE = "%Y-%m-%d"  # how dates are stored, and the default date format of files
PATTERN_MAX = 255
DATE_FORMAT_MAX = 40
_ALLOWED_DIRECTIVES = set("YymdbBHIMSpfjzZaA%")
_TOKEN = re.compile(r"\{([^{}]*)\}")
_PATTERN_FORBIDDEN = re.compile(r"[/\\\x00-\x1f\x7f:*?\"<>]")


@dataclass(frozen=True, slots=True, kw_only=True)
class FileFormat(Plain):
    """How a data file is laid out; every key is optional."""

    delimiter: str = dataclasses.field(
        default=",", metadata=doc("comma (the default), tab, semicolon or pipe, or the character")
    )
    qualifier: str | None = dataclasses.field(
        default='"', metadata=doc('" (the default, also double_quote) quotes values; none or null')
    )
    header: bool = dataclasses.field(
        default=True, metadata=doc("the first row names the columns (default true)")
    )
    encoding: str = dataclasses.field(
        default="utf-8", metadata=doc("utf-8 (the default), iso-8859-1 or windows-1252")
    )
    date_format: str = dataclasses.field(
        default="%Y-%m-%d", metadata=doc("a strftime pattern with a year (default %Y-%m-%d)")
    )


def parse_format(data: object, field: str) -> tuple[FileFormat, list[Problem]]:
    if data is None:
        return FileFormat(), []
    if not isinstance(data, Mapping):
        return FileFormat(), [Problem(field, "FORMAT_INVALID", "format is an object")]
    problems = unknown_problems(data, FileFormat, field, "a format setting")
    raw_delimiter = data.get("delimiter", ",")
    delimiter = DELIMITERS.get(raw_delimiter) if isinstance(raw_delimiter, str) else None
    if delimiter is None:
        problems.append(
            Problem(f"{field}.delimiter", "DELIMITER_INVALID", "comma, tab, semicolon or pipe")
        )
    raw_qualifier = data.get("qualifier", '"')
    qualifier: str | None
    if raw_qualifier in ('"', "double_quote"):
        qualifier = '"'
    elif raw_qualifier in (None, "", "none"):
        qualifier = None
    else:
        qualifier = '"'
        problems.append(
            Problem(f"{field}.qualifier", "QUALIFIER_INVALID", 'qualifier is " or none')
        )
    header = data.get("header", True)
    if not isinstance(header, bool):
        problems.append(Problem(f"{field}.header", "HEADER_INVALID", "header is true or false"))
        header = True
    raw_encoding = data.get("encoding", "utf-8")
    encoding = ENCODINGS.get(raw_encoding.lower()) if isinstance(raw_encoding, str) else None
    if encoding is None:
        problems.append(
            Problem(f"{field}.encoding", "ENCODING_INVALID", "utf-8, iso-8859-1 or windows-1252")
        )
    date_format = data.get("date_format", "%Y-%m-%d")
    date_problem = date_format_problem(date_format, f"{field}.date_format")
    if date_problem:
        problems.append(date_problem)
    return (
        FileFormat(
            delimiter=delimiter or ",",
            qualifier=qualifier,
            header=header,
            encoding=encoding or "utf-8",
            date_format=date_format
            if isinstance(date_format, str) and not date_problem
            else "%Y-%m-%d",
        ),
        problems,
    )


def date_format_problem(value: object, field: str) -> Problem | None:
    bad = Problem(
        field, "DATE_FORMAT_INVALID", "a strftime pattern with a year, such as %Y-%m-%d or %d/%m/%Y"
    )
    if not isinstance(value, str) or not value or len(value) > DATE_FORMAT_MAX:
        return bad
    directives = re.findall(r"%(.)", value)
    if not directives or any(d not in _ALLOWED_DIRECTIVES for d in directives):
        return bad
    if "Y" not in directives and "y" not in directives:
        return bad
    sample = datetime(2026, 11, 24, 13, 5, 9)
    try:
        datetime.strptime(sample.strftime(value), value)
    except ValueError:
        return bad
    return None


def file_pattern_problem(value: object, field: str) -> Problem | None:
    if not isinstance(value, str) or not value.strip():
        return Problem(field, "FILE_PATTERN_REQUIRED", "a file name pattern is required")
    if len(value) > PATTERN_MAX:
        return Problem(field, "FILE_PATTERN_INVALID", f"at most {PATTERN_MAX} characters")
    if value in (".", "..") or _PATTERN_FORBIDDEN.search(value):
        return Problem(
            field,
            "FILE_PATTERN_INVALID",
            "a plain file name: no folders, wildcards or control characters",
        )
    if value.startswith(".") or len(value.encode("utf-8")) > PATTERN_MAX:
        # A leading dot is the file server's temporary files' (never listed nor read).
        return Problem(
            field,
            "FILE_PATTERN_INVALID",
            f"a file name that does not start with a dot, at most {PATTERN_MAX} bytes in UTF-8",
        )
    stripped = _TOKEN.sub("", value)
    if "{" in stripped or "}" in stripped:
        return Problem(field, "FILE_PATTERN_INVALID", "unbalanced { } in the pattern")
    for token in _TOKEN.findall(value):
        if token not in DATE_TOKENS:
            return Problem(
                field,
                "FILE_PATTERN_TOKEN_UNKNOWN",
                f"{{{token}}} is not a date token; use "
                + ", ".join(f"{{{t}}}" for t in DATE_TOKENS),
            )
    return None


def resolve_file_pattern(pattern: str, local_now: datetime) -> str:
    """Replace date tokens with the given local time (the account's zone)."""
    values = {
        "YYYYMMDD": local_now.strftime("%Y%m%d"),
        "HH24MISS": local_now.strftime("%H%M%S"),
        "YYYY": local_now.strftime("%Y"),
        "MM": local_now.strftime("%m"),
        "DD": local_now.strftime("%d"),
    }
    return _TOKEN.sub(lambda m: values[m.group(1)], pattern)
