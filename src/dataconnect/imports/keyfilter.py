"""A fixed-size Bloom filter of the keys one run has written.

When the target was empty as the run began, a key the filter has never seen cannot match a row,
so the sink skips its lookup; only possible repeats (true ones and ~1% false alarms at five
million keys) are looked up. Memory stays 8 MiB whatever the file size.
"""

from __future__ import annotations

from collections.abc import Hashable

BITS = 1 << 26
_MASK = BITS - 1


class KeyFilter:
    def __init__(self) -> None:
        self._bits = bytearray(BITS >> 3)

    @staticmethod
    def _positions(key: Hashable) -> tuple[int, int, int]:
        h = hash(key) & 0xFFFF_FFFF_FFFF_FFFF
        return h & _MASK, (h >> 26) & _MASK, ((h >> 52) | (h << 12)) & _MASK

    def add(self, key: Hashable) -> None:
        bits = self._bits
        for p in self._positions(key):
            bits[p >> 3] |= 1 << (p & 7)

    def may_contain(self, key: Hashable) -> bool:
        bits = self._bits
        return all(bits[p >> 3] & (1 << (p & 7)) for p in self._positions(key))
