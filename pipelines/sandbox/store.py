"""In-memory record store of the sandbox, with the mutation helpers tests use.

Records of each type sit in a dict keyed by id, in ascending numeric id order (new
records get the next id), so the default API order needs no sort. One re-entrant lock
guards every read and write. Mutations replace a record with an edited copy instead of
changing it in place, and stamp ``updated_at`` from the sandbox clock. Each type has a
version that increases with every change to it, so cached query results can tell they
are stale, and an order index and inverse indexes that every change keeps current.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, replace
from typing import Any

from pipelines.sandbox.clock import SandboxClock
from pipelines.sandbox.generate import Dataset
from pipelines.sandbox.index import InverseIndex, OrderIndex
from pipelines.sandbox.records import Record, Ref
from pipelines.sandbox.store_people import StoreApplicationsMixin

logger = logging.getLogger(__name__)

_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://sandbox.pinpoint-pipelines.invalid/")
"""Namespace of the name-based UUIDs given to records added at run time."""

_CASCADES: dict[str, tuple[tuple[str, str], ...]] = {
    # type -> (dependent type, to-one relationship of the dependent that points at it)
    "jobs": (
        ("applications", "job"),
        ("job_postings", "job"),
        ("stages", "stageable"),
        ("custom_attributes", "custom_attributable"),
    ),
    "candidates": (
        ("applications", "candidate"),
        ("comments", "commentable"),
        ("custom_attributes", "custom_attributable"),
    ),
    "applications": (
        ("interviews", "interviewable"),
        ("comments", "commentable"),
        ("answers", "answerable"),
        ("offers", "application"),
        ("custom_attributes", "custom_attributable"),
        ("candidate_assessments", "application"),
        ("background_checks", "application"),
    ),
}


class RecordNotFound(KeyError):
    """Raised by the mutation helpers for an id the store does not hold."""


@dataclass(frozen=True)
class StoredFile:
    """An uploaded document: its bytes and the record it is attached to."""

    file_id: str
    owner: Ref
    context: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Notification:
    """An email Pinpoint would have sent; the sandbox records it instead of sending."""

    kind: str
    recipient: str
    subject: Ref


class SandboxStore(StoreApplicationsMixin):
    """Records by type and id, shared by the HTTP app and the tests."""

    def __init__(self, dataset: Dataset, clock: SandboxClock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.version = 0
        self.versions: dict[str, int] = {}
        self.files: dict[str, StoredFile] = {}
        self.notifications: list[Notification] = []
        self._records: dict[str, dict[str, Record]] = {
            type_name: {record.id: record for record in records}
            for type_name, records in dataset.records.items()
        }
        self._max_ids = {
            type_name: max((int(record_id) for record_id in records), default=0)
            for type_name, records in self._records.items()
        }
        # Template stages of hiring workflows share the id sequence of the jobs' stages.
        self._max_ids["stages"] = max(
            self._max_ids.get("stages", 0), self._max_ids.pop("workflow_stages", 0)
        )
        self._order: dict[str, OrderIndex] = {}
        self._inverse: dict[tuple[str, str], InverseIndex] = {}

    # Reads

    def get(self, type_name: str, record_id: str) -> Record | None:
        with self.lock:
            return self._records.get(type_name, {}).get(str(record_id))

    def records(self, type_name: str) -> list[Record]:
        """Return a snapshot of one type's records in ascending id order."""
        with self.lock:
            return list(self._records.get(type_name, {}).values())

    def count(self, type_name: str) -> int:
        with self.lock:
            return len(self._records.get(type_name, {}))

    def type_version(self, type_name: str) -> int:
        return self.versions.get(type_name, 0)

    def order_index(self, type_name: str) -> OrderIndex:
        """Return the ``(updated_at, id)`` index of a type, building it on first use."""
        with self.lock:
            index = self._order.get(type_name)
            if index is None:
                index = OrderIndex(self._records.get(type_name, {}).values())
                self._order[type_name] = index
            return index

    def pointing_at(self, type_name: str, relationship: str, target: Ref) -> list[Record]:
        """Return the records of ``type_name`` whose ``relationship`` is ``target``, by id."""
        with self.lock:
            key = (type_name, relationship)
            index = self._inverse.get(key)
            if index is None:
                index = InverseIndex(relationship, self._records.get(type_name, {}).values())
                self._inverse[key] = index
            records = self._records.get(type_name, {})
            return [records[record_id] for record_id in index.pointing_at(target)]

    # Generic writes

    def next_id(self, type_name: str) -> str:
        """Return the id a new record of ``type_name`` should get."""
        with self.lock:
            return str(self._max_ids.get(type_name, 0) + 1)

    def new_uuid(self, type_name: str, record_id: str) -> str:
        return str(uuid.uuid5(_UUID_NAMESPACE, f"{type_name}/{record_id}"))

    def add(self, record: Record) -> Record:
        """Insert a new record; its id must be higher than every id of its type."""
        with self.lock:
            if int(record.id) <= self._max_ids.get(record.type, 0):
                raise ValueError(f"{record.type} id {record.id} is not above the existing ids")
            self._max_ids[record.type] = int(record.id)
            return self._put(record)

    def update(
        self,
        type_name: str,
        record_id: str,
        attributes: dict[str, Any] | None = None,
        relationships: dict[str, Any] | None = None,
        extra_attributes: dict[str, Any] | None = None,
        touch: bool = True,
    ) -> Record:
        """Replace some attributes, relationships or extra attributes of a record.

        ``touch`` sets ``updated_at`` to the clock's time. Raises ``RecordNotFound``.
        """
        with self.lock:
            record = self._require(type_name, record_id)
            new_attributes = {**record.attributes, **(attributes or {})}
            if touch:
                new_attributes["updated_at"] = self.clock.now()
            changed = replace(
                record,
                attributes=new_attributes,
                relationships={**record.relationships, **(relationships or {})},
                extra_attributes={**record.extra_attributes, **(extra_attributes or {})},
            )
            return self._put(changed)

    def put(self, record: Record) -> Record:
        """Store ``record`` as given, replacing the record of the same type and id.

        Unlike ``update`` it stamps nothing, so tests can set any ``updated_at``. A new
        id must be above the existing ones, as ``add`` requires.
        """
        with self.lock:
            if self.get(record.type, record.id) is None:
                return self.add(record)
            return self._put(record)

    def touch(self, type_name: str, record_id: str) -> Record:
        """Set a record's ``updated_at`` to the clock's time without other changes."""
        return self.update(type_name, record_id)

    def delete(self, type_name: str, record_id: str) -> list[Ref]:
        """Remove a record and return the refs of everything removed with it.

        Deleting a job also deletes its applications, stages and postings. Deleting a
        candidate deletes its applications. Deleting an application deletes its
        interviews, comments, screening answers, offers, custom attributes and result
        links, and unlinks it from its candidate, so the remaining data stays consistent.
        No ``updated_at`` changes: like Pinpoint, the sandbox gives a delta sync no sign
        of a deletion.
        """
        with self.lock:
            self._require(type_name, str(record_id))
            removed: list[Ref] = []
            self._delete_cascading(type_name, str(record_id), removed)
            logger.debug("Deleted %d records, starting with %s", len(removed), removed[:1])
            return removed

    def add_file(self, stored: StoredFile) -> None:
        with self.lock:
            self.files[stored.file_id] = stored

    # Internals

    def _require(self, type_name: str, record_id: str) -> Record:
        record = self._records.get(type_name, {}).get(str(record_id))
        if record is None:
            raise RecordNotFound(f"no {type_name} record with id {record_id!r}")
        return record

    def _put(self, record: Record) -> Record:
        records = self._records.setdefault(record.type, {})
        previous = records.get(record.id)
        if previous is not None:
            self._unindex(previous)
        records[record.id] = record
        self._index(record)
        self._bump(record.type)
        return record

    def _bump(self, type_name: str) -> None:
        self.version += 1
        self.versions[type_name] = self.versions.get(type_name, 0) + 1

    def _index(self, record: Record) -> None:
        order = self._order.get(record.type)
        if order is not None:
            order.add(record)
        for (type_name, _), inverse in self._inverse.items():
            if type_name == record.type:
                inverse.add(record)

    def _unindex(self, record: Record) -> None:
        order = self._order.get(record.type)
        if order is not None:
            order.remove(record)
        for (type_name, _), inverse in self._inverse.items():
            if type_name == record.type:
                inverse.remove(record)

    def _delete_cascading(self, type_name: str, record_id: str, removed: list[Ref]) -> None:
        record = self._records.get(type_name, {}).get(record_id)
        if record is None:
            return
        for dependent_type, relationship in _CASCADES.get(type_name, ()):
            for dependent in self.pointing_at(dependent_type, relationship, record.ref):
                self._delete_cascading(dependent_type, dependent.id, removed)
        del self._records[type_name][record_id]
        self._unindex(record)
        self._bump(type_name)
        removed.append(record.ref)
        for file_id in [f for f, stored in self.files.items() if stored.owner == record.ref]:
            del self.files[file_id]
        if type_name == "applications":
            self._unlink_from_candidate(record)
        if type_name == "interviews":
            for part_type, part_id in record.to_many("interview_parts"):
                part = self._records.get(part_type, {}).pop(part_id, None)
                if part is not None:
                    self._unindex(part)
                    self._bump(part_type)
                    removed.append(part.ref)

    def _unlink_from_candidate(self, application: Record) -> None:
        candidate_ref = application.to_one("candidate")
        candidate = (
            self._records.get("candidates", {}).get(candidate_ref[1]) if candidate_ref else None
        )
        if candidate is None:
            return
        remaining = [ref for ref in candidate.to_many("applications") if ref != application.ref]
        relationships = {**candidate.relationships, "applications": remaining}
        self._put(replace(candidate, relationships=relationships))
