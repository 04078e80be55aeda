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
_ID_LENGTH = 22


# The same job, stage and candidate ids recur on every page, and base58 in Python costs
# about 3 µs an id (measured in the benchmark profile), so recent ids are remembered.
@lru_cache(maxsize=65_536)
def unified_id(account: str, model: str, remote_id: str) -> str:
    """Return the unified id of Pinpoint record `remote_id` of `model` in `account`."""
    digest = hashlib.sha256(f"{account}\x1f{model}\x1f{remote_id}".encode()).digest()
    number = int.from_bytes(digest[:16], "big")
    characters = []
    for _ in range(_ID_LENGTH):
        number, remainder = divmod(number, 58)
        characters.append(_BASE58_ALPHABET[remainder])
    return "".join(reversed(characters))
