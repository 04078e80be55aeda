"""Create a candidate or an application with `POST /applications`.

Pinpoint has no candidate create: posting an application makes the person too. Both
actions run the same steps:

1. Check the input (`inputs.py`), then read the job with its stages and questions and
   check the stage, the answers and the job's own requirements (phone, CV, cover
   letter, personal summary). Any problem stops here, before anything is written.
2. Look the idempotency key up with `filter[external_system_reference]`. A match for
   the same job is returned as it is, with `created: false`.
3. Fetch `data_url` attachments, then post the application with the key in
   `external_system_reference`, the source in `channel` / `channel_source`, the files
   as base64 and the answers side-posted. A lost response is resolved by looking the
   key up again before a second attempt (`writes.py`).
4. Give a candidate without `external_system_reference` the same key, so syncs that load
   only created records find it, and record both in the tracking table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pipelines.actions.answers import answer_side_posts, job_questions, unanswered_required
from pipelines.actions.downloads import DownloadError
from pipelines.actions.errors import ActionInputError, InputProblem, Problems
from pipelines.actions.files import attachment_attributes, check_downloaded
from pipelines.actions.inputs import CreateInput, derived_idempotency_key, parse_create_input
from pipelines.actions.records import (
    APPLICATION_SHAPE,
    application_rows,
    candidate_row,
    read_application,
    read_job,
)
from pipelines.actions.session import ActionSession
from pipelines.actions.stages import job_stage_id
from pipelines.actions.tracking import CreatedRecord, TrackingError
from pipelines.actions.writes import send_once_or_find
from pipelines.pinpoint.errors import (
    PinpointHTTPError,
    PinpointPermissionError,
    PinpointResponseError,
)
from pipelines.pinpoint.jsonapi import Resource
from pipelines.pinpoint.mappers.common import attribute, text

__all__ = ["create_application", "create_candidate"]

logger = logging.getLogger(__name__)

_KEY_FIELD = "filter[external_system_reference]"


@dataclass
class _Created:
    application_id: str
    candidate_id: str | None
    key: str
    created: bool
    warnings: list[str] = field(default_factory=list)


def create_application(session: ActionSession, payload: Any) -> dict[str, Any]:
    """Create an application (and its candidate) in Pinpoint; return the application.

    Returns `{"created", "idempotency_key", "warnings", "application"}` with the
    application as an `applications` row. Raises `ActionInputError` for invalid input.
    """
    result = _create(session, payload, "create_application")
    document, _ = read_application(session, result.application_id, "application")
    return {
        "created": result.created,
        "idempotency_key": result.key,
        "warnings": result.warnings,
        "application": application_rows(session, document)[0],
    }


def create_candidate(session: ActionSession, payload: Any) -> dict[str, Any]:
    """Create a candidate by applying them to a job; return the candidate.

    Returns `{"created", "idempotency_key", "warnings", "candidate"}` with the candidate
    as a `candidates` row that also lists its `applications`.
    """
    result = _create(session, payload, "create_candidate")
    if result.candidate_id is None:
        raise PinpointResponseError(
            f"application {result.application_id} has no candidate_id, so there is no "
            "candidate to return"
        )
    return {
        "created": result.created,
        "idempotency_key": result.key,
        "warnings": result.warnings,
        "candidate": candidate_row(session, result.candidate_id),
    }


def _create(session: ActionSession, payload: Any, action: str) -> _Created:
    request = parse_create_input(payload)
    job_id = session.resolver.resolve("jobs", request.job_reference, "application.job_id")
    job_document, job = read_job(session, job_id, "application.job_id")

    problems = Problems()
    stage_id = None
    if request.stage_reference is not None:
        stage_id = job_stage_id(
            session, job_document, job, request.stage_reference, "application.stage_id", problems
        )
    questions = job_questions(job_document, job, session.context)
    answers = answer_side_posts(request.answers, questions, problems)
    _check_job_requirements(job, request, problems)
    problems.raise_if_any()

    warnings = [
        f"required question {question.unified_id} ({question.title}) is not answered; "
        "Pinpoint accepts the application without it"
        for question in unanswered_required(questions, answers.answered)
    ]
    key = request.idempotency_key or derived_idempotency_key(job_id, request.candidate.email)
    existing = _find_by_key(session, key, warnings)
    if existing is not None:
        _check_same_job(existing, job_id, key)
        application, created = existing, False
    else:
        _fetch_data_urls(session, request)
        body = _application_body(session, request, job_id, stage_id, answers, key)
        outcome = send_once_or_find(
            session, "POST", "/applications", body, lambda: _find_by_key(session, key, warnings)
        )
        posted: Resource | None = outcome.document.data[0] if outcome.document else outcome.found
        assert posted is not None
        application, created = posted, True
        logger.info("Created application %s with %s", application["id"], action)

    application_id = str(application["id"])
    candidate_id = text(attribute(application, "candidate_id"))
    candidate_reference = _tag_candidate(session, candidate_id, key, warnings)
    records = [CreatedRecord("applications", application_id, key, action)]
    if candidate_id is not None:
        records.append(CreatedRecord("candidates", candidate_id, candidate_reference, action))
    _track(session, records, warnings)
    return _Created(application_id, candidate_id, key, created, warnings)


def _check_job_requirements(job: Resource, request: CreateInput, problems: Problems) -> None:
    """Report what the job's application form requires and the input lacks."""
    candidate = request.candidate
    if attribute(job, "require_phone") is True:
        if candidate.phone is None:
            problems.add("candidate.phone_number", "is required by this job's application form")
        if candidate.country is None:
            problems.add(
                "candidate.location.country",
                "is required by this job, because Pinpoint needs the phone number's country",
            )
    types = {attachment.type for attachment in request.attachments}
    for setting, kind, label in (
        ("resume_requirement", "CV", "a CV"),
        ("cover_letter_requirement", "COVER_LETTER", "a cover letter"),
    ):
        if attribute(job, setting) == "required" and kind not in types:
            problems.add(
                "attachments", f"this job requires {label}: add an attachment of type {kind}"
            )
    summary = request.remote_attributes.get("summary")
    if attribute(job, "personal_summary_requirement") == "required" and not summary:
        problems.add(
            "remote_fields.pinpoint.application.summary",
            "this job requires a personal summary; the unified input has no field for it, so "
            "pass it here",
        )


