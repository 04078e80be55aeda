"""Print the key reporting tables to a terminal, for `pinpoint report` and `pinpoint demo`.

Reads the tables that `build_reports` wrote, through the pipeline's sql_client, so it
works on any SQL destination. Call it after `build_reports`.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median
from typing import Any

import dlt
from dlt.destinations.sql_client import SqlClientBase
from rich.console import Console
from rich.table import Table

from pipelines.reporting.build import reports_schema_name

__all__ = ["print_reports"]

_SOURCES_SHOWN = 8
_JOBS_SHOWN = 10
_TEXT_COLUMNS = frozenset({"stage", "type", "source", "job", "status"})


def print_reports(console: Console, pipeline: dlt.Pipeline, jobs: int = 3) -> None:
    """Print the funnel of the `jobs` busiest jobs, then stage types, sources and jobs."""
    with pipeline.sql_client() as client:
        escape = client.capabilities.escape_identifier
        dataset = escape(pipeline.dataset_name)
        reports = escape(reports_schema_name(pipeline.dataset_name))
        _print_job_funnels(console, client, dataset, reports, jobs)
        accounts = _accounts(client, reports)
        for account in accounts:
            _print_stage_types(console, client, reports, account, accounts)
        for account in accounts:
            _print_sources(console, client, reports, account, accounts)
        _print_jobs(console, client, reports)


def _print_job_funnels(
    console: Console, client: SqlClientBase[Any], dataset: str, reports: str, jobs: int
) -> None:
    funnel = f"{reports}.job_stage_funnel"
    busiest = client.execute_sql(
        f"select job_id, max(job_name) from {funnel} "
        f"where job_id in (select job_id from {dataset}.applications "
        "where remote_deleted_at is null group by job_id "
        f"order by count(*) desc, job_id limit {int(jobs)}) "
        "group by job_id order by max(reached_count) desc, job_id"
    )
    for job_id, job_name in busiest or []:
        rows = client.execute_sql(
            "select stage_name, stage_type, reached_count, current_count, rejected_count, "
            f"conversion_from_previous, conversion_from_first from {funnel} "
            "where job_id = %s order by funnel_position",
            job_id,
        )
        table = _table(
            f"Funnel: {job_name}",
            [
                "stage",
                "type",
                "reached",
                "in stage now",
                "rejected here",
                "from previous",
                "from first",
            ],
        )
        for stage, kind, reached, current, rejected, previous, first in rows or []:
            table.add_row(
                str(stage),
                str(kind or ""),
                _count(reached),
                _count(current),
                _count(rejected),
                _percent(previous),
                _percent(first),
            )
        console.print(table)


def _accounts(client: SqlClientBase[Any], reports: str) -> list[str | None]:
    """Return the accounts of the cross-job reports; a dataset may hold several."""
    rows = client.execute_sql(f"select distinct account from {reports}.stage_type_funnel")
    return sorted((row[0] for row in rows or []), key=lambda account: account or "")


def _for_account(title: str, account: str | None, accounts: list[str | None]) -> str:
    return f"{title}, account {account}" if len(accounts) > 1 else title


def _print_stage_types(
    console: Console,
    client: SqlClientBase[Any],
    reports: str,
    account: str | None,
    accounts: list[str | None],
) -> None:
    rows = client.execute_sql(
        "select stage_type, job_count, reached_count, current_count, rejected_count, "
        "conversion_from_previous, conversion_from_first, median_hours_in_stage "
        f"from {reports}.stage_type_funnel where account is not distinct from %s "
        "order by type_position",
        account,
    )
    table = _table(
        _for_account("Funnel across jobs by stage type", account, accounts),
        [
            "type",
            "jobs",
            "reached",
            "in stage now",
            "rejected here",
            "from previous",
            "from first",
            "median days in stage",
        ],
    )
    for kind, job_count, reached, current, rejected, previous, first, hours in rows or []:
        table.add_row(
            str(kind),
            _count(job_count),
            _count(reached),
            _count(current),
            _count(rejected),
            _percent(previous),
            _percent(first),
            _days(None if hours is None else float(hours) / 24),
        )
    console.print(table)


def _print_sources(
    console: Console,
    client: SqlClientBase[Any],
    reports: str,
    account: str | None,
    accounts: list[str | None],
) -> None:
    rows = client.execute_sql(
        "select source, application_count, interviewed_count, offered_count, hired_count, "
        f"hire_rate, median_days_to_hire from {reports}.source_effectiveness "
        "where account is not distinct from %s "
        f"order by hired_count desc, application_count desc, source limit {_SOURCES_SHOWN}",
        account,
    )
    table = _table(
        _for_account(f"Sources (top {_SOURCES_SHOWN} by hires)", account, accounts),
        [
            "source",
            "applications",
            "interviewed",
            "offered",
            "hired",
            "hire rate",
            "median days to hire",
        ],
    )
    for source, applications, interviewed, offered, hired, rate, days in rows or []:
        table.add_row(
            str(source),
            _count(applications),
            _count(interviewed),
            _count(offered),
            _count(hired),
            _percent(rate),
            _days(days),
        )
    console.print(table)


def _print_jobs(console: Console, client: SqlClientBase[Any], reports: str) -> None:
    rows = client.execute_sql(
        "select summary.job_name, summary.status, summary.days_open, summary.active_count, "
        "summary.stalled_count, summary.hired_count, fill.days_to_fill "
        f"from {reports}.job_pipeline_summary as summary "
        f"left join {reports}.job_time_to_fill as fill on fill.job_id = summary.job_id "
        "order by summary.active_count desc, summary.application_count desc, summary.job_id "
        f"limit {_JOBS_SHOWN}"
    )
    table = _table(
        f"Jobs (top {_JOBS_SHOWN} by active applications)",
        ["job", "status", "days open", "active", "stalled >30 d", "hired", "days to fill"],
    )
    for name, status, days_open, active, stalled, hired, days_to_fill in rows or []:
        table.add_row(
            str(name),
            str(status or ""),
            _days(days_open),
            _count(active),
            _count(stalled),
            _count(hired),
            _days(days_to_fill),
        )
    console.print(table)
    hire_days = client.execute_sql(
        f"select days_to_hire from {reports}.job_time_to_hire where days_to_hire is not null"
    )
    values = [float(days) for (days,) in hire_days or []]
    if values:
        console.print(
            f"{len(values):,} hires; median time to hire {median(values):.1f} days "
            f"(from application to hire, elapsed)"
        )


def _table(title: str, columns: Sequence[str]) -> Table:
    """Create a table with text columns aligned left and number columns aligned right."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="left" if column in _TEXT_COLUMNS else "right")
    return table


def _count(value: Any) -> str:
    return "" if value is None else f"{int(value):,}"


def _percent(value: Any) -> str:
    return "" if value is None else f"{float(value):.0%}"


def _days(value: Any) -> str:
    return "" if value is None else f"{float(value):.1f}"
