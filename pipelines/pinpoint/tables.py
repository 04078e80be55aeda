"""The unified tables this connector loads: columns, types and Arrow schemas.

The column lists follow the table contract in `docs/tables.md`. Every table carries `id`
(primary key), `remote_id`, `changed_at` (the incremental cursor, UTC) and
`remote_deleted_at`. JSON columns travel through Arrow as JSON text and are declared as
dlt `json` columns, so DuckDB stores them as JSON and Postgres as jsonb.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import orjson
import pyarrow as pa

__all__ = ["TABLES", "TableSpec", "to_arrow"]

_TEXT = pa.string()
_TIMESTAMP = pa.timestamp("us", tz="UTC")
_BOOL = pa.bool_()
_FLOAT = pa.float64()
_INT = pa.int64()
_JSON = "json"
_NOT_NULL = frozenset({"id", "changed_at"})


@dataclass(frozen=True)
class TableSpec:
    """One unified table: its name and ordered columns with their types."""

    name: str
    columns: tuple[tuple[str, Any], ...]

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    @cached_property
    def json_columns(self) -> frozenset[str]:
        return frozenset(name for name, kind in self.columns if kind == _JSON)

    @cached_property
    def arrow_schema(self) -> pa.Schema:
        # Built once per table: to_arrow needs it for every page.
        return pa.schema(
            [
                pa.field(name, _TEXT if kind == _JSON else kind, nullable=name not in _NOT_NULL)
                for name, kind in self.columns
            ]
        )

    @property
    def dlt_columns(self) -> dict[str, dict[str, Any]]:
        """Column hints for dlt: JSON columns, non-null keys, nullable deletion marker."""
        hints: dict[str, dict[str, Any]] = {
            "id": {"data_type": "text", "nullable": False},
            "changed_at": {"data_type": "timestamp", "nullable": False},
            "remote_deleted_at": {"data_type": "timestamp", "nullable": True},
        }
        for name, kind in self.columns:
            if kind == _JSON:
                hints[name] = {"data_type": "json", "nullable": True}
        return hints


def _table(name: str, *columns: tuple[str, Any], remote_data: bool = False) -> TableSpec:
    common: tuple[tuple[str, Any], ...] = (("id", _TEXT), ("remote_id", _TEXT))
    tail: tuple[tuple[str, Any], ...] = (
        ("account", _TEXT),
        ("changed_at", _TIMESTAMP),
        ("remote_deleted_at", _TIMESTAMP),
    )
    if remote_data:
        tail = (("remote_data", _JSON), *tail)
    return TableSpec(name, common + tuple(columns) + tail)


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        _table(
            "users",
            ("first_name", _TEXT),
            ("last_name", _TEXT),
            ("email", _TEXT),
            ("remote_created_at", _TIMESTAMP),
        ),
        _table(
            "jobs",
            ("name", _TEXT),
            ("description", _TEXT),
            ("confidential", _BOOL),
            ("employment_type", _TEXT),
            ("status", _TEXT),
            ("visibility", _TEXT),
            ("department", _TEXT),
            ("post_url", _TEXT),
            ("salary_amount_from", _FLOAT),
            ("salary_amount_to", _FLOAT),
            ("salary_currency", _TEXT),
            ("salary_period", _TEXT),
            ("location", _JSON),
            ("custom_fields", _JSON),
            ("integration_fields", _JSON),
            ("opened_at", _TIMESTAMP),
            ("closed_at", _TIMESTAMP),
            ("remote_created_at", _TIMESTAMP),
            ("remote_updated_at", _TIMESTAMP),
            ("contact_id", _TEXT),
            ("workplace_type", _TEXT),
            ("headcount", _INT),
            ("requisition_id", _TEXT),
            remote_data=True,
        ),
        _table(
            "candidates",
            ("first_name", _TEXT),
            ("last_name", _TEXT),
            ("source", _TEXT),
            ("phone_numbers", _JSON),
            ("email_addresses", _JSON),
            ("social_media", _JSON),
            ("location", _JSON),
            ("remote_created_at", _TIMESTAMP),
            ("remote_updated_at", _TIMESTAMP),
            remote_data=True,
        ),
        _table(
            "application_stages",
            ("name", _TEXT),
            ("stage_type", _TEXT),
            ("job_id", _TEXT),
        ),
        _table(
            "applications",
            ("outcome", _TEXT),
            ("current_stage_id", _TEXT),
            ("job_id", _TEXT),
            ("candidate_id", _TEXT),
            ("remote_created_at", _TIMESTAMP),
            ("remote_updated_at", _TIMESTAMP),
            ("furthest_stage_id", _TEXT),
            ("rejected_at", _TIMESTAMP),
            ("hired_at", _TIMESTAMP),
            ("source", _TEXT),
            ("concealed", _BOOL),
            remote_data=True,
        ),
        _table(
            "screening_questions",
            ("title", _TEXT),
            ("description", _TEXT),
            ("format", _JSON),
        ),
        _table("tags", ("name", _TEXT), ("context", _TEXT)),
        _table(
            "interviews",
            ("title", _TEXT),
            ("starting_at", _TIMESTAMP),
            ("ending_at", _TIMESTAMP),
            ("application_id", _TEXT),
            ("stage_id", _TEXT),
            ("presence", _TEXT),
            ("interviewer_user_ids", _JSON),
            remote_data=True,
        ),
        _table("candidate_tags", ("candidate_id", _TEXT), ("tag_id", _TEXT)),
        _table(
            "job_application_stages",
            ("index", _INT),
            ("job_id", _TEXT),
            ("stage_id", _TEXT),
        ),
        _table(
            "job_screening_questions",
            ("index", _INT),
            ("required", _BOOL),
            ("precondition_question_id", _TEXT),
            ("precondition_options", _JSON),
            ("job_id", _TEXT),
            ("question_id", _TEXT),
        ),
        _table(
            "job_hiring_team_members",
            ("roles", _JSON),
            ("job_id", _TEXT),
            ("user_id", _TEXT),
        ),
    )
}


def to_arrow(table: str, rows: Sequence[Mapping[str, Any]], account: str | None = None) -> pa.Table:
    """Build the typed Arrow table of `table` from mapped rows.

    Keys missing from a row become nulls; values of JSON columns are serialised here, so
    mappers return plain Python lists and dicts. `account`, when given, fills the
    `account` column of every row.

    The table is built one column at a time: that touches each value once and copies no
    row, several times faster than `pa.Table.from_pylist` on pages with JSON columns.
    """
    spec = TABLES[table]
    arrays = []
    for column in spec.arrow_schema:
        name = column.name
        if name == "account" and account is not None:
            arrays.append(pa.array([account] * len(rows), type=column.type))
            continue
        values = [row.get(name) for row in rows]
        if name in spec.json_columns:
            values = [None if value is None else _json_text(value) for value in values]
        arrays.append(pa.array(values, type=column.type))
    return pa.Table.from_arrays(arrays, schema=spec.arrow_schema)


def _json_text(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()
