"""A sync killed at any point leaves state and data consistent; the next run completes it."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sync_helpers import Warehouse

from pipelines.pinpoint.settings import PinpointSettings
from pipelines.pinpoint.tables import TABLES
from pipelines.sandbox import Sandbox
from pipelines.sync import SyncAlreadyRunningError, pipeline_lock

CRASH_SCRIPT = Path(__file__).parent / "crash_sync.py"
KILLED_EXIT_CODE = 137
DATASET = "pinpoint"


def crash_sync(account: Sandbox, folder: Path, point: str) -> None:
    completed = subprocess.run(
        [sys.executable, str(CRASH_SCRIPT), account.base_url, account.api_key, str(folder), point],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == KILLED_EXIT_CODE, (
        f"the child sync did not stop at {point!r} (exit {completed.returncode}): "
        f"{completed.stderr[-2000:]}"
    )


def assert_matches_sandbox(warehouse: Warehouse, account: Sandbox) -> None:
    for table, model in (
        ("applications", "applications"),
        ("candidates", "candidates"),
        ("jobs", "jobs"),
        ("interviews", "interviews"),
        ("users", "users"),
    ):
        loaded = warehouse.scalar(f"select count(*) from {DATASET}.{table}")
        assert loaded == account.store.count(model), f"{table}: {loaded} rows"
    for table in TABLES:
        duplicates = warehouse.scalar(
            f"select count(*) - count(distinct id) from {DATASET}.{table}"
        )
        assert duplicates == 0, f"{table} has duplicate ids"


@pytest.mark.parametrize("point", ["extract", "after_extract", "after_normalize", "load", "merge"])
def test_killed_first_sync_completed_by_next(
    point: str,
    account: Sandbox,
    settings: PinpointSettings,
    warehouse: Warehouse,
    tmp_path: Path,
) -> None:
    crash_sync(account, tmp_path, point)

    result = warehouse.sync(settings)

    assert_matches_sandbox(warehouse, account)
    # Rows that the killed run extracted and this run loaded count as this run's.
    assert result.rows_loaded["applications"] == account.store.count("applications")


@pytest.mark.parametrize("point", ["extract", "after_normalize", "load"])
def test_killed_delta_sync_completed_by_next(
    point: str,
    account: Sandbox,
    settings: PinpointSettings,
    warehouse: Warehouse,
    tmp_path: Path,
) -> None:
    warehouse.sync(settings)
    application = account.store.records("applications")[5]
    account.store.update_candidate(account.store.records("candidates")[2].id, first_name="Zed")
    account.store.touch("applications", application.id)
    account.clock.advance(300)

    crash_sync(account, tmp_path, point)
    result = warehouse.sync(settings)

    assert_matches_sandbox(warehouse, account)
    names = warehouse.query(f"select count(*) from {DATASET}.candidates where first_name = 'Zed'")
    assert names == [(1,)]
    # Either the killed run's package or this run loaded the change, never both twice.
    assert result.rows_loaded["applications"] <= 1


def test_second_concurrent_sync_rejected(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    holding = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:
        with pipeline_lock(warehouse.pipeline):
            holding.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with pytest.raises(SyncAlreadyRunningError) as caught:
            warehouse.sync(settings)
        assert "another sync of pipeline 'pinpoint_test' is running" in str(caught.value)
    finally:
        release.set()
        holder.join(timeout=10)

    warehouse.sync(settings)
    assert_matches_sandbox(warehouse, account)
