"""``POST /applications`` and ``PUT /applications/{id}``.

A create needs ``first_name``, ``last_name``, ``email`` and a ``job``; the job's settings
can also require a phone number, a CV or a personal summary. The application lands on the
job's applied stage unless ``stage`` names another stage of the job. It belongs to the
person named by ``candidate``, or to a new candidate made from its attributes. Every
check runs before anything is written, so a rejected request changes nothing.

An update moves the stage, edits attributes and tags and side-posts custom attribute
values. Pinpoint does not document whether these bump ``updated_at``; the sandbox bumps
it whenever an update changes something, so delta syncs see stage moves and tag changes.
"""

from __future__ import annotations

from typing import Any

from pipelines.sandbox.errors import unprocessable
from pipelines.sandbox.records import Record
from pipelines.sandbox.store import Notification, SandboxStore
from pipelines.sandbox.store_people import country_of
from pipelines.sandbox.write_documents import (
    WriteDocument,
    check_email,
    check_writable,
    optional_text,
    parse_boolean,
    parse_date_value,
    parse_datetime_value,
    require_text,
)
from pipelines.sandbox.write_sideposts import (
    TAG_ATTRIBUTES,
    apply_custom_attributes,
    apply_tag_changes,
    check_answers,
    check_custom_attributes,
    create_answers,
    read_uploads,
    store_uploads,
)

PERSON_ATTRIBUTES = frozenset(
    {
        "first_name",
        "last_name",
        "preferred_name",
        "email",
        "phone",
        "phone_iso2",
        "date_of_birth",
        "linkedin_url",
        "summary",
        "preferred_pronouns",
        "locale",
        "address1",
        "address2",
        "town",
        "state_province",
        "postcode",
        "country",
    }
)
APPLICATION_ATTRIBUTES = PERSON_ATTRIBUTES | {
    "channel",
    "channel_source",
    "hired_at",
    "start_on",
    "is_demo",
    "external_system_reference",
}
WRITE_ONLY_ATTRIBUTES = frozenset(
    {
        "cv_base64_data",
        "cv_base64_filename",
        "cv_signed_id",
        "cover_letter_base64_data",
        "cover_letter_base64_filename",
        "documents_base64",
        "create_pdf_application",
        "equality_monitoring_option_ids",
        "skip_notifications_on_create",
        *TAG_ATTRIBUTES,
    }
)
WRITABLE = APPLICATION_ATTRIBUTES | WRITE_ONLY_ATTRIBUTES
NEW_APPLICATION_DEFAULTS: dict[str, Any] = {
    **dict.fromkeys(APPLICATION_ATTRIBUTES),
    "full_name": None,
    "country_code": None,
    "country_code_alpha3": None,
    "country_name": None,
    "job_posting_id": None,
    "internal_candidate": False,
    "is_demo": False,
    "national_identifier": None,
    "ai_score": None,
}
"""Attributes of a new application before the request's values; every key is rendered."""
CANDIDATE_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "email",
    "phone",
    "phone_iso2",
    "date_of_birth",
    "address1",
    "address2",
    "town",
    "state_province",
    "postcode",
    "locale",
)


