"""Read and check the JSON:API documents of write requests.

A write body is ``{"data": {"type", "id"?, "attributes", "relationships"}, "included"?}``.
Structural problems (invalid JSON, a wrong ``type``, an unknown or read-only attribute)
get 400 and values that fail validation get 422, each with a ``source.pointer`` that
names the member, as JSON:API describes. Pinpoint does not document which of the two
statuses it uses for unknown attributes; 400 follows Graphiti and is inferred.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pipelines.sandbox.errors import bad_request, unprocessable
from pipelines.sandbox.records import Ref

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)

SIDE_POST_METHODS = frozenset({"create", "update", "destroy"})


@dataclass
class SidePost:
    """One side-posted record: its linkage method and the matching ``included`` object."""

    type: str
    method: str
    pointer: str
    """JSON pointer of the included object, such as ``/included/0``."""
    id: str | None = None
    temp_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    relationships: dict[str, Any] = field(default_factory=dict)


@dataclass
class WriteDocument:
    """The parts of a write body the handlers use."""

    type: str
    id: str | None
    attributes: dict[str, Any]
    relationships: dict[str, Any]
    included: list[dict[str, Any]]

    def has_relationship(self, name: str) -> bool:
        return name in self.relationships

    def to_one(self, name: str, allowed_types: tuple[str, ...]) -> Ref | None:
        """Return the linkage of a to-one relationship, None for ``{"data": null}``.

        Raises 400 for a malformed linkage and 422 for a type not in ``allowed_types``.
        """
        pointer = f"/data/relationships/{name}"
        value = self.relationships.get(name)
        if not isinstance(value, dict) or "data" not in value:
            raise bad_request(f"Relationship {name} needs a data member", pointer=pointer)
        linkage = value["data"]
        if linkage is None:
            return None
        if not isinstance(linkage, dict) or not isinstance(linkage.get("type"), str):
            raise bad_request(f"Relationship {name} needs data with type and id", pointer=pointer)
        record_id = linkage.get("id")
        if not isinstance(record_id, str | int) or not str(record_id).isdigit():
            raise bad_request(
                f"Relationship {name} needs an id of digits", pointer=f"{pointer}/data/id"
            )
        if linkage["type"] not in allowed_types:
            expected = " or ".join(allowed_types)
            raise unprocessable(
                f"{humanise(name)} must be of type {expected}", f"{pointer}/data/type"
            )
        return (linkage["type"], str(record_id))

    def side_posts(self, name: str, allowed_methods: frozenset[str]) -> list[SidePost]:
        """Return the side-posted records of relationship ``name``, matched with ``included``."""
        pointer = f"/data/relationships/{name}/data"
        value = self.relationships.get(name)
        if not isinstance(value, dict) or not isinstance(value.get("data"), list):
            raise bad_request(f"Relationship {name} needs a data array", pointer=pointer)
        posts = []
        for position, linkage in enumerate(value["data"]):
            item_pointer = f"{pointer}/{position}"
            if not isinstance(linkage, dict):
                raise bad_request("Side-post linkage must be an object", pointer=item_pointer)
            method = linkage.get("method")
            if method not in SIDE_POST_METHODS:
                raise bad_request(
                    f"Side-post method must be one of {', '.join(sorted(SIDE_POST_METHODS))}",
                    pointer=f"{item_pointer}/method",
                )
            if method not in allowed_methods:
                raise bad_request(
                    f"Side-post method {method} is not allowed here; allowed: "
                    f"{', '.join(sorted(allowed_methods))}",
                    pointer=f"{item_pointer}/method",
                )
            posts.append(self._side_post(linkage, method, item_pointer))
        return posts

    def _side_post(self, linkage: dict[str, Any], method: str, pointer: str) -> SidePost:
        type_name = linkage.get("type")
        temp_id = linkage.get("temp-id")
        record_id = linkage.get("id")
        if method == "create" and not temp_id:
            raise bad_request("A created side-post needs a temp-id", pointer=f"{pointer}/temp-id")
        if method != "create" and not record_id:
            raise bad_request(
                f"A side-post with method {method} needs an id", pointer=f"{pointer}/id"
            )
        post = SidePost(
            str(type_name), method, pointer, str(record_id) if record_id else None, temp_id
        )
        if method == "destroy":
            return post
        for position, candidate in enumerate(self.included):
            if not isinstance(candidate, dict) or candidate.get("type") != type_name:
                continue
            same_temp = temp_id is not None and candidate.get("temp-id") == temp_id
            same_id = record_id is not None and str(candidate.get("id")) == str(record_id)
            if same_temp or same_id:
                post.pointer = f"/included/{position}"
                post.attributes = _object(
                    candidate.get("attributes"), f"/included/{position}/attributes"
                )
                post.relationships = _object(
                    candidate.get("relationships"), f"/included/{position}/relationships"
                )
                return post
        raise bad_request(
            f"No included {type_name} object matches temp-id {temp_id or record_id}",
            pointer=pointer,
        )


def read_document(body: bytes, type_name: str, record_id: str | None) -> WriteDocument:
    """Parse a write body for ``type_name``; ``record_id`` is the path id of a PUT."""
    try:
        parsed = json.loads(body or b"null")
    except (UnicodeDecodeError, ValueError) as error:
        raise bad_request(f"Malformed request body: {error}") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("data"), dict):
        raise bad_request("The request body needs a data object", pointer="/data")
    data = parsed["data"]
    if data.get("type") != type_name:
        raise bad_request(
            f"data.type must be {type_name}, got {data.get('type')!r}", pointer="/data/type"
        )
    if record_id is not None and str(data.get("id")) != record_id:
        raise bad_request(
            f"data.id must match the id in the path ({record_id})", pointer="/data/id"
        )
    included = parsed.get("included") or []
    if not isinstance(included, list):
        raise bad_request("included must be an array", pointer="/included")
    return WriteDocument(
        type=type_name,
        id=record_id,
        attributes=_object(data.get("attributes"), "/data/attributes"),
        relationships=_object(data.get("relationships"), "/data/relationships"),
        included=included,
    )


def check_writable(
    attributes: dict[str, Any],
    writable: frozenset[str],
    type_name: str,
    base: str = "/data/attributes",
) -> None:
    for name in attributes:
        if name not in writable:
            raise bad_request(
                f"{name} is not a writable attribute of {type_name}", pointer=f"{base}/{name}"
            )


def require_text(attributes: dict[str, Any], name: str, base: str = "/data/attributes") -> str:
    """Return a non-blank string attribute or raise 422 ``{Name} can't be blank``."""
    value = attributes.get(name)
    if not isinstance(value, str) or not value.strip():
        raise unprocessable(f"{humanise(name)} can't be blank", f"{base}/{name}")
    return value.strip()


