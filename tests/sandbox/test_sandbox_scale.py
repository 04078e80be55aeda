"""A larger account: keyset paging returns every record once, also while data changes."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest

from pipelines.sandbox import Sandbox, SandboxConfig, SandboxRequest, run_sandbox

ALL_VISIBILITIES = "internal,external,confidential,private_job"
PAGE_SIZE = 1000


@pytest.fixture(scope="module")
def large() -> Sandbox:
    anchor = datetime(2025, 6, 1, tzinfo=UTC)
    config = SandboxConfig(seed=11, jobs=40, candidates=14_000, applications=20_000, anchor=anchor)
    with run_sandbox(config) as running:
        yield running  # type: ignore[misc]


def read_by_key(sandbox: Sandbox) -> list[str]:
    """Read applications the way the connector does: page 1, moving the lower bound."""
    ids: list[str] = []
    lower = None
    headers = {"X-API-KEY": sandbox.api_key}
    with httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=30) as client:
        for _ in range(200):
            params = {
                "filter[job_visibility]": ALL_VISIBILITIES,
                "include": "stage,furthest_stage",
                "extra_fields[applications]": "tags",
                "sort": "updated_at,id",
                "page[size]": str(PAGE_SIZE),
            }
            if lower is not None:
                params["filter[updated_at][gt]"] = lower
            data = orjson.loads(client.get("/applications", params=params).content)["data"]
            if len(data) < PAGE_SIZE:
                return ids + [row["id"] for row in data]
            last = data[-1]["attributes"]["updated_at"]
            complete = [row for row in data if row["attributes"]["updated_at"] < last]
            assert complete, "a single second filled a whole page"
            ids.extend(row["id"] for row in complete)
            lower = complete[-1]["attributes"]["updated_at"]
    raise AssertionError("more than 200 pages")


def test_keyset_read_complete(large: Sandbox) -> None:
    started = time.perf_counter()
    ids = read_by_key(large)
    elapsed = time.perf_counter() - started
    assert Counter(ids).most_common(1)[0][1] == 1
    assert set(ids) == {a.id for a in large.store.records("applications")}
    # About 1 s on two cores; the bound only catches a return to full sorts per page.
    assert elapsed < 30


def test_stats_total_matches(large: Sandbox) -> None:
    headers = {"X-API-KEY": large.api_key}
    params = {
        "stats[total]": "count",
        "page[size]": "0",
        "filter[job_visibility]": ALL_VISIBILITIES,
    }
    body = httpx.get(f"{large.base_url}/applications", headers=headers, params=params).json()
    assert body["meta"]["stats"]["total"]["count"] == large.store.count("applications")


def test_changes_between_pages_are_not_lost() -> None:
    """Records touched mid-read move to the end of the order, so a read without an upper
    bound returns them twice and loses none."""
    anchor = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    config = SandboxConfig(seed=12, jobs=10, candidates=3000, applications=5000, anchor=anchor)
    with run_sandbox(config) as sandbox:
        touched: list[str] = []
        records = sandbox.store.records("applications")

        def touch_one(request: SandboxRequest) -> None:
            if request.path == "/applications" and len(touched) < 5:
                record = records[len(touched) * 700]
                sandbox.store.touch("applications", record.id)
                touched.append(record.id)

        sandbox.on_request(touch_one)
        ids = read_by_key(sandbox)
    assert len(touched) == 5
    assert set(ids) == {r.id for r in records}
    repeated = {record_id for record_id, seen in Counter(ids).items() if seen > 1}
    assert repeated <= set(touched)
