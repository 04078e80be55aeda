"""Deterministic unified ids.

A unified id is a hash of the account, the model and the Pinpoint id, so the same
Pinpoint record always gets the same id on every run and machine, while records of
different models (Pinpoint job "7" and user "7") and of different accounts never collide.
The result is 22 characters of base58, which sorts and compares as plain text.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

__all__ = ["REMOTE_ID_PREFIX", "unified_id"]

REMOTE_ID_PREFIX = "remote:"
_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Two base58 digits per division: half the big-integer divisions of one digit at a time.
_BASE58_PAIRS = tuple(high + low for high in _BASE58_ALPHABET for low in _BASE58_ALPHABET)
_HALF = 58**11
"""A 128-bit number is below 58**22, so it splits into two halves of 11 digits each."""


# The same job, stage and candidate ids recur on every page, and an id costs about 2.4 µs
# to compute (measured with timeit), so recent ids are remembered.
@lru_cache(maxsize=65_536)
def unified_id(account: str, model: str, remote_id: str) -> str:
    """Return the unified id of Pinpoint record `remote_id` of `model` in `account`."""
    digest = hashlib.sha256(f"{account}\x1f{model}\x1f{remote_id}".encode()).digest()
    high, low = divmod(int.from_bytes(digest[:16], "big"), _HALF)
    parts = []
    for half in (low, high):
        for _ in range(5):
            half, pair = divmod(half, 58 * 58)
            parts.append(_BASE58_PAIRS[pair])
        parts.append(_BASE58_ALPHABET[half])
    return "".join(reversed(parts))
