"""Turn the parsed ``filter[...]`` parameters of a request into record predicates.

Generic filters compare a value of the record: its attribute of the filter's name, else
its extra attribute, else the id behind the to-one relationship named by the filter
without its ``_id`` suffix (``filter[hiring_manager_user_id]`` reads the
``hiring_manager_user`` relationship). Filters that need other records, such as
``stage_basic_type`` or ``department_name``, are built here by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipelines.sandbox.endpoints import Endpoint
from pipelines.sandbox.query import Filter, Query
from pipelines.sandbox.records import Record
from pipelines.sandbox.schema import DEFAULT_HIDDEN_VISIBILITIES
from pipelines.sandbox.store import SandboxStore

Predicate = Callable[[Record], bool]

POLYMORPHIC_CLASS_NAMES = {
    "applications": "Application",
    "candidates": "Candidate",
    "jobs": "Job",
    "offers": "Offer",
    "job_seekers": "JobSeeker",
}
"""Rails class names Pinpoint uses in ``*_type`` attributes, by JSON:API type."""


def build_predicates(store: SandboxStore, endpoint: Endpoint, query: Query) -> list[Predicate]:
    """Return one predicate per filter of ``query``; the caller must hold ``store.lock``.

    The job visibility rule is included whenever the endpoint has it, with or without a
    ``filter[job_visibility]`` parameter.
    """
    predicates = [
        _predicate(store, endpoint, item)
        for item in query.filters
        if item.spec.kind != "visibility"
    ]
    if endpoint.job_visibility_filter:
        visibility = visibility_predicate(store, endpoint, query.visibilities())
        if visibility is not None:
            predicates.append(visibility)
    return predicates


def value_of(record: Record, name: str) -> Any:
    """Return the value a generic filter named ``name`` compares for ``record``."""
    if name in record.attributes:
        return record.attributes[name]
    if name in record.extra_attributes:
        return record.extra_attributes[name]
    if name.endswith("_id"):
        target = record.relationships.get(name[:-3])
        if isinstance(target, tuple):
            return target[1]
    return None


def visibility_predicate(
    store: SandboxStore, endpoint: Endpoint, visibilities: frozenset[str] | None
) -> Predicate | None:
    """Keep records whose job has a listed visibility, or by default hide confidential jobs.

    Returns None when no job is excluded, so the caller can skip the check.
    """
    jobs = store.records("jobs")
    if visibilities is None:
        excluded = {
            job.id for job in jobs if job.attributes["visibility"] in DEFAULT_HIDDEN_VISIBILITIES
        }
    else:
        excluded = {job.id for job in jobs if job.attributes["visibility"] not in visibilities}
    if not excluded:
        return None
    if endpoint.resource_type == "applications":
        return lambda record: record.attributes["job_id"] not in excluded

    def interview_visible(record: Record) -> bool:
        # Interviews reach their job through the interviewed application.
        target = record.to_one("interviewable")
        application = store.get(*target) if target is not None else None
        return application is not None and application.attributes["job_id"] not in excluded

    return interview_visible


def _predicate(store: SandboxStore, endpoint: Endpoint, item: Filter) -> Predicate:
    special = _SPECIAL.get((endpoint.resource_type, item.name))
    if special is not None:
        return special(store, item)
    name = item.spec.attribute or item.name
    kind = item.spec.kind

    if kind == "timestamp":
        moment = item.moment
        assert moment is not None
        if item.operator == "gt":
            return lambda r: (value := r.attributes.get(name)) is not None and value > moment
        return lambda r: (value := r.attributes.get(name)) is not None and value < moment
    if kind == "boolean":
        expected = bool(item.values[0])
        return lambda r: bool(value_of(r, name)) is expected
    if kind == "derived":
        # A structure the sandbox does not model (divisions, structured sections,
        # template custom fields): no record matches.
        return lambda r: False
    wanted = {str(value) for value in item.values}
    return lambda r: (value := value_of(r, name)) is not None and str(value) in wanted


def _stage_basic_type(store: SandboxStore, item: Filter) -> Predicate:
    stage_ids = {
        stage.id
        for stage in store.records("stages")
        if stage.attributes["basic_type"] in item.values
    }
    return lambda r: r.attributes["stage_id"] in stage_ids


def _candidate_email(store: SandboxStore, item: Filter) -> Predicate:
    wanted = {str(value).lower() for value in item.values}
    return lambda r: (r.attributes.get("email") or "").lower() in wanted


def _candidate_phone(store: SandboxStore, item: Filter) -> Predicate:
    wanted = {str(value).replace(" ", "") for value in item.values}
    return lambda r: (r.attributes.get("phone") or "").replace(" ", "") in wanted


def _related_name(type_name: str, relationship: str) -> Callable[[SandboxStore, Filter], Predicate]:
    """Match records whose related ``type_name`` record has one of the given names."""

    def build(store: SandboxStore, item: Filter) -> Predicate:
        ids = {r.id for r in store.records(type_name) if r.attributes.get("name") in item.values}
        return lambda r: (ref := r.to_one(relationship)) is not None and ref[1] in ids

    return build


def _job_search(store: SandboxStore, item: Filter) -> Predicate:
    terms = [str(value).lower() for value in item.values]
    return lambda r: any(term in (r.attributes.get("title") or "").lower() for term in terms)


def _non_rejected_applications(store: SandboxStore, item: Filter) -> Predicate:
    # NOTE: Pinpoint documents this integer filter without its meaning; the sandbox reads
    # it as "at least this many applications that are not rejected".
    minimum = int(str(item.values[0]))
    counts: dict[str, int] = {}
    for application in store.records("applications"):
        if application.attributes["rejected_at"] is None:
            job_id = application.attributes["job_id"]
            counts[job_id] = counts.get(job_id, 0) + 1
    return lambda r: counts.get(r.id, 0) >= minimum


def _users_of_jobs(relationship: str) -> Callable[[SandboxStore, Filter], Predicate]:
    def build(store: SandboxStore, item: Filter) -> Predicate:
        user_ids = set()
        for job_id in item.values:
            job = store.get("jobs", str(job_id))
            ref = job.to_one(relationship) if job is not None else None
            if ref is not None:
                user_ids.add(ref[1])
        return lambda r: r.id in user_ids

    return build


def _interviewing_users(store: SandboxStore, item: Filter) -> Predicate:
    # NOTE: inferred meaning: the listed users, among those who interview.
    interviewers = {
        ref[1]
        for part in store.records("interview_parts")
        for ref in part.to_many("interviewing_users")
    }
    wanted = {str(value) for value in item.values} & interviewers
    return lambda r: r.id in wanted


def _questions_of_jobs(store: SandboxStore, item: Filter) -> Predicate:
    question_ids: set[str] = set()
    for job_id in item.values:
        job = store.get("jobs", str(job_id))
        if job is not None:
            question_ids.update(ref[1] for ref in job.to_many("questions"))
    return lambda r: r.id in question_ids


def _posting_department(store: SandboxStore, item: Filter) -> Predicate:
    wanted = {str(value) for value in item.values}

    def matches(record: Record) -> bool:
        job = store.get("jobs", str(record.attributes.get("job_id")))
        ref = job.to_one("department") if job is not None else None
        return ref is not None and ref[1] in wanted

    return matches


def _attributable_type(store: SandboxStore, item: Filter) -> Predicate:
    wanted = set(item.values)

    def matches(record: Record) -> bool:
        ref = record.to_one("custom_attributable")
        return ref is not None and POLYMORPHIC_CLASS_NAMES.get(ref[0]) in wanted

    return matches


def _relationship_ids(relationship: str) -> Callable[[SandboxStore, Filter], Predicate]:
    def build(store: SandboxStore, item: Filter) -> Predicate:
        wanted = {str(value) for value in item.values}
        return lambda r: (ref := r.to_one(relationship)) is not None and ref[1] in wanted

    return build


_SPECIAL: dict[tuple[str, str], Callable[[SandboxStore, Filter], Predicate]] = {
    ("applications", "stage_basic_type"): _stage_basic_type,
    ("applications", "candidate_email"): _candidate_email,
    ("applications", "candidate_phone"): _candidate_phone,
    ("jobs", "department_id"): _relationship_ids("department"),
    ("jobs", "location_id"): _relationship_ids("location"),
    ("jobs", "department_name"): _related_name("departments", "department"),
    ("jobs", "location_name"): _related_name("locations", "location"),
    ("jobs", "search"): _job_search,
    ("jobs", "non_rejected_applications"): _non_rejected_applications,
    ("users", "hiring_manager_job_id"): _users_of_jobs("hiring_manager_user"),
    ("users", "recruitment_manager_job_id"): _users_of_jobs("recruitment_manager_user"),
    ("users", "creator_job_id"): _users_of_jobs("creator_user"),
    ("users", "interviewing_user_id"): _interviewing_users,
    ("questions", "questionable_id"): _questions_of_jobs,
    ("job_postings", "department_id"): _posting_department,
    ("job_postings", "location_id"): _relationship_ids("location"),
    ("custom_attributes", "custom_attributable_type"): _attributable_type,
}
