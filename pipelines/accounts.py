"""Sync one or several Pinpoint accounts and summarise the run for schedulers.

Each account has its own dlt pipeline (`pinpoint` for the default account,
`pinpoint_<name>` for named ones), so each keeps its own incremental state. Accounts can
share one dataset (rows carry an `account` column and account-scoped ids) or get one
dataset each. Accounts run one after another; a failing account is recorded and the
next one still runs.

Exit codes, for schedulers to act on:

    0  every account synced
    1  every account failed (API errors, timeouts, destination errors)
    2  every account is misconfigured (missing settings, rejected key or permissions)
    3  partial: some accounts synced and some did not
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pipelines.pinpoint.errors import (
    PinpointAuthenticationError,
    PinpointConfigurationError,
    PinpointError,
    PinpointPermissionError,
)
from pipelines.pinpoint.progress import SyncProgress
from pipelines.pinpoint.settings import (
    PinpointSettings,
    account_section,
    configured_account_names,
    resolve_settings,
)
from pipelines.sync import (
    DEFAULT_PIPELINE_NAME,
    AfterLoadStep,
    SyncResult,
    make_pipeline,
    run_sync,
)

__all__ = [
    "EXIT_FAILED",
    "EXIT_MISCONFIGURED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "AccountOutcome",
    "AccountTarget",
    "RunSummary",
    "sync_accounts",
    "targets_from_config",
]

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_MISCONFIGURED = 2
EXIT_PARTIAL = 3

Status = Literal["success", "failed", "misconfigured"]
_MISCONFIGURED_ERRORS = (
    PinpointConfigurationError,
    PinpointAuthenticationError,
    PinpointPermissionError,
)


@dataclass(frozen=True)
class AccountTarget:
    """One account to sync: its name (None for the default account) and its settings.

    `error` is the configuration error when the settings could not be resolved; the
    account is then reported as misconfigured without any request.
    """

    name: str | None
    settings: PinpointSettings | None = None
    error: PinpointConfigurationError | None = None

    @property
    def label(self) -> str:
        return self.name or (self.settings.account if self.settings else "default")


@dataclass
class AccountOutcome:
    """Outcome of one account's sync."""

    account: str
    status: Status
    dataset: str
    pipeline: str
    result: SyncResult | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "account": self.account,
            "status": self.status,
            "dataset": self.dataset,
            "pipeline": self.pipeline,
            "error": self.error,
        }
        if self.result is not None:
            summary.update(
                destination=self.result.destination,
                rows_loaded=self.result.rows_loaded,
                rows_marked_deleted=self.result.rows_marked_deleted,
                rows_changed_after_load=self.result.rows_changed_after_load,
                requests=self.result.requests,
                retries=self.result.retries,
                seconds=round(self.result.seconds, 3),
                reports=self.result.reports,
            )
        return summary


@dataclass
class RunSummary:
    """Outcome of a whole run over every requested account."""

    outcomes: list[AccountOutcome] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None

    @property
    def status(self) -> str:
        statuses = {outcome.status for outcome in self.outcomes}
        if statuses == {"success"}:
            return "success"
        if "success" in statuses:
            return "partial"
        if statuses == {"misconfigured"}:
            return "misconfigured"
        return "failed"

    @property
    def exit_code(self) -> int:
        return {
            "success": EXIT_OK,
            "partial": EXIT_PARTIAL,
            "misconfigured": EXIT_MISCONFIGURED,
            "failed": EXIT_FAILED,
        }[self.status]

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "accounts": [outcome.to_json() for outcome in self.outcomes],
        }