def create_application(store: SandboxStore, document: WriteDocument) -> Record:
    """Validate and store a new application; raises ``ApiError`` with 400 or 422."""
    attributes = document.attributes
    check_writable(attributes, WRITABLE, "applications")
    for name in ("first_name", "last_name", "email"):
        require_text(attributes, name)
    check_email(attributes["email"].strip())
    values = _application_values(attributes)

    if not document.has_relationship("job"):
        raise unprocessable("Job must exist", "/data/relationships/job")
    job_ref = document.to_one("job", ("jobs",))
    job = store.get(*job_ref) if job_ref else None
    if job is None:
        raise unprocessable("Job must exist", "/data/relationships/job")
    _check_job_requirements(job, attributes)
    stage = _stage(store, document, job)
    candidate = _existing_candidate(store, document)
    posting = _posting(store, document, job)
    uploads = read_uploads(attributes, allow_cv=True)
    tags = apply_tag_changes([], attributes) or []
    answers = check_answers(store, document)
    custom = check_custom_attributes(store, document, None, "application", frozenset({"create"}))

    with store.lock:
        if candidate is None:
            candidate = _new_candidate(store, values)
        relationships = {"job_posting": posting.ref} if posting else {}
        stored = {**NEW_APPLICATION_DEFAULTS, **values}
        stored["job_posting_id"] = posting.id if posting else None
        application = store.insert_application(job, candidate, stage, stored, relationships)
        attachments = store_uploads(store, application.ref, uploads)
        application = store.update(
            "applications",
            application.id,
            extra_attributes={"tags": tags, "attachments": attachments},
            touch=False,
        )
        create_answers(store, application, answers)
        apply_custom_attributes(store, application.ref, custom)
        if attributes.get("skip_notifications_on_create") is not True:
            recipient = values.get("email") or ""
            store.notifications.append(
                Notification("application_received", recipient, application.ref)
            )
            store.notifications.append(
                Notification("new_application", "hiring team", application.ref)
            )
        return application


def update_application(store: SandboxStore, document: WriteDocument, application: Record) -> Record:
    """Validate and apply an application update; raises ``ApiError`` with 400 or 422."""
    attributes = document.attributes
    check_writable(attributes, WRITABLE, "applications")
    if "summary" in attributes:
        raise unprocessable(
            "Summary cannot be changed after the application is created", "/data/attributes/summary"
        )
    for name in ("first_name", "last_name", "email"):
        if name in attributes:
            require_text(attributes, name)
    if "email" in attributes:
        check_email(attributes["email"].strip())
    read_uploads(attributes, allow_cv=False)
    if document.has_relationship("answers"):
        raise unprocessable(
            "Answers cannot be changed through an application update", "/data/relationships/answers"
        )
    if document.has_relationship("job"):
        job_ref = document.to_one("job", ("jobs",))
        if job_ref != application.to_one("job"):
            raise unprocessable("Job cannot be changed", "/data/relationships/job")
    job = store.get("jobs", application.attributes["job_id"])
    assert job is not None
    stage = _stage(store, document, job) if document.has_relationship("stage") else None
    candidate = _existing_candidate(store, document)
    values = _application_values(
        {k: v for k, v in attributes.items() if k in APPLICATION_ATTRIBUTES}
    )
    tags = apply_tag_changes(application.extra_attributes.get("tags", []), attributes)
    methods = frozenset({"create", "update", "destroy"})
    custom = check_custom_attributes(store, document, application.ref, "application", methods)

    with store.lock:
        if stage is not None and stage.id != application.attributes["stage_id"]:
            application = store.move_application(application.id, stage.id)
        if candidate is not None and candidate.ref != application.to_one("candidate"):
            _relink_candidate(store, application, candidate)
        apply_custom_attributes(store, application.ref, custom)
        changed = {
            name: value
            for name, value in values.items()
            if application.attributes.get(name) != value
        }
        extras = (
            {"tags": tags}
            if tags is not None and tags != application.extra_attributes.get("tags")
            else {}
        )
        if changed or extras or custom:
            application = store.update(
                "applications", application.id, changed, extra_attributes=extras
            )
        return application