def optional_text(
    attributes: dict[str, Any], name: str, base: str = "/data/attributes"
) -> str | None:
    value = attributes.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise unprocessable(f"{humanise(name)} must be a string", f"{base}/{name}")
    return value


def check_email(value: str, pointer: str = "/data/attributes/email") -> None:
    if not _EMAIL.match(value):
        raise unprocessable("Email is invalid", pointer)


def check_url(value: str, pointer: str) -> None:
    if not _URL.match(value):
        raise unprocessable(f"{pointer.rsplit('/', 1)[-1]} must be an http or https URL", pointer)


def parse_datetime_value(value: Any, pointer: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise unprocessable(
            f"{pointer.rsplit('/', 1)[-1]} is not a valid date-time", pointer
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).replace(microsecond=0)


def parse_date_value(value: Any, pointer: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise unprocessable(f"{pointer.rsplit('/', 1)[-1]} is not a valid date", pointer) from None


def parse_boolean(value: Any, pointer: str) -> bool:
    if not isinstance(value, bool):
        raise unprocessable(f"{pointer.rsplit('/', 1)[-1]} must be true or false", pointer)
    return value


def humanise(name: str) -> str:
    """Turn an attribute name into Rails' message form: ``first_name`` to ``First name``."""
    return name.replace("_", " ").capitalize()


def _object(value: Any, pointer: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request(f"{pointer.rsplit('/', 1)[-1]} must be an object", pointer=pointer)
    return value
