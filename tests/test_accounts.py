"""Several Pinpoint accounts in one run: shared or separate datasets, partial failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.accounts import EXIT_OK, EXIT_PARTIAL
from pipelines.cli import main
from pipelines.pinpoint.ids import unified_id
from pipelines.sandbox import Sandbox, SandboxConfig, run_sandbox


@pytest.fixture
def two_accounts() -> Iterator[tuple[Sandbox, Sandbox]]:
    anchor = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    alpha_config = SandboxConfig(
        seed=11, jobs=4, candidates=60, applications=90, users=5, anchor=anchor
    )
    beta_config = SandboxConfig(
        seed=12, jobs=3, candidates=40, applications=70, users=4, anchor=anchor
    )
    with run_sandbox(alpha_config) as alpha, run_sandbox(beta_config, api_key="beta-key") as beta:
        yield alpha, beta


@pytest.fixture
def configured(
    two_accounts: tuple[Sandbox, Sandbox], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[Sandbox, Sandbox]:
    alpha, beta = two_accounts
    monkeypatch.chdir(tmp_path)
    for name, sandbox in (("ALPHA", alpha), ("BETA", beta)):
        monkeypatch.setenv(f"SOURCES__PINPOINT__ACCOUNTS__{name}__API_KEY", sandbox.api_key)
        monkeypatch.setenv(f"SOURCES__PINPOINT__ACCOUNTS__{name}__BASE_URL", sandbox.base_url)
    monkeypatch.setenv("SOURCES__PINPOINT__ACCOUNT_NAMES", "alpha,beta")
    return alpha, beta


def run_cli(tmp_path: Path, *options: str) -> int:
    return main(
        [
            "sync",
            "--duckdb-path",
            str(tmp_path / "accounts.duckdb"),
            "--pipelines-dir",
            str(tmp_path / "pipelines"),
            *options,
        ]
    )


def query(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "accounts.duckdb"), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_two_accounts_share_one_dataset(
    configured: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    alpha, beta = configured

    exit_code = run_cli(tmp_path, "--all-accounts", "--summary-json", str(tmp_path / "run.json"))

    assert exit_code == EXIT_OK
    per_account = dict(
        query(tmp_path, "select account, count(*) from pinpoint.applications group by account")
    )
    assert per_account == {
        "alpha": alpha.store.count("applications"),
        "beta": beta.store.count("applications"),
    }
    # Both sandboxes number records from 1, so only account-scoped ids keep them apart.
    collisions = query(tmp_path, "select count(*) - count(distinct id) from pinpoint.applications")
    assert collisions == [(0,)]
    first_id = unified_id("alpha", "applications", alpha.store.records("applications")[0].id)
    assert query(
        tmp_path, f"select account from pinpoint.applications where id = '{first_id}'"
    ) == [("alpha",)]

    summary = json.loads((tmp_path / "run.json").read_text())
    assert summary["status"] == "success"
    assert summary["exit_code"] == 0
    assert [entry["account"] for entry in summary["accounts"]] == ["alpha", "beta"]
    assert summary["accounts"][0]["rows_loaded"]["applications"] == alpha.store.count(
        "applications"
    )
    assert alpha.api_key not in json.dumps(summary)


def test_shared_dataset_reports_per_account(
    configured: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    alpha, beta = configured

    assert run_cli(tmp_path, "--all-accounts") == EXIT_OK

    applied = dict(
        query(
            tmp_path,
            "select account, reached_count from pinpoint_reports.stage_type_funnel "
            "where stage_type = 'applied'",
        )
    )
    assert applied == {
        "alpha": alpha.store.count("applications"),
        "beta": beta.store.count("applications"),
    }
    sources = dict(
        query(
            tmp_path,
            "select account, sum(application_count) from pinpoint_reports.source_effectiveness "
            "group by account",
        )
    )
    assert sources == applied
    share_sums = query(
        tmp_path,
        "select account, sum(share_of_hires) from pinpoint_reports.source_effectiveness "
        "group by account having sum(hired_count) > 0",
    )
    assert share_sums
    assert all(abs(total - 1.0) < 1e-9 for _, total in share_sums)


def test_report_command_prints_each_account(
    configured: tuple[Sandbox, Sandbox], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(tmp_path, "--all-accounts") == EXIT_OK
    capsys.readouterr()

    exit_code = main(
        [
            "report",
            "--duckdb-path",
            str(tmp_path / "accounts.duckdb"),
            "--pipelines-dir",
            str(tmp_path / "pipelines"),
        ]
    )

    output = " ".join(capsys.readouterr().out.split())
    assert exit_code == EXIT_OK
    assert "Funnel across jobs by stage type, account alpha" in output
    assert "Funnel across jobs by stage type, account beta" in output


def test_accounts_keep_separate_state(configured: tuple[Sandbox, Sandbox], tmp_path: Path) -> None:
    alpha, beta = configured
    assert run_cli(tmp_path, "--all-accounts") == EXIT_OK
    candidate = beta.store.records("candidates")[0]
    beta.store.update_candidate(candidate.id, first_name="Changed")
    beta.clock.advance(300)
    alpha.clock.advance(300)

    assert (
        run_cli(tmp_path, "--all-accounts", "--summary-json", str(tmp_path / "second.json"))
        == EXIT_OK
    )

    summary = json.loads((tmp_path / "second.json").read_text())
    loaded = {entry["account"]: entry["rows_loaded"]["candidates"] for entry in summary["accounts"]}
    assert loaded == {"alpha": 0, "beta": 1}
    pipelines = sorted(path.name for path in (tmp_path / "pipelines").iterdir())
    assert pipelines == ["pinpoint_alpha", "pinpoint_beta"]


def test_failing_account_does_not_stop_others(
    configured: tuple[Sandbox, Sandbox],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    alpha, _ = configured
    monkeypatch.setenv("SOURCES__PINPOINT__ACCOUNTS__BETA__API_KEY", "revoked-key-0000")

    exit_code = run_cli(tmp_path, "--account", "beta", "--account", "alpha", "--summary-json", "-")

    captured = capsys.readouterr()
    assert exit_code == EXIT_PARTIAL
    summary = json.loads(captured.out)
    statuses = {entry["account"]: entry["status"] for entry in summary["accounts"]}
    assert statuses == {"beta": "misconfigured", "alpha": "success"}
    assert summary["status"] == "partial"
    assert "HTTP 401" in captured.err
    assert "revoked-key-0000" not in captured.err + captured.out
    assert query(tmp_path, "select count(*) from pinpoint.applications") == [
        (alpha.store.count("applications"),)
    ]


def test_dataset_per_account(configured: tuple[Sandbox, Sandbox], tmp_path: Path) -> None:
    alpha, beta = configured

    assert run_cli(tmp_path, "--all-accounts", "--dataset-per-account") == EXIT_OK

    assert query(tmp_path, "select count(*) from pinpoint_alpha.applications") == [
        (alpha.store.count("applications"),)
    ]
    assert query(tmp_path, "select count(*) from pinpoint_beta.applications") == [
        (beta.store.count("applications"),)
    ]


def test_full_sync_marks_deletions_per_account(
    configured: tuple[Sandbox, Sandbox], tmp_path: Path
) -> None:
    _, beta = configured
    assert run_cli(tmp_path, "--all-accounts") == EXIT_OK
    beta.store.delete("applications", beta.store.records("applications")[0].id)
    beta.clock.advance(300)

    # A full sync of alpha alone must not flag beta's rows, which alpha never lists.
    assert run_cli(tmp_path, "--account", "alpha", "--full") == EXIT_OK
    assert query(
        tmp_path, "select count(*) from pinpoint.applications where remote_deleted_at is not null"
    ) == [(0,)]

    assert run_cli(tmp_path, "--account", "beta", "--full") == EXIT_OK
    assert query(
        tmp_path,
        "select account, count(*) from pinpoint.applications "
        "where remote_deleted_at is not null group by account",
    ) == [("beta", 1)]


def test_unknown_account_name_reported(
    configured: tuple[Sandbox, Sandbox], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code = run_cli(tmp_path, "--account", "alpha", "--account", "gamma")

    error = capsys.readouterr().err
    assert exit_code == EXIT_PARTIAL
    assert "account gamma misconfigured" in error
    assert "SOURCES__PINPOINT__ACCOUNTS__GAMMA__API_KEY" in error
