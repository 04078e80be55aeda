"""Random source and time window shared by the sandbox's data generators.

All randomness comes from one ``random.Random(seed)`` consumed in a fixed order, and all
times are whole seconds inside the history window, so the same seed and anchor always
produce the same data.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Generic, TypeVar

HISTORY = timedelta(days=730)
"""Length of the generated history. Every created_at and updated_at lies in
``[anchor - HISTORY, anchor]``."""

DAY = 86_400
"""Seconds in a day."""

T = TypeVar("T")


class WeightedChoice(Generic[T]):
    """Items with relative weights, sampled with one ``random()`` call and a bisection."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if len(items) != len(weights) or not items:
            raise ValueError("WeightedChoice needs one weight per item and at least one item")
        self.items = list(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        index = bisect_right(self.cumulative, rng.random() * self.total)
        return self.items[min(index, len(self.items) - 1)]


class GenerationContext:
    """The seeded random generator and the history window ending at ``anchor``."""

    def __init__(self, seed: int, anchor: datetime) -> None:
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self.anchor = anchor
        self.start = anchor - HISTORY

    def between(self, low: datetime, high: datetime) -> datetime:
        """Return a whole-second time in ``[low, high]``, or ``low`` when ``high < low``."""
        span = int((high - low).total_seconds())
        if span <= 0:
            return low
        return low + timedelta(seconds=self.integer(0, span))

    def after(self, base: datetime, min_seconds: int, max_seconds: int) -> datetime:
        """Return a time between ``min_seconds`` and ``max_seconds`` after ``base``.

        A time past the anchor is drawn again between ``base`` and the anchor. Capping it
        at the anchor instead put thousands of records of a large account on the
        anchor's second.
        """
        moment = base + timedelta(seconds=self.integer(min_seconds, max_seconds))
        if moment > self.anchor:
            moment = self.between(min(base, self.anchor), self.anchor)
        return moment

    def chance(self, probability: float) -> bool:
        return self.random() < probability

    def integer(self, low: int, high: int) -> int:
        """Return an int in ``[low, high]`` from one ``random()`` call.

        ``Random.randint`` costs about ten times as much and dominated the generation of
        large accounts; a float's 53 bits are plenty for these ranges.
        """
        return low + int(self.random() * (high - low + 1))

    def item(self, items: Sequence[T]) -> T:
        """Return a random element, like ``Random.choice`` but with one ``random()`` call."""
        return items[int(self.random() * len(items))]

    def uuid4(self) -> str:
        """Return a version 4 UUID string drawn from the seeded generator.

        Equal to ``str(uuid.UUID(int=bits, version=4))``, formatted without building a
        ``UUID`` object.
        """
        value = self.rng.getrandbits(128)
        value = (value & ~(0xC000 << 48)) | (0x8000 << 48)
        value = (value & ~(0xF000 << 64)) | (0x4000 << 64)
        digits = f"{value:032x}"
        return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
