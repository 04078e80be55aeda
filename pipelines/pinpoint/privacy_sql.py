"""SQL helpers of the erasure step: table lookup, the register tables and batched writes.

Statements are plain SQL with `%s` parameters, run through a dlt sql client, so they
work on the destinations dlt's SQL clients support. Table existence is read from
`information_schema`, as `deletions.py` does. Column types of the register tables come
from the destination's dlt type mapper.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from dlt.destinations.sql_client import SqlClientBase

__all__ = ["CHECKS_TABLE", "REGISTER_TABLE", "PrivacySql"]

REGISTER_TABLE = "_pinpoint_erasures"
"""Candidates erased in Pinpoint whose personal data must not stay in the destination."""
CHECKS_TABLE = "_pinpoint_erasure_checks"
"""Load ids whose candidate rows the erasure step has read back."""

_BATCH = 200
_FETCH_SIZE = 1000


class PrivacySql:
    """A dlt sql client with the lookups and writes the erasure step needs."""

    def __init__(self, client: SqlClientBase[Any]) -> None:
        self.client = client
        self.escape = client.capabilities.escape_identifier
        self.dataset = client.dataset_name
        self.staging_dataset = client.staging_dataset_name
        self.tables = self._existing_tables(self.dataset)
        self.staging_tables = self._existing_tables(self.staging_dataset)
        self._columns: dict[str, set[str]] = {}

    def table(self, name: str) -> str:
        return self.client.make_qualified_table_name(name)

    def staging_table(self, name: str) -> str:
        with self.client.with_staging_dataset():
            return self.client.make_qualified_table_name(name)

    def staging_name(self, name: str) -> str:
        """Return `<staging dataset>.<table>`, the key of staging tables in step results."""
        return f"{self.staging_dataset}.{name}"

    def columns(self, table: str) -> set[str]:
        if table not in self.tables:
            return set()
        if table not in self._columns:
            rows = self.client.execute_sql(
                "select column_name from information_schema.columns "
                "where table_schema = %s and table_name = %s",
                self.dataset,
                table,
            )
            self._columns[table] = {str(name) for (name,) in rows or []}
        return self._columns[table]

    def execute_count(self, sql: str, *parameters: Any) -> int:
        """Run one UPDATE or DELETE and return how many rows it changed."""
        with self.client.execute_query(sql, *parameters) as cursor:
            native = getattr(cursor, "native_cursor", cursor)
            count = getattr(native, "rowcount", -1)
            if count is None or count < 0:
                # DuckDB returns the count as a one-row result instead of a rowcount.
                row = native.fetchone()
                count = int(row[0]) if row else 0
        return int(count)

    def create_register_tables(self) -> None:
        mapper = self.client.capabilities.get_type_mapper()
        text = mapper.to_destination_type(
            {"name": "candidate_id", "data_type": "text"},
            {"name": REGISTER_TABLE, "columns": {}},
        )
        moment = mapper.to_destination_type(
            {"name": "recorded_at", "data_type": "timestamp", "timezone": True},
            {"name": REGISTER_TABLE, "columns": {}},
        )
        escape = self.escape
        for table, key, time in (
            (REGISTER_TABLE, "candidate_id", "recorded_at"),
            (CHECKS_TABLE, "load_id", "checked_at"),
        ):
            self.client.execute_sql(
                f"create table if not exists {self.table(table)} "
                f"({escape(key)} {text} not null, {escape(time)} {moment} not null)"
            )
            self.tables.add(table)
            self._columns.pop(table, None)

    def register_ids(self) -> set[str]:
        rows = self.client.execute_sql(
            f"select {self.escape('candidate_id')} from {self.table(REGISTER_TABLE)}"
        )
        return {str(value) for (value,) in rows or []}

    def checked_load_ids(self) -> set[str]:
        rows = self.client.execute_sql(
            f"select {self.escape('load_id')} from {self.table(CHECKS_TABLE)}"
        )
        return {str(value) for (value,) in rows or []}

    def unchecked_candidates(self) -> Iterator[tuple[Any, Any, Any]]:
        """Yield (id, remote_data, _dlt_load_id) of candidates from loads not yet checked."""
        escape = self.escape
        sql = (
            f"select {escape('id')}, {escape('remote_data')}, {escape('_dlt_load_id')} "
            f"from {self.table('candidates')} where {escape('_dlt_load_id')} not in "
            f"(select {escape('load_id')} from {self.table(CHECKS_TABLE)})"
        )
        with self.client.execute_query(sql) as cursor:
            while True:
                rows = cursor.fetchmany(_FETCH_SIZE)
                if not rows:
                    return
                yield from rows

    def delete_register_entries(self, candidate_ids: Sequence[str]) -> None:
        column = self.escape("candidate_id")
        for start in range(0, len(candidate_ids), _BATCH):
            batch = candidate_ids[start : start + _BATCH]
            placeholders = ", ".join(["%s"] * len(batch))
            self.client.execute_sql(
                f"delete from {self.table(REGISTER_TABLE)} where {column} in ({placeholders})",
                *batch,
            )

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        names = ", ".join(self.escape(column) for column in columns)
        row_placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            values = ", ".join([row_placeholders] * len(batch))
            parameters = [value for row in batch for value in row]
            self.client.execute_sql(
                f"insert into {self.table(table)} ({names}) values {values}", *parameters
            )

    def delete_staged(self, table: str, condition: str | None, *parameters: Any) -> int:
        """Delete the staging rows of `table` whose destination row matches `condition`.

        The caller opens the transaction. Returns 0 when either table does not exist.
        """
        if condition is None or table not in self.tables or table not in self.staging_tables:
            return 0
        escape = self.escape
        return self.execute_count(
            f"delete from {self.staging_table(table)} where {escape('id')} in "
            f"(select {escape('id')} from {self.table(table)} where {condition})",
            *parameters,
        )

    def _existing_tables(self, dataset: str) -> set[str]:
        rows = self.client.execute_sql(
            "select table_name from information_schema.tables where table_schema = %s", dataset
        )
        return {str(name) for (name,) in rows or []}
