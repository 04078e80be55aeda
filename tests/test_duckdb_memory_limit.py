"""DuckDB's memory limit: its sources, its use by dlt's load jobs, and invalid values."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import dlt
import duckdb
import pytest
from dlt.destinations.impl.duckdb.duck import DuckDbCopyJob

from pipelines.cli import EXIT_MISCONFIGURED, _resolved_memory_limit, main
from pipelines.duckdb_settings import DEFAULT_DUCKDB_MEMORY_LIMIT, resolve_duckdb_memory_limit
from pipelines.pinpoint.errors import PinpointConfigurationError
from pipelines.pinpoint.settings import PinpointSettings
from pipelines.pinpoint.tables import TABLES
from pipelines.sandbox import Sandbox
from pipelines.sync import SyncFailedError, make_pipeline, run_sync

LIMIT_VARIABLE = "SOURCES__PINPOINT__DUCKDB_MEMORY_LIMIT"
GLOBAL_CONFIG_VARIABLE = "DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG"


@pytest.fixture(autouse=True)
def unconfigured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run in an empty folder, so no .dlt folder or variable sets DuckDB options."""
    monkeypatch.delenv(LIMIT_VARIABLE, raising=False)
    monkeypatch.delenv(GLOBAL_CONFIG_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)


def duckdb_pipeline(folder: Path, memory_limit: str | None = None) -> dlt.Pipeline:
    return make_pipeline(
        pipeline_name="memory_test",
        pipelines_dir=folder / "pipelines",
        duckdb_path=folder / "warehouse.duckdb",
        duckdb_memory_limit=memory_limit,
    )


def setting(pipeline: dlt.Pipeline, name: str) -> str:
    """Return a DuckDB setting as read on a connection of the pipeline's destination."""
    with pipeline.sql_client() as client:
        rows = client.execute_sql(f"select current_setting('{name}')")
    return str(rows[0][0])


def duckdb_display(limit: str) -> str:
    """Return how DuckDB shows `limit`, such as 512.0 MiB for 512MiB."""
    with duckdb.connect(":memory:") as connection:
        connection.execute("SET memory_limit = ?", [limit])
        row = connection.execute("select current_setting('memory_limit')").fetchone()
    assert row is not None
    return str(row[0])


def row_ids(pipeline: dlt.Pipeline) -> dict[str, list[str]]:
    ids = {}
    with pipeline.sql_client() as client:
        for table in TABLES:
            name = client.make_qualified_table_name(table)
            ids[table] = [
                row[0] for row in client.execute_sql(f"select id from {name} order by id")
            ]
    return ids


