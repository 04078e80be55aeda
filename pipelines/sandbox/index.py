"""Indexes the store keeps up to date on every change, so listing never sorts or scans.

``OrderIndex`` keeps one type's records ordered by ``(updated_at, id)``, the order of the
connector's keyset paging, so a page starts at a bisection. ``InverseIndex`` maps each
record to the records whose to-one relationship points at it (the comments of an
application, the applications of a job), for includes and cascading deletes.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import datetime

from pipelines.sandbox.records import Record, Ref

_ID_BITS = 32
_ID_MASK = (1 << _ID_BITS) - 1


def order_key(record: Record) -> int:
    """Pack ``(updated_at in whole seconds, numeric id)`` into one int that sorts the same."""
    seconds = int(record.attributes["updated_at"].timestamp())
    return (seconds << _ID_BITS) | int(record.id)


class OrderIndex:
    """The records of one type in ascending ``(updated_at, id)`` order."""

    def __init__(self, records: Iterable[Record]) -> None:
        pairs = sorted((order_key(record), record) for record in records)
        self.keys = [key for key, _ in pairs]
        self.records = [record for _, record in pairs]

    def add(self, record: Record) -> None:
        key = order_key(record)
        position = bisect_left(self.keys, key)
        self.keys.insert(position, key)
        self.records.insert(position, record)

    def remove(self, record: Record) -> None:
        key = order_key(record)
        position = bisect_left(self.keys, key)
        if position < len(self.keys) and self.keys[position] == key:
            del self.keys[position]
            del self.records[position]

    def span(self, after: datetime | None, before: datetime | None) -> tuple[int, int]:
        """Return the positions of records with ``after < updated_at < before``.

        Timestamps compare at whole seconds, as rendered; a bound with a fraction is
        rounded the way a strict comparison with it would be.
        """
        low, high = 0, len(self.keys)
        if after is not None:
            low = bisect_right(self.keys, (math.floor(after.timestamp()) << _ID_BITS) | _ID_MASK)
        if before is not None:
            high = bisect_left(self.keys, math.ceil(before.timestamp()) << _ID_BITS)
        return low, max(low, high)


class InverseIndex:
    """For one type and one of its to-one relationships: target ref to the ids pointing at it.

    Ids are kept in ascending numeric order, the default API order.
    """

    def __init__(self, relationship: str, records: Iterable[Record]) -> None:
        self.relationship = relationship
        self.ids: dict[Ref, list[str]] = {}
        for record in records:
            self.add(record)

    def add(self, record: Record) -> None:
        target = record.relationships.get(self.relationship)
        if target is None or isinstance(target, list):
            return
        ids = self.ids.setdefault(target, [])
        if not ids or int(ids[-1]) < int(record.id):
            ids.append(record.id)
        elif record.id not in ids:
            ids.append(record.id)
            ids.sort(key=int)

    def remove(self, record: Record) -> None:
        target = record.relationships.get(self.relationship)
        if target is None or isinstance(target, list):
            return
        ids = self.ids.get(target)
        if ids and record.id in ids:
            ids.remove(record.id)
            if not ids:
                del self.ids[target]

    def pointing_at(self, target: Ref) -> list[str]:
        return list(self.ids.get(target, ()))
