"""Injected failures: scripted per endpoint, drawn by probability, or from a rate limit.

A fault is named by a token. Tokens with a value take it after a colon.

==============  ==============================================================
``ok``          serve the request normally
``429``         429 with ``Retry-After`` in seconds (``429:7`` for 7 s)
``429-date``    429 with ``Retry-After`` as an HTTP date, relative to the
                response's ``Date`` header (the sandbox clock)
``429-zero``    429 with ``Retry-After: 0``
``429-none``    429 without ``Retry-After``
``500``         500 with Pinpoint's JSON:API error body
``502``         502 with an HTML body, as a proxy in front of an API sends
``503``         503 with a JSON:API error body
``timeout``     wait ``FaultPlan.stall_seconds`` (``timeout:12``), then serve
``slow:S``      wait S seconds, then serve
``truncated``   200 whose JSON body is cut in half (the length header matches)
``malformed``   200 with a body that is not JSON
``errors-200``  200 whose JSON body is an ``errors`` array
==============  ==============================================================
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

FAULT_NAMES = frozenset(
    {
        "ok",
        "429",
        "429-date",
        "429-zero",
        "429-none",
        "500",
        "502",
        "503",
        "timeout",
        "slow",
        "truncated",
        "malformed",
        "errors-200",
    }
)


@dataclass(frozen=True)
class Fault:
    """A parsed fault token: its name and optional numeric value."""

    name: str
    value: float | None = None

    @classmethod
    def parse(cls, token: str) -> Fault:
        name, _, raw_value = token.strip().partition(":")
        if name not in FAULT_NAMES:
            raise ValueError(
                f"unknown fault {token!r}; known faults: {', '.join(sorted(FAULT_NAMES))}"
            )
        if name == "slow" and not raw_value:
            raise ValueError("the slow fault needs a duration, for example 'slow:2.5'")
        value = None
        if raw_value:
            try:
                value = float(raw_value)
            except ValueError:
                raise ValueError(f"invalid value in fault {token!r}: expected a number") from None
            if value < 0:
                raise ValueError(f"invalid value in fault {token!r}: must not be negative")
        return cls(name, value)


OK = Fault("ok")


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: ``requests_per_second`` on average, up to ``burst`` at once."""

    requests_per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        if self.requests_per_second <= 0 or self.burst < 1:
            raise ValueError(
                f"a rate limit needs requests_per_second > 0 and burst >= 1, got "
                f"{self.requests_per_second} and {self.burst}"
            )


@dataclass(frozen=True)
class FaultPlan:
    """Failures that apply to every request under ``/api/v1`` while the sandbox runs.

    ``probabilities`` maps fault tokens to the chance of each per request, drawn from a
    ``random.Random(seed)``. ``paths`` limits those draws to some collections, such as
    ``"/applications"``, which covers ``/applications/{id}`` too. Latency is real time,
    added before every request. ``page_size_cap`` makes list endpoints serve at most that
    many rows whatever ``page[size]`` requests.
    """

    seed: int = 0
    probabilities: Mapping[str, float] = field(default_factory=dict)
    paths: tuple[str, ...] = ()
    latency_seconds: float = 0.0
    latency_jitter_seconds: float = 0.0
    rate_limit: RateLimit | None = None
    page_size_cap: int | None = None
    stall_seconds: float = 30.0
    retry_after_seconds: int = 1

    def __post_init__(self) -> None:
        for token, probability in self.probabilities.items():
            Fault.parse(token)
            if not 0.0 <= probability <= 1.0:
                raise ValueError(
                    f"probability of fault {token!r} must be in [0, 1], got {probability}"
                )
        if sum(self.probabilities.values()) > 1.0:
            raise ValueError("fault probabilities must add up to at most 1")
        if self.page_size_cap is not None and self.page_size_cap < 1:
            raise ValueError(f"page_size_cap must be at least 1, got {self.page_size_cap}")
        if min(self.latency_seconds, self.latency_jitter_seconds, self.stall_seconds) < 0:
            raise ValueError("latency and stall durations must not be negative")


class _TokenBucket:
    def __init__(self, limit: RateLimit) -> None:
        self._limit = limit
        self._tokens = float(limit.burst)
        self._updated = time.monotonic()

    def take(self) -> float:
        """Take a token; return 0 when one was available, else the seconds until one is."""
        now = time.monotonic()
        rate = self._limit.requests_per_second
        self._tokens = min(float(self._limit.burst), self._tokens + (now - self._updated) * rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / rate


class FaultController:
    """Decides the fault of each request: scripted tokens first, then the plan's draws."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[tuple[str, str | None], deque[Fault]] = {}
        self.plan = plan or FaultPlan()
        self._random = random.Random(self.plan.seed)
        self._bucket = _TokenBucket(self.plan.rate_limit) if self.plan.rate_limit else None

    def set_plan(self, plan: FaultPlan) -> None:
        """Replace the plan; scripts stay."""
        with self._lock:
            self.plan = plan
            self._random = random.Random(plan.seed)
            self._bucket = _TokenBucket(plan.rate_limit) if plan.rate_limit else None

    def script(self, path: str, tokens: Sequence[str], method: str | None = None) -> None:
        """Queue faults for the next requests to ``path``, consumed one per request.

        ``path`` is relative to ``/api/v1``: ``"/applications"`` covers the collection and
        its records, ``"/applications/12"`` one record, ``"*"`` every path. ``method``
        limits the script to one HTTP method. Scripted requests skip the random draws;
        once a script runs out, the plan applies again.
        """
        faults = [Fault.parse(token) for token in tokens]
        key = (_normalise(path), method.upper() if method else None)
        with self._lock:
            self._scripts.setdefault(key, deque()).extend(faults)

    def remaining(self, path: str, method: str | None = None) -> int:
        """Return how many scripted faults are still queued for ``path``."""
        with self._lock:
            queue = self._scripts.get((_normalise(path), method.upper() if method else None))
            return len(queue) if queue else 0

    def clear(self) -> None:
        """Drop every queued script."""
        with self._lock:
            self._scripts.clear()

    def decide(self, method: str, path: str) -> Fault:
        """Return the fault for a request to ``path`` (relative to ``/api/v1``)."""
        path = _normalise(path)
        collection = "/" + path.strip("/").split("/")[0]
        with self._lock:
            for key_path in (path, collection, "*"):
                for key_method in (method, None):
                    queue = self._scripts.get((key_path, key_method))
                    if queue:
                        return queue.popleft()
            plan = self.plan
            if plan.paths and collection not in plan.paths:
                return OK
            if plan.probabilities:
                roll = self._random.random()
                for token, probability in plan.probabilities.items():
                    if roll < probability:
                        return Fault.parse(token)
                    roll -= probability
        return OK

    def rate_limit_wait(self) -> float:
        """Return 0 when the rate limit lets a request through, else seconds to wait."""
        with self._lock:
            return self._bucket.take() if self._bucket is not None else 0.0

    def latency(self) -> float:
        with self._lock:
            plan = self.plan
            jitter = (
                self._random.random() * plan.latency_jitter_seconds
                if plan.latency_jitter_seconds
                else 0.0
            )
            return plan.latency_seconds + jitter


def retry_after_header(seconds: float) -> str:
    return str(max(math.ceil(seconds), 0))


def _normalise(path: str) -> str:
    if path == "*":
        return path
    return "/" + path.strip().strip("/")
