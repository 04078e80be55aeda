"""Field coverage: per table and column, the share of loaded rows that carry a value.

A value is anything but SQL null. In JSON columns an empty array or object (`[]`, `{}`)
and JSON `null` count as no value too, because the mappers write those where Pinpoint
sent nothing: a candidate without phone numbers has `phone_numbers = []`. Rows marked
deleted are left out unless asked for.

The counts come from the destination through the dlt pipeline's SQL client, with one
query per table written in DuckDB's dialect and transpiled by sqlglot for other
destinations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import dlt
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from rich.console import Console
from rich.table import Table

from pipelines.pinpoint.tables import TABLES
from pipelines.reporting.dialects import destination_dialect, transpile

__all__ = ["ColumnCoverage", "TableCoverage", "measure_coverage", "print_coverage"]

_EMPTY_JSON = ("[]", "{}", "null")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ColumnCoverage:
    """How many of a table's rows have a value in one column."""

    column: str
    rows_with_value: int
    share: float | None
    """`rows_with_value` divided by the table's rows; None for an empty table."""


@dataclass
class TableCoverage:
    """The coverage of every contract column of one table."""

    table: str
    rows: int
    columns: list[ColumnCoverage] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    """Contract columns the destination table lacks."""
    loaded: bool = True
    """False when the table does not exist in the destination."""

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "loaded": self.loaded,
            "rows": self.rows,
            "columns": {
                column.column: {"rows_with_value": column.rows_with_value, "share": column.share}
                for column in self.columns
            },
            "missing_columns": self.missing_columns,
        }


def measure_coverage(
    pipeline: dlt.Pipeline,
    *,
    tables: Sequence[str] | None = None,
    account: str | None = None,
    include_deleted: bool = False,
) -> list[TableCoverage]:
    """Count, per contract table and column, the rows with a value in the destination.

    `account` limits the count to one account's rows; `include_deleted` also counts rows
    with `remote_deleted_at` set.
    """
    chosen = list(tables) if tables is not None else list(TABLES)
    unknown = sorted(set(chosen) - set(TABLES))
    if unknown:
        raise ValueError(f"unknown table(s) {', '.join(unknown)}; valid: {', '.join(TABLES)}")
    results = []
    with pipeline.sql_client() as client:
        dialect = destination_dialect(client, pipeline.destination.destination_name)
        for name in chosen:
            qualified = client.make_qualified_table_name(name)
            try:
                with client.execute_query(f"select * from {qualified} where 1 = 0") as cursor:
                    present = {str(column[0]) for column in cursor.description or ()}
            except DatabaseUndefinedRelation:
                results.append(TableCoverage(name, 0, loaded=False))
                continue
            spec = TABLES[name]
            columns = [column for column in spec.column_names if column in present]
            sql = _coverage_sql(
                pipeline.dataset_name, name, columns, spec.json_columns, account, include_deleted
            )
            result = client.execute_sql(transpile(sql, dialect))
            assert result, f"the coverage query of {name} returned no row"
            row = result[0]
            total = int(row[0] or 0)
            coverage = TableCoverage(
                name, total, missing_columns=[c for c in spec.column_names if c not in present]
            )
            for column, count in zip(columns, row[1:], strict=True):
                with_value = int(count or 0)
                share = with_value / total if total else None
                coverage.columns.append(ColumnCoverage(column, with_value, share))
            results.append(coverage)
    return results


def _coverage_sql(
    dataset: str,
    table: str,
    columns: list[str],
    json_columns: frozenset[str],
    account: str | None,
    include_deleted: bool,
) -> str:
    """Return the counting query in DuckDB's dialect."""
    for name in (dataset, table, *columns):
        if not _IDENTIFIER.match(name):
            raise ValueError(f"unexpected identifier {name!r} in the coverage query")
    counts = []
    for column in columns:
        if column in json_columns:
            empty = ", ".join(f"'{text}'" for text in _EMPTY_JSON)
            counts.append(
                f'sum(case when "{column}" is not null and '
                f'cast("{column}" as varchar) not in ({empty}) then 1 else 0 end)'
            )
        else:
            counts.append(f'count("{column}")')
    conditions = []
    if not include_deleted and "remote_deleted_at" in columns:
        conditions.append('"remote_deleted_at" is null')
    if account is not None:
        conditions.append(f"\"account\" = '{account.replace(chr(39), chr(39) * 2)}'")
    where = f" where {' and '.join(conditions)}" if conditions else ""
    return f'select count(*), {", ".join(counts)} from "{dataset}"."{table}"{where}'


def print_coverage(console: Console, coverage: list[TableCoverage]) -> None:
    """Print one table per unified table: each column's rows with a value and share."""
    for item in coverage:
        if not item.loaded:
            console.print(f"[yellow]{item.table}[/]: not loaded yet")
            continue
        table = Table(title=f"{item.table} ({item.rows:,} rows)")
        table.add_column("column")
        table.add_column("rows with a value", justify="right")
        table.add_column("share", justify="right")
        for column in item.columns:
            share = "" if column.share is None else f"{column.share:.0%}"
            table.add_row(column.column, f"{column.rows_with_value:,}", share)
        for name in item.missing_columns:
            table.add_row(name, "column missing", "")
        console.print(table)
