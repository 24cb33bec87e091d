"""Opaque list cursors: the last key seen, so pages never skip or repeat rows."""

from __future__ import annotations

import base64

from dataconnect.errors import Problem, ValidationFailed

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(f"k{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw.startswith("k") and raw[1:].isdigit() and len(raw) < 20:
            return int(raw[1:])
    except (ValueError, UnicodeDecodeError):
        pass
    raise ValidationFailed(Problem("cursor", "CURSOR_INVALID", "use the cursor of a previous page"))


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(Problem("limit", "LIMIT_INVALID", f"limit is 1 to {MAX_LIMIT}"))
    return limit
