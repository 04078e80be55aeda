"""Write endpoints other than applications: comments, candidates, result links, deletes.

``handle_write`` dispatches every write request. Successful writes return the record to
render: POST returns 201 and PUT 200 with the full single document, and DELETE returns
200 with ``{"meta": {}}``.
"""

from __future__ import annotations

from typing import Any

from pipelines.sandbox.endpoints import (
    ASSESSMENT_STATUSES,
    BACKGROUND_CHECK_STATUSES,
    Endpoint,
)
from pipelines.sandbox.errors import ApiError, unprocessable
from pipelines.sandbox.records import Record, RelationshipValue
from pipelines.sandbox.store import Notification, SandboxStore
from pipelines.sandbox.store_people import country_of
from pipelines.sandbox.write_applications import create_application, update_application
from pipelines.sandbox.write_documents import (
    WriteDocument,
    check_email,
    check_url,
    check_writable,
    optional_text,
    parse_boolean,
    read_document,
    require_text,
)
from pipelines.sandbox.write_sideposts import (
    apply_custom_attributes,
    check_custom_attributes,
    read_uploads,
    store_uploads,
)

COMMENT_WRITABLE = frozenset({"body_text", "category"})
CANDIDATE_WRITABLE = frozenset(
    {
        "first_name",
        "middle_name",
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
        "country",
        "locale",
        "blocked",
        "external_system_reference",
        "documents_base64",
    }
)
RESULT_WRITABLE = frozenset(
    {"name", "assessment_name", "provider_code", "external_uid", "status", "result", "result_url"}
)
PROVIDER_CODES = {
    "candidate_assessments": "example_assessment",
    "background_checks": "example_check",
}
"""The only provider code a non-partner may create each kind of result link with."""
RESULT_STATUSES = {
    "candidate_assessments": ASSESSMENT_STATUSES,
    "background_checks": BACKGROUND_CHECK_STATUSES,
}


def handle_write(
    store: SandboxStore, endpoint: Endpoint, method: str, record_id: str | None, body: bytes
) -> tuple[int, Record | None]:
    """Apply one write request and return the status and the record to render.

    Raises ``ApiError`` for 400, 404 and 422 responses.
    """
    type_name = endpoint.resource_type
    existing = None
    if record_id is not None:
        existing = store.get(type_name, record_id)
        if existing is None:
            raise ApiError(404, "Record not found")
    if method == "DELETE":
        assert existing is not None
        store.delete(type_name, existing.id)
        return 200, None

    document = read_document(body, type_name, record_id)
    if type_name == "applications":
        if existing is None:
            return 201, create_application(store, document)
        return 200, update_application(store, document, existing)
    if type_name == "comments":
        return 201, _create_comment(store, document)
    if type_name == "candidates":
        assert existing is not None
        return 200, _update_candidate(store, document, existing)
    if type_name in PROVIDER_CODES:
        if existing is None:
            return 201, _create_result(store, document, type_name)
        return 200, _update_result(store, document, existing)
    raise ApiError(405, f"The sandbox does not support {method} on /{endpoint.path}.")


def _create_comment(store: SandboxStore, document: WriteDocument) -> Record:
    check_writable(document.attributes, COMMENT_WRITABLE, "comments")
    body_text = require_text(document.attributes, "body_text")
    category = optional_text(document.attributes, "category")

    if not document.has_relationship("commentable"):
        raise unprocessable("Commentable must exist", "/data/relationships/commentable")
    allowed = ("applications", "candidates")
    target_ref = document.to_one("commentable", allowed)
    target = store.get(*target_ref) if target_ref else None
    if target is None:
        raise unprocessable("Commentable must exist", "/data/relationships/commentable")
    author = None
    if document.has_relationship("user"):
        user_ref = document.to_one("user", ("users",))
        author = store.get(*user_ref) if user_ref else None
        if user_ref is not None and author is None:
            raise unprocessable("User must exist", "/data/relationships/user")

    now = store.clock.now()
    attributes = {
        "body_text": body_text,
        "commentable_type": "Application" if target.type == "applications" else "Candidate",
        "commentable_id": int(target.id),
        "private_comment": False,
        "user_id": int(author.id) if author else None,
        "created_at": now,
        "updated_at": now,
    }
    relationships: dict[str, RelationshipValue] = {
        "user": author.ref if author else None,
        "commentable": target.ref,
    }
    comment = Record(
        "comments",
        store.next_id("comments"),
        attributes,
        relationships,
        extra_attributes={"category": category},
    )
    return store.add(comment)


