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
# Digits are taken four at a time, so only five divisions touch the 128-bit number.
# Each four-digit chunk is a small integer that splits into two looked-up digit pairs.
_BASE58_PAIRS = tuple(high + low for high in _BASE58_ALPHABET for low in _BASE58_ALPHABET)
_FOUR_DIGITS = 58**4
_TWO_DIGITS = 58**2


# The same job, stage and candidate ids recur on every page, and an id costs about 2 µs
# to compute (measured with timeit), so recent ids are remembered.
@lru_cache(maxsize=65_536)
def unified_id(account: str, model: str, remote_id: str) -> str:
    """Return the unified id of Pinpoint record `remote_id` of `model` in `account`."""
    digest = hashlib.sha256(f"{account}\x1f{model}\x1f{remote_id}".encode()).digest()
    number = int.from_bytes(digest[:16], "big")
    parts = []
    for _ in range(5):
        number, chunk = divmod(number, _FOUR_DIGITS)
        high, low = divmod(chunk, _TWO_DIGITS)
        parts.append(_BASE58_PAIRS[low])
        parts.append(_BASE58_PAIRS[high])
    # 2**128 is below 58**22, so after 20 digits fewer than 58**2 remain.
    parts.append(_BASE58_PAIRS[number])
    return "".join(reversed(parts))
