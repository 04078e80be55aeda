"""Map Pinpoint questions to unified screening questions.

Pinpoint does not document its `question_type` vocabulary. The values below are the ones
seen in public material and in the sandbox; any other value maps to format type UNKNOWN
with the raw question kept, so nothing is guessed.

    {"title": "Do you need sponsorship?", "question_type": "boolean", "required": true,
     "multiple_choice_options": [], "additional_information": null}
"""

from __future__ import annotations

from typing import Any

from pipelines.pinpoint.jsonapi import Document, Resource
from pipelines.pinpoint.mappers.common import MapContext, attribute, changed_at, text

__all__ = ["map_question", "map_questions", "question_format"]

_TEXT_DISPLAY_TYPES = {
    "text": "SINGLE_LINE",
    "short_text": "SINGLE_LINE",
    "string": "SINGLE_LINE",
    "long_text": "MULTI_LINE",
    "textarea": "MULTI_LINE",
    "paragraph": "MULTI_LINE",
    "email": "EMAIL",
    "url": "URL",
}
_SIMPLE_TYPES = {
    "number": "NUMBER",
    "numeric": "NUMBER",
    "integer": "NUMBER",
    "decimal": "NUMBER",
    "boolean": "BOOLEAN",
    "yes_no": "BOOLEAN",
    "date": "DATE",
    "date_range": "DATE",
    "file": "FILE",
    "document": "FILE",
    "upload": "FILE",
    "information": "INFORMATION",
    "info": "INFORMATION",
    "statement": "INFORMATION",
}
_SINGLE_SELECT_TYPES = {"single_choice", "single_select", "radio", "dropdown", "select"}
_MULTI_SELECT_TYPES = {"multiple_choice", "multi_select", "multiple_select", "checkboxes"}


def map_questions(document: Document, context: MapContext) -> list[dict[str, Any]]:
    return [map_question(question, context) for question in document]


def map_question(question: Resource, context: MapContext) -> dict[str, Any]:
    return {
        "id": context.id("screening_questions", question["id"]),
        "remote_id": str(question["id"]),
        "title": text(attribute(question, "title")),
        "description": attribute(question, "additional_information"),
        "format": question_format(question, context),
        "changed_at": changed_at(question),
        "remote_deleted_at": None,
    }


def question_format(question: Resource, context: MapContext) -> dict[str, Any]:
    """Return the unified `format` object for one question."""
    raw_type = text(attribute(question, "question_type"))
    kind = (raw_type or "").lower()

    if kind in _TEXT_DISPLAY_TYPES:
        return {"type": "TEXT", "display_type": _TEXT_DISPLAY_TYPES[kind], "max_length": None}
    if kind in _SIMPLE_TYPES:
        return {"type": _SIMPLE_TYPES[kind]}
    if kind in _SINGLE_SELECT_TYPES or kind in _MULTI_SELECT_TYPES:
        maximum = attribute(question, "max_num_required_answer_options")
        multi = kind in _MULTI_SELECT_TYPES and maximum != 1
        return {
            "type": "MULTI_SELECT" if multi else "SINGLE_SELECT",
            "options": _options(question, context),
        }
    return {"type": "UNKNOWN", "raw_question": question.get("attributes") or {}}


def _options(question: Resource, context: MapContext) -> list[dict[str, Any]]:
    options = attribute(question, "multiple_choice_options") or []
    if not isinstance(options, list):
        return []
    result = []
    for option in options:
        name = (
            text(option.get("name") or option.get("text"))
            if isinstance(option, dict)
            else text(option)
        )
        if name is None:
            continue
        result.append(
            {
                "id": context.id("screening_question_options", f"{question['id']}:{name}"),
                "remote_id": name,
                "name": name,
            }
        )
    return result
