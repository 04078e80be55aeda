"""The client's throttle: bounded concurrency, and a rate cap learned from HTTP 429."""

from __future__ import annotations

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
    with pytest.raises(ValueError, match="max_requests_per_second"):
        RequestThrottle(max_requests_per_second=0)


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
