"""The dlt source: one resource per unified table, fed by one reader per Pinpoint endpoint.

Each Pinpoint endpoint is read once per run by a hidden "pages" resource, which keeps the
incremental state and yields whole JSON:API pages. Each table is a transformer of those
pages that maps a page to one typed Arrow table, so dlt writes parquet without touching
single rows.

Tables, the pages that feed them, and how each endpoint is read incrementally:

    table                    pages resource       Pinpoint request
    users                    user_pages           GET /users: no timestamp filter, so
                                                  read in full and filtered here
    jobs                     job_pages            GET /jobs with include=department,
    application_stages         (same)             location, stages, questions,
    job_application_stages     (same)             hiring_manager_user and
    job_screening_questions    (same)             recruitment_manager_user;
    job_hiring_team_members    (same)             filter[updated_at]
    screening_questions      job_pages and        the jobs' included questions, and
                             question_bank_pages  GET /questions?filter[banked]=true
    candidates               candidate_pages      GET /candidates, include=applications,
    candidate_tags             (same)             extra_fields[candidates]=tags,
                                                  fields[applications] (sparse)
    tags                     candidate_pages and  tags of candidates and applications
                             application_pages
    applications             application_pages    GET /applications with every
                                                  job_visibility, include=stage,
                                                  furthest_stage
    interviews               interview_pages      GET /interviews, include=stage,
                                                  interview_parts.interviewing_users

Every table: primary key `id`, write disposition `merge`; when one run sees a record
twice, the row with the latest `changed_at` wins.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa
from dlt.extract.resource import DltResource

from pipelines.pinpoint.client import PinpointClient
from pipelines.pinpoint.deletions import LISTED_IDS_TABLE, LISTED_MODELS, list_ids
from pipelines.pinpoint.incremental import (
    ChangeWindow,
    EndpointQuery,
    floor_second,
    probe,
    read_in_slices,
)
from pipelines.pinpoint.jsonapi import Document, parse_timestamp
from pipelines.pinpoint.mappers import applications, jobs, people, questions
from pipelines.pinpoint.mappers.common import MapContext
from pipelines.pinpoint.progress import NullProgress, SyncProgress
from pipelines.pinpoint.tables import TABLES, to_arrow

__all__ = ["ALL_JOB_VISIBILITIES", "QUERIES", "RowFilter", "listed_tables", "pinpoint_source"]

logger = logging.getLogger(__name__)

ALL_JOB_VISIBILITIES = "internal,external,confidential,private_job"

QUERIES: dict[str, EndpointQuery] = {
    "user_pages": EndpointQuery("/users", "users", supports_updated_at_filter=False),
    "job_pages": EndpointQuery("/jobs", "jobs", shape={"include": ",".join(jobs.JOB_INCLUDES)}),
    "question_bank_pages": EndpointQuery(
        "/questions",
        "questions",
        filters={"filter[banked]": "true"},
        supports_updated_at_filter=False,
    ),
    "candidate_pages": EndpointQuery(
        "/candidates",
        "candidates",
        shape={
            "include": "applications",
            "extra_fields[candidates]": "tags",
            "fields[applications]": ",".join(people.CANDIDATE_APPLICATION_FIELDS),
        },
    ),
    "application_pages": EndpointQuery(
        "/applications",
        "applications",
        filters={"filter[job_visibility]": ALL_JOB_VISIBILITIES},
        shape={"include": "stage,furthest_stage", "extra_fields[applications]": "tags"},
    ),
    "interview_pages": EndpointQuery(
        "/interviews",
        "interviews",
        filters={"filter[job_visibility]": ALL_JOB_VISIBILITIES},
        shape={"include": "stage,interview_parts,interview_parts.interviewing_users"},
    ),
}

Mapper = Callable[[Document, MapContext], list[dict[str, Any]]]
RowFilter = Callable[[str, list[dict[str, Any]]], list[dict[str, Any]]]
"""Called with a table name and its mapped rows; returns the rows to load."""

# (resource name, table, pages resource, mapper)
TABLE_RESOURCES: tuple[tuple[str, str, str, Mapper], ...] = (
    ("users", "users", "user_pages", people.map_users),
    ("jobs", "jobs", "job_pages", jobs.map_jobs),
    ("application_stages", "application_stages", "job_pages", jobs.map_application_stages),
    (
        "job_application_stages",
        "job_application_stages",
        "job_pages",
        jobs.map_job_application_stages,
    ),
    ("screening_questions", "screening_questions", "job_pages", jobs.map_job_questions),
    (
        "banked_screening_questions",
        "screening_questions",
        "question_bank_pages",
        questions.map_questions,
    ),
    (
        "job_screening_questions",
        "job_screening_questions",
        "job_pages",
        jobs.map_job_screening_questions,
    ),
    (
        "job_hiring_team_members",
        "job_hiring_team_members",
        "job_pages",
        jobs.map_job_hiring_team_members,
    ),
    ("candidates", "candidates", "candidate_pages", people.map_candidates),
    ("tags", "tags", "candidate_pages", people.map_tags),
    ("application_tags", "tags", "application_pages", people.map_tags),
    ("candidate_tags", "candidate_tags", "candidate_pages", people.map_candidate_tags),
    ("applications", "applications", "application_pages", applications.map_applications),
    ("interviews", "interviews", "interview_pages", applications.map_interviews),
)

STATE_KEY = "updated_before"
REFERENCE_FILTER = "filter[external_system_reference]"
# References travel comma-separated in the URL; 50 idempotency keys of at most 100
# characters keep a request under 8 KB.
REFERENCES_PER_REQUEST = 50
_REFERENCE_FILTERED_PAGES = frozenset({"candidate_pages", "application_pages"})


@dlt.source(name="pinpoint", max_table_nesting=0, root_key=False)
def pinpoint_source(
    client: PinpointClient,
    account: str,
    full_sync: bool = False,
    page_size: int = 1000,
    window_lag_seconds: float = 30.0,
    tables: Sequence[str] | None = None,
    progress: SyncProgress | None = None,
    row_filter: RowFilter | None = None,
    external_system_references: Sequence[str] | None = None,
) -> Iterator[DltResource]:
    """Return the Pinpoint source reading through `client`.

    `account` scopes the unified ids, so it must stay the same for one Pinpoint account
    across runs. `full_sync` ignores the incremental state and reads every record.
    `tables` limits the run to some unified tables (all twelve by default).
    `row_filter` sees every mapped page before it becomes Arrow, so columns it drops or
    pseudonymises never reach dlt's files, the destination or a log.
    `external_system_references`, when given, limits candidates and applications (and
    their tags) to records whose `external_system_reference` is in the list, also in the
    id listing of a full sync, and skips interviews, which Pinpoint cannot filter so. An
    empty list loads no candidates or applications.
    """
    unknown = sorted(set(tables or ()) - set(TABLES))
    if unknown:
        raise ValueError(
            f"unknown table(s) {', '.join(unknown)}; valid tables: {', '.join(sorted(TABLES))}"
        )
    wanted = set(tables or TABLES)
    chunks = _reference_chunks(external_system_references)
    skipped: set[str] = set()
    if chunks is not None and "interviews" in wanted:
        wanted.discard("interviews")
        skipped.add("interviews")
    context = MapContext(account)
    # Deletion marking separates fresh child rows from stale ones by their load id.
    dlt.config["normalize.parquet_normalizer.add_dlt_load_id"] = True
    tracker = progress or NullProgress()

    needed_pages = {pages for _, table, pages, _ in TABLE_RESOURCES if table in wanted}
    page_resources = {
        name: _pages_resource(
            name, _queries(name, chunks), client, full_sync, page_size, window_lag_seconds, tracker
        )
        for name in QUERIES
        if name in needed_pages
    }
    yield from page_resources.values()
    for resource_name, table, pages, mapper in TABLE_RESOURCES:
        if table in wanted:
            yield _table_resource(
                resource_name, table, page_resources[pages], mapper, context, row_filter
            )
    # A skipped table still gets its contract columns, so reports built on it run.
    for table in sorted(skipped):
        yield _empty_table_resource(table)
    if full_sync:
        yield _listed_ids_resource(client, account, listed_tables(wanted), chunks)


def _empty_table_resource(table: str) -> DltResource:
    def no_rows() -> Iterator[pa.Table]:
        yield to_arrow(table, [])

    return dlt.resource(
        no_rows,
        name=table,
        table_name=table,
        primary_key="id",
        write_disposition="merge",
        columns=TABLES[table].dlt_columns,
    )


def listed_tables(tables: Sequence[str] | set[str]) -> list[str]:
    """Return the tables among `tables` whose deletions a full sync detects by id listing."""
    return [model.table for model in LISTED_MODELS if model.table in tables]


def _reference_chunks(references: Sequence[str] | None) -> list[str] | None:
    """Return the references as comma-separated filter values of at most 50 each."""
    if references is None:
        return None
    unique = sorted(set(references))
    return [
        ",".join(unique[start : start + REFERENCES_PER_REQUEST])
        for start in range(0, len(unique), REFERENCES_PER_REQUEST)
    ]


def _queries(name: str, chunks: list[str] | None) -> list[EndpointQuery]:
    """Return the queries a pages resource reads: one, or one per chunk of references."""
    query = QUERIES[name]
    if chunks is None or name not in _REFERENCE_FILTERED_PAGES:
        return [query]
    return [replace(query, filters={**query.filters, REFERENCE_FILTER: chunk}) for chunk in chunks]


def _listed_ids_resource(
    client: PinpointClient, account: str, tables: list[str], chunks: list[str] | None
) -> DltResource:
    models = [model for model in LISTED_MODELS if model.table in tables]
    if chunks is not None:
        filtered = {"candidates", "applications"}
        models = [model for model in models if model.table not in filtered] + [
            replace(model, filters=(*model.filters, (REFERENCE_FILTER, chunk)))
            for model in models
            if model.table in filtered
            for chunk in chunks
        ]

    def read_ids() -> Iterator[pa.Table]:
        for model in models:
            yield from list_ids(client, model, account)

    return dlt.resource(
        read_ids,
        name="listed_ids",
        table_name=LISTED_IDS_TABLE,
        write_disposition="replace",
        columns={"table_name": {"nullable": False}, "id": {"nullable": False}},
    )


def _pages_resource(
    name: str,
    queries: list[EndpointQuery],
    client: PinpointClient,
    full_sync: bool,
    page_size: int,
    window_lag_seconds: float,
    progress: SyncProgress,
) -> DltResource:
    def read_pages() -> Iterator[Document]:
        if not queries:
            # Nothing to read (no created records yet); one empty page still creates the
            # tables with their contract columns, so reports built on them run.
            yield Document(data=[])
            return
        query = queries[0]
        state = dlt.current.resource_state()
        start = None if full_sync else _stored_moment(state.get(STATE_KEY))
        first = probe(client, query, start)
        now = first.server_time or datetime.now(UTC)
        end = floor_second(now - timedelta(seconds=window_lag_seconds))
        window = ChangeWindow(start, end)
        expected = first.total_count() if len(queries) == 1 else None
        progress.start(query.path, expected)
        logger.info(
            "Reading %s changed %s until %s",
            query.path,
            f"since {start.isoformat()}" if start else "at any time",
            end.isoformat(),
        )
        for each in queries:
            yield from read_in_slices(
                client,
                each,
                window,
                page_size=page_size,
                slices=client.throttle.max_concurrency,
                expected_count=expected,
                on_page=lambda count: progress.advance(query.path, count),
            )
        # Reached only after every page was handed on. dlt commits this state together
        # with the load package, so a failed run leaves the previous window in place.
        state[STATE_KEY] = max(end, start or end).isoformat()
        progress.finish(query.path)

    return dlt.resource(read_pages, name=name, selected=False)


def _table_resource(
    resource_name: str,
    table: str,
    pages: DltResource,
    mapper: Mapper,
    context: MapContext,
    row_filter: RowFilter | None,
) -> DltResource:
    spec = TABLES[table]
    columns = spec.dlt_columns
    columns["changed_at"] = {**columns["changed_at"], "dedup_sort": "desc"}

    def map_page(document: Document) -> Iterator[pa.Table]:
        rows = mapper(document, context)
        if row_filter is not None:
            rows = row_filter(table, rows)
        yield to_arrow(table, rows, context.account)

    return dlt.transformer(
        map_page,
        data_from=pages,
        name=resource_name,
        table_name=table,
        primary_key="id",
        write_disposition="merge",
        columns=columns,
    )


def _stored_moment(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        logger.warning("Ignoring unreadable incremental state %r; reading all records", value)
        return None
