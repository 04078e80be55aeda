"""Read applications, candidates and jobs for the actions, and shape them as output.

Records are returned in the shape of the synced tables (`docs/tables.md`), mapped by the
same mappers, with timestamps as ISO 8601 strings so the output is plain JSON.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pipelines.actions.errors import ActionInputError, InputProblem
from pipelines.actions.session import ActionSession
from pipelines.pinpoint.errors import PinpointNotFoundError
from pipelines.pinpoint.jsonapi import Document, Resource
from pipelines.pinpoint.mappers.applications import map_applications
from pipelines.pinpoint.mappers.people import map_candidates
from pipelines.pinpoint.source import ALL_JOB_VISIBILITIES

__all__ = [
    "APPLICATION_SHAPE",
    "application_rows",
    "candidate_row",
    "json_ready",
    "read_application",
    "read_job",
]

APPLICATION_SHAPE = {
    # Without every visibility Pinpoint hides applications of confidential jobs.
    "filter[job_visibility]": ALL_JOB_VISIBILITIES,
    "include": "stage,furthest_stage",
    "extra_fields[applications]": "tags",
}


def json_ready(value: Any) -> Any:
    """Return `value` with datetimes and dates as ISO 8601 strings, recursively."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    return value


def read_application(
    session: ActionSession, remote_id: str, field: str, params: dict[str, str] | None = None
) -> tuple[Document, Resource]:
    """GET one application; a 404 becomes an input problem on `field`."""
    try:
        document = session.client.get(f"/applications/{remote_id}", params or APPLICATION_SHAPE)
    except PinpointNotFoundError:
        raise ActionInputError(
            [InputProblem(field, f"application {remote_id} does not exist in Pinpoint")]
        ) from None
    return document, document.data[0]


def read_job(session: ActionSession, remote_id: str, field: str) -> tuple[Document, Resource]:
    """GET one job with its stages and questions; a 404 becomes an input problem."""
    try:
        document = session.client.get(f"/jobs/{remote_id}", {"include": "stages,questions"})
    except PinpointNotFoundError:
        raise ActionInputError(
            [InputProblem(field, f"job {remote_id} does not exist in Pinpoint")]
        ) from None
    return document, document.data[0]


def application_rows(session: ActionSession, document: Document) -> list[dict[str, Any]]:
    rows = map_applications(document, session.context)
    return [json_ready({**row, "account": session.account}) for row in rows]


def candidate_row(session: ActionSession, remote_id: str) -> dict[str, Any]:
    """Return a candidate as a `candidates` row with its applications as `applications`."""
    document = session.client.get(
        f"/candidates/{remote_id}",
        {"include": "applications", "extra_fields[candidates]": "tags"},
    )
    row = json_ready({**map_candidates(document, session.context)[0], "account": session.account})
    applications = session.client.get(
        "/applications",
        {
            **APPLICATION_SHAPE,
            "filter[candidate_id]": remote_id,
            "sort": "id",
            "page[size]": "1000",
        },
    )
    row["applications"] = application_rows(session, applications)
    return row
