"""Record type shared by the sandbox's generator, store and renderer.

A record keeps Python values (aware ``datetime`` for timestamps, ``date`` for dates); the
renderer turns them into the strings Pinpoint sends, for example
``2025-02-19T09:25:04+00:00``. Records are treated as immutable once stored. The store
replaces a record instead of editing it, so a response that is being serialised never
reads a half-applied change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

try:
    import orjson
except ImportError:  # orjson comes with dlt; the standard library is the fallback.
    orjson = None  # type: ignore[assignment]

Ref = tuple[str, str]
"""A pointer to another record as ``(type, id)``, for example ``("stages", "12")``."""

RelationshipValue = Ref | list[Ref] | None


class Attachment(NamedTuple):
    """A document attached to a record, rendered with a download URL by ``extra_fields``.

    ``file_id`` names an uploaded file in ``SandboxStore.files``; generated records use
    ids the download route turns into placeholder content.
    """

    file_id: str
    context: str
    name: str


@dataclass(slots=True)
class Record:
    """One JSON:API resource: its type, string id, attributes and related records."""

    type: str
    id: str
    attributes: dict[str, Any]
    relationships: dict[str, RelationshipValue] = field(default_factory=dict)
    extra_attributes: dict[str, Any] = field(default_factory=dict)
    """Attributes sent only when the request names them in ``extra_fields[type]``."""

    @property
    def ref(self) -> Ref:
        return (self.type, self.id)

    def to_one(self, name: str) -> Ref | None:
        """Return the ref of a to-one relationship, or None when it is empty or absent."""
        value = self.relationships.get(name)
        if isinstance(value, list):
            raise TypeError(f"{self.type}.{name} is a to-many relationship")
        return value

    def to_many(self, name: str) -> list[Ref]:
        """Return the refs of a relationship as a list (empty when absent)."""
        return as_ref_list(self.relationships.get(name))


_TAG_SETS: dict[tuple[tuple[str, str], ...], tuple[dict[str, str], ...]] = {}


def shared_tags(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], ...]:
    """Return tags ``({"context", "name"}, ...)`` for ``(context, name)`` pairs.

    The tuple is shared with every record that has the same tags, so code that changes
    tags must build a new list instead of editing it in place."""
    key = tuple(pairs)
    tags = _TAG_SETS.get(key)
    if tags is None:
        tags = _TAG_SETS[key] = tuple({"context": context, "name": name} for context, name in key)
    return tags


def as_ref_list(value: RelationshipValue) -> list[Ref]:
    """Return a relationship's refs as a list, whether it is to-one, to-many or empty."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def format_timestamp(value: datetime) -> str:
    """Format an aware datetime as UTC ISO 8601 with whole seconds and a ``+00:00`` offset."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def encode_json_value(value: object) -> str | list[object]:
    """Convert the datetimes, dates and named tuples of records for ``default=...``."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, datetime):
        if value.tzinfo is UTC and not value.microsecond:
            return value.isoformat()  # the common case, already in the target form
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__} as JSON: {value!r}")


def dump_json(document: object) -> bytes:
    """Serialise a document compactly, with timestamps in Pinpoint's format.

    The store keeps timestamps in UTC, which orjson writes with a ``+00:00`` offset.
    """
    if orjson is not None:
        return orjson.dumps(document, default=encode_json_value)
    text = json.dumps(document, default=encode_json_value, separators=(",", ":"))
    return text.encode("utf-8")
