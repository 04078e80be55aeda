"""Build the reporting tables in the destination after a sync.

Each report is one SQL file under `sql/`, written once in DuckDB's dialect with
`{{dataset}}` standing for the schema of the loaded tables. For other destinations the
SQL is transpiled with sqlglot. Reports land in their own schema, `<dataset>_reports`,
and each is replaced in one transaction, so a dashboard never sees a half-built table.
"""

from __future__ import annotations

import logging
from importlib import resources

import dlt
import sqlglot

__all__ = ["REPORTS", "build_reports", "render_report_sql", "reports_schema_name"]

logger = logging.getLogger(__name__)

REPORTS: tuple[str, ...] = ("job_stage_funnel",)

# dlt destination names whose SQL dialect has another name in sqlglot.
_SQLGLOT_DIALECTS = {"motherduck": "duckdb", "mssql": "tsql", "synapse": "tsql", "fabric": "tsql"}


def reports_schema_name(dataset_name: str) -> str:
    return f"{dataset_name}_reports"


def render_report_sql(name: str, dataset_identifier: str, dialect: str = "duckdb") -> str:
    """Return the SELECT of report `name` for a dataset, in the destination's dialect."""
    template = resources.files("pipelines.reporting").joinpath("sql", f"{name}.sql").read_text()
    sql = template.replace("{{dataset}}", dataset_identifier)
    if dialect == "duckdb":
        return sql
    return sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=True)[0]


def build_reports(pipeline: dlt.Pipeline) -> list[str]:
    """Rebuild every report from the pipeline's loaded tables; return the table names."""
    destination = pipeline.destination.destination_name
    dialect = _SQLGLOT_DIALECTS.get(destination, destination)
    built = []
    with pipeline.sql_client() as client:
        escape = client.capabilities.escape_identifier
        dataset = escape(pipeline.dataset_name)
        schema = escape(reports_schema_name(pipeline.dataset_name))
        client.execute_sql(f"create schema if not exists {schema}")
        for name in REPORTS:
            select = render_report_sql(name, dataset, dialect)
            table = f"{schema}.{escape(name)}"
            with client.begin_transaction():
                client.execute_sql(f"drop table if exists {table}")
                client.execute_sql(f"create table {table} as {select}")
            logger.info("Built report %s", name)
            built.append(name)
    return built
