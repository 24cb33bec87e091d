"""What the compatibility routes read from a request besides the path: the JSON body (read
here, at most ``MAX_BODY`` bytes) and the history's MM-DD-YYYY days. Every refusal is a
``CompatError`` 400 ``INVALID_PARAMETER`` (413 ``BODY_TOO_LARGE`` for a body over the limit).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from typing import Any

from fastapi import Request

from dataconnect.api.compat.errors import INVALID, CompatError
from dataconnect.api.compat.shapes import MAX_TRIGGER
from dataconnect.api.deps import MAX_ID
from dataconnect.domain.localtime import local_to_utc

MAX_BODY = 64 * 1024  # a trigger body is {} or five ids
_DATE = re.compile(r"[0-9]{2}-[0-9]{2}-[0-9]{4}")  # ASCII digits only


async def json_body(request: Request) -> Any:
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            raise CompatError(413, "BODY_TOO_LARGE", f"at most {MAX_BODY} bytes")
    try:
        return json.loads(bytes(data))
    except (ValueError, RecursionError):
        raise CompatError(400, INVALID, "the body is not valid JSON") from None


def job_ids(body: Any) -> list[int]:
    """``{"jobIds": [...]}``: 1 to 5 different ids; anything else starts nothing."""
    if not isinstance(body, dict) or set(body) != {"jobIds"}:
        raise CompatError(400, INVALID, 'the body must be {"jobIds": [ids]}')
    ids = body["jobIds"]
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_TRIGGER:
        raise CompatError(400, INVALID, f"jobIds must list 1 to {MAX_TRIGGER} job ids")
    for job_id in ids:
        if isinstance(job_id, bool) or not isinstance(job_id, int):
            raise CompatError(400, INVALID, "Job Id should be a numeric value.")
        if not 1 <= job_id <= MAX_ID:
            raise CompatError(400, INVALID, f"{str(job_id)[:40]} is not a job id")
    if len(set(ids)) != len(ids):
        raise CompatError(400, INVALID, "jobIds lists a job more than once")
    return ids


def parse_day(value: str | None, name: str) -> date | None:
    """A day given as MM-DD-YYYY; ``None`` when absent or empty."""
    if value is None or value == "":
        return None
    if not _DATE.fullmatch(value):
        raise CompatError(400, INVALID, f"{name} must be a date as MM-DD-YYYY")
    month, day, year = (int(part) for part in value.split("-"))
    try:
        return date(year, month, day)
    except ValueError:
        raise CompatError(400, INVALID, f"{name} {value} is not a date") from None


def midnight(day: date, zone: str) -> datetime | None:
    """The UTC instant a local day begins; ``None`` when it is beyond what a datetime holds."""
    try:
        return local_to_utc(day, time(0, 0), zone)
    except (OverflowError, ValueError):
        return None
