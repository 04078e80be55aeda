"""A DuckDB warehouse and its dlt pipeline, shared by the end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import dlt
import duckdb

from pipelines.pinpoint.client import RetryPolicy
from pipelines.pinpoint.settings import PinpointSettings
from pipelines.sync import SyncResult, make_pipeline, run_sync

TEST_RETRIES = RetryPolicy(
    max_attempts=3, initial_backoff_seconds=0.01, max_backoff_seconds=0.05, max_total_seconds=10
)


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
        options.setdefault("retry_policy", TEST_RETRIES)
        return run_sync(settings, self.pipeline, **options)  # type: ignore[arg-type]

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def scalar(self, sql: str) -> object:
        return self.query(sql)[0][0]
