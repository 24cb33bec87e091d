"""Local wall-clock times to UTC instants, with the DST rules of product.md."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_to_utc(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of a local wall-clock time.

    A time that occurs twice (fall back) resolves to its first occurrence; a time that does not
    exist (spring forward) resolves to the first valid minute after it, the moment of the change.
    """
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # Gap: fold=1 reads the time with the offset after the change and lands before the gap ends.
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = min(first, second), max(first, second)
    step = timedelta(minutes=1)
    candidate = lo
    while candidate <= hi:
        if candidate.astimezone(tz).replace(tzinfo=None) > naive:
            return candidate
        candidate += step
    return hi
