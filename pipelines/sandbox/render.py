"""Render records as JSON:API documents the way Pinpoint does.

Every relationship of a type is listed. One that the request included carries linkage
(``{"data": {"type", "id"}}``, a list, or ``null``); any other carries
``{"meta": {"included": false}}`` and no ``data`` key. ``included`` contains each related
record once, in the order first reached, and never repeats a primary record. Links to
records that were deleted are dropped from the linkage.

Attributes are serialised straight from the stored dict when the request names no sparse
fieldset or extra field, so most records cost one dict lookup and orjson's time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipelines.sandbox.files import attachments_of
from pipelines.sandbox.query import IncludeTree, Query
from pipelines.sandbox.records import Attachment, Record, Ref
from pipelines.sandbox.schema import CONCEALED_APPLICATION_FIELDS, RESOURCE_TYPES, rendered_type
from pipelines.sandbox.store import SandboxStore

_NOT_INCLUDED = {"meta": {"included": False}}
_MISSING: Any = object()
_UNLINKED: dict[str, dict[str, Any]] = {
    name: {relationship.name: _NOT_INCLUDED for relationship in resource.relationships}
    for name, resource in RESOURCE_TYPES.items()
}
"""Per type, the relationships object of a record rendered without linkage; shared."""


@dataclass
class RenderContext:
    """Inputs of rendering besides the records: the time, file links and permission checks."""

    now: datetime
    file_url: Callable[[Attachment], str]
    """Returns the download URL of an attachment."""
    check_type: Callable[[str], None]
    """Raises ``ApiError`` when the key may not read records of a type."""


def render_collection(
    store: SandboxStore,
    records: list[Record],
    query: Query,
    context: RenderContext,
    total: int | None = None,
) -> dict[str, Any]:
    """Build a collection document. A ``total`` fills ``meta.stats.total.count``."""
    data, included = _render_with_includes(store, records, query, context)
    meta: dict[str, Any] = {}
    if total is not None:
        meta["stats"] = {"total": {"count": total}}
    return {"data": data, "included": included, "meta": meta}


def render_single(
    store: SandboxStore, record: Record, query: Query, context: RenderContext
) -> dict[str, Any]:
    data, included = _render_with_includes(store, [record], query, context)
    return {"data": data[0], "included": included, "meta": {}}


class _Resolver:
    """Lookup of related records, memoised for one document.

    The caller must hold ``store.lock`` while the document is built.
    """

    def __init__(self, store: SandboxStore) -> None:
        self._store = store
        self._found: dict[Ref, Record | None] = {}

    def related(self, record: Record, name: str) -> list[Record]:
        value = record.relationships.get(name)
        if value is None:
            relationship = RESOURCE_TYPES[record.type].relationship(name)
            if relationship is None or relationship.inverse is None:
                return []
            assert relationship.target_type is not None
            return self._store.pointing_at(
                relationship.target_type, relationship.inverse, record.ref
            )
        found = self._found
        related = []
        for ref in value if isinstance(value, list) else (value,):
            target = found.get(ref, _MISSING)
            if target is _MISSING:
                target = found[ref] = self._store.get(*ref)
            if target is not None:
                related.append(target)
        return related


def _render_with_includes(
    store: SandboxStore, primary: list[Record], query: Query, context: RenderContext
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    resolver = _Resolver(store)
    linked_names: dict[Ref, set[str]] = {}
    included: dict[Ref, Record] = {}
    if query.include:
        _collect_includes(resolver, primary, query.include, linked_names, included)
        for type_name in {ref[0] for ref in included}:
            context.check_type(type_name)

    data = [_render_resource(resolver, r, linked_names.get(r.ref), query, context) for r in primary]
    rendered_included = [
        _render_resource(resolver, r, linked_names.get(ref), query, context)
        for ref, r in included.items()
    ]
    return data, rendered_included


def _collect_includes(
    resolver: _Resolver,
    primary: list[Record],
    tree: IncludeTree,
    linked_names: dict[Ref, set[str]],
    included: dict[Ref, Record],
) -> None:
    """Walk the include tree breadth first from the primary records.

    ``linked_names`` receives, per record, the relationships to render with linkage.
    A record reached along several paths is walked once per path, so it gets the union
    of what those paths include.
    """
    primary_refs = {record.ref for record in primary}
    if not any(tree.values()):
        # One level, such as include=stage,furthest_stage: no walk needed.
        names = set(tree)
        for record in primary:
            linked_names[record.ref] = names
            for name in tree:
                for related in resolver.related(record, name):
                    if related.ref not in primary_refs and related.ref not in included:
                        included[related.ref] = related
        return

    pending: deque[tuple[Record, IncludeTree, tuple[str, ...]]] = deque(
        (record, tree, ()) for record in primary
    )
    walked: set[tuple[Ref, tuple[str, ...]]] = set()
    while pending:
        record, subtree, path = pending.popleft()
        if (record.ref, path) in walked:
            continue
        walked.add((record.ref, path))
        record_names = linked_names.setdefault(record.ref, set())
        for name, children in subtree.items():
            record_names.add(name)
            for related in resolver.related(record, name):
                if related.ref not in primary_refs:
                    included.setdefault(related.ref, related)
                if children:
                    pending.append((related, children, (*path, name)))


def _render_resource(
    resolver: _Resolver,
    record: Record,
    linked: set[str] | None,
    query: Query,
    context: RenderContext,
) -> dict[str, Any]:
    relationships = _UNLINKED[record.type]
    if linked:
        relationships = dict(relationships)
        resource_type = RESOURCE_TYPES[record.type]
        for name in linked:
            relationship = resource_type.relationship(name)
            assert relationship is not None
            targets = resolver.related(record, name)
            linkage = [{"type": rendered_type(t.type), "id": t.id} for t in targets]
            if relationship.to_many:
                relationships[name] = {"data": linkage}
            else:
                relationships[name] = {"data": linkage[0] if linkage else None}

    return {
        "id": record.id,
        "type": rendered_type(record.type),
        "attributes": render_attributes(record, query, context),
        "relationships": relationships,
    }


def render_attributes(record: Record, query: Query, context: RenderContext) -> dict[str, Any]:
    """Return the attributes to send: the stored ones, concealed, sparse and extended as
    the record and the request require. Returns the stored dict itself when unchanged."""
    concealed = record.type == "applications" and bool(record.attributes.get("concealed"))
    fields = query.fields.get(rendered_type(record.type))
    extras = query.extra_fields.get(rendered_type(record.type))
    if not concealed and fields is None and not extras:
        return record.attributes

    attributes = dict(record.attributes)
    if concealed:
        for name in CONCEALED_APPLICATION_FIELDS:
            if name in attributes:
                attributes[name] = None
    if fields is not None:
        attributes = {name: value for name, value in attributes.items() if name in fields}
    if extras:
        for name in sorted(extras & RESOURCE_TYPES[record.type].extra_fields):
            attributes[name] = _extra_value(record, name, concealed, context)
    return attributes


def _extra_value(record: Record, name: str, concealed: bool, context: RenderContext) -> Any:
    extras = record.extra_attributes
    if name == "attachments":
        if concealed:
            return []
        return [
            {"context": item.context, "name": item.name, "url": context.file_url(item)}
            for item in attachments_of(record)
        ]
    if name == "days_in_current_stage":
        entered = extras.get("stage_entered_at") or record.attributes["updated_at"]
        return max((context.now - entered).days, 0)
    if name == "hiring_user_id":
        ref = record.to_one("hiring_manager_user")
        return int(ref[1]) if ref else None
    if name == "recruitment_manager_user_id":
        ref = record.to_one("recruitment_manager_user")
        return int(ref[1]) if ref else None
    if name == "users_emails_with_job_level_visibility":
        return list(extras.get(name, ()))
    return extras.get(name)
