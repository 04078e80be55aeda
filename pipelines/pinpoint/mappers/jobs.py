"""Map `GET /jobs` pages to jobs, their stages, questions and hiring team.

A job page is requested with
`include=department,location,stages,questions,hiring_manager_user,recruitment_manager_user`.
Pinpoint has no stages endpoint: each job owns copies of its workflow's stages, so stages
reach the warehouse only through this include. Stage order is the `position` attribute.
"""

from __future__ import annotations

from typing import Any

from pipelines.pinpoint.jsonapi import NOT_INCLUDED, Document, Resource
from pipelines.pinpoint.mappers.common import (
    MapContext,
    attribute,
    changed_at,
    location_json,
    remote_data,
    text,
    timestamp,
)
from pipelines.pinpoint.mappers.questions import map_question

__all__ = [
    "map_application_stages",
    "map_job_application_stages",
    "map_job_hiring_team_members",
    "map_job_questions",
    "map_job_screening_questions",
    "map_jobs",
]

JOB_INCLUDES = (
    "department",
    "location",
    "stages",
    "questions",
    "hiring_manager_user",
    "recruitment_manager_user",
)

_EMPLOYMENT_TYPES = {
    "full_time": "FULL_TIME",
    "permanent_full_time": "FULL_TIME",
    "fixed_term_full_time": "FULL_TIME",
    "part_time": "PART_TIME",
    "permanent_part_time": "PART_TIME",
    "fixed_term_part_time": "PART_TIME",
    "part_time_term_time": "PART_TIME",
    "contract": "CONTRACT",
    "contract_temp": "CONTRACT",
    "fixed_term_contract": "CONTRACT",
    "contract_to_hire": "CONTRACT",
    "freelance": "CONTRACT",
    "temporary": "CONTRACT",
    "seasonal_full_time": "SEASONAL",
    "seasonal_part_time": "SEASONAL",
    "internship": "INTERNSHIP",
}
_STATUSES = {
    "open": "OPEN",
    "closed": "CLOSED",
    "filled": "CLOSED",
    "cancelled": "CLOSED",
    "draft": "DRAFT",
    "pending_approval": "DRAFT",
    "preview": "DRAFT",
    "archived": "ARCHIVED",
}
_VISIBILITIES = {
    "external": "PUBLIC",
    "internal": "INTERNAL",
    "private_job": "UNLISTED",
    "confidential": "CONFIDENTIAL",
}
_SALARY_PERIODS = {
    "year": "YEAR",
    "yearly": "YEAR",
    "annual": "YEAR",
    "annually": "YEAR",
    "per_annum": "YEAR",
    "month": "MONTH",
    "monthly": "MONTH",
    "two_weeks": "TWO_WEEKS",
    "fortnight": "TWO_WEEKS",
    "fortnightly": "TWO_WEEKS",
    "week": "WEEK",
    "weekly": "WEEK",
    "day": "DAY",
    "daily": "DAY",
    "hour": "HOUR",
    "hourly": "HOUR",
}


def map_open_enum(value: Any, mapping: dict[str, str]) -> str | None:
    """Map a known Pinpoint value to the unified constant; pass unknown values through raw."""
    raw = text(value)
    if raw is None:
        return None
    return mapping.get(raw.lower(), raw)


def sorted_stages(document: Document, job: Resource) -> list[Resource] | None:
    """Return the job's included stages ordered by `position`, then id; None if not included."""
    stages = document.related(job, "stages")
    if stages is NOT_INCLUDED or stages is None:
        return None
    return sorted(stages, key=lambda stage: (_position(stage), int_or_text(stage["id"])))


def map_jobs(document: Document, context: MapContext) -> list[dict[str, Any]]:
    rows = []
    for job in document:
        department = _to_one(document, job, "department")
        location = _to_one(document, job, "location")
        hiring_manager = document.related(job, "hiring_manager_user")
        visibility = text(attribute(job, "visibility"))
        rows.append(
            {
                "id": context.id("jobs", job["id"]),
                "remote_id": str(job["id"]),
                "name": text(attribute(job, "title")),
                "description": attribute(job, "description"),
                "confidential": None if visibility is None else visibility == "confidential",
                "employment_type": map_open_enum(
                    attribute(job, "employment_type"), _EMPLOYMENT_TYPES
                ),
                "status": map_open_enum(attribute(job, "status"), _STATUSES),
                "visibility": map_open_enum(visibility, _VISIBILITIES),
                "department": text(attribute(department, "name")) if department else None,
                "post_url": text(attribute(job, "url")),
                "salary_amount_from": _number(job, "compensation_minimum"),
                "salary_amount_to": _number(job, "compensation_maximum"),
                "salary_currency": text(attribute(job, "compensation_currency")),
                "salary_period": map_open_enum(
                    attribute(job, "compensation_frequency"), _SALARY_PERIODS
                ),
                "location": _job_location(job, location),
                "custom_fields": {},
                "integration_fields": [],
                "opened_at": timestamp(job, "opened_at"),
                "closed_at": timestamp(job, "closed_at"),
                "remote_created_at": timestamp(job, "created_at"),
                "remote_updated_at": timestamp(job, "updated_at"),
                "contact_id": _user_id(context, hiring_manager, job, "hiring_user_id"),
                "workplace_type": text(attribute(job, "workplace_type")),
                "headcount": _integer(job, "headcount_maximum"),
                "requisition_id": text(attribute(job, "requisition_id")),
                "remote_data": remote_data(job),
                "changed_at": changed_at(job, department, location),
                "remote_deleted_at": None,
            }
        )
    return rows


