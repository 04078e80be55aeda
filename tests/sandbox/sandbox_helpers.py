"""Constants and helpers shared by the sandbox tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from pipelines.sandbox import Sandbox, SandboxConfig
from pipelines.sandbox.clock import SandboxClock
from pipelines.sandbox.records import Record

ANCHOR = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
SMALL_CONFIG = SandboxConfig(
    seed=7, jobs=5, candidates=200, applications=300, users=8, anchor=ANCHOR
)
FROZEN_AT = datetime(2025, 7, 1, tzinfo=UTC)
ALL_VISIBILITIES = "internal,external,confidential,private_job"
JSONAPI_MEDIA_TYPE = "application/vnd.api+json"


class FrozenClock(SandboxClock):
    """A sandbox clock that does not move unless advanced, so tests can create equal
    timestamps on purpose."""

    def __init__(self, start: datetime) -> None:
        super().__init__()
        self._start = start

    def now(self) -> datetime:
        return self._start + self.offset


def make_client(running: Sandbox) -> httpx.Client:
    return httpx.Client(
        base_url=running.base_url,
        headers={"X-API-KEY": running.api_key, "Accept": JSONAPI_MEDIA_TYPE},
        timeout=10.0,
    )


def related_id(record: Record, name: str) -> str:
    """Return the id behind a to-one relationship that must be set."""
    ref = record.to_one(name)
    assert ref is not None, f"{record.type} {record.id} has no {name}"
    return ref[1]


def parse_timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


def fetch_all(
    client: httpx.Client, path: str, params: dict[str, str], page_size: int = 50
) -> list[dict[str, Any]]:
    """Read every page of a collection; stops at the first short page (at most 1000 pages)."""
    records: list[dict[str, Any]] = []
    for number in range(1, 1001):
        page_params = {**params, "page[number]": str(number), "page[size]": str(page_size)}
        response = client.get(path, params=page_params)
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        records.extend(data)
        if len(data) < page_size:
            return records
    raise AssertionError(f"{path} returned more than 1000 full pages")
