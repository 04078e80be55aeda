"""Add a note to an application: `POST /comments` with the application as `commentable`.

A POST whose response is lost may have created the comment, so before sending it again
the application's comments created since the first attempt are searched for the same
text (`writes.py`). The search starts one minute before the server time of the last
response, which bounds how far apart the clocks of the read and the write may be.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pipelines.actions.errors import Problems
from pipelines.actions.records import json_ready, read_application
from pipelines.actions.session import ActionSession
from pipelines.actions.validation import check_keys, record_reference
from pipelines.actions.writes import send_once_or_find
from pipelines.pinpoint.incremental import format_filter_time
from pipelines.pinpoint.jsonapi import Resource
from pipelines.pinpoint.mappers.common import attribute, timestamp

__all__ = ["MAX_NOTE_LENGTH", "add_note", "post_application_comment"]

MAX_NOTE_LENGTH = 50_000
_CLOCK_MARGIN = timedelta(minutes=1)


def add_note(session: ActionSession, payload: Any) -> dict[str, Any]:
    """Add a plain-text note to an application; return the note.

    `payload` is `{"application_id", "content", "content_type"}`; `content_type` is
    optional and must be `PLAIN_TEXT`, the only type Pinpoint comments have. Returns
    `{"note": {"id", "remote_id", "application_id", "content", "content_type",
    "remote_created_at"}}`.
    """
    problems = Problems()
    data = payload if isinstance(payload, dict) else {}
    if not isinstance(payload, dict):
        problems.add("(input)", "must be a JSON object with application_id and content")
    check_keys(data, ("application_id", "content", "content_type"), "", problems)
    reference = record_reference(data.get("application_id"), "application_id", problems)
    content = note_content(data.get("content"), "content", problems)
    if data.get("content_type", "PLAIN_TEXT") != "PLAIN_TEXT":
        problems.add(
            "content_type", "must be PLAIN_TEXT, the only content type Pinpoint notes have"
        )
    problems.raise_if_any()
    assert reference is not None and content is not None

    application_id = session.resolver.resolve("applications", reference, "application_id")
    comment = post_application_comment(session, application_id, content)
    return {"note": note_output(session, comment, application_id)}


def note_content(value: Any, field: str, problems: Problems) -> str | None:
    if not isinstance(value, str) or not value.strip():
        problems.add(field, "is required: the text of the note")
        return None
    if len(value) > MAX_NOTE_LENGTH:
        problems.add(field, f"is {len(value)} characters long; the maximum is {MAX_NOTE_LENGTH}")
        return None
    return value


def post_application_comment(session: ActionSession, application_id: str, text: str) -> Resource:
    """Create a comment on an application and return it; a lost response is checked, not resent."""
    document, _ = read_application(session, application_id, "application_id")
    since = (document.server_time or datetime.now(UTC)) - _CLOCK_MARGIN
    body = {
        "data": {
            "type": "comments",
            "attributes": {"body_text": text},
            "relationships": {
                "commentable": {"data": {"type": "applications", "id": application_id}}
            },
        }
    }

    def find_applied() -> Resource | None:
        return _find_comment(session, application_id, text, since)

    outcome = send_once_or_find(session, "POST", "/comments", body, find_applied)
    comment = outcome.document.data[0] if outcome.document else outcome.found
    assert comment is not None
    return comment


def note_output(session: ActionSession, comment: Resource, application_id: str) -> dict[str, Any]:
    return json_ready(
        {
            "id": session.context.id("notes", comment["id"]),
            "remote_id": str(comment["id"]),
            "application_id": session.context.id("applications", application_id),
            "content": attribute(comment, "body_text"),
            "content_type": "PLAIN_TEXT",
            "remote_created_at": timestamp(comment, "created_at"),
        }
    )


def _find_comment(
    session: ActionSession, application_id: str, text: str, since: datetime
) -> Resource | None:
    params = {
        "filter[commentable_type]": "Application",
        "filter[commentable_id]": application_id,
        "filter[created_at][gt]": format_filter_time(since),
        "sort": "id",
        "page[size]": "100",
    }
    for comment in session.client.get("/comments", params).data:
        if attribute(comment, "body_text") == text:
            return comment
    return None