def _find_by_key(session: ActionSession, key: str, warnings: list[str]) -> Resource | None:
    params = {**APPLICATION_SHAPE, _KEY_FIELD: key, "sort": "id", "page[size]": "10"}
    found = session.client.get("/applications", params).data
    if len(found) > 1:
        ids = ", ".join(str(application["id"]) for application in found)
        message = (
            f"applications {ids} all carry idempotency key {key}; returning the oldest, "
            f"{found[0]['id']}"
        )
        if message not in warnings:
            warnings.append(message)
    return found[0] if found else None


def _check_same_job(application: Resource, job_id: str, key: str) -> None:
    existing_job = text(attribute(application, "job_id"))
    if existing_job != job_id:
        raise ActionInputError(
            [
                InputProblem(
                    "idempotency_key",
                    f"{key} already belongs to application {application['id']} of job "
                    f"{existing_job}, not job {job_id}; use a key of its own for each application",
                )
            ]
        )


def _fetch_data_urls(session: ActionSession, request: CreateInput) -> None:
    problems = Problems()
    for attachment in request.attachments:
        if attachment.data_url is None:
            continue
        try:
            downloaded = session.downloader.fetch(attachment.data_url, attachment.rule.max_bytes)
        except DownloadError as error:
            problems.add(f"{attachment.field}.data_url", str(error))
            continue
        attachment.data = downloaded.content
        attachment.content_type = attachment.content_type or downloaded.content_type
        check_downloaded(attachment, problems)
    problems.raise_if_any()


def _application_body(
    session: ActionSession,
    request: CreateInput,
    job_id: str,
    stage_id: str | None,
    answers: Any,
    key: str,
) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        **request.remote_attributes,
        **request.candidate.attributes(),
        "channel": session.source.channel,
        "channel_source": request.source_name or session.source.name,
        "external_system_reference": key,
        **attachment_attributes(request.attachments),
    }
    relationships: dict[str, Any] = {"job": {"data": {"type": "jobs", "id": job_id}}}
    if stage_id is not None:
        relationships["stage"] = {"data": {"type": "stages", "id": stage_id}}
    if answers.linkage:
        relationships["answers"] = {"data": answers.linkage}
    body: dict[str, Any] = {
        "data": {"type": "applications", "attributes": attributes, "relationships": relationships}
    }
    if answers.included:
        body["included"] = answers.included
    return body


def _tag_candidate(
    session: ActionSession, candidate_id: str | None, key: str, warnings: list[str]
) -> str | None:
    """Give the candidate the key as `external_system_reference` unless it has one.

    Returns the candidate's reference afterwards, or None when it could not be set.
    """
    if candidate_id is None:
        return None
    try:
        document = session.client.get(
            f"/candidates/{candidate_id}", {"fields[candidates]": "external_system_reference"}
        )
        current = text(attribute(document.data[0], "external_system_reference"))
        if current is not None:
            return current
        body = {
            "data": {
                "type": "candidates",
                "id": candidate_id,
                "attributes": {"external_system_reference": key},
            }
        }
        session.client.request("PUT", f"/candidates/{candidate_id}", json=body)
        return key
    except PinpointPermissionError as error:
        warnings.append(
            f"candidate {candidate_id} was not given the idempotency key ({error.detail}); "
            "syncs that load only created records will not find this candidate until the key "
            "has Read and Write permission for Candidate"
        )
    except PinpointHTTPError as error:
        warnings.append(f"candidate {candidate_id} was not given the idempotency key: {error}")
    return None


def _track(session: ActionSession, records: list[CreatedRecord], warnings: list[str]) -> None:
    if session.tracker is None:
        return
    try:
        session.tracker.record(records)
    except TrackingError as error:
        warnings.append(
            f"the created records were not written to the tracking table ({error}); run the "
            "same create again, with the same idempotency key, to record them"
        )
