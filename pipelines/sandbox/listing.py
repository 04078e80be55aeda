"""Select, filter and sort the records of a collection request.

Two caches keep large collections fast, both emptied in effect whenever the store
changes (their keys include the store version):

* the ordered result of each (filters, sort) pair, so that paging with a growing
  ``page[number]`` costs a slice instead of a scan and a sort;
* each type's records in each requested sort order, so that keyset-style paging
  (``sort=updated_at,id`` with a moving ``filter[updated_at][gt]``) finds its start by
  bisection instead of sorting on every request.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from pipelines.sandbox.query import Query, TimestampFilter
from pipelines.sandbox.records import Record
from pipelines.sandbox.schema import (
    DEFAULT_HIDDEN_VISIBILITIES,
    TIMESTAMP_FILTER_FIELDS,
    Endpoint,
)
from pipelines.sandbox.store import SandboxStore

CACHE_SIZE = 16
"""Entries kept per cache, enough for a few clients paging concurrently."""


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
    """The two caches of one app: query results and sorted orders."""

    def __init__(self) -> None:
        self.results = ResultCache()
        self.orders = ResultCache(size=8)


def select_records(
    store: SandboxStore, endpoint: Endpoint, query: Query, caches: ListingCaches
) -> list[Record]:
    """Return every record of the collection that matches ``query``, in response order.

    The caller holds ``store.lock``, so the store version and the records agree.
    """
    key = (store.version, endpoint.path, query.selection_key())
    result: list[Record] = caches.results.get_or_build(
        key, lambda: _filter_and_sort(store, endpoint, query, caches)
    )
    return result


def is_visible(store: SandboxStore, endpoint: Endpoint, record: Record, query: Query) -> bool:
    """Apply the job visibility rule to one record, as a show request needs."""
    if not endpoint.job_visibility_filter:
        return True
    return bool(_filter_by_visibility(store, endpoint, [record], query))


def _filter_and_sort(
    store: SandboxStore, endpoint: Endpoint, query: Query, caches: ListingCaches
) -> list[Record]:
    records, timestamp_filters = _ordered_candidates(store, endpoint, query, caches)

    for timestamp_filter in timestamp_filters:
        field, bound = timestamp_filter.field, timestamp_filter.value
        if timestamp_filter.operator == "gt":
            records = [r for r in records if r.attributes[field] > bound]
        else:
            records = [r for r in records if r.attributes[field] < bound]

    for field, ids in query.id_filters.items():
        records = [r for r in records if r.attributes.get(field) in ids]

    for field, expected in query.boolean_filters.items():
        records = [r for r in records if bool(r.attributes.get(field)) is expected]

    if endpoint.job_visibility_filter:
        records = _filter_by_visibility(store, endpoint, records, query)
    return records


def _ordered_candidates(
    store: SandboxStore, endpoint: Endpoint, query: Query, caches: ListingCaches
) -> tuple[list[Record], list[TimestampFilter]]:
    """Return the type's records in response order, narrowed by bisection where the
    first sort key is an ascending timestamp with a filter, and the filters still to apply.
    """
    type_name = endpoint.resource_type
    if not query.sort:
        return store.records(type_name), list(query.timestamp_filters)

    order_key = (store.version, type_name, query.sort)
    ordered: list[Record] = caches.orders.get_or_build(
        order_key, lambda: _sort(store.records(type_name), query.sort)
    )
    first_key, descending = query.sort[0]
    bounds = [f for f in query.timestamp_filters if f.field == first_key]
    if descending or first_key not in TIMESTAMP_FILTER_FIELDS or not bounds:
        return ordered, list(query.timestamp_filters)

    values_key = (*order_key, "values")
    values: list[Any] = caches.orders.get_or_build(
        values_key, lambda: [r.attributes[first_key] for r in ordered]
    )
    low, high = 0, len(ordered)
    for bound in bounds:
        if bound.operator == "gt":
            low = max(low, bisect_right(values, bound.value))
        else:
            high = min(high, bisect_left(values, bound.value))
    remaining = [f for f in query.timestamp_filters if f.field != first_key]
    return ordered[low:high], remaining


def _filter_by_visibility(
    store: SandboxStore, endpoint: Endpoint, records: list[Record], query: Query
) -> list[Record]:
    """Keep records whose job has a visibility the request lists, or by default hide the
    records of confidential jobs."""
    jobs = store.records("jobs")
    if query.job_visibilities is None:
        excluded = {
            job.id for job in jobs if job.attributes["visibility"] in DEFAULT_HIDDEN_VISIBILITIES
        }
    else:
        excluded = {
            job.id for job in jobs if job.attributes["visibility"] not in query.job_visibilities
        }
    if not excluded:
        return records

    if endpoint.resource_type == "applications":
        return [r for r in records if r.attributes["job_id"] not in excluded]

    # Interviews reach their job through the interviewed application.
    job_by_application: dict[str, str | None] = {}
    visible = []
    for record in records:
        ref = record.to_one("interviewable")
        application_id = ref[1] if ref is not None else ""
        if application_id not in job_by_application:
            application = store.get("applications", application_id)
            job_by_application[application_id] = (
                application.attributes["job_id"] if application is not None else None
            )
        if job_by_application[application_id] not in excluded:
            visible.append(record)
    return visible


def _sort(records: list[Record], keys: tuple[tuple[str, bool], ...]) -> list[Record]:
    """Sort by the requested keys, keeping ties in ascending id order.

    The input is in ascending id order and Python's sort is stable (also with
    ``reverse=True``), so sorting by each key from the last to the first leaves ties in
    id order.
    """
    if not keys:
        return records
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
