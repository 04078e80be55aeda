"""Render records as JSON:API documents the way Pinpoint does.

Every relationship of a type is listed. One that the request included carries linkage
(``{"data": {"type", "id"}}``, a list, or ``null``); any other carries
``{"meta": {"included": false}}`` and no ``data`` key. ``included`` contains each related
record once, in the order first reached, and never repeats a primary record. Links to
records that were deleted are dropped from the linkage.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from pipelines.sandbox.query import IncludeTree, Query
from pipelines.sandbox.records import Record, Ref
from pipelines.sandbox.schema import RESOURCE_TYPES
from pipelines.sandbox.store import SandboxStore


def render_collection(
    store: SandboxStore, records: list[Record], query: Query, total: int | None = None
) -> dict[str, Any]:
    """Build a collection document. A ``total`` fills ``meta.stats.total.count``."""
    data, included = _render_with_includes(store, records, query)
    meta: dict[str, Any] = {}
    if total is not None:
        meta["stats"] = {"total": {"count": total}}
    return {"data": data, "included": included, "meta": meta}


def render_single(store: SandboxStore, record: Record, query: Query) -> dict[str, Any]:
    data, included = _render_with_includes(store, [record], query)
    return {"data": data[0], "included": included, "meta": {}}


class _Resolver:
    """Lookup of related records, memoised for one document.

    The caller holds ``store.lock`` while the document is built.
    """

    def __init__(self, store: SandboxStore) -> None:
        self._store = store
        self._found: dict[Ref, Record | None] = {}

    def related(self, record: Record, name: str) -> list[Record]:
        related = []
        for ref in record.to_many(name):
            if ref in self._found:
                target = self._found[ref]
            else:
                target = self._found[ref] = self._store.get(*ref)
            if target is not None:
                related.append(target)
        return related


def _render_with_includes(
    store: SandboxStore, primary: list[Record], query: Query
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    resolver = _Resolver(store)
    linked_names: dict[Ref, set[str]] = {}
    included: dict[Ref, Record] = {}
    if query.include:
        _collect_includes(resolver, primary, query.include, linked_names, included)

    data = [_render_resource(resolver, r, linked_names.get(r.ref, set()), query) for r in primary]
    rendered_included = [
        _render_resource(resolver, r, linked_names.get(ref, set()), query)
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
    pending: deque[tuple[Record, IncludeTree, tuple[str, ...]]] = deque(
        (record, tree, ()) for record in primary
    )
    walked: set[tuple[Ref, tuple[str, ...]]] = set()
    while pending:
        record, subtree, path = pending.popleft()
        if (record.ref, path) in walked:
            continue
        walked.add((record.ref, path))
        names = linked_names.setdefault(record.ref, set())
        for name, children in subtree.items():
            names.add(name)
            for related in resolver.related(record, name):
                if related.ref not in primary_refs:
                    included.setdefault(related.ref, related)
                if children:
                    pending.append((related, children, (*path, name)))


def _render_resource(
    resolver: _Resolver, record: Record, linked: set[str], query: Query
) -> dict[str, Any]:
    resource_type = RESOURCE_TYPES[record.type]

    fields = query.fields.get(record.type)
    if fields is None:
        attributes = dict(record.attributes)
    else:
        attributes = {name: v for name, v in record.attributes.items() if name in fields}
    extras = query.extra_fields.get(record.type)
    if extras:
        for name in sorted(extras & resource_type.extra_fields):
            attributes[name] = record.extra_attributes.get(name)

    relationships: dict[str, Any] = {}
    for relationship in resource_type.relationships:
        if relationship.name not in linked:
            relationships[relationship.name] = {"meta": {"included": False}}
            continue
        targets = resolver.related(record, relationship.name)
        linkage = [{"type": t.type, "id": t.id} for t in targets]
        if relationship.to_many:
            relationships[relationship.name] = {"data": linkage}
        else:
            relationships[relationship.name] = {"data": linkage[0] if linkage else None}

    return {
        "id": record.id,
        "type": record.type,
        "attributes": attributes,
        "relationships": relationships,
    }
