"""Random source and time window shared by the sandbox's data generators.

All randomness comes from one ``random.Random(seed)`` consumed in a fixed order, and all
times are whole seconds inside the history window, so the same seed and anchor always
produce the same data.
"""

from __future__ import annotations

import random
import uuid
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
        self.anchor = anchor
        self.start = anchor - HISTORY

    def between(self, low: datetime, high: datetime) -> datetime:
        """Return a whole-second time in ``[low, high]``, or ``low`` when ``high < low``."""
        span = int((high - low).total_seconds())
        if span <= 0:
            return low
        return low + timedelta(seconds=self.rng.randint(0, span))

    def after(self, base: datetime, min_seconds: int, max_seconds: int) -> datetime:
        """Return a time between ``min_seconds`` and ``max_seconds`` after ``base``, capped
        at the anchor."""
        moment = base + timedelta(seconds=self.rng.randint(min_seconds, max_seconds))
        return min(moment, self.anchor)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def uuid4(self) -> str:
        """Return a version 4 UUID string drawn from the seeded generator."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
