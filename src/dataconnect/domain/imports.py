"""Rules of an import run: reject reasons, run failures, value formats.

The hot loops live in ``dataconnect.imports``; the rules they apply are stated here.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Reject(StrEnum):
    """Why one row was refused; written to the rejects file's REJECT_REASON column."""

    WRONG_COLUMN_COUNT = "WRONG_COLUMN_COUNT"
    UNCLOSED_QUOTE = "UNCLOSED_QUOTE"
    MALFORMED_QUOTES = "MALFORMED_QUOTES"
    INVALID_ENCODING = "INVALID_ENCODING"
    EMPTY_MATCH_FIELD = "EMPTY_MATCH_FIELD"
    VALUE_TOO_LONG = "VALUE_TOO_LONG"
    INVALID_INTEGER = "INVALID_INTEGER"
    INVALID_NUMBER = "INVALID_NUMBER"
    INVALID_DATE = "INVALID_DATE"
    INVALID_TIMESTAMP = "INVALID_TIMESTAMP"
    INVALID_BOOLEAN = "INVALID_BOOLEAN"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_MOBILE_NUMBER = "INVALID_MOBILE_NUMBER"
    INVALID_PERMISSION_VALUE = "INVALID_PERMISSION_VALUE"
    INVALID_EMAIL_FORMAT = "INVALID_EMAIL_FORMAT"
    DUPLICATE_KEY_IN_FILE = "DUPLICATE_KEY_IN_FILE"
    NO_MATCHING_PROFILE = "NO_MATCHING_PROFILE"
    NO_MATCHING_RECORD = "NO_MATCHING_RECORD"
    KEY_EXISTS = "KEY_EXISTS"


class RunFailure(StrEnum):
    """Why a whole run failed (its changes are rolled back)."""

    FILE_NOT_FOUND = "FILE_NOT_FOUND"
    FILE_EMPTY = "FILE_EMPTY"
    FILE_UNREADABLE = "FILE_UNREADABLE"
    MAPPED_COLUMN_MISSING = "MAPPED_COLUMN_MISSING"
    COUNT_FILE_MISSING = "COUNT_FILE_MISSING"
    COUNT_FILE_INVALID = "COUNT_FILE_INVALID"
    COUNT_MISMATCH = "COUNT_MISMATCH"
    REJECT_LIMIT_EXCEEDED = "REJECT_LIMIT_EXCEEDED"
    TARGET_NOT_FOUND = "TARGET_NOT_FOUND"
    INTERNAL_ERROR = "INTERNAL_ERROR"


# Failures after which the upload file is deleted: a rerun of the same file cannot succeed.
DELETE_FILE_ON = frozenset(
    {RunFailure.FILE_EMPTY, RunFailure.FILE_UNREADABLE, RunFailure.COUNT_MISMATCH}
)

EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
MOBILE_DIGITS = re.compile(r"\+?[0-9]{6,15}")
_MOBILE_NOISE = re.compile(r"[ ().-]")
TRUE_VALUES = frozenset({"1", "true", "t", "yes", "y"})
FALSE_VALUES = frozenset({"0", "false", "f", "no", "n"})
EMAIL_FORMATS = frozenset({"H", "T", "U"})


def normalize_mobile(value: str) -> str | None:
    """``+49 (170) 123-4567`` → ``+491701234567``; ``None`` when it is not 6 to 15 digits."""
    if MOBILE_DIGITS.fullmatch(value):
        return value  # most numbers arrive compact already
    compact = _MOBILE_NOISE.sub("", value)
    return compact if MOBILE_DIGITS.fullmatch(compact) else None


def rejects_exceed(rejected: int, processed: int, max_percent: float) -> bool:
    return processed > 0 and rejected * 100.0 > max_percent * processed
