"""In-memory record store of the sandbox, with the mutation helpers tests use.

Records of each type sit in a dict keyed by id, in ascending numeric id order (new
records get the next id), so the default API order needs no sort. One re-entrant lock
guards every read and write. Mutations replace a record with an edited copy instead of
changing it in place, and stamp ``updated_at`` from the sandbox clock. ``version``
increases with every mutation so that cached query results can tell they are stale.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import replace
from typing import Any

from pipelines.sandbox.clock import SandboxClock
from pipelines.sandbox.generate import Dataset
from pipelines.sandbox.records import Record, Ref
from pipelines.sandbox.vocabulary import COUNTRIES

logger = logging.getLogger(__name__)

_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://sandbox.pinpoint-pipelines.invalid/")
"""Namespace of the name-based UUIDs given to records added at run time."""

READ_ONLY_ATTRIBUTES = frozenset({"created_at", "updated_at", "full_name"})

_CASCADES: dict[str, tuple[tuple[str, str], ...]] = {
    # type -> (dependent type, relationship of the dependent that points at it)
    "jobs": (("applications", "job"),),
    "candidates": (("applications", "candidate"),),
    "applications": (("interviews", "interviewable"),),
}


class RecordNotFound(KeyError):
    """Raised by the mutation helpers for an id the store does not hold."""


class SandboxStore:
    """Records by type and id, shared by the HTTP app and the tests."""

    def __init__(self, dataset: Dataset, clock: SandboxClock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.version = 0
        self._records: dict[str, dict[str, Record]] = {
            type_name: {record.id: record for record in records}
            for type_name, records in dataset.records.items()
        }

    def get(self, type_name: str, record_id: str) -> Record | None:
        with self.lock:
            return self._records.get(type_name, {}).get(record_id)

    def records(self, type_name: str) -> list[Record]:
        """Return a snapshot of one type's records in ascending id order."""
        with self.lock:
            return list(self._records.get(type_name, {}).values())

    def count(self, type_name: str) -> int:
        with self.lock:
            return len(self._records.get(type_name, {}))

    def move_application(self, application_id: str, stage_id: str) -> Record:
        """Move an application to another stage of its job, as a recruiter would.

        Updates ``stage_id``, advances ``furthest_stage`` when the new stage has a higher
        position (a move to a rejected stage never does), sets ``hired_at`` or
        ``rejected_at`` for hired and rejected stages and clears them otherwise, and bumps
        ``updated_at``. Raises ``RecordNotFound`` for an unknown id and ``ValueError`` for a
        stage of another job.
        """
        with self.lock:
            application = self._require("applications", application_id)
            stage = self._require("stages", stage_id)
            if stage.to_one("stageable") != application.to_one("job"):
                raise ValueError(
                    f"stage {stage_id} does not belong to job {application.attributes['job_id']} "
                    f"of application {application_id}"
                )
            now = self.clock.now()
            basic_type = stage.attributes["basic_type"]
            attributes = dict(application.attributes)
            attributes["stage_id"] = stage.id
            attributes["hired_at"] = now if basic_type == "hired" else None
            attributes["rejected_at"] = now if basic_type == "rejected" else None
            attributes["updated_at"] = now
            relationships = dict(application.relationships)
            relationships["stage"] = stage.ref
            furthest = application.to_one("furthest_stage")
            if basic_type != "rejected" and self._is_further(stage, furthest):
                relationships["furthest_stage"] = stage.ref
            moved = replace(application, attributes=attributes, relationships=relationships)
            return self._put(moved)

    def update_candidate(self, candidate_id: str, **attributes: Any) -> Record:
        """Change candidate attributes and bump ``updated_at``.

        Raises ``ValueError`` for a name the candidate does not have or that is read-only.
        ``full_name`` follows ``first_name`` and ``last_name``.
        """
        with self.lock:
            candidate = self._require("candidates", candidate_id)
            unknown = sorted(set(attributes) - set(candidate.attributes))
            read_only = sorted(set(attributes) & READ_ONLY_ATTRIBUTES)
            if unknown or read_only:
                raise ValueError(
                    f"cannot set candidate attributes {unknown + read_only}: "
                    f"unknown names {unknown}, read-only names {read_only}"
                )
            updated = dict(candidate.attributes)
            updated.update(attributes)
            if "first_name" in attributes or "last_name" in attributes:
                names = (updated["first_name"], updated["last_name"])
                updated["full_name"] = " ".join(name for name in names if name) or None
            updated["updated_at"] = self.clock.now()
            return self._put(replace(candidate, attributes=updated))

    def add_application(
        self, job_id: str, candidate_id: str, stage_id: str | None = None
    ) -> Record:
        """Create an application of an existing candidate, as a new application would.

        It lands on the job's first ``applied`` stage unless ``stage_id`` names another
        stage of the job, copies the candidate's details (hidden when the job uses blind
        screening) and gets ``created_at`` and ``updated_at`` from the clock.
        """
        with self.lock:
            job = self._require("jobs", job_id)
            candidate = self._require("candidates", candidate_id)
            stage = self._entry_stage(job, stage_id)
            now = self.clock.now()
            application_id = self.next_id("applications")
            concealed = bool(job.attributes["blind_screening"])
            attributes = new_application_attributes(candidate, concealed)
            attributes.update(
                {
                    "candidate_id": candidate.id,
                    "job_id": job.id,
                    "stage_id": stage.id,
                    "concealed": concealed,
                    "hired_at": now if stage.attributes["basic_type"] == "hired" else None,
                    "rejected_at": now if stage.attributes["basic_type"] == "rejected" else None,
                    "uuid": str(uuid.uuid5(_UUID_NAMESPACE, f"applications/{application_id}")),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            application = Record(
                "applications",
                application_id,
                attributes,
                relationships={
                    "job": job.ref,
                    "candidate": candidate.ref,
                    "stage": stage.ref,
                    "furthest_stage": stage.ref,
                },
                extra_attributes={"tags": [], "attachments": []},
            )
            linked = [*candidate.to_many("applications"), application.ref]
            relationships = {**candidate.relationships, "applications": linked}
            self._put(replace(candidate, relationships=relationships))
            return self._put(application)

    def touch(self, type_name: str, record_id: str) -> Record:
        """Set a record's ``updated_at`` to the clock's time without other changes."""
        with self.lock:
            record = self._require(type_name, record_id)
            attributes = dict(record.attributes)
            attributes["updated_at"] = self.clock.now()
            return self._put(replace(record, attributes=attributes))

    def delete(self, type_name: str, record_id: str) -> list[Ref]:
        """Remove a record and return the refs of everything removed with it.

        Deleting a job or candidate also deletes their applications, and deleting an
        application deletes its interviews and unlinks it from its candidate, so the
        remaining data stays consistent. No ``updated_at`` changes: like Pinpoint, the
        sandbox gives a delta sync no sign of a deletion.
        """
        with self.lock:
            self._require(type_name, record_id)
            removed: list[Ref] = []
            self._delete_cascading(type_name, record_id, removed)
            logger.debug("Deleted %s", removed)
            return removed

    def add(self, record: Record) -> Record:
        """Insert a new record; its id must be higher than every id of its type."""
        with self.lock:
            existing = self._records.setdefault(record.type, {})
            if existing and int(record.id) <= max(int(record_id) for record_id in existing):
                raise ValueError(f"{record.type} id {record.id} is not above the existing ids")
            return self._put(record)

    def next_id(self, type_name: str) -> str:
        """Return the id a new record of ``type_name`` should get."""
        with self.lock:
            existing = self._records.get(type_name, {})
            return str(max((int(record_id) for record_id in existing), default=0) + 1)

    def _require(self, type_name: str, record_id: str) -> Record:
        record = self._records.get(type_name, {}).get(str(record_id))
        if record is None:
            raise RecordNotFound(f"no {type_name} record with id {record_id!r}")
        return record

    def _put(self, record: Record) -> Record:
        self._records.setdefault(record.type, {})[record.id] = record
        self.version += 1
        return record

    def _entry_stage(self, job: Record, stage_id: str | None) -> Record:
        all_stages = self._records.get("stages", {})
        stage_refs = job.to_many("stages")
        stages = [all_stages[ref[1]] for ref in stage_refs if ref[1] in all_stages]
        if stage_id is not None:
            for stage in stages:
                if stage.id == str(stage_id):
                    return stage
            raise ValueError(f"stage {stage_id} does not belong to job {job.id}")
        applied = [stage for stage in stages if stage.attributes["basic_type"] == "applied"]
        if not applied:
            raise ValueError(f"job {job.id} has no applied stage; pass stage_id")
        return min(applied, key=lambda stage: stage.attributes["position"])

    def _is_further(self, stage: Record, current_ref: Ref | None) -> bool:
        if current_ref is None:
            return True
        current = self._records["stages"].get(current_ref[1])
        return current is None or stage.attributes["position"] > current.attributes["position"]

    def _delete_cascading(self, type_name: str, record_id: str, removed: list[Ref]) -> None:
        record = self._records.get(type_name, {}).pop(record_id, None)
        if record is None:
            return
        self.version += 1
        removed.append(record.ref)
        for dependent_type, relationship in _CASCADES.get(type_name, ()):
            dependents = [
                dependent.id
                for dependent in self._records.get(dependent_type, {}).values()
                if dependent.relationships.get(relationship) == record.ref
            ]
            for dependent_id in dependents:
                self._delete_cascading(dependent_type, dependent_id, removed)
        if type_name == "interviews":
            for part_ref in record.to_many("interview_parts"):
                self._records.get("interview_parts", {}).pop(part_ref[1], None)
        if type_name == "applications":
            self._unlink_from_candidate(record)

    def _unlink_from_candidate(self, application: Record) -> None:
        candidate_ref = application.to_one("candidate")
        if candidate_ref is None:
            return
        candidate = self._records.get("candidates", {}).get(candidate_ref[1])
        if candidate is None:
            return
        linked = candidate.to_many("applications")
        remaining = [ref for ref in linked if ref != application.ref]
        relationships = dict(candidate.relationships)
        relationships["applications"] = remaining
        self._records["candidates"][candidate.id] = replace(candidate, relationships=relationships)


_COUNTRY_BY_CODE = {country.code: country for country in COUNTRIES}
_COPIED_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "preferred_name",
    "email",
    "phone",
    "phone_iso2",
    "date_of_birth",
    "locale",
    "address1",
    "address2",
    "town",
    "state_province",
    "postcode",
)


def new_application_attributes(candidate: Record, concealed: bool) -> dict[str, Any]:
    """Return the attributes of a new application other than ids, stage and timestamps."""
    source = candidate.attributes
    country = _COUNTRY_BY_CODE.get(source.get("country") or "")
    attributes: dict[str, Any] = {name: source.get(name) for name in _COPIED_FIELDS}
    attributes.update(
        {
            "linkedin_url": None,
            "country": country.name if country else source.get("country"),
            "country_code": country.code if country else None,
            "country_code_alpha3": country.alpha3 if country else None,
            "country_name": country.name if country else None,
        }
    )
    if concealed:
        attributes = dict.fromkeys(attributes)
    attributes.update(
        {
            "summary": None,
            "preferred_pronouns": None,
            "channel": "api",
            "channel_source": None,
            "job_posting_id": None,
            "internal_candidate": False,
            "is_demo": False,
            "national_identifier": None,
            "external_system_reference": None,
            "start_on": None,
            "ai_score": None,
        }
    )
    return attributes
