"""The table of records the actions created, kept in the sync's destination.

Every candidate and application a create action makes (or finds again through its
idempotency key) gets a row in `_pinpoint_created_records`, in the same dataset the sync
loads. The row keeps the unified id, the Pinpoint id and the `external_system_reference`
the record carries in Pinpoint. Two readers use it:

* the id resolver, so an id an action returned can be used before the next sync, and
* syncs that load only created records: `created_references` lists the references to
  pass to `pinpoint_source(external_system_references=...)`.

Rows are written by a dlt pipeline of their own (`<pipeline name>_created`), so an action
never touches the sync pipeline's state. A file lock serialises actions that write at the
same time from one machine.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
from dlt.common.destination.exceptions import DestinationException
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from filelock import FileLock, Timeout

from pipelines.pinpoint.errors import PinpointError
from pipelines.pinpoint.ids import unified_id

__all__ = [
    "CREATED_RECORDS_TABLE",
    "CreatedRecord",
    "CreatedRecordTracker",
    "TrackingError",
    "created_references",
    "tracked_remote_id",
]

logger = logging.getLogger(__name__)

CREATED_RECORDS_TABLE = "_pinpoint_created_records"
_LOCK_TIMEOUT_SECONDS = 120.0
_COLUMNS = {
    "id": {"data_type": "text", "nullable": False},
    "account": {"data_type": "text", "nullable": False},
    "table_name": {"data_type": "text", "nullable": False},
    "remote_id": {"data_type": "text", "nullable": False},
    "external_system_reference": {"data_type": "text", "nullable": True},
    "action": {"data_type": "text", "nullable": False},
    "tracked_at": {"data_type": "timestamp", "nullable": False},
}


class TrackingError(PinpointError):
    """The created records could not be written to the destination."""


@dataclass(frozen=True)
class CreatedRecord:
    """A candidate or application an action created, as the tracking table stores it."""

    table: str
    remote_id: str
    external_system_reference: str | None
    action: str


class CreatedRecordTracker:
    """Write created records to the destination of `pipeline`, for one account."""

    def __init__(self, pipeline: dlt.Pipeline, account: str) -> None:
        self.pipeline = pipeline
        self.account = account

    def record(self, records: Sequence[CreatedRecord]) -> None:
        """Merge `records` into the tracking table; raise `TrackingError` on failure."""
        if not records:
            return
        now = datetime.now(UTC)
        rows = [
            {
                "id": unified_id(self.account, record.table, record.remote_id),
                "account": self.account,
                "table_name": record.table,
                "remote_id": record.remote_id,
                "external_system_reference": record.external_system_reference,
                "action": record.action,
                "tracked_at": now,
            }
            for record in records
        ]
        writer = dlt.pipeline(
            pipeline_name=f"{self.pipeline.pipeline_name}_created",
            pipelines_dir=self.pipeline.pipelines_dir,
            destination=self.pipeline.destination,
            dataset_name=self.pipeline.dataset_name,
        )
        resource = dlt.resource(
            rows,
            name="created_records",
            table_name=CREATED_RECORDS_TABLE,
            write_disposition="merge",
            primary_key="id",
            columns=_COLUMNS,
        )
        folder = Path(writer.working_dir)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(str(folder / "tracking.lock"), timeout=_LOCK_TIMEOUT_SECONDS):
                writer.run(resource)
        except Timeout:
            raise TrackingError(
                f"another action held the lock on {folder} for {_LOCK_TIMEOUT_SECONDS:.0f} s"
            ) from None
        except Exception as error:  # dlt wraps destination failures in several types
            raise TrackingError(
                f"writing {CREATED_RECORDS_TABLE} to dataset {self.pipeline.dataset_name} "
                f"failed: {type(error).__name__}"
            ) from error
        logger.info("Tracked %d created record(s) in %s", len(rows), CREATED_RECORDS_TABLE)


def created_references(pipeline: dlt.Pipeline, account: str) -> list[str]:
    """Return the distinct `external_system_reference` values of the account's created
    records, sorted; an empty list when nothing was tracked yet."""
    sql_template = (
        "select distinct external_system_reference from {table} "
        "where account = %s and external_system_reference is not null"
    )
    rows = _query(pipeline, sql_template, account)
    return sorted(str(value) for (value,) in rows)


def tracked_remote_id(pipeline: dlt.Pipeline, table: str, record_id: str) -> str | None:
    """Return the Pinpoint id of a created record by its unified id, or None."""
    rows = _query(
        pipeline,
        "select remote_id from {table} where id = %s and table_name = %s",
        record_id,
        table,
    )
    return str(rows[0][0]) if rows else None


def _query(pipeline: dlt.Pipeline, sql_template: str, *arguments: object) -> list[Sequence[Any]]:
    try:
        with pipeline.sql_client() as client:
            table = client.make_qualified_table_name(CREATED_RECORDS_TABLE)
            return list(client.execute_sql(sql_template.format(table=table), *arguments) or [])
    except DatabaseUndefinedRelation:
        return []
    except DestinationException as error:
        raise TrackingError(
            f"reading {CREATED_RECORDS_TABLE} from dataset {pipeline.dataset_name} failed: "
            f"{type(error).__name__}"
        ) from error
