"""Bound and adapt how hard the client presses Pinpoint.

Pinpoint documents HTTP 429 but no rate limit, so the client starts with a small number
of requests in flight and no rate cap, and learns the limit from 429 responses:

* On a 429 the cap becomes 80% of the rate that succeeded over the last few seconds,
  and every request waits at least the `Retry-After` the server sent.
* After 20 successful requests in a row the cap rises by 5%, so a temporary slowdown
  does not throttle the rest of a long sync.

The cap is enforced by spacing request starts evenly; concurrency is enforced by a
semaphore. Both are shared by every thread that uses one client.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["RequestThrottle"]

logger = logging.getLogger(__name__)

_RATE_WINDOW_SECONDS = 5.0
_DECREASE_FACTOR = 0.8
_INCREASE_FACTOR = 1.05
_SUCCESSES_BEFORE_INCREASE = 20
_MIN_RATE = 0.5
_DECREASE_COOLDOWN_SECONDS = 1.0


class RequestThrottle:
    """Limit requests in flight and, after Pinpoint returns a 429, requests per second."""

    def __init__(
        self, max_concurrency: int = 4, max_requests_per_second: float | None = None
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        if max_requests_per_second is not None and max_requests_per_second <= 0:
            raise ValueError(
                f"max_requests_per_second must be positive, got {max_requests_per_second}"
            )
        self.max_concurrency = max_concurrency
        self.configured_rate = max_requests_per_second
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._lock = threading.Lock()
        self._rate = max_requests_per_second
        self._next_start = 0.0
        self._paused_until = 0.0
        self._successes: deque[float] = deque()
        self._streak = 0
        self._last_decrease = float("-inf")

    @property
    def current_rate(self) -> float | None:
        """The requests-per-second cap in force, or None while none has been needed."""
        with self._lock:
            return self._rate

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one request slot: wait for concurrency, the rate cap and any pause."""
        self._slots.acquire()
        try:
            self._wait_for_turn()
            yield
        finally:
            self._slots.release()

    def on_success(self) -> None:
        now = time.monotonic()
        with self._lock:
            self._successes.append(now)
            while self._successes and now - self._successes[0] > _RATE_WINDOW_SECONDS:
                self._successes.popleft()
            self._streak += 1
            if self._rate is not None and self._streak >= _SUCCESSES_BEFORE_INCREASE:
                self._streak = 0
                raised = self._rate * _INCREASE_FACTOR
                if self.configured_rate is not None:
                    raised = min(raised, self.configured_rate)
                self._rate = raised

    def on_rate_limited(self, retry_after: float | None) -> None:
        """Lower the cap after a 429 and pause every request for `retry_after` seconds.

        Requests in flight when the limit is hit often all return 429; only the first of
        them within a second lowers the cap, so one burst does not collapse it.
        """
        now = time.monotonic()
        with self._lock:
            self._streak = 0
            if retry_after:
                self._paused_until = max(self._paused_until, now + retry_after)
            if now - self._last_decrease < _DECREASE_COOLDOWN_SECONDS:
                return
            self._last_decrease = now
            observed = self._observed_rate(now)
            candidates = [rate for rate in (observed, self._rate) if rate is not None]
            basis = min(candidates) if candidates else float(self.max_concurrency)
            self._rate = max(basis * _DECREASE_FACTOR, _MIN_RATE)
            logger.info("Pinpoint returned 429; limiting to %.1f requests per second", self._rate)

    def _observed_rate(self, now: float) -> float | None:
        recent = [moment for moment in self._successes if now - moment <= _RATE_WINDOW_SECONDS]
        if len(recent) < 2:
            return None
        span = max(now - recent[0], 1.0)
        return len(recent) / span

    def _wait_for_turn(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start, self._paused_until)
            spacing = 1.0 / self._rate if self._rate is not None else 0.0
            self._next_start = start + spacing
            delay = start - now
        if delay > 0:
            time.sleep(delay)