def _update_candidate(store: SandboxStore, document: WriteDocument, candidate: Record) -> Record:
    attributes = document.attributes
    check_writable(attributes, CANDIDATE_WRITABLE, "candidates")
    for name in ("first_name", "last_name", "email"):
        if name in attributes:
            require_text(attributes, name)
    if "email" in attributes:
        check_email(attributes["email"].strip())
    values: dict[str, Any] = {}
    for name in CANDIDATE_WRITABLE - {"documents_base64", "blocked"}:
        if name in attributes:
            values[name] = optional_text(attributes, name)
    if "blocked" in attributes:
        values["blocked"] = parse_boolean(attributes["blocked"], "/data/attributes/blocked")
    if values.get("country"):
        country = country_of(values["country"])
        values["country"] = country.code if country else values["country"]
    uploads = read_uploads({"documents_base64": attributes.get("documents_base64")}, allow_cv=False)
    methods = frozenset({"create", "update", "destroy"})
    custom = check_custom_attributes(store, document, candidate.ref, "candidate", methods)

    with store.lock:
        apply_custom_attributes(store, candidate.ref, custom)
        if "first_name" in values or "last_name" in values:
            first = values.get("first_name", candidate.attributes["first_name"])
            last = values.get("last_name", candidate.attributes["last_name"])
            values["full_name"] = " ".join(name for name in (first, last) if name) or None
        extras = {}
        if uploads:
            added = store_uploads(store, candidate.ref, uploads)
            extras["attachments"] = [*candidate.extra_attributes.get("attachments", []), *added]
        return store.update("candidates", candidate.id, values, extra_attributes=extras)


def _result_values(document: WriteDocument, type_name: str) -> dict[str, Any]:
    attributes = document.attributes
    writable = RESULT_WRITABLE | ({"is_completed"} if type_name == "background_checks" else set())
    check_writable(attributes, frozenset(writable), type_name)
    values: dict[str, Any] = {}
    for name in RESULT_WRITABLE - {"assessment_name"}:
        if name in attributes:
            values[name] = optional_text(attributes, name)
    if "assessment_name" in attributes:
        values["name"] = optional_text(attributes, "assessment_name")
    if "status" in values and values["status"] not in RESULT_STATUSES[type_name]:
        valid = ", ".join(RESULT_STATUSES[type_name])
        raise unprocessable(f"Status must be one of {valid}", "/data/attributes/status")
    if values.get("result_url"):
        check_url(values["result_url"], "/data/attributes/result_url")
    if "is_completed" in attributes:
        values["is_completed"] = parse_boolean(
            attributes["is_completed"], "/data/attributes/is_completed"
        )
    return values


def _create_result(store: SandboxStore, document: WriteDocument, type_name: str) -> Record:
    values = _result_values(document, type_name)
    provider = require_text(document.attributes, "provider_code")
    if provider != PROVIDER_CODES[type_name]:
        raise unprocessable(
            f"Provider code {provider} is not available; integrations without a partnership "
            f"use {PROVIDER_CODES[type_name]}",
            "/data/attributes/provider_code",
        )
    if not document.has_relationship("application"):
        raise unprocessable("Application must exist", "/data/relationships/application")
    application_ref = document.to_one("application", ("applications",))
    application = store.get(*application_ref) if application_ref else None
    if application is None:
        raise unprocessable("Application must exist", "/data/relationships/application")

    now = store.clock.now()
    attributes: dict[str, Any] = {
        "name": None,
        "external_uid": None,
        "status": "pending",
        "result": None,
        "result_url": None,
        **values,
        "result_details": {},
        "created_at": now,
        "updated_at": now,
    }
    if type_name == "background_checks":
        attributes.setdefault("is_completed", False)
    record = Record(
        type_name, store.next_id(type_name), attributes, {"application": application.ref}
    )
    with store.lock:
        stored = store.add(record)
        _complete_background_check(store, stored)
        return stored


def _update_result(store: SandboxStore, document: WriteDocument, existing: Record) -> Record:
    values = _result_values(document, existing.type)
    if (
        "provider_code" in values
        and values["provider_code"] != existing.attributes["provider_code"]
    ):
        raise unprocessable("Provider code cannot be changed", "/data/attributes/provider_code")
    if document.has_relationship("application") and document.to_one(
        "application", ("applications",)
    ) != existing.to_one("application"):
        raise unprocessable("Application cannot be changed", "/data/relationships/application")
    was_completed = bool(existing.attributes.get("is_completed"))
    with store.lock:
        updated = store.update(existing.type, existing.id, values)
        if not was_completed:
            _complete_background_check(store, updated)
        return updated


def _complete_background_check(store: SandboxStore, record: Record) -> None:
    """Tag the application and record a notification when a background check completes,
    as Pinpoint documents for ``is_completed``."""
    if record.type != "background_checks" or not record.attributes.get("is_completed"):
        return
    application_ref = record.to_one("application")
    application = store.get(*application_ref) if application_ref else None
    if application is None:
        return
    result = record.attributes.get("result") or "Completed"
    tag = {"context": "background_check", "name": f"Background check: {result}"}
    tags = list(application.extra_attributes.get("tags", []))
    if tag not in tags:
        store.set_tags("applications", application.id, [*tags, tag])
    store.notifications.append(
        Notification("background_check_completed", "hiring team", application.ref)
    )
