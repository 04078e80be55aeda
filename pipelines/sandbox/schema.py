"""Resource types, their relationships and the query options of each sandbox endpoint.

Relationship names, include whitelists, sort keys and filters follow Pinpoint's public API
reference for the resources the connector reads. Stages, departments, locations and
interview parts have no endpoint in Pinpoint either; they reach a client only through
``include=``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

JOB_VISIBILITIES = ("internal", "external", "confidential", "private_job")
"""Values of ``jobs.visibility`` and of ``filter[job_visibility]``."""

DEFAULT_HIDDEN_VISIBILITIES = frozenset({"confidential"})
"""Visibilities whose applications and interviews are hidden unless the request lists them."""

TIMESTAMP_FILTER_FIELDS = frozenset({"created_at", "updated_at"})
TIMESTAMP_FILTER_OPERATORS = frozenset({"gt", "lt"})

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True)
class Relationship:
    """A relationship of a resource type and the type of the records it points at."""

    name: str
    target_type: str
    to_many: bool = False
    includable: bool = True
    """False for relationships that are listed but that the sandbox cannot resolve; they
    are always rendered as ``{"meta": {"included": false}}``."""


@dataclass(frozen=True)
class ResourceType:
    """A JSON:API type: its relationships in rendering order and its opt-in attributes."""

    name: str
    relationships: tuple[Relationship, ...] = ()
    extra_fields: frozenset[str] = frozenset()

    def relationship(self, name: str) -> Relationship | None:
        for relationship in self.relationships:
            if relationship.name == name:
                return relationship
        return None


@dataclass(frozen=True)
class Endpoint:
    """A collection path under ``/api/v1`` and the query options it accepts."""

    path: str
    resource_type: str
    has_show: bool = True
    sort_keys: frozenset[str] = frozenset({"id", "created_at", "updated_at"})
    timestamp_filters: bool = True
    id_filters: frozenset[str] = frozenset()
    """Filters on a string id attribute of the same name, such as ``job_id``."""
    boolean_filters: frozenset[str] = frozenset()
    job_visibility_filter: bool = False
    """True where records of confidential jobs are hidden unless the request lists the
    visibility in ``filter[job_visibility]``."""
    filter_names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        names = set(self.id_filters) | set(self.boolean_filters)
        if self.timestamp_filters:
            names |= TIMESTAMP_FILTER_FIELDS
        if self.job_visibility_filter:
            names.add("job_visibility")
        object.__setattr__(self, "filter_names", frozenset(names))


RESOURCE_TYPES: dict[str, ResourceType] = {
    resource.name: resource
    for resource in (
        ResourceType("users"),
        ResourceType("departments"),
        ResourceType("locations"),
        ResourceType("questions"),
        ResourceType(
            "jobs",
            relationships=(
                Relationship("department", "departments"),
                Relationship("location", "locations"),
                Relationship("stages", "stages", to_many=True),
                Relationship("questions", "questions", to_many=True),
                Relationship("hiring_manager_user", "users"),
                Relationship("recruitment_manager_user", "users"),
            ),
        ),
        ResourceType(
            "stages",
            relationships=(
                Relationship("applications", "applications", to_many=True, includable=False),
                Relationship("stageable", "jobs", includable=False),
            ),
        ),
        ResourceType(
            "candidates",
            relationships=(Relationship("applications", "applications", to_many=True),),
            extra_fields=frozenset({"tags", "attachments"}),
        ),
        ResourceType(
            "applications",
            relationships=(
                Relationship("job", "jobs"),
                Relationship("candidate", "candidates"),
                Relationship("stage", "stages"),
                Relationship("furthest_stage", "stages"),
            ),
            extra_fields=frozenset({"tags", "attachments"}),
        ),
        ResourceType(
            "interviews",
            relationships=(
                Relationship("stage", "stages"),
                Relationship("interview_parts", "interview_parts", to_many=True),
                # Pinpoint's interviewable is polymorphic (applications or job_seekers);
                # the sandbox only schedules interviews for applications.
                Relationship("interviewable", "applications"),
            ),
        ),
        ResourceType(
            "interview_parts",
            relationships=(Relationship("interviewing_users", "users", to_many=True),),
        ),
    )
}

ENDPOINTS: dict[str, Endpoint] = {
    endpoint.path: endpoint
    for endpoint in (
        Endpoint("users", "users", sort_keys=frozenset({"id"}), timestamp_filters=False),
        Endpoint(
            "jobs",
            "jobs",
            sort_keys=frozenset({"id", "created_at", "updated_at", "opened_at"}),
        ),
        Endpoint("candidates", "candidates"),
        Endpoint(
            "applications",
            "applications",
            id_filters=frozenset({"job_id", "candidate_id", "stage_id"}),
            job_visibility_filter=True,
        ),
        Endpoint("interviews", "interviews", job_visibility_filter=True),
        Endpoint(
            "questions",
            "questions",
            has_show=False,
            timestamp_filters=False,
            boolean_filters=frozenset({"banked"}),
        ),
    )
}

MAX_INCLUDE_DEPTH = 3
"""Longest dotted include path accepted, for example ``interview_parts.interviewing_users``."""
