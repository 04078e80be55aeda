"""Map applications and interviews.

Applications are requested with `include=stage,furthest_stage` and every
`filter[job_visibility]`, because Pinpoint hides applications of confidential jobs unless
the filter names them. Pinpoint has no status field: the outcome comes from the current
stage's `basic_type` and the `hired_at` / `rejected_at` timestamps.

Interviews are requested with
`include=stage,interview_parts,interview_parts.interviewing_users`; the interviewers are
the users of all interview parts.
"""

from __future__ import annotations

from typing import Any

from pipelines.pinpoint.jsonapi import NOT_INCLUDED, Document, Resource, relationship_linkage
from pipelines.pinpoint.mappers.common import (
    MapContext,
    attribute,
    changed_at,
    remote_data,
    text,
    timestamp,
)
from pipelines.pinpoint.mappers.people import application_source

__all__ = ["application_outcome", "map_applications", "map_interviews"]


def application_outcome(stage_type: str | None, hired: bool, rejected: bool) -> str:
    """Return HIRED, DECLINED or PENDING from the stage type and Pinpoint's timestamps."""
    if stage_type == "hired" or (hired and stage_type != "rejected"):
        return "HIRED"
    if stage_type == "rejected" or rejected:
        return "DECLINED"
    return "PENDING"


def map_applications(document: Document, context: MapContext) -> list[dict[str, Any]]:
    rows = []
    for application in document:
        stage = _included_or_none(document, application, "stage")
        stage_remote_id = _linked_id(application, "stage") or attribute(application, "stage_id")
        hired_at = timestamp(application, "hired_at")
        rejected_at = timestamp(application, "rejected_at")
        concealed = attribute(application, "concealed")
        rows.append(
            {
                "id": context.id("applications", application["id"]),
                "remote_id": str(application["id"]),
                "outcome": application_outcome(
                    text(attribute(stage, "basic_type")) if stage else None,
                    hired=hired_at is not None,
                    rejected=rejected_at is not None,
                ),
                "current_stage_id": context.id("application_stages", stage_remote_id),
                "job_id": context.id("jobs", attribute(application, "job_id")),
                "candidate_id": context.id("candidates", attribute(application, "candidate_id")),
                "remote_created_at": timestamp(application, "created_at"),
                "remote_updated_at": timestamp(application, "updated_at"),
                "furthest_stage_id": context.id(
                    "application_stages", _linked_id(application, "furthest_stage")
                ),
                "rejected_at": rejected_at,
                "hired_at": hired_at,
                "source": application_source(application),
                "concealed": concealed if isinstance(concealed, bool) else None,
                "remote_data": remote_data(application),
                "changed_at": changed_at(application),
                "remote_deleted_at": None,
            }
        )
    return rows


def map_interviews(document: Document, context: MapContext) -> list[dict[str, Any]]:
    rows = []
    for interview in document:
        stage = _included_or_none(document, interview, "stage")
        application_remote_id = None
        if text(attribute(interview, "interviewable_type")) == "Application":
            application_remote_id = attribute(interview, "interviewable_id")
        rows.append(
            {
                "id": context.id("interviews", interview["id"]),
                "remote_id": str(interview["id"]),
                "title": (text(attribute(stage, "name")) if stage else None) or "Interview",
                "starting_at": timestamp(interview, "start_at"),
                "ending_at": timestamp(interview, "end_at"),
                "application_id": context.id("applications", application_remote_id),
                "stage_id": context.id("application_stages", _linked_id(interview, "stage")),
                "presence": text(attribute(interview, "presence")),
                "interviewer_user_ids": _interviewer_ids(document, interview, context),
                "remote_data": remote_data(interview),
                "changed_at": changed_at(interview),
                "remote_deleted_at": None,
            }
        )
    return rows


def _interviewer_ids(
    document: Document, interview: Resource, context: MapContext
) -> list[str] | None:
    parts = document.related(interview, "interview_parts")
    if parts is NOT_INCLUDED:
        return None
    user_ids: set[str] = set()
    for part in parts or []:
        users = document.related(part, "interviewing_users")
        if users is NOT_INCLUDED or not users:
            continue
        for user in users:
            user_id = context.id("users", user["id"])
            if user_id:
                user_ids.add(user_id)
    return sorted(user_ids)


def _linked_id(resource: Resource, name: str) -> str | None:
    """Return the id a to-one relationship links to, even if the record is not included."""
    linkage = relationship_linkage(resource, name)
    if isinstance(linkage, tuple):
        return linkage[1]
    return None


def _included_or_none(document: Document, resource: Resource, name: str) -> Resource | None:
    related = document.related(resource, name)
    if related is NOT_INCLUDED or not isinstance(related, dict):
        return None
    return related
