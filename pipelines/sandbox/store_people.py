"""The store's helpers for applications and candidates: stage moves, edits and new records.

They are the operations a recruiter performs in Pinpoint's UI, used by tests, by the
write endpoints and by the activity simulation.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pipelines.sandbox.records import Record, Ref
from pipelines.sandbox.vocabulary import COUNTRIES

if TYPE_CHECKING:
    from pipelines.sandbox.clock import SandboxClock

READ_ONLY_ATTRIBUTES = frozenset({"created_at", "updated_at", "full_name"})

_COUNTRY_BY_CODE = {country.code: country for country in COUNTRIES}
_COUNTRY_BY_NAME = {country.name.lower(): country for country in COUNTRIES}
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


class StoreApplicationsMixin:
    """Application and candidate operations of ``SandboxStore``."""

    clock: SandboxClock
    lock: threading.RLock

    def _require(self, type_name: str, record_id: str) -> Record:
        raise NotImplementedError

    def _put(self, record: Record) -> Record:
        raise NotImplementedError

    def next_id(self, type_name: str) -> str:
        raise NotImplementedError

    def add(self, record: Record) -> Record:
        raise NotImplementedError

    def new_uuid(self, type_name: str, record_id: str) -> str:
        raise NotImplementedError

    def job_stages(self, job_id: str) -> list[Record]:
        """Return a job's stages in position order."""
        with self.lock:
            job = self._require("jobs", job_id)
            stages = [self._require(*ref) for ref in job.to_many("stages")]
            return sorted(stages, key=lambda stage: stage.attributes["position"])

    def move_application(self, application_id: str, stage_id: str) -> Record:
        """Move an application to another stage of its job, as a recruiter would.

        Updates ``stage_id``, advances ``furthest_stage`` when the new stage has a higher
        position (a move to a rejected stage never does), sets ``hired_at`` or
        ``rejected_at`` for hired and rejected stages and clears them otherwise, and bumps
        ``updated_at``. Raises ``RecordNotFound`` for an unknown id and ``ValueError`` for a
        stage of another job.
        """
        with self.lock:
            application = self._require("applications", str(application_id))
            stage = self._require("stages", str(stage_id))
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
            extras = {**application.extra_attributes, "stage_entered_at": now}
            moved = replace(
                application,
                attributes=attributes,
                relationships=relationships,
                extra_attributes=extras,
            )
            return self._put(moved)

    def update_candidate(self, candidate_id: str, **attributes: Any) -> Record:
        """Change candidate attributes and bump ``updated_at``.

        Raises ``ValueError`` for a name the candidate does not have or that is read-only.
        ``full_name`` follows ``first_name`` and ``last_name``.
        """
        with self.lock:
            candidate = self._require("candidates", str(candidate_id))
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
        stage of the job, copies the candidate's details and gets ``created_at`` and
        ``updated_at`` from the clock. Applications of blind-screening jobs are concealed.
        """
        with self.lock:
            job = self._require("jobs", str(job_id))
            candidate = self._require("candidates", str(candidate_id))
            stage = self.entry_stage(job, stage_id)
            attributes = new_application_attributes(candidate)
            return self.insert_application(job, candidate, stage, attributes, {})

    def insert_application(
        self,
        job: Record,
        candidate: Record,
        stage: Record,
        attributes: dict[str, Any],
        relationships: Mapping[str, Ref | None],
    ) -> Record:
        """Store a new application of ``candidate`` on ``stage`` and link it to the candidate."""
        with self.lock:
            now = self.clock.now()
            application_id = self.next_id("applications")
            basic_type = stage.attributes["basic_type"]
            attributes = {
                **attributes,
                "candidate_id": candidate.id,
                "job_id": job.id,
                "stage_id": stage.id,
                "concealed": bool(job.attributes["blind_screening"]),
                "hired_at": attributes.get("hired_at") or (now if basic_type == "hired" else None),
                "rejected_at": now if basic_type == "rejected" else None,
                "uuid": self.new_uuid("applications", application_id),
                "created_at": now,
                "updated_at": now,
            }
            application = Record(
                "applications",
                application_id,
                attributes,
                relationships={
                    "job": job.ref,
                    "candidate": candidate.ref,
                    "stage": stage.ref,
                    "furthest_stage": stage.ref if basic_type != "rejected" else None,
                    **relationships,
                },
                extra_attributes={"tags": [], "attachments": [], "stage_entered_at": now},
            )
            linked = [*candidate.to_many("applications"), application.ref]
            relationships_of_candidate = {**candidate.relationships, "applications": linked}
            self._put(replace(candidate, relationships=relationships_of_candidate))
            return self.add(application)

    def entry_stage(self, job: Record, stage_id: str | None) -> Record:
        """Return the stage a new application of ``job`` lands on.

        Raises ``ValueError`` when ``stage_id`` is not a stage of the job or the job has no
        applied stage.
        """
        stages = [self._require(*ref) for ref in job.to_many("stages")]
        if stage_id is not None:
            for stage in stages:
                if stage.id == str(stage_id):
                    return stage
            raise ValueError(f"stage {stage_id} does not belong to job {job.id}")
        applied = [stage for stage in stages if stage.attributes["basic_type"] == "applied"]
        if not applied:
            raise ValueError(f"job {job.id} has no applied stage; pass stage_id")
        return min(applied, key=lambda stage: stage.attributes["position"])

    def set_tags(self, type_name: str, record_id: str, tags: list[dict[str, str]]) -> Record:
        """Replace the tags of an application or candidate and bump ``updated_at``."""
        with self.lock:
            record = self._require(type_name, str(record_id))
            attributes = {**record.attributes, "updated_at": self.clock.now()}
            extras = {**record.extra_attributes, "tags": tags}
            return self._put(replace(record, attributes=attributes, extra_attributes=extras))

    def _is_further(self, stage: Record, current_ref: Ref | None) -> bool:
        if current_ref is None:
            return True
        current = self.get_record(current_ref)
        return current is None or stage.attributes["position"] > current.attributes["position"]

    def get_record(self, ref: Ref) -> Record | None:
        try:
            return self._require(*ref)
        except KeyError:
            return None


def new_application_attributes(candidate: Record) -> dict[str, Any]:
    """Return the attributes of a new application other than ids, stage and timestamps."""
    source = candidate.attributes
    country = country_of(source.get("country"))
    attributes: dict[str, Any] = {name: source.get(name) for name in _COPIED_FIELDS}
    attributes.update(
        {
            "linkedin_url": None,
            "country": country.name if country else source.get("country"),
            "country_code": country.code if country else None,
            "country_code_alpha3": country.alpha3 if country else None,
            "country_name": country.name if country else None,
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


def country_of(value: str | None) -> Any:
    """Return the vocabulary country for an ISO alpha-2 code or an English name, or None."""
    if not value:
        return None
    return _COUNTRY_BY_CODE.get(value.upper()) or _COUNTRY_BY_NAME.get(value.lower())
