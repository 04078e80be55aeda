"""Turn the record ids of action inputs into Pinpoint ids.

Inputs name records by unified id (the `id` column of the synced tables) or as
`remote:<Pinpoint id>`. Unified ids are hashes, so they are looked up: first in the
synced table (`remote_id` column), then in the table of records the actions created
(for records not synced yet). Jobs are few, so a job id not found there is also
searched for by listing the account's job ids. Stages and screening questions are
resolved against the job's own records instead (see `create.py` and `stages.py`).
"""

from __future__ import annotations

import logging

import dlt
from dlt.common.destination.exceptions import DestinationException
from dlt.destinations.exceptions import DatabaseUndefinedRelation

from pipelines.actions.errors import ActionInputError, InputProblem
from pipelines.actions.tracking import TrackingError, tracked_remote_id
from pipelines.pinpoint.client import MAX_PAGE_SIZE, PinpointClient
from pipelines.pinpoint.ids import REMOTE_ID_PREFIX, unified_id

__all__ = ["IdResolver", "remote_part"]

logger = logging.getLogger(__name__)


def remote_part(reference: str) -> str | None:
    """Return the Pinpoint id of a `remote:<id>` reference, None for a unified id."""
    if reference.startswith(REMOTE_ID_PREFIX):
        return reference.removeprefix(REMOTE_ID_PREFIX)
    return None


class IdResolver:
    """Find the Pinpoint id behind a unified id of `account`."""

    def __init__(
        self, client: PinpointClient, account: str, pipeline: dlt.Pipeline | None = None
    ) -> None:
        self.client = client
        self.account = account
        self.pipeline = pipeline
        self._job_ids: dict[str, str] | None = None

    def resolve(self, table: str, reference: str, field: str) -> str:
        """Return the Pinpoint id of `reference` (a record of `table`).

        Raises `ActionInputError` naming `field` when the id is not found.
        """
        remote = remote_part(reference)
        if remote is not None:
            return remote
        notes: list[str] = []
        remote = self._from_destination(table, reference, notes)
        if remote is None and table == "jobs":
            remote = self._job_ids_by_unified_id().get(reference)
        if remote is not None:
            return remote
        where = (
            f"in the dataset {self.pipeline.dataset_name}"
            if self.pipeline is not None
            else "because no destination is configured to look it up in"
        )
        reason = f" ({'; '.join(notes)})" if notes else ""
        raise ActionInputError(
            [
                InputProblem(
                    field,
                    f"no {table} record with unified id {reference} of account {self.account} "
                    f"was found {where}{reason}; sync the account first, or pass "
                    f"{REMOTE_ID_PREFIX}<Pinpoint id>",
                )
            ]
        )

    def _from_destination(self, table: str, reference: str, notes: list[str]) -> str | None:
        if self.pipeline is None:
            return None
        try:
            with self.pipeline.sql_client() as client:
                qualified = client.make_qualified_table_name(table)
                rows = client.execute_sql(
                    f"select remote_id from {qualified} where id = %s", reference
                )
            if rows:
                return str(rows[0][0])
        except DatabaseUndefinedRelation:
            notes.append(f"the table {table} does not exist yet")
        except DestinationException as error:
            notes.append(f"reading the destination failed with {type(error).__name__}")
        try:
            return tracked_remote_id(self.pipeline, table, reference)
        except TrackingError as error:
            notes.append(str(error))
            return None

    def _job_ids_by_unified_id(self) -> dict[str, str]:
        if self._job_ids is None:
            params = {"fields[jobs]": "id", "sort": "id"}
            found: dict[str, str] = {}
            for document in self.client.iter_pages("/jobs", params, page_size=MAX_PAGE_SIZE):
                for job in document.data:
                    found[unified_id(self.account, "jobs", str(job["id"]))] = str(job["id"])
            logger.debug("Listed %d job ids to resolve a unified job id", len(found))
            self._job_ids = found
        return self._job_ids
