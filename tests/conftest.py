"""Fixtures for end-to-end tests: a small sandbox account and pipelines into DuckDB."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dlt
import duckdb
import pytest

from pipelines.pinpoint.client import RetryPolicy
from pipelines.pinpoint.settings import PinpointSettings, resolve_settings
from pipelines.sandbox import Sandbox, SandboxConfig, run_sandbox
from pipelines.sync import SyncResult, make_pipeline, run_sync

SMALL_ACCOUNT = SandboxConfig(seed=7, jobs=6, candidates=150, applications=240, users=8)
TEST_RETRIES = RetryPolicy(
    max_attempts=3, initial_backoff_seconds=0.01, max_backoff_seconds=0.05, max_total_seconds=10
)


@pytest.fixture
def account() -> Iterator[Sandbox]:
    """A small sandbox account whose generated history ended an hour ago."""
    anchor = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    config = SandboxConfig(**{**SMALL_ACCOUNT.__dict__, "anchor": anchor})
    with run_sandbox(config) as running:
        yield running


@pytest.fixture
def settings(account: Sandbox) -> PinpointSettings:
    return resolve_settings(api_key=account.api_key, base_url=account.base_url, account="test")


class Warehouse:
    """A DuckDB file with the dlt pipeline that loads it, for one test."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "warehouse.duckdb"
        self.pipeline: dlt.Pipeline = make_pipeline(
            pipeline_name="pinpoint_test",
            pipelines_dir=folder / "pipelines",
            duckdb_path=self.path,
        )

    def sync(self, settings: PinpointSettings, **options: object) -> SyncResult:
        return run_sync(settings, self.pipeline, retry_policy=TEST_RETRIES, **options)  # type: ignore[arg-type]

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def scalar(self, sql: str) -> object:
        return self.query(sql)[0][0]


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path)


@pytest.fixture
def make_warehouse(tmp_path: Path) -> Callable[[str], Warehouse]:
    def create(name: str) -> Warehouse:
        folder = tmp_path / name
        folder.mkdir()
        return Warehouse(folder)

    return create
