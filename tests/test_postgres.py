"""End to end into a real PostgreSQL server, and reports identical to DuckDB's.

The server comes from `.ci/start-postgres`, which `.ci/run` calls; locally run
`eval "$(.ci/start-postgres)"` first. Without PINPOINT_TEST_POSTGRES_URL these tests skip.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import dlt
import pytest
from sync_helpers import TEST_RETRIES, Warehouse

from pipelines.pinpoint.ids import unified_id
from pipelines.pinpoint.settings import PinpointSettings
from pipelines.pinpoint.tables import TABLES
from pipelines.reporting import REPORTS, build_reports, reports_schema_name
from pipelines.sandbox import Sandbox
from pipelines.sync import make_pipeline, run_sync

POSTGRES_URL = os.environ.get("PINPOINT_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="PINPOINT_TEST_POSTGRES_URL is not set; "
    'run eval "$(.ci/start-postgres)" to test on Postgres',
)


class PostgresWarehouse:
    """A fresh dataset in the test server and the dlt pipeline that loads it."""

    def __init__(self, folder: Path) -> None:
        self.dataset = f"pinpoint_{uuid.uuid4().hex[:10]}"
        self.pipeline = make_pipeline(
            destination=dlt.destinations.postgres(credentials=POSTGRES_URL),
            dataset=self.dataset,
            pipeline_name="pinpoint_pg_test",
            pipelines_dir=folder / "pipelines",
        )

    def sync(self, settings: PinpointSettings, **options: object):  # type: ignore[no-untyped-def]
        return run_sync(settings, self.pipeline, retry_policy=TEST_RETRIES, **options)  # type: ignore[arg-type]

    def query(self, sql: str, *parameters: object) -> list[tuple]:
        with self.pipeline.sql_client() as client:
            return [tuple(row) for row in client.execute_sql(sql, *parameters) or []]

    def drop(self) -> None:
        with self.pipeline.sql_client() as client:
            for schema in (
                self.dataset,
                f"{self.dataset}_staging",
                reports_schema_name(self.dataset),
            ):
                client.execute_sql(f'drop schema if exists "{schema}" cascade')


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[PostgresWarehouse]:
    warehouse = PostgresWarehouse(tmp_path)
    yield warehouse
    warehouse.drop()


def count(warehouse: PostgresWarehouse, table: str, where: str = "true") -> int:
    return int(
        warehouse.query(f'select count(*) from "{warehouse.dataset}"."{table}" where {where}')[0][0]
    )


def test_postgres_full_delta_and_deletions(
    account: Sandbox, settings: PinpointSettings, postgres: PostgresWarehouse
) -> None:
    postgres.sync(settings)
    for table, model in (
        ("applications", "applications"),
        ("candidates", "candidates"),
        ("jobs", "jobs"),
    ):
        assert count(postgres, table) == account.store.count(model), table
    for table, spec in TABLES.items():
        columns = {
            name
            for (name,) in postgres.query(
                "select column_name from information_schema.columns "
                "where table_schema = %s and table_name = %s",
                postgres.dataset,
                table,
            )
        }
        assert set(spec.column_names) <= columns, (
            f"{table} lacks {set(spec.column_names) - columns}"
        )

    store = account.store
    application = next(
        app
        for app in store.records("applications")
        if app.attributes["hired_at"] is None and app.attributes["rejected_at"] is None
    )
    hired = next(
        stage
        for stage in store.records("stages")
        if stage.relationships.get("stageable") == application.relationships["job"]
        and stage.attributes["basic_type"] == "hired"
    )
    store.move_application(application.id, hired.id)
    deleted = store.records("applications")[-1]
    store.delete("applications", deleted.id)
    account.clock.advance(300)

    delta = postgres.sync(settings)
    assert delta.rows_loaded["applications"] == 1
    moved_id = unified_id("test", "applications", application.id)
    assert postgres.query(
        f'select outcome from "{postgres.dataset}".applications where id = %s', moved_id
    ) == [("HIRED",)]

    postgres.sync(settings, full=True)
    deleted_id = unified_id("test", "applications", deleted.id)
    marked = postgres.query(
        f'select remote_deleted_at is not null from "{postgres.dataset}".applications '
        "where id = %s",
        deleted_id,
    )
    assert marked == [(True,)]
    assert count(postgres, "applications", "remote_deleted_at is null") == store.count(
        "applications"
    )

    reports = {
        name
        for (name,) in postgres.query(
            "select table_name from information_schema.tables where table_schema = %s",
            reports_schema_name(postgres.dataset),
        )
    }
    assert set(REPORTS) <= reports


def normalise(value: object) -> object:
    """Make DuckDB and Postgres values comparable: UTC datetimes, rounded floats."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    return value


def test_reports_identical_on_duckdb_and_postgres(
    account: Sandbox, settings: PinpointSettings, postgres: PostgresWarehouse, warehouse: Warehouse
) -> None:
    # Reports use the build time as now (days open, observation times), so both are built
    # as of the same moment from the same data.
    postgres.sync(settings, build_reports_after=False)
    warehouse.sync(settings, build_reports_after=False)
    moment = datetime.now(UTC).replace(microsecond=0)
    build_reports(postgres.pipeline, as_of=moment)
    build_reports(warehouse.pipeline, as_of=moment)

    for report in REPORTS:
        duckdb_columns = [
            name
            for (name,) in warehouse.query(
                "select column_name from information_schema.columns where table_schema = "
                f"'pinpoint_reports' and table_name = '{report}' order by ordinal_position"
            )
        ]
        column_list = ", ".join(f'"{name}"' for name in duckdb_columns)
        order = ", ".join(str(position) for position in range(1, len(duckdb_columns) + 1))
        duckdb_rows = warehouse.query(
            f"select {column_list} from pinpoint_reports.{report} order by {order}"
        )
        postgres_rows = postgres.query(
            f'select {column_list} from "{reports_schema_name(postgres.dataset)}"."{report}" '
            f"order by {order}"
        )
        assert len(duckdb_rows) == len(postgres_rows), report
        assert duckdb_rows, f"{report} is empty"
        for duckdb_row, postgres_row in zip(duckdb_rows, postgres_rows, strict=True):
            assert [normalise(value) for value in duckdb_row] == [
                normalise(value) for value in postgres_row
            ], f"{report} differs"
