"""Build the reporting tables in the destination after a sync.

Each report is one SQL file under `sql/`, written once in DuckDB's dialect with three
placeholders: `{{dataset}}` for the schema of the loaded tables, `{{reports}}` for the
reports schema (later reports read earlier ones) and `{{as_of}}` for the time the build
treats as now. For other destinations the SQL is transpiled with sqlglot. Reports land
in their own schema, `<dataset>_reports`, and each is replaced in one transaction, so a
dashboard never reads a half-built table.

Before the reports are built, the stage every application is in is appended to the
stage observations table in the loaded dataset (see `observations.py`), so stage history
builds up across scheduled syncs.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import dlt
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.destinations.sql_client import SqlClientBase

from pipelines.pinpoint.errors import PinpointError
from pipelines.reporting.dialects import destination_dialect, timestamp_literal, transpile
from pipelines.reporting.observations import append_stage_observations

__all__ = [
    "REPORTS",
    "SOURCE_TABLES",
    "ReportTablesMissingError",
    "build_reports",
    "render_report_sql",
    "reports_schema_name",
]

logger = logging.getLogger(__name__)

# Build order: a report may read the reports listed before it.
REPORTS: tuple[str, ...] = (
    "application_stage_history",
    "application_progress",
    "job_stage_funnel",
    "stage_type_funnel",
    "job_time_to_hire",
    "job_time_to_fill",
    "source_effectiveness",
    "job_pipeline_summary",
)


SOURCE_TABLES: tuple[str, ...] = (
    "applications",
    "application_stages",
    "interviews",
    "jobs",
    "job_application_stages",
)
"""Loaded tables that the reports and the stage observations read."""


class ReportTablesMissingError(PinpointError):
    """The dataset lacks tables that the reports read, e.g. after `sync --tables`."""


def reports_schema_name(dataset_name: str) -> str:
    return f"{dataset_name}_reports"


def render_report_sql(
    name: str,
    dataset_identifier: str,
    dialect: str = "duckdb",
    *,
    reports_identifier: str,
    as_of: datetime | None = None,
) -> str:
    """Return the SELECT of report `name` in the destination's dialect.

    `dataset_identifier` and `reports_identifier` are escaped schema names. Without
    `as_of` the SQL uses the destination's `current_timestamp`.
    """
    template = resources.files("pipelines.reporting").joinpath("sql", f"{name}.sql").read_text()
    now = "current_timestamp" if as_of is None else timestamp_literal(as_of)
    sql = (
        template.replace("{{dataset}}", dataset_identifier)
        .replace("{{reports}}", reports_identifier)
        .replace("{{as_of}}", now)
    )
    return transpile(sql, dialect)


def build_reports(pipeline: dlt.Pipeline, *, as_of: datetime | None = None) -> list[str]:
    """Record stage observations, then rebuild every report; return the report names.

    `as_of`, by default the current time, is stored as the observation time. The reports
    use it as now, for example for days open and days in the current stage.
    """
    moment = datetime.now(UTC) if as_of is None else as_of
    built = []
    with pipeline.sql_client() as client:
        dialect = destination_dialect(client, pipeline.destination.destination_name)
        escape = client.capabilities.escape_identifier
        dataset = escape(pipeline.dataset_name)
        schema = escape(reports_schema_name(pipeline.dataset_name))
        missing = [
            table
            for table in SOURCE_TABLES
            if not _table_exists(client, f"{dataset}.{escape(table)}")
        ]
        if missing:
            raise ReportTablesMissingError(
                f"the reports read the tables {', '.join(missing)}, which dataset "
                f"{pipeline.dataset_name} does not have yet; run `pinpoint sync` once "
                "without --tables to load every table"
            )

        appended = append_stage_observations(client, dataset, dialect, moment)
        logger.info("Recorded %d stage observations", appended)

        client.execute_sql(f"create schema if not exists {schema}")
        for name in REPORTS:
            select = render_report_sql(
                name, dataset, dialect, reports_identifier=schema, as_of=moment
            )
            table = f"{schema}.{escape(name)}"
            with client.begin_transaction():
                client.execute_sql(f"drop table if exists {table}")
                client.execute_sql(f"create table {table} as {select}")
            logger.info("Built report %s", name)
            built.append(name)
    return built


def _table_exists(client: SqlClientBase[Any], table: str) -> bool:
    try:
        client.execute_sql(f"select 1 from {table} where 1 = 0")
    except DatabaseUndefinedRelation:
        return False
    return True
