"""The report SQL renders for DuckDB and transpiles to Postgres without unsupported parts."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlglot
from sqlglot.errors import ErrorLevel

from pipelines.reporting import REPORTS
from pipelines.reporting.build import render_report_sql
from pipelines.reporting.dialects import timestamp_literal
from pipelines.reporting.observations import _APPEND_CHANGES, _CREATE_TABLE

AS_OF = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
# Dialects of dlt destinations that the SQL is meant to transpile to cleanly. BigQuery
# and T-SQL are not among them (see docs/reports.md).
DIALECTS = ("postgres", "redshift", "snowflake", "databricks")


def statements() -> dict[str, str]:
    """Return every statement the reporting step runs, in DuckDB's dialect, by name."""
    rendered = {
        name: render_report_sql(
            name, '"pinpoint"', reports_identifier='"pinpoint_reports"', as_of=AS_OF
        )
        for name in REPORTS
    }
    table = '"pinpoint"."application_stage_observations"'
    rendered["create observations"] = _CREATE_TABLE.format(table=table)
    rendered["append observations"] = _APPEND_CHANGES.format(
        table=table, dataset='"pinpoint"', observed_at=timestamp_literal(AS_OF)
    )
    return rendered


@pytest.mark.parametrize("dialect", DIALECTS)
def test_statements_transpile(dialect: str) -> None:
    for name, sql in statements().items():
        transpiled = sqlglot.transpile(
            sql, read="duckdb", write=dialect, unsupported_level=ErrorLevel.RAISE
        )
        assert len(transpiled) == 1, name
        assert "{{" not in transpiled[0], name


def test_postgres_sql_avoids_local_time() -> None:
    for name in REPORTS:
        sql = render_report_sql(
            name, '"pinpoint"', "postgres", reports_identifier='"pinpoint_reports"', as_of=AS_OF
        )
        # A cast of timestamptz to timestamp would turn elapsed time into local clock time.
        assert "AS TIMESTAMP)" not in sql, name
        assert "AGE(" not in sql.upper(), name


@pytest.mark.skipif(
    importlib.util.find_spec("pglast") is None, reason="pglast (Postgres's parser) not installed"
)
def test_postgres_parser_accepts_sql() -> None:
    import pglast

    for name, sql in statements().items():
        postgres = sqlglot.transpile(sql, read="duckdb", write="postgres")[0]
        assert pglast.parse_sql(postgres), name


def test_timestamp_literal_in_utc() -> None:
    moment = datetime(2025, 3, 1, 7, 45, tzinfo=timezone(timedelta(hours=5, minutes=45)))
    assert timestamp_literal(moment) == (
        "cast('2025-03-01 02:00:00+00:00' as timestamp with time zone)"
    )


def test_timestamp_literal_rejects_naive() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        timestamp_literal(datetime(2025, 3, 1, 2, 0))
