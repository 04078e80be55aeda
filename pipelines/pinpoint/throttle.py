"""Bound and adapt how hard the client presses Pinpoint.

Pinpoint documents HTTP 429 but neither a rate limit nor rate-limit headers, so the
client starts with at most `max_concurrency` requests in flight and no rate cap (or
`max_requests_per_second`, when configured), and learns a cap from 429 responses:

* Request starts follow a schedule 1/cap apart. A start that comes more than 10% of the
  spacing late restarts the schedule from itself, so no two starts are closer than 90%
  of the spacing, even when a thread wakes late.
* The first 429 of an episode lowers the cap once. 429s of requests that started
  before that decrease were sent at the old pace and change nothing. The new cap is:

  - while uncapped, 90% of the peak rate of recent successful requests,
  - 80% of the lower of that peak and the cap that drew the 429, when most requests
    since the last decrease did not wait for the cap, because a lower cap then costs
    little,
  - 95% of that lower rate when the cap set the pace for at least 20 successful
    requests, because the cap is then close to the limit,
  - 90% of it otherwise,
  - half the cap when the 429 comes fewer than 3 successes after the last decrease.

* A `Retry-After` on that first 429 pauses every request once. The retried request
  waits for it in the client's backoff. Without the header nothing else pauses.
* After every 10 successful requests in a row the cap rises. For 30 s after a 429 it
  only climbs halfway towards 90% of the cap that drew the 429, and not at all after a
  halving or after a 429 while uncapped. The throttle thus does not walk back into the
  limit it just met. After that it rises by 10% at a time, so a temporary slowdown does
  not throttle the rest of a long sync. It never rises above `max_requests_per_second`.

NOTE: after a 429 while uncapped the cap stays at 90% of the measured rate for 30 s,
even when the server would accept more. And a server that refills a large burst during
each `Retry-After` pause lets a burst through after each one, so the peak overstates
its rate and the cap comes down by only 10% per pause.

Concurrency is enforced by a semaphore and never changes. Both limits are shared by
every thread that uses one client.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["RequestThrottle"]

logger = logging.getLogger(__name__)

_RATE_WINDOW_SECONDS = 5.0
_PEAK_RUN = 5
"""Consecutive successful requests over which `_peak_success_rate` measures a rate."""
_UNCAPPED_DECREASE_FACTOR = 0.9
_DECREASE_FACTOR = 0.9
_SMALL_DECREASE_FACTOR = 0.95
_SUCCESSES_BEFORE_SMALL_DECREASE = 20
_IDLE_DECREASE_FACTOR = 0.8
_LARGE_DECREASE_FACTOR = 0.5
_SUCCESSES_BEFORE_NORMAL_DECREASE = 3
_INCREASE_FACTOR = 1.1
_SUCCESSES_BEFORE_INCREASE = 10
_HOLD_SECONDS = 30.0
_HOLD_MARGIN = 0.9
_MIN_RATE = 0.5
_SCHEDULE_SLACK = 0.1
"""Lateness, as a share of the spacing, up to which a start keeps the schedule."""


class RequestThrottle:
    """Limit requests in flight and, after Pinpoint returns a 429, requests per second.

    `clock` and `sleep` default to `time.monotonic` and `time.sleep`. Tests pass fakes.
    """

    def __init__(
        self,
        max_concurrency: int = 4,
        max_requests_per_second: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        if max_requests_per_second is not None and not (
            math.isfinite(max_requests_per_second) and max_requests_per_second > 0
        ):
            raise ValueError(
                "max_requests_per_second must be a positive finite number, got "
                f"{max_requests_per_second}"
            )
        self.max_concurrency = max_concurrency
        self.configured_rate = max_requests_per_second
        self._clock = clock
        self._sleep = sleep
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._lock = threading.Lock()
        self._rate = max_requests_per_second
        self._next_start = float("-inf")
        self._paused_until = float("-inf")
        # (start, finish) of successful requests that finished within the rate window.
        self._successes: deque[tuple[float, float]] = deque()
        self._streak = 0
        self._successes_since_decrease = 0
        # Requests started since the last decrease, and how many of them the cap delayed.
        self._starts_since_decrease = 0
        self._capped_starts_since_decrease = 0
        self._last_decrease = float("-inf")
        # The rate the cap climbs back towards after a 429, and until when.
        self._hold_target: float | None = None
        self._hold_until = float("-inf")

    @property
    def _decreased(self) -> bool:
        return self._last_decrease > float("-inf")

    @property
    def current_rate(self) -> float | None:
        """The requests-per-second cap in force, or None while none has been needed."""
        with self._lock:
            return self._rate

    @contextmanager
    def slot(self) -> Iterator[float]:
        """Hold one request slot: wait for concurrency, the rate cap and any pause.

        Yields the clock time at which the request started, which `on_success` and
        `on_rate_limited` take as `started`.
        """
        self._slots.acquire()
        try:
            yield self._wait_for_turn()
        finally:
            self._slots.release()

    def on_success(self, started: float | None = None) -> None:
        """Record a successful request, and raise the cap (if any) after 10 in a row."""
        now = self._clock()
        with self._lock:
            self._successes.append((now if started is None else started, now))
            self._forget_old_successes(now)
            self._streak += 1
            self._successes_since_decrease += 1
            if self._rate is None or self._streak < _SUCCESSES_BEFORE_INCREASE:
                return
            self._streak = 0
            self._rate = self._raised_rate(now, self._rate)

    def on_rate_limited(self, retry_after: float | None, started: float | None = None) -> None:
        """Lower the cap after a 429 and pause every request for `retry_after` seconds.

        `started` is the time `slot` yielded for the request. Without it, the 429 counts
        as the first of a new episode.
        """
        now = self._clock()
        with self._lock:
            self._streak = 0
            if started is not None and started < self._last_decrease:
                return
            if retry_after:
                self._paused_until = max(self._paused_until, now + retry_after)
            drawn_by = self._rate
            self._forget_old_successes(now)
            measured = self._peak_success_rate()
            self._rate, self._hold_target = self._lowered_rate(drawn_by, measured)
            self._last_decrease = now
            self._successes_since_decrease = 0
            self._starts_since_decrease = 0
            self._capped_starts_since_decrease = 0
            self._hold_until = now + _HOLD_SECONDS
            logger.info("Pinpoint returned 429; limiting to %.1f requests per second", self._rate)

    def _lowered_rate(self, drawn_by: float | None, measured: float | None) -> tuple[float, float]:
        """Return the cap after a 429 drawn at `drawn_by` and the target of the hold.

        `drawn_by` is None while uncapped. Then the measured rate is used in place of the
        rate that drew the 429, because uncapped requests go out in bursts.
        """
        if measured is None:
            measured = drawn_by if drawn_by is not None else float(self.max_concurrency)
        if drawn_by is None:
            lowered = max(measured * _UNCAPPED_DECREASE_FACTOR, _MIN_RATE)
            return lowered, lowered

        successes = self._successes_since_decrease
        if self._decreased and successes < _SUCCESSES_BEFORE_NORMAL_DECREASE:
            # The last decrease was not enough, so the cap is halved and stays there until
            # the hold ends.
            lowered = max(drawn_by * _LARGE_DECREASE_FACTOR, _MIN_RATE)
            return lowered, lowered
        if 2 * self._capped_starts_since_decrease < self._starts_since_decrease:
            # Most requests did not wait for the cap, so a lower cap costs little time.
            factor = _IDLE_DECREASE_FACTOR
        elif successes >= _SUCCESSES_BEFORE_SMALL_DECREASE:
            # The cap sets the pace and held for a while, so it is close to the limit, and
            # this 429 may come from two requests that reached the server closer together
            # than they left.
            factor = _SMALL_DECREASE_FACTOR
        else:
            factor = _DECREASE_FACTOR
        lowered = max(min(measured, drawn_by) * factor, _MIN_RATE)
        return lowered, drawn_by * _HOLD_MARGIN

    def _raised_rate(self, now: float, rate: float) -> float:
        if self._hold_target is not None and now < self._hold_until:
            raised = max(rate, (rate + self._hold_target) / 2)
        else:
            self._hold_target = None
            raised = rate * _INCREASE_FACTOR
        if self.configured_rate is not None:
            raised = min(raised, self.configured_rate)
        return raised

    def _forget_old_successes(self, now: float) -> None:
        while self._successes and now - self._successes[0][1] > _RATE_WINDOW_SECONDS:
            self._successes.popleft()

    def _peak_success_rate(self) -> float | None:
        """Return the highest rate at which `_PEAK_RUN` successful requests in a row started.

        An average over the window would count the time in which the caller sent nothing
        (it was mapping pages) and understate what the server accepted. With fewer
        successes, returns their average since the first of them started, and with fewer
        than two, None.
        """
        starts = sorted(started for started, _ in self._successes)
        if len(starts) < 2:
            return None
        if len(starts) < _PEAK_RUN:
            span = self._successes[-1][1] - starts[0]
            return len(starts) / span if span > 0 else None
        peak = 0.0
        for first, last in zip(starts, starts[_PEAK_RUN - 1 :], strict=False):
            if last > first:
                peak = max(peak, (_PEAK_RUN - 1) / (last - first))
        return peak or None

    def _wait_for_turn(self) -> float:
        """Sleep until the pause is over and the cap allows the next start.

        Starts follow a schedule 1/cap apart. A start that comes late by more than 10%
        of the spacing (a thread woke late, or nothing was sent for a while) restarts the
        schedule from itself, so two starts are never closer than 90% of the spacing.
        Smaller delays, such as waking a millisecond late, are caught up, so they do not
        lower the rate. The check repeats after every sleep, so a pause or a lower cap
        set meanwhile applies to threads that were already waiting.
        """
        delayed_by_cap = False
        while True:
            with self._lock:
                now = self._clock()
                ready = max(self._paused_until, self._next_start)
                if now >= ready:
                    spacing = 1.0 / self._rate if self._rate is not None else 0.0
                    on_schedule = now - self._next_start <= _SCHEDULE_SLACK * spacing
                    self._next_start = (self._next_start if on_schedule else now) + spacing
                    self._starts_since_decrease += 1
                    self._capped_starts_since_decrease += delayed_by_cap
                    return now
                delayed_by_cap = delayed_by_cap or self._next_start >= self._paused_until
                delay = ready - now
            self._sleep(delay)