def _application_values(attributes: dict[str, Any]) -> dict[str, Any]:
    """Return the stored attributes a write sets, with derived country codes and dates."""
    values: dict[str, Any] = {}
    for name in APPLICATION_ATTRIBUTES:
        if name not in attributes:
            continue
        pointer = f"/data/attributes/{name}"
        if name == "hired_at":
            values[name] = parse_datetime_value(attributes[name], pointer)
        elif name == "start_on":
            values[name] = parse_date_value(attributes[name], pointer)
        elif name == "is_demo":
            values[name] = parse_boolean(attributes[name], pointer)
        else:
            values[name] = optional_text(attributes, name)
    if "first_name" in values or "last_name" in values:
        names = (values.get("first_name"), values.get("last_name"))
        values["full_name"] = " ".join(name for name in names if name) or None
    if "country" in attributes:
        country = country_of(values["country"])
        values["country_code"] = country.code if country else None
        values["country_code_alpha3"] = country.alpha3 if country else None
        values["country_name"] = country.name if country else None
        # Pinpoint keeps address2 for non-US addresses and state_province for US ones.
        if country is not None and country.code == "US":
            values["address2"] = None
        else:
            values["state_province"] = None
    return values


def _check_job_requirements(job: Record, attributes: dict[str, Any]) -> None:
    settings = job.attributes
    if settings.get("require_phone"):
        require_text(attributes, "phone")
        require_text(attributes, "phone_iso2")
    if settings.get("resume_requirement") == "required":
        require_text(attributes, "cv_base64_data")
        require_text(attributes, "cv_base64_filename")
    if settings.get("personal_summary_requirement") == "required":
        require_text(attributes, "summary")


def _stage(store: SandboxStore, document: WriteDocument, job: Record) -> Record:
    if not document.has_relationship("stage"):
        return store.entry_stage(job, None)
    stage_ref = document.to_one("stage", ("stages",))
    stage = store.get(*stage_ref) if stage_ref else None
    if stage is None:
        raise unprocessable("Stage must exist", "/data/relationships/stage")
    if stage.to_one("stageable") != job.ref:
        raise unprocessable(
            f"Stage {stage.id} does not belong to job {job.id}", "/data/relationships/stage"
        )
    return stage


def _existing_candidate(store: SandboxStore, document: WriteDocument) -> Record | None:
    if not document.has_relationship("candidate"):
        return None
    ref = document.to_one("candidate", ("candidates",))
    candidate = store.get(*ref) if ref else None
    if candidate is None:
        raise unprocessable("Candidate must exist", "/data/relationships/candidate")
    return candidate


def _posting(store: SandboxStore, document: WriteDocument, job: Record) -> Record | None:
    if not document.has_relationship("job_posting"):
        return None
    ref = document.to_one("job_posting", ("job_postings",))
    posting = store.get(*ref) if ref else None
    if posting is None or posting.to_one("job") != job.ref:
        raise unprocessable(
            "Job posting must exist and belong to the job", "/data/relationships/job_posting"
        )
    return posting


def _new_candidate(store: SandboxStore, values: dict[str, Any]) -> Record:
    now = store.clock.now()
    country = country_of(values.get("country"))
    attributes: dict[str, Any] = {name: values.get(name) for name in CANDIDATE_FIELDS}
    attributes.update(
        {
            "middle_name": None,
            "full_name": values.get("full_name"),
            "country": country.code if country else values.get("country"),
            "blocked": False,
            "external_system_reference": None,
            "created_at": now,
            "updated_at": now,
        }
    )
    candidate = Record(
        "candidates",
        store.next_id("candidates"),
        attributes,
        relationships={"applications": []},
        extra_attributes={"tags": [], "attachments": []},
    )
    return store.add(candidate)


def _relink_candidate(store: SandboxStore, application: Record, candidate: Record) -> None:
    old_ref = application.to_one("candidate")
    old = store.get(*old_ref) if old_ref else None
    if old is not None:
        remaining = [ref for ref in old.to_many("applications") if ref != application.ref]
        store.update("candidates", old.id, relationships={"applications": remaining}, touch=False)
    linked = [*candidate.to_many("applications"), application.ref]
    store.update("candidates", candidate.id, relationships={"applications": linked}, touch=False)
    store.update(
        "applications",
        application.id,
        {"candidate_id": candidate.id},
        relationships={"candidate": candidate.ref},
    )
