"""Find records deleted in Pinpoint and mark them with `remote_deleted_at`.

Pinpoint deletes records hard and its lists carry no deletion events, so a delta read
cannot see a deletion. Two mechanisms cover it:

* Top-level records (users, jobs, candidates, applications, interviews): a full sync lists
  every id cheaply (`fields[type]=id`, 1,000 per page, sorted by id) into the table
  `_pinpoint_listed_ids`. After the load, rows whose id was not listed get
  `remote_deleted_at`. Every row in the destination was updated before the read window
  closed, so it existed before the listing started: missing from the listing means deleted.
  A listing is repeated until Pinpoint's count stays the same across it, because a
  deletion during an offset listing shifts later ids out of view.
* Child rows (a job's stages, questions and hiring team, a candidate's tags): whenever a
  parent is re-read, all its current children are written in the same load. Children of
  that parent left from earlier loads are no longer listed by it, so they are marked.
  Children of a parent marked deleted are marked too.

A row that comes back is written again by a later read, which clears its mark, because
every mapped row carries `remote_deleted_at = null`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dlt
import pyarrow as pa

from pipelines.pinpoint.client import MAX_PAGE_SIZE, PinpointClient
from pipelines.pinpoint.errors import PinpointResponseError
from pipelines.pinpoint.ids import unified_id

__all__ = [
    "CHILD_TABLES",
    "LISTED_IDS_TABLE",
    "LISTED_MODELS",
    "ListedModel",
    "list_ids",
    "mark_deleted",
]

logger = logging.getLogger(__name__)

LISTED_IDS_TABLE = "_pinpoint_listed_ids"
_MAX_LISTING_PASSES = 4


@dataclass(frozen=True)
class ListedModel:
    """A table whose rows are checked against an id listing of one endpoint."""

    table: str
    path: str
    resource_type: str
    filters: tuple[tuple[str, str], ...] = ()


_ALL_VISIBILITIES = (("filter[job_visibility]", "internal,external,confidential,private_job"),)

LISTED_MODELS: tuple[ListedModel, ...] = (
    ListedModel("users", "/users", "users"),
    ListedModel("jobs", "/jobs", "jobs"),
    ListedModel("candidates", "/candidates", "candidates"),
    ListedModel("applications", "/applications", "applications", _ALL_VISIBILITIES),
    ListedModel("interviews", "/interviews", "interviews", _ALL_VISIBILITIES),
)

# (child table, column naming the parent, parent table)
CHILD_TABLES: tuple[tuple[str, str, str], ...] = (
    ("application_stages", "job_id", "jobs"),
    ("job_application_stages", "job_id", "jobs"),
    ("job_screening_questions", "job_id", "jobs"),
    ("job_hiring_team_members", "job_id", "jobs"),
    ("candidate_tags", "candidate_id", "candidates"),
)

_LISTED_SCHEMA = pa.schema(
    [
        pa.field("account", pa.string(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("id", pa.string(), nullable=False),
    ]
)


def list_ids(
    client: PinpointClient, model: ListedModel, account: str, page_size: int = MAX_PAGE_SIZE
) -> Iterator[pa.Table]:
    """Yield the unified ids of every record the endpoint lists now, as Arrow pages.

    Raises `PinpointResponseError` when the count never stays stable, because marking
    deletions from a shifted listing would flag live records.
    """
    for attempt in range(1, _MAX_LISTING_PASSES + 1):
        listed, count_before = _list_once(client, model, page_size)
        count_after = _count(client, model)
        if count_before == count_after and len(listed) >= (count_after or 0):
            break
        logger.info(
            "%s changed while its ids were listed (%s records before, %s after); listing again "
            "(pass %d of %d)",
            model.path,
            count_before,
            count_after,
            attempt,
            _MAX_LISTING_PASSES,
        )
    else:
        raise PinpointResponseError(
            f"the id listing of {model.path} kept changing during {_MAX_LISTING_PASSES} "
            "passes, so deletions were not marked; run `pinpoint sync --full` again when "
            "the account is quieter"
        )
    ids = sorted(unified_id(account, model.table, remote_id) for remote_id in listed)
    for offset in range(0, max(len(ids), 1), page_size):
        chunk = ids[offset : offset + page_size]
        yield pa.Table.from_pydict(
            {
                "account": [account] * len(chunk),
                "table_name": [model.table] * len(chunk),
                "id": chunk,
            },
            schema=_LISTED_SCHEMA,
        )


def _list_once(
    client: PinpointClient, model: ListedModel, page_size: int
) -> tuple[set[str], int | None]:
    params = {
        **dict(model.filters),
        f"fields[{model.resource_type}]": "id",
        "sort": "id",
        "stats[total]": "count",
    }
    listed: set[str] = set()
    count: int | None = None
    for number, document in enumerate(client.iter_pages(model.path, params, page_size=page_size)):
        if number == 0:
            count = document.total_count()
        listed.update(str(resource["id"]) for resource in document.data)
    return listed, count


def _count(client: PinpointClient, model: ListedModel) -> int | None:
    params = {**dict(model.filters), "page[size]": 1, "stats[total]": "count"}
    params[f"fields[{model.resource_type}]"] = "id"
    return client.get(model.path, params).total_count()


def mark_deleted(
    pipeline: dlt.Pipeline,
    account: str,
    load_ids: Sequence[str],
    listed_tables: Sequence[str],
    deleted_at: datetime,
) -> dict[str, int]:
    """Set `remote_deleted_at` on rows Pinpoint no longer has; return rows marked per table.

    `listed_tables` are the tables whose ids this run listed in full for `account`; rows
    of other accounts in the same dataset are left alone. `load_ids` are the loads of
    this run, used to tell children written now from children left over.
    """
    marked: dict[str, int] = {}
    with pipeline.sql_client() as client:
        escape = client.capabilities.escape_identifier

        def table(name: str) -> str:
            return client.make_qualified_table_name(name)

        existing = _existing_tables(client, pipeline.dataset_name)
        listed = table(LISTED_IDS_TABLE)
        for name in listed_tables:
            if name not in existing or LISTED_IDS_TABLE not in existing:
                continue
            marked[name] = _execute_update(
                client,
                f"update {table(name)} set {escape('remote_deleted_at')} = %s "
                f"where {escape('remote_deleted_at')} is null and {escape('account')} = %s "
                f"and not exists (select 1 from {listed} as listed "
                f"where listed.{escape('account')} = %s and listed.{escape('table_name')} = %s "
                f"and listed.{escape('id')} = {table(name)}.{escape('id')})",
                deleted_at,
                account,
                account,
                name,
            )

        load_list = ", ".join(f"'{_checked_load_id(load_id)}'" for load_id in load_ids) or "''"
        for child, parent_column, parent in CHILD_TABLES:
            if child not in existing or parent not in existing:
                continue
            marked[child] = marked.get(child, 0) + _execute_update(
                client,
                f"update {table(child)} set {escape('remote_deleted_at')} = %s "
                f"where {escape('remote_deleted_at')} is null and ("
                f"({escape('_dlt_load_id')} not in ({load_list}) and {escape(parent_column)} in "
                f"(select {escape('id')} from {table(parent)} "
                f"where {escape('_dlt_load_id')} in ({load_list})))"
                f" or {escape(parent_column)} in (select {escape('id')} from {table(parent)} "
                f"where {escape('remote_deleted_at')} is not null))",
                deleted_at,
            )
    for name, count in marked.items():
        if count:
            logger.info("Marked %d row(s) of %s as deleted in Pinpoint", count, name)
    return marked


def _execute_update(client: Any, sql: str, *parameters: object) -> int:
    """Run one UPDATE in a transaction and return how many rows it changed."""
    with client.begin_transaction(), client.execute_query(sql, *parameters) as cursor:
        native = getattr(cursor, "native_cursor", cursor)
        rowcount = getattr(native, "rowcount", -1)
        if rowcount is None or rowcount < 0:
            # DuckDB reports the count as a one-row result instead of a rowcount.
            row = native.fetchone()
            rowcount = int(row[0]) if row else 0
    return int(rowcount)


def _existing_tables(client: Any, dataset: str) -> set[str]:
    rows = client.execute_sql(
        "select table_name from information_schema.tables where table_schema = %s", dataset
    )
    return {name for (name,) in rows or []}


def _checked_load_id(load_id: str) -> str:
    # dlt load ids are decimal timestamps such as 1796417565.4373493.
    if not load_id.replace(".", "", 1).isdigit():
        raise ValueError(f"unexpected dlt load id {load_id!r}")
    return load_id
