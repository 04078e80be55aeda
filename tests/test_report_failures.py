"""Steps after the load that cannot run: partial datasets, failing reports and marking."""

from __future__ import annotations

from pathlib import Path

import pytest
from sync_helpers import Warehouse

import pipelines.cli
import pipelines.sync
from pipelines.cli import EXIT_FAILED, EXIT_OK, main
from pipelines.pinpoint.settings import PinpointSettings
from pipelines.pinpoint.tables import TABLES
from pipelines.sandbox import Sandbox
from pipelines.sync import AfterLoadError


def cli_options(folder: Path) -> list[str]:
    return [
        "--duckdb-path",
        str(folder / "warehouse.duckdb"),
        "--pipelines-dir",
        str(folder / "pipelines"),
    ]


def test_partial_sync_skips_reports(
    account: Sandbox,
    settings: PinpointSettings,
    warehouse: Warehouse,
    caplog: pytest.LogCaptureFixture,
) -> None:
    result = warehouse.sync(settings, tables=["jobs", "applications"])

    assert result.reports == []
    assert result.rows_loaded["applications"] == account.store.count("applications")
    assert "application_stages" in caplog.text
    assert "without --tables" in caplog.text


def test_partial_sync_cli_exits_zero(
    account: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__PINPOINT__API_KEY", account.api_key)
    exit_code = main(
        [
            "sync",
            "--base-url",
            account.base_url,
            "--tables",
            "jobs,applications",
            *cli_options(tmp_path),
        ]
    )

    assert exit_code == EXIT_OK


def test_report_failure_keeps_loaded_data(
    settings: PinpointSettings, warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    def out_of_memory(pipeline: object) -> list[str]:
        raise RuntimeError("Out of Memory Error: could not allocate block of size 256.0 KiB")

    monkeypatch.setattr(pipelines.sync, "build_reports", out_of_memory)

    with pytest.raises(AfterLoadError) as caught:
        warehouse.sync(settings)

    message = str(caught.value)
    assert "loaded its data" in message
    assert "--duckdb-memory-limit" in message
    assert "pinpoint report" in message
    monkeypatch.undo()
    assert warehouse.sync(settings).rows_loaded == dict.fromkeys(TABLES, 0)


def test_report_command_without_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = main(["report", *cli_options(tmp_path)])

    error = capsys.readouterr().err
    assert exit_code == EXIT_FAILED
    assert "pinpoint sync" in error
    assert "Traceback" not in error


def test_report_command_names_memory_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def out_of_memory(pipeline: object) -> list[str]:
        raise RuntimeError("Out of Memory Error: failed to pin block of size 256.0 KiB")

    monkeypatch.setattr(pipelines.cli, "build_reports", out_of_memory)

    exit_code = main(["report", *cli_options(tmp_path)])

    error = capsys.readouterr().err
    assert exit_code == EXIT_FAILED
    assert "--duckdb-memory-limit" in error
    assert "Traceback" not in error


def test_deletion_marking_failure_names_full_sync(
    settings: PinpointSettings, warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    def out_of_memory(*arguments: object) -> dict[str, int]:
        raise RuntimeError("Out of Memory Error: could not allocate block of size 256.0 KiB")

    monkeypatch.setattr(pipelines.sync, "mark_deleted", out_of_memory)

    with pytest.raises(AfterLoadError) as caught:
        warehouse.sync(settings)

    message = str(caught.value)
    assert "loaded its data" in message
    assert "pinpoint sync --full" in message
    assert "--duckdb-memory-limit" in message
    monkeypatch.undo()
    assert warehouse.sync(settings).rows_loaded == dict.fromkeys(TABLES, 0)


def test_after_load_step_failure_explained(
    settings: PinpointSettings, warehouse: Warehouse
) -> None:
    def scrub_personal_data(pipeline: object, load_ids: list[str]) -> dict[str, int]:
        raise RuntimeError("Catalog Error: table candidates_register is locked")

    with pytest.raises(AfterLoadError) as caught:
        warehouse.sync(settings, after_load=[scrub_personal_data])

    message = str(caught.value)
    assert "loaded its data" in message
    assert "scrub_personal_data" in message
    assert "personal data" in message
