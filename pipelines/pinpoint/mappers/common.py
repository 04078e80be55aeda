"""Helpers shared by the model mappers: ids, timestamps, locations, contact lists."""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipelines.pinpoint.errors import PinpointResponseError
from pipelines.pinpoint.ids import unified_id
from pipelines.pinpoint.jsonapi import Resource, parse_timestamp

__all__ = [
    "MapContext",
    "MappingError",
    "attribute",
    "changed_at",
    "email_addresses",
    "location_json",
    "remote_data",
    "timestamp",
]

logger = logging.getLogger(__name__)

_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


class MappingError(PinpointResponseError, ValueError):
    """A Pinpoint record cannot be mapped; the message names the record and the field."""


class _RepeatLimiter:
    """Log the first few occurrences of each problem, then every thousandth."""

    def __init__(self, first: int = 5, every: int = 1000) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._first = first
        self._every = every

    def should_log(self, key: tuple[str, str]) -> int | None:
        with self._lock:
            self._counts[key] += 1
            count = self._counts[key]
        if count <= self._first or count % self._every == 0:
            return count
        return None


_invalid_values = _RepeatLimiter()


def warn_invalid(resource: Resource, name: str, problem: str) -> None:
    """Log that a field was loaded as null, naming the record but never the value."""
    record_type = str(resource.get("type"))
    occurrence = _invalid_values.should_log((record_type, name))
    if occurrence is not None:
        logger.warning(
            "%s %s: %s; loaded as null (occurrence %d for %s.%s)",
            record_type,
            resource.get("id"),
            problem,
            occurrence,
            record_type,
            name,
        )


@dataclass(frozen=True)
class MapContext:
    """Mapping context besides the document: the account that scopes the ids."""

    account: str

    def id(self, model: str, remote_id: Any) -> str | None:
        """Return the unified id of a Pinpoint record, or None when `remote_id` is empty."""
        if remote_id is None or remote_id == "":
            return None
        return unified_id(self.account, model, str(remote_id))


def attribute(resource: Resource, name: str) -> Any:
    """Return attribute `name`, or None when the attribute or the whole object is absent."""
    attributes = resource.get("attributes")
    if not isinstance(attributes, dict):
        return None
    return attributes.get(name)


def timestamp(resource: Resource, name: str) -> datetime | None:
    """Parse a timestamp attribute to UTC; an unreadable value is logged and becomes null."""
    value = attribute(resource, name)
    try:
        return parse_timestamp(value)
    except ValueError:
        warn_invalid(resource, name, f"attribute {name!r} is not an ISO 8601 timestamp")
        return None


def required_timestamp(resource: Resource, name: str) -> datetime | None:
    """Parse a timestamp the sync cannot do without; raise `MappingError` if unreadable."""
    value = attribute(resource, name)
    try:
        return parse_timestamp(value)
    except ValueError:
        raise MappingError(
            f"{resource.get('type')} {resource.get('id')}: attribute {name!r} is not an "
            f"ISO 8601 timestamp: {str(value)[:40]!r}"
        ) from None


def changed_at(*resources: Resource | None) -> datetime:
    """Return the latest `updated_at` among the records that feed one row.

    Raises `MappingError` when none of them carries `updated_at`, because the column is
    the incremental cursor and may not be null.
    """
    latest: datetime | None = None
    for resource in resources:
        if resource is None:
            continue
        moment = required_timestamp(resource, "updated_at")
        if moment is not None and (latest is None or moment > latest):
            latest = moment
    if latest is None:
        first = next((resource for resource in resources if resource is not None), {})
        raise MappingError(
            f"{first.get('type')} {first.get('id')}: attribute 'updated_at' is missing or "
            "null, so the record has no change time to load incrementally"
        )
    return latest


def remote_data(resource: Resource) -> dict[str, Any]:
    """Return the raw resource keyed by its API path, e.g. `{"/jobs/88": {...}}`.

    Attachment lists are left out: they link to CVs and other files, which are never
    stored in the destination.
    """
    attributes = resource.get("attributes")
    if isinstance(attributes, dict) and "attachments" in attributes:
        resource = {
            **resource,
            "attributes": {
                name: value for name, value in attributes.items() if name != "attachments"
            },
        }
    return {f"/{resource['type']}/{resource['id']}": resource}


def text(value: Any) -> str | None:
    """Return a stripped string; null, empty, list and object values give None."""
    if value is None or isinstance(value, dict | list):
        return None
    result = str(value).strip()
    return result or None


def country_code(value: Any) -> str | None:
    """Return an ISO 3166 alpha-2 code when `value` is one, else the raw text."""
    raw = text(value)
    if raw is None:
        return None
    if len(raw) == 2 and raw.isalpha():
        return raw.upper()
    return raw


def location_json(
    *,
    city: Any = None,
    country: Any = None,
    state: Any = None,
    zip_code: Any = None,
    street_1: Any = None,
    street_2: Any = None,
) -> dict[str, Any] | None:
    """Build the unified location object, or None when every part is empty."""
    parts = {
        "city": text(city),
        "country": country_code(country),
        "state": text(state),
        "zip_code": text(zip_code),
        "street_1": text(street_1),
        "street_2": text(street_2),
    }
    if not any(parts.values()):
        return None
    raw_parts = [parts[key] for key in ("street_1", "street_2", "city", "state", "zip_code")]
    raw_parts.append(text(country))
    parts["raw"] = ", ".join(part for part in raw_parts if part)
    return parts


def email_addresses(value: Any) -> list[dict[str, Any]]:
    """Return `[{email_address, type}]`, dropping strings that are not email addresses."""
    address = text(value)
    if address is None or not _EMAIL_PATTERN.match(address):
        return []
    return [{"email_address": address, "type": None}]


def valid_email(value: Any) -> str | None:
    address = text(value)
    if address is None or not _EMAIL_PATTERN.match(address):
        return None
    return address
