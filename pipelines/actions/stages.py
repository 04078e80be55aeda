"""Move an application to another stage of its job.

Pinpoint gives every job its own copies of the workflow's stages, so a stage id is valid
only for applications of that job. The stage is looked up among the stages the job
includes (`GET /jobs/{id}?include=stages`) by its unified id (the `id` of
`application_stages`) or `remote:<id>`, and the move is a `PUT /applications/{id}` with
the `stage` relationship. A PUT that is repeated sets the same stage again, so it is
retried like a read.
"""

from __future__ import annotations

import logging
from typing import Any

from pipelines.actions.errors import Problems
from pipelines.actions.records import application_rows, read_application, read_job
from pipelines.actions.session import ActionSession
from pipelines.actions.validation import check_keys, record_reference
from pipelines.pinpoint.jsonapi import NOT_INCLUDED, Document, Resource
from pipelines.pinpoint.mappers.common import attribute, text

__all__ = ["job_stage_id", "move_application_to_stage"]

logger = logging.getLogger(__name__)


def job_stage_id(
    session: ActionSession,
    document: Document,
    job: Resource,
    reference: str,
    field: str,
    problems: Problems,
) -> str | None:
    """Return the Pinpoint id of the job's stage named by `reference`, or report why not."""
    stages = document.related(job, "stages")
    stages = [] if stages is NOT_INCLUDED or stages is None else list(stages)
    for stage in stages:
        remote_id = str(stage["id"])
        if reference in (
            f"remote:{remote_id}",
            session.context.id("application_stages", remote_id),
        ):
            return remote_id
    listed = ", ".join(
        f"{session.context.id('application_stages', stage['id'])} "
        f"(remote:{stage['id']}, {text(attribute(stage, 'name'))})"
        for stage in stages
    )
    problems.add(
        field,
        f"{reference} is not a stage of job {job['id']} ({text(attribute(job, 'title'))}); "
        f"use one of its stages: {listed or 'the job has none'}",
    )
    return None


def move_application_to_stage(session: ActionSession, payload: Any) -> dict[str, Any]:
    """Move an application to a stage of its job; return the application.

    `payload` is `{"application_id", "stage_id"}`, both unified ids or `remote:<id>`.
    Returns `{"moved", "application"}`; `moved` is false when the application was already
    on that stage. Raises `ActionInputError` before any write when the stage is not one
    of the application's job.
    """
    problems = Problems()
    data = payload if isinstance(payload, dict) else {}
    if not isinstance(payload, dict):
        problems.add("(input)", "must be a JSON object with application_id and stage_id")
    check_keys(data, ("application_id", "stage_id"), "", problems)
    application_ref = record_reference(data.get("application_id"), "application_id", problems)
    stage_ref = record_reference(data.get("stage_id"), "stage_id", problems)
    problems.raise_if_any()
    assert application_ref is not None and stage_ref is not None

    application_id = session.resolver.resolve("applications", application_ref, "application_id")
    _, application = read_application(session, application_id, "application_id")
    job_id = str(attribute(application, "job_id"))
    job_document, job = read_job(session, job_id, "application_id")
    stage_id = job_stage_id(session, job_document, job, stage_ref, "stage_id", problems)
    problems.raise_if_any()
    assert stage_id is not None

    current = text(attribute(application, "stage_id"))
    moved = current != stage_id
    if moved:
        body = {
            "data": {
                "type": "applications",
                "id": application_id,
                "attributes": {},
                "relationships": {"stage": {"data": {"type": "stages", "id": stage_id}}},
            }
        }
        session.client.request("PUT", f"/applications/{application_id}", json=body)
        logger.info("Moved application %s to stage %s", application_id, stage_id)
    document, _ = read_application(session, application_id, "application_id")
    return {"moved": moved, "application": application_rows(session, document)[0]}
