"""The `pinpoint` command as a user runs it: demo, sync, report and configuration errors."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import EXIT_MISCONFIGURED, EXIT_OK, _configure_logging, main
from pipelines.pinpoint.tables import TABLES
from pipelines.sandbox import Sandbox

CREDENTIAL_VARIABLES = (
    "SOURCES__PINPOINT__API_KEY",
    "SOURCES__PINPOINT__SUBDOMAIN",
    "SOURCES__PINPOINT__BASE_URL",
    "SOURCES__PINPOINT__ACCOUNT",
)


def isolated(folder: Path) -> list[str]:
    """Return options that keep dlt's pipeline state inside the test's folder."""
    return ["--pipelines-dir", str(folder / "pipelines")]


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run in an empty folder with no Pinpoint settings in the environment."""
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_demo_end_to_end(clean_environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = clean_environment / "demo"

    exit_code = main(["demo", "--dir", str(folder)])

    output = capsys.readouterr().out
    assert exit_code == EXIT_OK
    database = folder / "pinpoint_demo.duckdb"
    assert database.exists()
    with duckdb.connect(str(database), read_only=True) as connection:
        tables = {
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'pinpoint'"
            ).fetchall()
        }
        assert set(TABLES) <= tables
        applications = connection.execute("select count(*) from pinpoint.applications").fetchone()
        assert applications is not None
        assert 2500 <= applications[0] <= 3000
        funnel_rows = connection.execute(
            "select count(*) from pinpoint_reports.job_stage_funnel"
        ).fetchone()
        assert funnel_rows is not None
        assert funnel_rows[0] > 0
    for table in TABLES:
        assert table in output
    assert output.count("Funnel: ") == 3


def test_demo_twice_starts_fresh(clean_environment: Path) -> None:
    folder = clean_environment / "demo"
    assert main(["demo", "--dir", str(folder)]) == EXIT_OK
    assert main(["demo", "--dir", str(folder)]) == EXIT_OK
    with duckdb.connect(str(folder / "pinpoint_demo.duckdb"), read_only=True) as connection:
        duplicates = connection.execute(
            "select count(*) - count(distinct id) from pinpoint.applications"
        ).fetchone()
    assert duplicates == (0,)


def test_sync_without_credentials_names_settings(
    clean_environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code = main(["sync", *isolated(clean_environment)])

    error = capsys.readouterr().err
    assert exit_code == EXIT_MISCONFIGURED
    assert "SOURCES__PINPOINT__API_KEY" in error
    assert ".dlt/secrets.toml" in error
    assert "pinpoint demo" in error
    assert "Traceback" not in error


def test_sync_with_wrong_key_fails_clearly(
    clean_environment: Path,
    account: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SOURCES__PINPOINT__API_KEY", "not-the-key-9f8e")

    exit_code = main(["sync", "--base-url", account.base_url, *isolated(clean_environment)])

    captured = capsys.readouterr()
    assert exit_code == EXIT_MISCONFIGURED
    assert "HTTP 401" in captured.err
    assert "SOURCES__PINPOINT__API_KEY" in captured.err
    assert "not-the-key-9f8e" not in captured.err + captured.out
    assert "Traceback" not in captured.err


def test_sync_with_base_url_and_env_key(
    clean_environment: Path,
    account: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SOURCES__PINPOINT__API_KEY", account.api_key)
    database = clean_environment / "synced.duckdb"

    exit_code = main(
        [
            "sync",
            "--base-url",
            account.base_url,
            "--duckdb-path",
            str(database),
            "--dataset",
            "ats",
            *isolated(clean_environment),
        ]
    )

    output = capsys.readouterr().out
    assert exit_code == EXIT_OK
    assert "applications" in output
    assert account.api_key not in output
    with duckdb.connect(str(database), read_only=True) as connection:
        loaded = connection.execute("select count(*) from ats.applications").fetchone()
    assert loaded == (account.store.count("applications"),)

    report = ["report", "--duckdb-path", str(database), "--dataset", "ats"]
    assert main([*report, *isolated(clean_environment)]) == EXIT_OK
    assert "Funnel: " in capsys.readouterr().out


def test_sync_rejects_unknown_table(
    clean_environment: Path,
    account: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SOURCES__PINPOINT__API_KEY", account.api_key)

    exit_code = main(
        [
            "sync",
            "--base-url",
            account.base_url,
            "--tables",
            "jobs,offers",
            *isolated(clean_environment),
        ]
    )

    error = capsys.readouterr().err
    assert exit_code == EXIT_MISCONFIGURED
    assert "offers" in error
    assert "valid tables" in error


def test_invalid_subdomain_rejected(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCES__PINPOINT__API_KEY", "some-key")

    exit_code = main(["sync", "--subdomain", "acme corp", *isolated(clean_environment)])

    error = capsys.readouterr().err
    assert exit_code == EXIT_MISCONFIGURED
    assert "'acme corp'" in error
    assert "acme.pinpointhq.com" in error


def test_only_created_sync_loads_created_records(
    clean_environment: Path,
    account: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SOURCES__PINPOINT__API_KEY", account.api_key)
    database = clean_environment / "partner.duckdb"
    common = ["--base-url", account.base_url, "--duckdb-path", str(database)]
    common += isolated(clean_environment)
    job = account.store.records("jobs")[0]
    payload = {
        "candidate": {
            "first_name": "Ada",
            "last_name": "Byron",
            "email_address": "ada@example.org",
        },
        "application": {"job_id": f"remote:{job.id}"},
        "source": {"name": "Partner board"},
    }
    request = clean_environment / "create.json"
    request.write_text(json.dumps(payload))

    assert main(["action", "create-application", str(request), *common]) == EXIT_OK
    created = json.loads(capsys.readouterr().out)["application"]
    account.clock.advance(300)
    assert main(["sync", "--only-created", *common]) == EXIT_OK

    with duckdb.connect(str(database), read_only=True) as connection:
        applications = connection.execute("select remote_id from pinpoint.applications").fetchall()
        candidates = connection.execute("select count(*) from pinpoint.candidates").fetchone()
        interviews = connection.execute("select count(*) from pinpoint.interviews").fetchone()
    assert applications == [(created["remote_id"],)]
    assert candidates == (1,)
    assert interviews == (0,)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _log_failed_load_job() -> list[logging.LogRecord]:
    """Log what dlt logs for a failing load job and return what passes the CLI's filters."""
    dlt_logger = logging.getLogger("dlt")
    handler = _Records()
    dlt_logger.addHandler(handler)
    try:
        try:
            raise RuntimeError("Out of Memory Error: could not allocate block")
        except RuntimeError:
            dlt_logger.exception("Transient exception in job applications.parquet")
            dlt_logger.exception("Terminal exception in job jobs.parquet")
    finally:
        dlt_logger.removeHandler(handler)
    return handler.records


def test_dlt_job_tracebacks_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.getLogger("dlt"), "filters", [])
    _configure_logging(verbose=False)

    records = _log_failed_load_job()

    assert [record.getMessage() for record in records] == ["Terminal exception in job jobs.parquet"]
    assert records[0].exc_info is None


def test_dlt_job_tracebacks_kept_verbose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.getLogger("dlt"), "filters", [])
    _configure_logging(verbose=True)

    records = _log_failed_load_job()

    assert len(records) == 2
    assert all(record.exc_info for record in records)
