"""Fixtures for the reporting tests: the hand-built scenario after its four syncs."""

from __future__ import annotations

import pytest
from report_scenario import ReportWarehouse


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> ReportWarehouse:
    """The hand-built warehouse after syncs S1 to S4, built in UTC."""
    warehouse = ReportWarehouse(tmp_path_factory.mktemp("scenario"))
    warehouse.sync_all()
    return warehouse
