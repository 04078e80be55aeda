"""Add a result link to an application: a note with the link, and custom field values.

The note carries the label, the URL and every `details.attributes` pair. An attribute
whose `"<custom_field_name_prefix> <key>"` names an application custom field of the
account is also written to that field, with a `custom_attributes` side-post on
`PUT /applications/{id}`: an update of the application's value when it has one, else a
create. Field names are compared without regard to case.

The value column of a side-post depends on the field type. Pinpoint's reference shows
only `varchar_value`; the others follow the same pattern and are what the sandbox takes:

    text, select  varchar_value        number   number_value
    long_text     text_value           boolean  boolean_value
    date          date_value (YYYY-MM-DD)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipelines.actions.errors import Problems
from pipelines.actions.notes import note_output, post_application_comment
from pipelines.actions.session import ActionSession
from pipelines.actions.validation import (
    check_keys,
    is_http_url,
    read_list,
    read_object,
    record_reference,
    required_text,
)
from pipelines.actions.writes import send_once_or_find
from pipelines.pinpoint.errors import PinpointPermissionError
from pipelines.pinpoint.jsonapi import relationship_linkage
from pipelines.pinpoint.mappers.common import attribute

__all__ = ["add_result_link"]

logger = logging.getLogger(__name__)

# NOTE: only varchar_value is documented by Pinpoint; the other columns are inferred.
_VALUE_COLUMNS = {
    "text": "varchar_value",
    "long_text": "text_value",
    "select": "varchar_value",
    "number": "number_value",
    "boolean": "boolean_value",
    "date": "date_value",
}
_BOOLEAN_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True)
class _FieldValue:
    field_id: str
    name: str
    column: str
    value: Any


def add_result_link(session: ActionSession, payload: Any) -> dict[str, Any]:
    """Add a result link to an application; return the note and the custom fields written.

    `payload` is `{"application_id", "label", "url", "details": {"custom_field_name_prefix",
    "attributes": [{"key", "value"}]}}`; `details` is optional. Returns `{"note",
    "custom_fields", "warnings"}`.
    """
    problems = Problems()
    data = payload if isinstance(payload, dict) else {}
    if not isinstance(payload, dict):
        problems.add("(input)", "must be a JSON object with application_id, label and url")
    check_keys(data, ("application_id", "label", "url", "details"), "", problems)
    reference = record_reference(data.get("application_id"), "application_id", problems)
    label = required_text(data, "label", "label", problems)
    url = required_text(data, "url", "url", problems, max_length=2000)
    if url is not None and not is_http_url(url):
        problems.add("url", "must be an http or https URL")
    prefix, pairs = _details(data.get("details"), problems)
    problems.raise_if_any()
    assert reference is not None
    assert label is not None
    assert url is not None

    application_id = session.resolver.resolve("applications", reference, "application_id")
    warnings: list[str] = []
    values = _matching_fields(session, prefix, pairs, problems, warnings) if pairs else []
    problems.raise_if_any()

    lines = [label, url, *(f"{key}: {value}" for key, value in pairs)]
    comment = post_application_comment(session, application_id, "\n".join(lines))
    written = []
    if values:
        try:
            written = _write_custom_fields(session, application_id, values)
        except PinpointPermissionError as error:
            warnings.append(
                f"custom fields were not written ({error.detail}); grant the key Write "
                "permission for Application to write the attributes to matching fields"
            )
    return {
        "note": note_output(session, comment, application_id),
        "custom_fields": written,
        "warnings": warnings,
    }


def _details(value: Any, problems: Problems) -> tuple[str, list[tuple[str, str]]]:
    details = read_object(value, "details", problems)
    if details is None:
        return "", []
    check_keys(details, ("custom_field_name_prefix", "attributes"), "details", problems)
    prefix = required_text(
        details, "custom_field_name_prefix", "details.custom_field_name_prefix", problems
    )
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    items = read_list(details.get("attributes"), "details.attributes", problems)
    if "attributes" not in details:
        problems.add("details.attributes", "is required: a list of {key, value} pairs")
    for index, item in enumerate(items):
        field = f"details.attributes[{index}]"
        entry = read_object(item, field, problems) or {}
        check_keys(entry, ("key", "value"), field, problems)
        key = required_text(entry, "key", f"{field}.key", problems)
        text_value = required_text(entry, "value", f"{field}.value", problems, max_length=2000)
        if key is not None and key.casefold() in seen:
            problems.add(f"{field}.key", f"repeats the key {key!r}; each key may appear once")
            continue
        if key is not None and text_value is not None:
            seen.add(key.casefold())
            pairs.append((key, text_value))
    return prefix or "", pairs


def _matching_fields(
    session: ActionSession,
    prefix: str,
    pairs: list[tuple[str, str]],
    problems: Problems,
    warnings: list[str],
) -> list[_FieldValue]:
    params = {"filter[resource_type]": "application", "page[size]": "1000", "sort": "id"}
    try:
        fields = session.client.get("/custom_fields", params).data
    except PinpointPermissionError as error:
        warnings.append(
            f"custom fields were not written ({error.detail}); grant the key Read permission "
            "for Custom Field to write the attributes to matching fields"
        )
        return []
    by_name = {str(attribute(f, "name") or "").casefold().strip(): f for f in fields}
    values = []
    for index, (key, text_value) in enumerate(pairs):
        custom_field = by_name.get(f"{prefix} {key}".casefold().strip())
        if custom_field is None:
            continue
        field = f"details.attributes[{index}].value"
        converted = _convert(custom_field, text_value, field, problems)
        if converted is not None:
            values.append(converted)
    return values


def _convert(
    custom_field: Any, text_value: str, field: str, problems: Problems
) -> _FieldValue | None:
    kind = str(attribute(custom_field, "field_type") or "text")
    name = str(attribute(custom_field, "name"))
    column = _VALUE_COLUMNS.get(kind, "varchar_value")
    value: Any = text_value
    if kind == "number":
        try:
            value = float(text_value)
        except ValueError:
            problems.add(field, f"must be a number, because custom field {name!r} is a number")
            return None
    elif kind == "boolean":
        value = _BOOLEAN_WORDS.get(text_value.strip().lower())
        if value is None:
            problems.add(field, f"must be true or false for the boolean custom field {name!r}")
            return None
    elif kind == "date":
        try:
            value = date.fromisoformat(text_value.strip()).isoformat()
        except ValueError:
            problems.add(field, f"must be a date such as 2025-03-01 for custom field {name!r}")
            return None
    elif kind == "select":
        options = [str(option) for option in attribute(custom_field, "options") or []]
        if text_value not in options:
            problems.add(field, f"must be one of the options of {name!r}: {', '.join(options)}")
            return None
    return _FieldValue(str(custom_field["id"]), name, column, value)


def _write_custom_fields(
    session: ActionSession, application_id: str, values: list[_FieldValue]
) -> list[dict[str, Any]]:
    existing = _existing_values(session, application_id)
    linkage, included = [], []
    for index, item in enumerate(values):
        current = existing.get(item.field_id)
        if current is not None:
            linkage.append({"type": "custom_attributes", "id": current[0], "method": "update"})
            included.append(
                {
                    "type": "custom_attributes",
                    "id": current[0],
                    "attributes": {item.column: item.value},
                }
            )
            continue
        temp_id = f"custom-{index + 1}"
        linkage.append({"type": "custom_attributes", "temp-id": temp_id, "method": "create"})
        included.append(
            {
                "type": "custom_attributes",
                "temp-id": temp_id,
                "attributes": {item.column: item.value},
                "relationships": {
                    "custom_field": {"data": {"type": "custom_fields", "id": item.field_id}}
                },
            }
        )
    body = {
        "data": {
            "type": "applications",
            "id": application_id,
            "attributes": {},
            "relationships": {"custom_attributes": {"data": linkage}},
        },
        "included": included,
    }

    def find_applied() -> bool | None:
        now = _existing_values(session, application_id)
        done = all(now.get(v.field_id, ("", None))[1] == v.value for v in values)
        return True if done else None

    send_once_or_find(session, "PUT", f"/applications/{application_id}", body, find_applied)
    logger.info("Wrote %d custom field value(s) to application %s", len(values), application_id)
    return [{"name": v.name, "custom_field_id": v.field_id, "value": v.value} for v in values]


def _existing_values(session: ActionSession, application_id: str) -> dict[str, tuple[str, Any]]:
    """Return the application's custom values by custom field id: (value id, value)."""
    params = {
        "filter[custom_attributable_type]": "Application",
        "filter[custom_attributable_id]": application_id,
        "include": "custom_field",
        "page[size]": "1000",
    }
    found: dict[str, tuple[str, Any]] = {}
    for value in session.client.get("/custom_attributes", params).data:
        linkage = relationship_linkage(value, "custom_field")
        if isinstance(linkage, tuple):
            found[linkage[1]] = (str(value["id"]), attribute(value, "value"))
    return found
