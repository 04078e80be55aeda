"""Syncs against a sandbox that misbehaves: 429 storms, 5xx bursts, timeouts, bad bodies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sync_helpers import Warehouse

from pipelines.pinpoint.client import RetryPolicy
from pipelines.pinpoint.errors import PinpointUnavailableError
from pipelines.pinpoint.settings import PinpointSettings, resolve_settings
from pipelines.sandbox import FaultPlan, RateLimit, Sandbox, SandboxConfig, run_sandbox

PATIENT = RetryPolicy(
    max_attempts=8, initial_backoff_seconds=0.01, max_backoff_seconds=0.2, max_total_seconds=60
)
IMPATIENT = RetryPolicy(
    max_attempts=3, initial_backoff_seconds=0.01, max_backoff_seconds=0.05, max_total_seconds=10
)
DATASET = "pinpoint"


def start_faulty(plan: FaultPlan) -> Iterator[Sandbox]:
    anchor = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    config = SandboxConfig(seed=5, jobs=4, candidates=100, applications=160, users=6, anchor=anchor)
    with run_sandbox(config, faults=plan) as running:
        yield running


@pytest.fixture
def faulty() -> Iterator[Sandbox]:
    yield from start_faulty(FaultPlan(retry_after_seconds=1, stall_seconds=3))


def settings_for(sandbox: Sandbox) -> PinpointSettings:
    return resolve_settings(api_key=sandbox.api_key, base_url=sandbox.base_url, account="test")


def assert_complete(warehouse: Warehouse, sandbox: Sandbox) -> None:
    for table, model in (("applications", "applications"), ("candidates", "candidates")):
        loaded = warehouse.scalar(f"select count(*) from {DATASET}.{table}")
        assert loaded == sandbox.store.count(model), table
        duplicates = warehouse.scalar(
            f"select count(*) - count(distinct id) from {DATASET}.{table}"
        )
        assert duplicates == 0, table


@pytest.mark.parametrize(
    "script",
    [
        ["429", "429-date", "429-zero", "429-none", "429"],
        ["500", "502", "503", "500"],
        ["truncated", "malformed", "errors-200"],
        ["timeout", "timeout"],
    ],
    ids=["429-storm", "5xx-burst", "bad-bodies", "timeouts"],
)
def test_transient_faults_end_in_success(
    script: list[str], faulty: Sandbox, warehouse: Warehouse
) -> None:
    faulty.faults.script("/applications", script)

    result = warehouse.sync(
        settings_for(faulty), retry_policy=PATIENT, timeout_seconds=1.0, page_size=40
    )

    assert_complete(warehouse, faulty)
    assert result.retries >= len(script)
    assert faulty.faults.remaining("/applications") == 0


def test_persistent_failure_commits_nothing(faulty: Sandbox, warehouse: Warehouse) -> None:
    settings = settings_for(faulty)
    warehouse.sync(settings)
    before = warehouse.scalar(f"select count(*) from {DATASET}.applications")
    new = faulty.store.add_application(
        faulty.store.records("jobs")[0].id, faulty.store.records("candidates")[0].id
    )
    faulty.clock.advance(300)
    faulty.faults.script("/applications", ["503"] * 20)

    with pytest.raises(PinpointUnavailableError) as caught:
        warehouse.sync(settings, retry_policy=IMPATIENT)

    assert "HTTP 503" in str(caught.value)
    assert "/applications" in str(caught.value)
    assert warehouse.scalar(f"select count(*) from {DATASET}.applications") == before

    faulty.faults.clear()
    warehouse.sync(settings)
    assert_complete(warehouse, faulty)
    loaded_ids = {
        remote for (remote,) in warehouse.query(f"select remote_id from {DATASET}.applications")
    }
    assert new.id in loaded_ids


def test_capped_page_size_loads_everything(warehouse: Warehouse) -> None:
    for sandbox in start_faulty(FaultPlan(page_size_cap=17)):
        warehouse.sync(settings_for(sandbox), page_size=50)
        assert_complete(warehouse, sandbox)


def test_rate_limit_backs_off(warehouse: Warehouse) -> None:
    plan = FaultPlan(rate_limit=RateLimit(requests_per_second=8, burst=2))
    for sandbox in start_faulty(plan):
        result = warehouse.sync(
            settings_for(sandbox), retry_policy=PATIENT, page_size=20, max_concurrency=4
        )
        assert_complete(warehouse, sandbox)
        limited = sandbox.stats.count(status=429)
        assert limited > 0, f"the rate limit should have been hit: {sandbox.stats.by_route()}"
        # The client lowers its rate after the first 429s instead of retrying blindly.
        assert limited < result.requests / 2
