"""Injected faults, the rate limit, request hooks and request counts."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx
import pytest
from sandbox_helpers import SMALL_CONFIG, make_client

from pipelines.pinpoint.client import PinpointClient, RetryPolicy
from pipelines.sandbox import FaultPlan, RateLimit, Sandbox, SandboxRequest, run_sandbox
from pipelines.sandbox.faults import Fault

FAST_RETRIES = RetryPolicy(max_attempts=5, initial_backoff_seconds=0.01, max_backoff_seconds=0.02)


def test_scripted_sequence(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.faults.script("/applications", ["429", "500", "503", "ok"])
    statuses = [client.get("/applications").status_code for _ in range(5)]
    assert statuses == [429, 500, 503, 200, 200]
    assert client.get("/jobs").status_code == 200
    assert sandbox.faults.remaining("/applications") == 0


def test_script_covers_members_and_methods(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.faults.script("/applications", ["500"], method="GET")
    assert client.get("/applications/1").status_code == 500
    sandbox.faults.script("*", ["502"])
    response = client.get("/users")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("token", "check"),
    [
        ("429", lambda value: value == "1"),
        ("429:7", lambda value: value == "7"),
        ("429-zero", lambda value: value == "0"),
        ("429-none", lambda value: value is None),
    ],
)
def test_retry_after_forms(
    sandbox: Sandbox, client: httpx.Client, token: str, check: object
) -> None:
    sandbox.faults.script("/jobs", [token])
    response = client.get("/jobs")
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "too_many_requests"
    assert check(response.headers.get("retry-after"))  # type: ignore[operator]


def test_retry_after_as_http_date(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.faults.script("/jobs", ["429-date:30"])
    response = client.get("/jobs")
    retry_at = parsedate_to_datetime(response.headers["retry-after"])
    served_at = parsedate_to_datetime(response.headers["date"])
    assert (retry_at - served_at).total_seconds() == 30


def test_altered_bodies(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.faults.script("/jobs", ["truncated", "malformed", "errors-200"])
    truncated = client.get("/jobs")
    assert truncated.status_code == 200
    with pytest.raises(ValueError):
        truncated.json()
    malformed = client.get("/jobs")
    assert malformed.status_code == 200
    with pytest.raises(ValueError):
        malformed.json()
    errors = client.get("/jobs")
    assert errors.status_code == 200
    assert "errors" in errors.json()
    assert "data" not in errors.json()


def test_timeout_fault(sandbox: Sandbox) -> None:
    sandbox.faults.script("/users", ["timeout:1.5"])
    with make_client(sandbox) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get("/users", timeout=0.3)
        assert client.get("/users").status_code == 200


def test_slow_fault_then_served(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.faults.script("/users", ["slow:0.3"])
    started = time.perf_counter()
    assert client.get("/users").status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_page_size_cap() -> None:
    with (
        run_sandbox(SMALL_CONFIG, faults=FaultPlan(page_size_cap=40)) as running,
        make_client(running) as client,
    ):
        first = client.get("/candidates", params={"page[size]": "100"}).json()["data"]
        second = client.get(
            "/candidates", params={"page[size]": "100", "page[number]": "2"}
        ).json()["data"]
    assert len(first) == 40
    assert [r["id"] for r in second] == [str(n) for n in range(41, 81)]


def test_rate_limit_token_bucket() -> None:
    plan = FaultPlan(rate_limit=RateLimit(requests_per_second=5, burst=3))
    with run_sandbox(SMALL_CONFIG, faults=plan) as running, make_client(running) as client:
        statuses = [client.get("/users").status_code for _ in range(5)]
        refused = client.get("/users")
        time.sleep(0.45)
        after_wait = client.get("/users").status_code
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses[3:]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert after_wait == 200


def test_probabilities_are_seeded() -> None:
    plan = FaultPlan(seed=3, probabilities={"500": 0.3, "429": 0.2}, paths=("/jobs",))

    def statuses() -> list[int]:
        with run_sandbox(SMALL_CONFIG, faults=plan) as running, make_client(running) as client:
            assert all(client.get("/users").status_code == 200 for _ in range(5))
            return [client.get("/jobs").status_code for _ in range(30)]

    first = statuses()
    assert first == statuses()
    assert {200, 429, 500} <= set(first)


def test_latency(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.faults.set_plan(FaultPlan(latency_seconds=0.2))
    started = time.perf_counter()
    client.get("/users")
    assert time.perf_counter() - started >= 0.2


@pytest.mark.parametrize("token", ["418", "slow", "429:soon", "500:-1"])
def test_invalid_fault_tokens(token: str) -> None:
    with pytest.raises(ValueError):
        Fault.parse(token)


def test_invalid_plans() -> None:
    with pytest.raises(ValueError, match="probabilit"):
        FaultPlan(probabilities={"500": 0.8, "429": 0.5})
    with pytest.raises(ValueError, match="page_size_cap"):
        FaultPlan(page_size_cap=0)
    with pytest.raises(ValueError, match="rate limit"):
        RateLimit(0)


def test_stats_count_by_route_and_status(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.faults.script("/applications", ["429", "ok"])
    client.get("/applications")
    client.get("/applications")
    client.get("/applications/1")
    client.get("/jobs", params={"include": "nonsense"})
    stats = sandbox.stats
    assert stats.count("/applications") == 2
    assert stats.count("/applications", status=429) == 1
    assert stats.count("/applications", status=200) == 1
    assert stats.count("/applications/{id}") == 1
    assert stats.count("/jobs", status=400) == 1
    assert stats.by_route()["/applications"] == {429: 1, 200: 1}
    assert stats.total == 4
    stats.reset()
    assert stats.total == 0


def test_hook_sees_requests_in_order(sandbox: Sandbox, client: httpx.Client) -> None:
    seen: list[SandboxRequest] = []
    remove = sandbox.on_request(seen.append)
    client.get("/applications", params={"page[number]": "2", "page[size]": "5"})
    client.get("/jobs/3")
    remove()
    client.get("/users")
    assert [(r.method, r.path, r.route) for r in seen] == [
        ("GET", "/applications", "/applications"),
        ("GET", "/jobs/3", "/jobs/{id}"),
    ]
    assert seen[0].params["page[number]"] == "2"
    assert seen[1].number == seen[0].number + 1


def test_hook_changes_data_between_pages(sandbox: Sandbox) -> None:
    """A record updated while a client pages by offset shifts the rows: one is skipped."""
    params = {"sort": "updated_at", "page[size]": "50"}
    first_ids = [
        c.id
        for c in sorted(
            sandbox.store.records("candidates"),
            key=lambda c: (c.attributes["updated_at"], int(c.id)),
        )
    ]
    moved = first_ids[0]

    def touch_before_page_two(request: SandboxRequest) -> None:
        if request.params.get("page[number]") == "2":
            sandbox.clock.advance(1)
            sandbox.store.touch("candidates", moved)

    sandbox.on_request(touch_before_page_two)
    with make_client(sandbox) as client:
        page_one = client.get("/candidates", params={**params, "page[number]": "1"}).json()["data"]
        page_two = client.get("/candidates", params={**params, "page[number]": "2"}).json()["data"]
    read = [r["id"] for r in page_one + page_two]
    assert moved in read
    assert first_ids[50] not in read


def test_hook_failure_answers_500(sandbox: Sandbox, client: httpx.Client) -> None:
    def broken(request: SandboxRequest) -> None:
        raise RuntimeError("hook bug")

    sandbox.on_request(broken)
    assert client.get("/users").status_code == 500


def test_connector_client_retries_scripted_faults(sandbox: Sandbox) -> None:
    sandbox.faults.script("/jobs", ["429-zero", "500", "502", "ok"])
    with PinpointClient(sandbox.base_url, sandbox.api_key, retry_policy=FAST_RETRIES) as pinpoint:
        document = pinpoint.get("/jobs")
    assert len(document.data) == 5
    assert pinpoint.stats.retries == 3
    assert sandbox.stats.count("/jobs") == 4
