"""Parse and validate JSON:API query parameters for one sandbox endpoint.

Supported: ``include``, ``fields[type]``, ``extra_fields[type]``, ``sort``,
``page[number]``, ``page[size]``, ``stats[total]=count`` and the endpoint's ``filter[...]``
parameters. Invalid values raise ``ApiError`` with status 400 and a detail that names the
parameter. Parameters the sandbox does not know (such as a vendor tag) are ignored, and so
are ``fields`` and ``extra_fields`` without a type, which Pinpoint ignores too. Unknown
names inside ``fields[type]`` and ``extra_fields[type]`` are ignored as well.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from pipelines.sandbox.endpoints import TIMESTAMP_OPERATORS, Endpoint, FilterSpec
from pipelines.sandbox.errors import bad_request
from pipelines.sandbox.schema import (
    DEFAULT_PAGE_SIZE,
    MAX_INCLUDE_DEPTH,
    MAX_PAGE_SIZE,
    RESOURCE_TYPES,
)

IncludeTree = dict[str, "IncludeTree"]
"""Nested relationship names: ``include=job,job.stages`` becomes ``{"job": {"stages": {}}}``."""

_PARAMETER_NAME = re.compile(r"^([A-Za-z_]+)((?:\[[^\[\]]*\])*)$")
_BRACKET_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_INTEGER = re.compile(r"^-?\d+$")
_RECORD_ID = re.compile(r"^\d+$")


@dataclass(frozen=True)
class Filter:
    """One validated ``filter[...]`` parameter.

    ``values`` contains the comma-separated values (strings, or one bool or int); a
    timestamp filter has an ``operator`` and its ``moment`` instead.
    """

    name: str
    spec: FilterSpec
    values: tuple[object, ...] = ()
    operator: str | None = None
    moment: datetime | None = None

    def key(self) -> tuple[object, ...]:
        return (self.name, self.operator, self.moment, self.values)


@dataclass
class Query:
    """The validated query options of one request."""

    include: IncludeTree = field(default_factory=dict)
    fields: dict[str, frozenset[str]] = field(default_factory=dict)
    extra_fields: dict[str, frozenset[str]] = field(default_factory=dict)
    sort: tuple[tuple[str, bool], ...] = ()
    """Sort keys in priority order, each with ``True`` for descending."""
    page_number: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    count_total: bool = False
    filters: tuple[Filter, ...] = ()

    def selection_key(self) -> tuple[object, ...]:
        """Return a hashable key for everything that decides which records match and in
        what order (filters and sort, not paging or rendering options)."""
        return (tuple(sorted(f.key() for f in self.filters)), self.sort)

    def without_filters(self, names: frozenset[str]) -> Query:
        """Return a copy without the filters named in ``names``."""
        return replace(self, filters=tuple(f for f in self.filters if f.name not in names))

    def visibilities(self) -> frozenset[str] | None:
        """Return the visibilities named in ``filter[job_visibility]``, or None."""
        for item in self.filters:
            if item.spec.kind == "visibility":
                return frozenset(str(value) for value in item.values)
        return None


def parse_query(params: Mapping[str, str], endpoint: Endpoint) -> Query:
    """Parse the query parameters of a request to ``endpoint``.

    ``params`` maps each parameter name to its value (the last one when a name repeats).
    """
    query = Query()
    filters: list[Filter] = []

    for name, value in params.items():
        match = _PARAMETER_NAME.match(name)
        if match is None:
            continue
        base = match.group(1)
        segments = _BRACKET_SEGMENT.findall(match.group(2))

        if base == "include" and not segments:
            query.include = parse_include(value, endpoint.resource_type)
        elif base in ("fields", "extra_fields") and len(segments) == 1:
            names = frozenset(split_list(value))
            target = query.fields if base == "fields" else query.extra_fields
            target[segments[0]] = names
        elif base == "sort" and not segments:
            query.sort = _parse_sort(value, endpoint)
        elif base == "page":
            _parse_page(name, segments, value, query)
        elif base == "stats":
            if segments != ["total"] or value != "count":
                raise bad_request(
                    f"Invalid statistic {name}={value!r}: only stats[total]=count is supported.",
                    name,
                )
            query.count_total = True
        elif base == "filter":
            filters.append(_parse_filter(name, segments, value, endpoint))

    query.filters = tuple(filters)
    return query


def parse_include(value: str, resource_type: str) -> IncludeTree:
    """Validate a comma-separated ``include`` value and return it as a tree.

    An unknown relationship raises a 400 error, as Graphiti (the framework behind
    Pinpoint's API) does. Pinpoint does not document it, so this is inferred.
    """
    tree: IncludeTree = {}
    for path in split_list(value):
        names = path.split(".")
        if len(names) > MAX_INCLUDE_DEPTH:
            raise bad_request(
                f"Invalid include '{path}': paths may have at most {MAX_INCLUDE_DEPTH} levels.",
                "include",
            )
        current_type: str | None = resource_type
        node = tree
        for name in names:
            if current_type is None:
                raise bad_request(
                    f"Invalid include '{path}': cannot include past a polymorphic relationship.",
                    "include",
                )
            relationship = RESOURCE_TYPES[current_type].relationship(name)
            if relationship is None or not relationship.includable:
                allowed = sorted(
                    r.name for r in RESOURCE_TYPES[current_type].relationships if r.includable
                )
                raise bad_request(
                    f"Invalid include '{path}': {current_type} has no includable relationship "
                    f"'{name}'. Valid relationships: {', '.join(allowed) or 'none'}.",
                    "include",
                )
            node = node.setdefault(name, {})
            current_type = relationship.target_type
    return tree


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _parse_sort(value: str, endpoint: Endpoint) -> tuple[tuple[str, bool], ...]:
    keys: list[tuple[str, bool]] = []
    seen: set[str] = set()
    for token in value.split(","):
        token = token.strip()
        descending = token.startswith("-")
        key = token[1:] if descending else token
        if key not in endpoint.sort_keys:
            raise bad_request(
                f"Invalid sort key '{token}' for /{endpoint.path}. "
                f"Valid keys (prefix '-' for descending): {', '.join(sorted(endpoint.sort_keys))}.",
                "sort",
            )
        if key in seen:
            raise bad_request(f"Invalid sort '{value}': key '{key}' appears twice.", "sort")
        seen.add(key)
        keys.append((key, descending))
    return tuple(keys)


def _parse_page(name: str, segments: list[str], value: str, query: Query) -> None:
    """Read page[number] and page[size].

    Pinpoint documents page sizes from 0 to 1000. That a size above 1000 returns 400 is
    inferred from Graphiti, which rejects it rather than clamping it.
    """
    if segments == ["number"]:
        number = _parse_integer(name, value)
        if number < 1:
            raise bad_request(f"Invalid {name}={value!r}: page numbers start at 1.", name)
        query.page_number = number
    elif segments == ["size"]:
        size = _parse_integer(name, value)
        if not 0 <= size <= MAX_PAGE_SIZE:
            raise bad_request(
                f"Invalid {name}={value!r}: page size must be from 0 to {MAX_PAGE_SIZE}.", name
            )
        query.page_size = size
    else:
        raise bad_request(
            f"Unknown pagination parameter '{name}': use page[number] and page[size].", name
        )


def _parse_integer(name: str, value: str) -> int:
    if not _INTEGER.match(value.strip()):
        raise bad_request(f"Invalid {name}={value!r}: expected an integer.", name)
    return int(value)


def _parse_filter(name: str, segments: list[str], value: str, endpoint: Endpoint) -> Filter:
    if not segments or len(segments) > 2:
        raise bad_request(f"Malformed filter parameter '{name}'.", name)
    field_name = segments[0]
    spec = endpoint.filters.get(field_name)
    if spec is None:
        supported = ", ".join(sorted(endpoint.filters)) or "none"
        raise bad_request(
            f"Unknown filter '{field_name}' for /{endpoint.path}. Supported filters: {supported}.",
            name,
        )
    operator = segments[1] if len(segments) == 2 else None

    if spec.kind == "timestamp":
        if operator not in TIMESTAMP_OPERATORS:
            raise bad_request(
                f"Invalid filter '{name}': timestamp filters take an operator, "
                f"filter[{field_name}][gt] or filter[{field_name}][lt].",
                name,
            )
        moment = _parse_timestamp(name, value)
        return Filter(field_name, spec, operator=operator, moment=moment)

    if operator not in (None, "eq"):
        raise bad_request(f"Invalid filter '{name}': operator '{operator}' is not supported.", name)
    values = split_list(value)
    if not values:
        raise bad_request(f"Invalid filter '{name}': the value is empty.", name)
    return Filter(field_name, spec, _typed_values(name, field_name, spec, values))


def _typed_values(
    name: str, field_name: str, spec: FilterSpec, values: list[str]
) -> tuple[object, ...]:
    if spec.kind in ("enum", "visibility"):
        unknown = [item for item in values if item not in spec.allowed]
        if unknown and field_name == "locale":
            raise bad_request(f"{unknown[0]} is not a valid locale", name)
        if unknown:
            valid = ", ".join(spec.allowed)
            raise bad_request(f"Invalid {name} value '{unknown[0]}'. Valid values: {valid}.", name)
        return tuple(values)
    if spec.kind == "boolean":
        if len(values) != 1 or values[0] not in ("true", "false"):
            raise bad_request(f"Invalid {name}={','.join(values)!r}: expected true or false.", name)
        return (values[0] == "true",)
    if spec.kind == "integer" or field_name == "non_rejected_applications":
        if len(values) != 1 or not _INTEGER.match(values[0]):
            raise bad_request(f"Invalid {name}={','.join(values)!r}: expected an integer.", name)
        return (int(values[0]),)
    if spec.kind == "ids" or field_name.endswith("_id"):
        invalid = [item for item in values if not _RECORD_ID.match(item)]
        if invalid:
            raise bad_request(f"Invalid {name} value '{invalid[0]}': ids are digits.", name)
    return tuple(values)


def _parse_timestamp(name: str, value: str) -> datetime:
    """Parse an ISO 8601 timestamp. A value without an offset is read as UTC.

    A ``Z`` suffix is accepted; Pinpoint's examples always use ``+00:00``, so that a
    ``Z`` works there too is inferred.
    """
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        hint = ""
        if " " in value.strip():
            hint = " A '+' in the offset must be sent URL-encoded as %2B."
        raise bad_request(
            f"Invalid {name} value {value!r}: expected an ISO 8601 timestamp such as "
            f"2025-02-19T09:25:04+00:00.{hint}",
            name,
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
