"""Select, filter, sort and page the records of a collection request.

The connector pages by key: page 1 of ``sort=updated_at,id`` with a moving
``filter[updated_at][gt]``. The store keeps every listed type ordered that way
(``OrderIndex``), so such a page is a bisection plus a slice, and filters that remain are
checked only until the page is full. Other sort orders are sorted once per version of the
type and cached. A request that needs the whole filtered result (a total count, or a page
after the first with filters) scans it once and caches it until the store changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.sandbox.endpoints import Endpoint
from pipelines.sandbox.filters import Predicate, build_predicates
from pipelines.sandbox.query import Query
from pipelines.sandbox.records import Record
from pipelines.sandbox.store import SandboxStore

CACHE_SIZE = 16
"""Entries kept per cache, enough for a few clients paging concurrently."""

_KEYSET_SORTS = ((("updated_at", False),), (("updated_at", False), ("id", False)))


class ResultCache:
    """A small thread-safe LRU cache."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        result = build()
        with self._lock:
            self._entries[key] = result
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return result


class ListingCaches:
    """The caches of one app: filtered results and sorted orders."""

    def __init__(self) -> None:
        self.results = ResultCache()
        self.orders = ResultCache(size=8)


@dataclass
class Selection:
    """One page of a collection and, when requested, the number of matching records."""

    page: list[Record]
    total: int | None


def select_page(
    store: SandboxStore,
    endpoint: Endpoint,
    query: Query,
    caches: ListingCaches,
    page_size_cap: int | None = None,
) -> Selection:
    """Return the page that ``query`` requests. The caller must hold ``store.lock``.

    ``page_size_cap`` makes the server serve fewer rows than requested, as a server with a
    lower maximum would; pages are then counted in the capped size.
    """
    size = query.page_size if page_size_cap is None else min(query.page_size, page_size_cap)
    offset = (query.page_number - 1) * size
    ordered, handled = _ordered_source(store, endpoint, query, caches)
    remaining = query.without_filters(handled) if handled else query
    predicates = build_predicates(store, endpoint, remaining)

    if not predicates:
        total = len(ordered) if query.count_total else None
        return Selection(list(ordered[offset : offset + size]), total)

    if offset == 0 and not query.count_total:
        return Selection(_first_matches(ordered, predicates, size), None)

    key = (store.version, endpoint.path, query.selection_key())
    matching: list[Record] = caches.results.get_or_build(
        key, lambda: [r for r in ordered if all(p(r) for p in predicates)]
    )
    total = len(matching) if query.count_total else None
    return Selection(matching[offset : offset + size], total)


def matches_filters(store: SandboxStore, endpoint: Endpoint, record: Record, query: Query) -> bool:
    """Apply the filters of ``query``, including the job visibility rule, to one record."""
    return all(predicate(record) for predicate in build_predicates(store, endpoint, query))


def _first_matches(
    ordered: Sequence[Record], predicates: list[Predicate], size: int
) -> list[Record]:
    page: list[Record] = []
    if size == 0:
        return page
    for record in ordered:
        if all(predicate(record) for predicate in predicates):
            page.append(record)
            if len(page) == size:
                break
    return page


def _ordered_source(
    store: SandboxStore, endpoint: Endpoint, query: Query, caches: ListingCaches
) -> tuple[Sequence[Record], frozenset[str]]:
    """Return the type's records in response order, and the filters already applied.

    With the keyset sort, the ``updated_at`` bounds become a slice of the order index.
    """
    type_name = endpoint.resource_type
    version = store.type_version(type_name)
    if query.sort in _KEYSET_SORTS:
        index = store.order_index(type_name)
        after = before = None
        for item in query.filters:
            if item.name == "updated_at":
                if item.operator == "gt":
                    after = item.moment if after is None else max(after, item.moment)  # type: ignore[type-var]
                else:
                    before = item.moment if before is None else min(before, item.moment)  # type: ignore[type-var]
        low, high = index.span(after, before)
        return index.records[low:high], frozenset({"updated_at"})

    if not query.sort or query.sort == (("id", False),):
        key: tuple[Any, ...] = (type_name, version, "id")
        return caches.orders.get_or_build(key, lambda: store.records(type_name)), frozenset()

    key = (type_name, version, query.sort)
    ordered = caches.orders.get_or_build(key, lambda: _sort(store.records(type_name), query.sort))
    return ordered, frozenset()


def _sort(records: list[Record], keys: tuple[tuple[str, bool], ...]) -> list[Record]:
    """Sort by the requested keys, keeping ties in ascending id order.

    The input is in ascending id order and Python's sort is stable (also with
    ``reverse=True``), so sorting by each key from the last to the first leaves ties in
    id order.
    """
    ordered = list(records)
    for key, descending in reversed(keys):
        if key == "id":
            ordered.sort(key=lambda r: int(r.id), reverse=descending)
        else:
            ordered.sort(key=_attribute_sort_key(key), reverse=descending)
    return ordered


def _attribute_sort_key(name: str) -> Callable[[Record], tuple[bool, Any]]:
    """Order by an attribute with nulls first (last when descending), as a tuple key."""

    def sort_key(record: Record) -> tuple[bool, Any]:
        value = record.attributes.get(name)
        return (value is not None, value)

    return sort_key
