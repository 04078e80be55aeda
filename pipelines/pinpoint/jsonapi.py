"""Reading JSON:API documents as Pinpoint renders them.

Pinpoint's API is built on Graphiti, which renders relationships in two ways:

    "stage": {"data": {"type": "stages", "id": "912"}}     # requested with include=stage
    "candidate": {"meta": {"included": false}}             # not requested

The second form carries no linkage at all, so "not included" must stay distinct from
"empty" (`{"data": null}` or `{"data": []}`). `Document.related` returns `NOT_INCLUDED`
for the first case and None or [] for the second.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from pipelines.pinpoint.errors import PinpointResponseError

__all__ = ["NOT_INCLUDED", "Document", "Resource", "parse_timestamp"]

Resource = dict[str, Any]
"""One JSON:API resource object: `{"id", "type", "attributes", "relationships"}`."""


class _NotIncluded:
    def __repr__(self) -> str:
        return "NOT_INCLUDED"

    def __bool__(self) -> bool:
        return False


NOT_INCLUDED: Final = _NotIncluded()


@dataclass
class Document:
    """A parsed JSON:API response: primary data plus an index of `included` resources."""

    data: list[Resource]
    included: dict[tuple[str, str], Resource] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    url: str = ""
    server_time: datetime | None = None

    @classmethod
    def from_response_body(
        cls, body: Any, url: str, server_time: datetime | None = None
    ) -> Document:
        """Validate the envelope and index `included` by (type, id).

        A 200 response that carries an `errors` array, or lacks `data`, raises
        `PinpointResponseError` naming the URL.
        """
        if not isinstance(body, dict):
            raise PinpointResponseError(
                f"Pinpoint returned {type(body).__name__} instead of a JSON:API object for {url}"
            )
        if body.get("errors"):
            raise PinpointResponseError(
                f"Pinpoint returned errors in a successful response for {url}: "
                f"{str(body['errors'])[:300]}"
            )
        if "data" not in body:
            raise PinpointResponseError(f"Pinpoint response for {url} has no 'data' member")
        raw_data = body["data"]
        if raw_data is None:
            data: list[Resource] = []
        elif isinstance(raw_data, dict):
            data = [raw_data]
        elif isinstance(raw_data, list):
            data = raw_data
        else:
            raise PinpointResponseError(
                f"Pinpoint response for {url} has 'data' of type {type(raw_data).__name__}"
            )
        for resource in data:
            _check_resource(resource, url)

        included: dict[tuple[str, str], Resource] = {}
        for resource in body.get("included") or []:
            _check_resource(resource, url)
            included[(resource["type"], str(resource["id"]))] = resource
        meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
        return cls(data=data, included=included, meta=meta or {}, url=url, server_time=server_time)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def related(self, resource: Resource, name: str) -> Any:
        """Resolve relationship `name` of `resource` to included resources.

        Returns `NOT_INCLUDED` when the response did not include the relationship,
        None for an empty to-one, a list for a to-many. Linked resources missing from
        `included` are skipped, because a partial response must not invent records.
        """
        linkage = relationship_linkage(resource, name)
        if linkage is NOT_INCLUDED:
            return NOT_INCLUDED
        if linkage is None:
            return None
        if isinstance(linkage, list):
            found = (self.included.get(key) for key in linkage)
            return [item for item in found if item is not None]
        return self.included.get(linkage)

    def total_count(self) -> int | None:
        """Return the `stats[total]=count` figure from `meta`, or None when absent."""
        try:
            return int(self.meta["stats"]["total"]["count"])
        except (KeyError, TypeError, ValueError):
            return None


def relationship_linkage(resource: Resource, name: str) -> Any:
    """Return the (type, id) key(s) of relationship `name`, None, or `NOT_INCLUDED`."""
    relationship = (resource.get("relationships") or {}).get(name)
    if not isinstance(relationship, dict) or "data" not in relationship:
        return NOT_INCLUDED
    data = relationship["data"]
    if data is None:
        return None
    if isinstance(data, list):
        return [(item["type"], str(item["id"])) for item in data if _is_identifier(item)]
    if _is_identifier(data):
        return (data["type"], str(data["id"]))
    return None


def parse_timestamp(value: Any) -> datetime | None:
    """Parse a Pinpoint timestamp (ISO 8601 with an offset) to an aware UTC datetime.

    Accepts `+00:00`, other offsets, a `Z` suffix and fractional seconds. A value without
    an offset is taken as UTC. Returns None for None and empty strings; raises ValueError
    for anything else that does not parse.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 timestamp string, got {value!r}")
    try:
        # The common case, `...+00:00`, parses straight to a UTC datetime; this function
        # runs about ten times per application in a sync.
        parsed = datetime.fromisoformat(value)
    except ValueError:
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is UTC:
        return parsed
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _is_identifier(item: Any) -> bool:
    return isinstance(item, dict) and "type" in item and item.get("id") is not None


def _check_resource(resource: Any, url: str) -> None:
    if not isinstance(resource, dict) or "type" not in resource or resource.get("id") is None:
        raise PinpointResponseError(
            f"Pinpoint response for {url} contains a resource without 'type' and 'id': "
            f"{str(resource)[:200]}"
        )
