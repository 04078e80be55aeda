"""Reports built under different DuckDB session time zones hold the same values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from report_scenario import REPORTS_SCHEMA, ReportWarehouse

from pipelines.reporting import REPORTS

# New York changes to daylight saving time inside the scenario; Kathmandu is UTC+05:45.
ZONES = ("America/New_York", "Asia/Kathmandu")


def report_rows(warehouse: ReportWarehouse, report: str) -> list[tuple[Any, ...]]:
    # Sorting on every column makes the comparison independent of the scan order.
    return warehouse.query(f"select * from {REPORTS_SCHEMA}.{report} order by all")


@pytest.mark.parametrize("zone", ZONES)
def test_reports_equal_across_zones(zone: str, scenario: ReportWarehouse, tmp_path: Path) -> None:
    zoned = ReportWarehouse(tmp_path, time_zone=zone)
    zoned.sync_all()
    with zoned.pipeline.sql_client() as client:
        session_zone = client.execute_sql("select current_setting('TimeZone')")
    assert session_zone == [(zone,)]

    for report in REPORTS:
        assert report_rows(zoned, report) == report_rows(scenario, report), report