def targets_from_config(
    names: Sequence[str] | None = None,
    *,
    all_accounts: bool = False,
    subdomain: str | None = None,
    base_url: str | None = None,
) -> list[AccountTarget]:
    """Resolve the accounts to sync from dlt's configuration.

    With no names and `all_accounts` false, the default account (`[sources.pinpoint]`) is
    returned, and its configuration errors are raised. Named accounts keep their errors in
    the target, so one misconfigured account does not stop the others.
    """
    chosen: list[str] = list(names or [])
    if all_accounts:
        chosen = configured_account_names()
        if not chosen:
            raise PinpointConfigurationError(
                "--all-accounts: no accounts are configured; add "
                "[sources.pinpoint.accounts.<name>] sections to .dlt/config.toml, or list the "
                "names in SOURCES__PINPOINT__ACCOUNT_NAMES"
            )
    if not chosen:
        settings = resolve_settings(subdomain=subdomain, base_url=base_url)
        return [AccountTarget(name=None, settings=settings)]
    if subdomain or base_url:
        raise PinpointConfigurationError(
            "--subdomain and --base-url apply to the default account only; set them per "
            "account in [sources.pinpoint.accounts.<name>] instead"
        )
    targets = []
    for name in dict.fromkeys(chosen):
        try:
            settings = resolve_settings(section=account_section(name), account=name)
            targets.append(AccountTarget(name=name, settings=settings))
        except PinpointConfigurationError as error:
            targets.append(AccountTarget(name=name, error=error))
    return targets


def pipeline_name_for(target: AccountTarget) -> str:
    if target.name is None:
        return DEFAULT_PIPELINE_NAME
    return f"{DEFAULT_PIPELINE_NAME}_{target.name}"


def dataset_for(target: AccountTarget, dataset: str, dataset_per_account: bool) -> str:
    if dataset_per_account and target.name is not None:
        return f"{dataset}_{target.name}"
    return dataset


def sync_accounts(
    targets: Sequence[AccountTarget],
    *,
    destination: str = "duckdb",
    dataset: str = "pinpoint",
    dataset_per_account: bool = False,
    full: bool = False,
    pipelines_dir: str | Path | None = None,
    duckdb_path: str | Path | None = None,
    duckdb_memory_limit: str | None = None,
    tables: list[str] | None = None,
    progress: SyncProgress | None = None,
    row_filter: Any = None,
    after_load: Sequence[AfterLoadStep] = (),
    max_concurrency: int = 4,
    max_requests_per_second: float | None = None,
    only_created: bool = False,
) -> RunSummary:
    """Sync each target in turn and return the summary.

    An account's failure is recorded in its outcome and the next account still runs.
    """
    summary = RunSummary()
    for target in targets:
        pipeline_name = pipeline_name_for(target)
        target_dataset = dataset_for(target, dataset, dataset_per_account)
        outcome = AccountOutcome(
            account=target.label,
            status="success",
            dataset=target_dataset,
            pipeline=pipeline_name,
        )
        summary.outcomes.append(outcome)
        if target.error is not None or target.settings is None:
            outcome.status = "misconfigured"
            outcome.error = str(target.error or "no settings")
            continue
        try:
            pipeline = make_pipeline(
                destination=destination,
                dataset=target_dataset,
                pipeline_name=pipeline_name,
                pipelines_dir=pipelines_dir,
                duckdb_path=duckdb_path,
                duckdb_memory_limit=duckdb_memory_limit,
            )
            outcome.result = run_sync(
                target.settings,
                pipeline,
                full=full,
                tables=tables,
                progress=progress,
                row_filter=row_filter,
                after_load=after_load,
                max_concurrency=max_concurrency,
                max_requests_per_second=max_requests_per_second,
                only_created=only_created,
            )
        except _MISCONFIGURED_ERRORS as error:
            outcome.status = "misconfigured"
            outcome.error = str(error)
        except PinpointError as error:
            outcome.status = "failed"
            outcome.error = str(error)
        except Exception as error:  # one account's unexpected failure must not stop the rest
            logger.debug("Sync of account %s failed", target.label, exc_info=True)
            outcome.status = "failed"
            outcome.error = f"unexpected {type(error).__name__}: {error}"
        if outcome.status != "success":
            logger.error("Sync of account %s %s: %s", target.label, outcome.status, outcome.error)
    summary.finished_at = datetime.now(UTC)
    return summary