@pytest.fixture
def copy_job_limits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the memory limit of each connection that copies a parquet file into DuckDB."""
    seen: list[str] = []
    original_run: Callable[[DuckDbCopyJob], None] = DuckDbCopyJob.run

    def run(job: DuckDbCopyJob) -> None:
        rows = job._job_client.sql_client.execute_sql("select current_setting('memory_limit')")
        seen.append(str(rows[0][0]))
        original_run(job)

    monkeypatch.setattr(DuckDbCopyJob, "run", run)
    return seen


def test_load_jobs_use_given_limit(
    account: Sandbox, settings: PinpointSettings, tmp_path: Path, copy_job_limits: list[str]
) -> None:
    run_sync(settings, duckdb_pipeline(tmp_path, "300MiB"), build_reports_after=False)

    # One copy job per table at least, each on a connection with the limit.
    assert len(copy_job_limits) >= len(TABLES)
    assert set(copy_job_limits) == {"300.0 MiB"}


def test_default_limit_applies(tmp_path: Path) -> None:
    pipeline = duckdb_pipeline(tmp_path)

    assert setting(pipeline, "memory_limit") == duckdb_display(DEFAULT_DUCKDB_MEMORY_LIMIT)


def test_configured_limit_applies(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(LIMIT_VARIABLE, "300MiB")

    assert setting(duckdb_pipeline(tmp_path), "memory_limit") == "300.0 MiB"


def test_argument_wins_over_configured_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(LIMIT_VARIABLE, "300MiB")

    assert setting(duckdb_pipeline(tmp_path, "200MiB"), "memory_limit") == "200.0 MiB"


def test_dlt_global_config_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(GLOBAL_CONFIG_VARIABLE, '{"threads": 1, "memory_limit": "250MiB"}')
    pipeline = duckdb_pipeline(tmp_path)

    assert setting(pipeline, "threads") == "1"
    # dlt's own memory_limit counts when the connector's key is not set.
    assert setting(pipeline, "memory_limit") == "250.0 MiB"


def test_connector_key_wins_over_dlt_global_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(GLOBAL_CONFIG_VARIABLE, '{"threads": 1, "memory_limit": "250MiB"}')
    monkeypatch.setenv(LIMIT_VARIABLE, "300MiB")
    pipeline = duckdb_pipeline(tmp_path)

    assert setting(pipeline, "threads") == "1"
    assert setting(pipeline, "memory_limit") == "300.0 MiB"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("1.5GB", "1.3 GiB"), (" 512 mib ", "512.0 MiB"), ("2GiB", "2.0 GiB"), ("64MB", "61.0 MiB")],
)
def test_sizes_with_unit_accepted(value: str, shown: str, tmp_path: Path) -> None:
    assert setting(duckdb_pipeline(tmp_path, value), "memory_limit") == shown


# DuckDB itself reads "-5GB" as no limit and ignores the words after "2 GB".
@pytest.mark.parametrize("value", ["lots", "1000", "1 gigabyte", "-5GB", "2 GB please", "", " "])
def test_invalid_argument_names_value_and_fix(value: str) -> None:
    with pytest.raises(PinpointConfigurationError) as caught:
        resolve_duckdb_memory_limit(value)

    message = str(caught.value)
    assert repr(value) in message
    assert "--duckdb-memory-limit" in message
    assert "such as 1GiB or 2GB" in message


def test_invalid_configured_limit_names_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(LIMIT_VARIABLE, "half")

    with pytest.raises(PinpointConfigurationError) as caught:
        duckdb_pipeline(tmp_path)

    message = str(caught.value)
    assert "'half'" in message
    assert LIMIT_VARIABLE in message
    assert "such as 1GiB or 2GB" in message


def test_own_destination_ignores_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # An invalid limit must not matter to a destination the connector does not open.
    monkeypatch.setenv(LIMIT_VARIABLE, "half")
    own = dlt.destinations.duckdb(str(tmp_path / "own.duckdb"))

    pipelines_dir = tmp_path / "pipelines"
    pipeline = make_pipeline(destination=own, pipeline_name="own", pipelines_dir=pipelines_dir)
    postgres = make_pipeline(
        destination="postgres", pipeline_name="warehouse", pipelines_dir=pipelines_dir
    )

    assert setting(pipeline, "memory_limit") != duckdb_display(DEFAULT_DUCKDB_MEMORY_LIMIT)
    assert postgres.destination.destination_name == "postgres"


def test_tight_limit_loads_same_rows(
    account: Sandbox, settings: PinpointSettings, tmp_path: Path
) -> None:
    default = duckdb_pipeline(tmp_path / "default")
    tight = duckdb_pipeline(tmp_path / "tight", "32MiB")

    run_sync(settings, default, build_reports_after=False)
    run_sync(settings, tight, build_reports_after=False)

    tight_ids = row_ids(tight)
    assert tight_ids == row_ids(default)
    assert len(tight_ids["applications"]) == account.store.count("applications")
    assert len(tight_ids["candidates"]) == account.store.count("candidates")


def test_too_small_limit_names_setting(
    account: Sandbox, settings: PinpointSettings, tmp_path: Path
) -> None:
    with pytest.raises(SyncFailedError) as caught:
        run_sync(settings, duckdb_pipeline(tmp_path, "1MiB"), build_reports_after=False)

    message = str(caught.value)
    assert "DuckDB ran out of memory" in message
    assert "--duckdb-memory-limit" in message
    assert "[sources.pinpoint] duckdb_memory_limit" in message


def test_larger_limit_loads_failed_run(
    account: Sandbox, settings: PinpointSettings, tmp_path: Path
) -> None:
    with pytest.raises(SyncFailedError):
        run_sync(settings, duckdb_pipeline(tmp_path, "1MiB"), build_reports_after=False)

    run_sync(settings, duckdb_pipeline(tmp_path), build_reports_after=False)

    ids = row_ids(duckdb_pipeline(tmp_path))
    assert len(ids["applications"]) == account.store.count("applications")
    assert len(set(ids["applications"])) == len(ids["applications"])
    assert len(ids["candidates"]) == account.store.count("candidates")


def test_cli_rejects_invalid_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCES__PINPOINT__API_KEY", "some-key")
    # Nothing listens on port 9; the limit is rejected before any request.
    arguments = ["--base-url", "http://127.0.0.1:9/api/v1", "--duckdb-memory-limit", "lots"]

    exit_code = main(["sync", *arguments, "--pipelines-dir", str(tmp_path / "pipelines")])

    error = capsys.readouterr().err
    assert exit_code == EXIT_MISCONFIGURED
    assert "'lots'" in error
    assert "--duckdb-memory-limit" in error
    assert "such as 1GiB or 2GB" in error


def test_cli_names_configured_limit_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCES__PINPOINT__API_KEY", "some-key")
    monkeypatch.setenv(LIMIT_VARIABLE, "half")

    exit_code = main(
        [
            "sync",
            *["--base-url", "http://127.0.0.1:9/api/v1"],
            *["--pipelines-dir", str(tmp_path / "pipelines")],
        ]
    )

    error = capsys.readouterr().err
    assert exit_code == EXIT_MISCONFIGURED
    assert "'half'" in error
    # Square brackets are markup to rich, which must not swallow the section name.
    assert "[sources.pinpoint] duckdb_memory_limit" in error


def test_cli_warns_limit_unused_elsewhere(caplog: pytest.LogCaptureFixture) -> None:
    arguments = argparse.Namespace(destination="postgres", duckdb_memory_limit="lots")

    assert _resolved_memory_limit(arguments) is None
    assert "ignored with --destination postgres" in caplog.text
