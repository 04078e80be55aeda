"""`measure_coverage` on a DuckDB warehouse synced from the sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator

import duckdb
import pytest
from actions_helpers import TINY_ACCOUNT, recent
from sync_helpers import Warehouse

from pipelines.coverage import TableCoverage, measure_coverage
from pipelines.pinpoint.settings import PinpointSettings, resolve_settings
from pipelines.pinpoint.tables import TABLES
from pipelines.sandbox import Sandbox, run_sandbox


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """One synced warehouse for the tests that only read it."""
    with run_sandbox(recent(TINY_ACCOUNT)) as sandbox:
        settings = resolve_settings(
            api_key=sandbox.api_key, base_url=sandbox.base_url, account="test"
        )
        warehouse = Warehouse(tmp_path_factory.mktemp("coverage"))
        warehouse.sync(settings, build_reports_after=False)
        yield warehouse


@pytest.fixture
def synced(tiny: Sandbox, tiny_settings: PinpointSettings, warehouse: Warehouse) -> Warehouse:
    """A synced warehouse of its own, for tests that change it."""
    warehouse.sync(tiny_settings, build_reports_after=False)
    return warehouse


def by_table(coverage: list[TableCoverage]) -> dict[str, TableCoverage]:
    return {item.table: item for item in coverage}


def shares(item: TableCoverage) -> dict[str, float | None]:
    return {column.column: column.share for column in item.columns}


def counts(item: TableCoverage) -> dict[str, int]:
    return {column.column: column.rows_with_value for column in item.columns}


def test_every_contract_column_measured(shared: Warehouse) -> None:
    coverage = by_table(measure_coverage(shared.pipeline))

    assert set(coverage) == set(TABLES)
    for name, spec in TABLES.items():
        item = coverage[name]
        assert item.loaded, name
        assert [column.column for column in item.columns] == spec.column_names, name
        assert item.missing_columns == []
        assert item.rows == shared.scalar(f"select count(*) from pinpoint.{name}"), name
        assert shares(item)["id"] == 1.0, name


def test_counts_match_values(shared: Warehouse) -> None:
    item = by_table(measure_coverage(shared.pipeline, tables=["candidates"]))["candidates"]

    rows = shared.query("select first_name, social_media, phone_numbers from pinpoint.candidates")
    assert counts(item)["first_name"] == sum(1 for first, _, _ in rows if first is not None)
    # Empty JSON arrays mean Pinpoint had nothing, so they count as no value.
    assert counts(item)["social_media"] == sum(1 for _, links, _ in rows if json.loads(links))
    assert counts(item)["phone_numbers"] == sum(1 for _, _, phones in rows if json.loads(phones))
    assert 0 < counts(item)["social_media"] < item.rows


def test_constant_empty_columns_have_no_value(shared: Warehouse) -> None:
    jobs = shares(by_table(measure_coverage(shared.pipeline, tables=["jobs"]))["jobs"])

    assert jobs["custom_fields"] == 0.0
    assert jobs["integration_fields"] == 0.0
    assert jobs["remote_deleted_at"] == 0.0


def test_deleted_rows_left_out(synced: Warehouse) -> None:
    with duckdb.connect(str(synced.path)) as connection:
        connection.execute(
            "update pinpoint.users set remote_deleted_at = now() "
            "where id = (select min(id) from pinpoint.users)"
        )
    total = int(synced.scalar("select count(*) from pinpoint.users"))  # type: ignore[call-overload]

    live = by_table(measure_coverage(synced.pipeline, tables=["users"]))["users"]
    everything = by_table(
        measure_coverage(synced.pipeline, tables=["users"], include_deleted=True)
    )["users"]

    assert live.rows == total - 1
    assert everything.rows == total
    assert counts(everything)["remote_deleted_at"] == 1


def test_account_filter(shared: Warehouse) -> None:
    other = by_table(measure_coverage(shared.pipeline, tables=["jobs"], account="other"))["jobs"]
    own = by_table(measure_coverage(shared.pipeline, tables=["jobs"], account="test"))["jobs"]

    assert other.rows == 0
    assert shares(other)["id"] is None
    assert own.rows == shared.scalar("select count(*) from pinpoint.jobs")


def test_missing_table_reported(synced: Warehouse) -> None:
    with duckdb.connect(str(synced.path)) as connection:
        connection.execute("drop table pinpoint.interviews")

    item = by_table(measure_coverage(synced.pipeline, tables=["interviews"]))["interviews"]

    assert item.loaded is False
    assert item.rows == 0


def test_unknown_table_rejected(shared: Warehouse) -> None:
    with pytest.raises(ValueError, match="unknown table"):
        measure_coverage(shared.pipeline, tables=["offers"])