def map_application_stages(document: Document, context: MapContext) -> list[dict[str, Any]]:
    rows = []
    for job in document:
        for stage in sorted_stages(document, job) or []:
            rows.append(
                {
                    "id": context.id("application_stages", stage["id"]),
                    "remote_id": str(stage["id"]),
                    "name": text(attribute(stage, "name")),
                    "stage_type": text(attribute(stage, "basic_type")),
                    "job_id": context.id("jobs", job["id"]),
                    "changed_at": changed_at(stage, job),
                    "remote_deleted_at": None,
                }
            )
    return rows


def map_job_application_stages(document: Document, context: MapContext) -> list[dict[str, Any]]:
    rows = []
    for job in document:
        for index, stage in enumerate(sorted_stages(document, job) or []):
            rows.append(
                {
                    "id": context.id("job_application_stages", f"{job['id']}:{stage['id']}"),
                    "index": index,
                    "job_id": context.id("jobs", job["id"]),
                    "stage_id": context.id("application_stages", stage["id"]),
                    "changed_at": changed_at(job, stage),
                    "remote_deleted_at": None,
                }
            )
    return rows


def map_job_questions(document: Document, context: MapContext) -> list[dict[str, Any]]:
    """Map the questions included with each job; one row per question, deduplicated."""
    rows: dict[str, dict[str, Any]] = {}
    for job in document:
        for question in _questions(document, job):
            row = map_question(question, context)
            rows[row["id"]] = row
    return list(rows.values())


def map_job_screening_questions(document: Document, context: MapContext) -> list[dict[str, Any]]:
    rows = []
    for job in document:
        for index, question in enumerate(_questions(document, job)):
            required = attribute(question, "required")
            rows.append(
                {
                    "id": context.id("job_screening_questions", f"{job['id']}:{question['id']}"),
                    "index": index,
                    "required": required if isinstance(required, bool) else None,
                    # Pinpoint exposes no conditional questions, so no preconditions exist.
                    "precondition_question_id": None,
                    "precondition_options": None,
                    "job_id": context.id("jobs", job["id"]),
                    "question_id": context.id("screening_questions", question["id"]),
                    "changed_at": changed_at(job, question),
                    "remote_deleted_at": None,
                }
            )
    return rows


def map_job_hiring_team_members(document: Document, context: MapContext) -> list[dict[str, Any]]:
    rows = []
    for job in document:
        roles_by_user: dict[str, list[str]] = {}
        for relationship, role in (
            ("hiring_manager_user", "HIRING_MANAGER"),
            ("recruitment_manager_user", "RECRUITER"),
        ):
            user = document.related(job, relationship)
            if user is NOT_INCLUDED or user is None:
                continue
            roles_by_user.setdefault(str(user["id"]), []).append(role)
        for user_remote_id, roles in roles_by_user.items():
            rows.append(
                {
                    "id": context.id("job_hiring_team_members", f"{job['id']}:{user_remote_id}"),
                    "roles": roles,
                    "job_id": context.id("jobs", job["id"]),
                    "user_id": context.id("users", user_remote_id),
                    "changed_at": changed_at(job),
                    "remote_deleted_at": None,
                }
            )
    return rows


def int_or_text(value: Any) -> tuple[int, str]:
    """Sort key that orders digit strings numerically and anything else after them."""
    as_text = str(value)
    return (int(as_text), "") if as_text.isdigit() else (2**63, as_text)


def _questions(document: Document, job: Resource) -> list[Resource]:
    questions = document.related(job, "questions")
    if questions is NOT_INCLUDED or questions is None:
        return []
    return list(questions)


def _to_one(document: Document, job: Resource, name: str) -> Resource | None:
    related = document.related(job, name)
    return None if related is NOT_INCLUDED else related


def _user_id(context: MapContext, user: Any, job: Resource, fallback_attribute: str) -> str | None:
    if user is not NOT_INCLUDED and user is not None:
        return context.id("users", user["id"])
    return context.id("users", attribute(job, fallback_attribute))


def _job_location(job: Resource, location: Resource | None) -> dict[str, Any] | None:
    if location is not None:
        return location_json(
            city=attribute(location, "city"),
            country=attribute(location, "country_code"),
            state=attribute(location, "province"),
            zip_code=attribute(location, "postal_code"),
            street_1=attribute(location, "street_address"),
        )
    return location_json(
        city=attribute(job, "custom_town"), country=attribute(job, "custom_country")
    )


def _position(stage: Resource) -> int:
    position = attribute(stage, "position")
    return position if isinstance(position, int) else 2**31


def _number(resource: Resource, name: str) -> float | None:
    value = attribute(resource, name)
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _integer(resource: Resource, name: str) -> int | None:
    value = attribute(resource, name)
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
