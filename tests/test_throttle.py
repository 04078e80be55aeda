"""The client's throttle: bounded concurrency, and a rate cap learned from HTTP 429."""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from pipelines.pinpoint.client import PinpointClient, RetryPolicy
from pipelines.pinpoint.throttle import RequestThrottle


class TokenBucketApi:
    """Answers 429 once more than `rate` requests per second arrive (burst of `rate`)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.updated = time.monotonic()
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.statuses: list[int] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            allowed = self.tokens >= 1
            if allowed:
                self.tokens -= 1
        time.sleep(0.005)
        with self.lock:
            self.in_flight -= 1
            self.statuses.append(200 if allowed else 429)
        if allowed:
            return httpx.Response(200, json={"data": [], "meta": {}})
        return httpx.Response(429, json={"errors": [{"status": "429", "detail": "slow down"}]})


def test_throttle_rejects_invalid_settings() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        RequestThrottle(max_concurrency=0)
    for rate in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="max_requests_per_second"):
            RequestThrottle(max_requests_per_second=rate)


def test_concurrency_bounded() -> None:
    api = TokenBucketApi(rate=10_000)
    client = PinpointClient(
        "https://fake.example/api/v1",
        "key",
        transport=httpx.MockTransport(api.handle),
        max_concurrency=3,
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: client.get("/users"), range(40)))
    assert api.max_in_flight <= 3
    assert api.statuses.count(200) == 40


def test_rate_learned_from_429() -> None:
    api = TokenBucketApi(rate=40)
    client = PinpointClient(
        "https://fake.example/api/v1",
        "key",
        transport=httpx.MockTransport(api.handle),
        max_concurrency=4,
        retry_policy=RetryPolicy(
            max_attempts=10, initial_backoff_seconds=0.01, max_backoff_seconds=0.2
        ),
    )
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: client.get("/users"), range(120)))

    assert api.statuses.count(200) == 120
    learned = client.throttle.current_rate
    assert learned is not None
    # The cap respects the server's limit and does not collapse to the floor.
    assert 1 < learned <= 60
    assert api.statuses.count(429) < 40


class FakeClock:
    """A clock that advances only when a test sets it or when the throttle sleeps on it.

    Each sleep lasts `oversleep` seconds longer than requested, like a thread that gets
    the CPU back late.
    """

    def __init__(self, oversleep: float = 0.0) -> None:
        self.now = 0.0
        self.oversleep = oversleep

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds + self.oversleep


def fake_throttle(
    clock: FakeClock, max_requests_per_second: float | None = None
) -> RequestThrottle:
    return RequestThrottle(
        max_requests_per_second=max_requests_per_second, clock=clock, sleep=clock.sleep
    )


def send(
    throttle: RequestThrottle,
    clock: FakeClock,
    *,
    seconds: float = 0.05,
    status: int = 200,
    retry_after: float | None = None,
) -> float:
    """Pass one request of `seconds` through the throttle and return when it started."""
    with throttle.slot() as started:
        clock.now += seconds
    if status == 429:
        throttle.on_rate_limited(retry_after, started)
    else:
        throttle.on_success(started)
    return started


def learn_from_sequential_requests(throttle: RequestThrottle, clock: FakeClock) -> None:
    """Send 10 requests back to back at 20 per second, then one that draws a 429."""
    for _ in range(10):
        send(throttle, clock)
    send(throttle, clock, status=429)


def test_uncapped_429_paces_below_measured_rate() -> None:
    clock = FakeClock()
    throttle = fake_throttle(clock)
    assert throttle.current_rate is None

    learn_from_sequential_requests(throttle, clock)

    assert throttle.current_rate == pytest.approx(0.9 * 20)


def test_late_start_restarts_schedule() -> None:
    clock = FakeClock(oversleep=0.05)
    throttle = fake_throttle(clock, max_requests_per_second=10)

    starts = [send(throttle, clock, seconds=0.0) for _ in range(3)]

    # The second request was due at 0.1 but woke at 0.15. The third is spaced from
    # that start, not from the schedule (0.2), and wakes late itself.
    assert starts == pytest.approx([0.0, 0.15, 0.30])


def test_slightly_late_start_keeps_schedule() -> None:
    clock = FakeClock(oversleep=0.005)
    throttle = fake_throttle(clock, max_requests_per_second=10)

    starts = [send(throttle, clock, seconds=0.0) for _ in range(4)]

    # Each wakes 5 ms late, within 10% of the 0.1 s spacing, so the rate stays 10/s.
    assert starts == pytest.approx([0.0, 0.105, 0.205, 0.305])


def test_threads_keep_pace_of_cap() -> None:
    spacing = 1 / 200
    throttle = RequestThrottle(max_concurrency=4, max_requests_per_second=200)
    starts: list[float] = []
    lock = threading.Lock()

    def request(_: int) -> None:
        with throttle.slot() as started:
            with lock:
                starts.append(started)
            time.sleep(0.002)
        throttle.on_success(started)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(request, range(40)))

    starts.sort()
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert len(starts) == 40
    # Late wake-ups are caught up by at most 10% of the spacing at a time...
    assert min(gaps) >= 0.9 * spacing - 1e-9
    # ...and never beyond the schedule, so the average stays at the cap.
    assert starts[-1] - starts[0] >= 39 * spacing - 1e-9


def test_429s_of_one_episode_act_once() -> None:
    clock = FakeClock()
    throttle = fake_throttle(clock)
    for _ in range(10):
        send(throttle, clock)
    with throttle.slot() as in_flight_started:
        pass  # a request still in flight when the next one draws the first 429
    clock.now += 0.05
    send(throttle, clock, status=429, retry_after=1.0)
    pause_end = clock.now + 1.0
    rate_after_first = throttle.current_rate

    clock.now += 0.1
    throttle.on_rate_limited(5.0, in_flight_started)
    after_pause = send(throttle, clock)

    assert throttle.current_rate == rate_after_first
    assert after_pause == pytest.approx(pause_end)


def test_retry_after_pause_holds_next_request() -> None:
    clock = FakeClock()
    throttle = fake_throttle(clock)
    for _ in range(10):
        send(throttle, clock)
    send(throttle, clock, status=429, retry_after=2.0)
    rate_limited_at = clock.now

    after_pause = send(throttle, clock)

    assert after_pause == pytest.approx(rate_limited_at + 2.0)


def test_429_without_retry_after_no_pause() -> None:
    clock = FakeClock()
    throttle = fake_throttle(clock)
    learn_from_sequential_requests(throttle, clock)
    rate_limited_at = clock.now

    next_start = send(throttle, clock)

    assert next_start == pytest.approx(rate_limited_at)


def test_pause_reaches_waiting_thread() -> None:
    throttle = RequestThrottle(max_requests_per_second=5)
    with throttle.slot():
        pass  # the next start may come 0.2 s after this one
    started: list[float] = []

    def wait_for_slot() -> None:
        with throttle.slot() as start:
            started.append(start)

    waiter = threading.Thread(target=wait_for_slot)
    waiter.start()
    time.sleep(0.05)
    pause_set_at = time.monotonic()
    throttle.on_rate_limited(0.5)
    waiter.join(timeout=10)

    assert started, "the waiting request never started"
    assert started[0] >= pause_set_at + 0.5


def test_repeated_429_halves_cap() -> None:
    clock = FakeClock()
    throttle = fake_throttle(clock)
    learn_from_sequential_requests(throttle, clock)
    lowered = throttle.current_rate
    assert lowered is not None

    send(throttle, clock)
    send(throttle, clock, status=429)

    assert throttle.current_rate == pytest.approx(lowered / 2)


def test_429_after_paced_run_lowers_slightly() -> None:
    clock = FakeClock()
    throttle = fake_throttle(clock)
    learn_from_sequential_requests(throttle, clock)
    cap = throttle.current_rate
    assert cap is not None

    # Requests shorter than the spacing, so the cap sets the pace of each one.
    for _ in range(30):
        send(throttle, clock, seconds=0.01)
    assert throttle.current_rate == pytest.approx(cap)
    send(throttle, clock, seconds=0.01, status=429)

    assert throttle.current_rate == pytest.approx(0.95 * cap)


def test_429_with_idle_cap_lowers_more() -> None:
    clock = FakeClock()
    throttle = fake_throttle(clock)
    learn_from_sequential_requests(throttle, clock)
    clock.now += 10.0  # the successes above leave the rate window

    # One request every 0.15 s, slower than the cap, so none of them waits for it.
    for _ in range(10):
        clock.now += 0.1
        send(throttle, clock)
    clock.now += 0.1
    send(throttle, clock, status=429)

    measured = 1 / 0.15
    assert throttle.current_rate == pytest.approx(0.8 * measured)


def test_cap_recovers_up_to_configured_rate() -> None:
    clock = FakeClock()
    throttle = fake_throttle(clock, max_requests_per_second=40)
    assert throttle.current_rate == 40
    learn_from_sequential_requests(throttle, clock)
    # The cap of 40 did not delay these requests, so the new cap is 80% of the 20 per
    # second measured.
    assert throttle.current_rate == pytest.approx(16)

    rates = []
    for _ in range(3):
        for _ in range(10):
            send(throttle, clock)
        rates.append(throttle.current_rate)
    # Halfway towards 90% of the 40 that drew the 429, each 10 successes.
    assert rates == pytest.approx([26, 31, 33.5])

    clock.now += 30.0
    for _ in range(10):
        send(throttle, clock)
    assert throttle.current_rate == pytest.approx(33.5 * 1.1)
    for _ in range(30):
        send(throttle, clock, seconds=0.01)
    assert throttle.current_rate == 40


def test_uncapped_429_holds_then_grows() -> None:
    clock = FakeClock()
    throttle = fake_throttle(clock)
    learn_from_sequential_requests(throttle, clock)
    cap = throttle.current_rate
    assert cap is not None

    for _ in range(50):
        send(throttle, clock)
    assert throttle.current_rate == pytest.approx(cap)

    clock.now += 30.0
    for _ in range(10):
        send(throttle, clock)
    assert throttle.current_rate == pytest.approx(cap * 1.1)
