"""SQL written once in DuckDB's dialect, turned into the destination's dialect."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlglot
from dlt.destinations.sql_client import SqlClientBase

__all__ = ["destination_dialect", "timestamp_literal", "transpile"]

# dlt destination names whose SQL dialect has another name in sqlglot, for destinations
# whose capabilities name no sqlglot dialect.
_SQLGLOT_DIALECTS = {"motherduck": "duckdb", "mssql": "tsql", "synapse": "tsql", "fabric": "tsql"}


def destination_dialect(client: SqlClientBase[object], destination_name: str) -> str:
    """Return the sqlglot dialect of a destination, preferring the one dlt declares."""
    declared = client.capabilities.sqlglot_dialect
    if declared:
        return str(declared)
    return _SQLGLOT_DIALECTS.get(destination_name, destination_name)


def transpile(sql: str, dialect: str) -> str:
    """Return DuckDB SQL unchanged for DuckDB, else transpiled to `dialect` by sqlglot."""
    if dialect == "duckdb":
        return sql
    return sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=True)[0]


def timestamp_literal(moment: datetime) -> str:
    """Return a DuckDB SQL literal of an instant, in UTC, for example for `{{as_of}}`.

    Raises ValueError for a naive datetime, whose instant depends on the machine's zone.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp {moment!r} has no time zone; pass an aware datetime")
    utc = moment.astimezone(UTC).isoformat(sep=" ")
    return f"cast('{utc}' as timestamp with time zone)"
