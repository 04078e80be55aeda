"""The sandbox's endpoints: paths, methods, permission areas, sort keys and filters.

Filters and sort keys follow the parameter lists of Pinpoint's API reference. Where the
reference could not confirm an endpoint's list (locations, questions, candidate
assessments), the sandbox assumes the common pattern, which is inferred.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.sandbox.schema import JOB_VISIBILITIES

TIMESTAMP_OPERATORS = frozenset({"gt", "lt"})

LOCALES = [
    "ar",
    "bg",
    "cs",
    "cy",
    "da",
    "de",
    "de-CH",
    "de-F",
    "en",
    "es",
    "es-419",
    "fr",
    "ga",
    "he",
    "hu",
    "hy",
    "it",
    "ja",
    "ko",
    "nl",
    "pl",
    "pt",
    "pt-BR",
    "ro",
    "ru",
    "sv",
    "sw-CD",
    "sw-KE",
    "sw-TZ",
    "sw-UG",
    "tl",
    "th",
    "tr",
    "uk",
    "uz",
    "vi",
    "zh",
]
STAGE_BASIC_TYPES = ("applied", "rejected", "review", "interview", "hired", "offer")
JOB_STATUSES = (
    "open",
    "closed",
    "archived",
    "pending_approval",
    "draft",
    "hold",
    "cancelled",
    "filled",
    "preview",
)
ASSESSMENT_STATUSES = (
    "pending",
    "completed",
    "abandoned",
    "failed",
    "cancelled",
    "archived",
    "not_started",
)
# NOTE: Pinpoint documents a "long enum" for background check statuses without listing
# it; these values are a guess.
BACKGROUND_CHECK_STATUSES = (
    "pending",
    "in_progress",
    "completed",
    "cancelled",
    "failed",
    "disputed",
    "suspended",
)
CUSTOM_FIELD_RESOURCE_TYPES = ("job", "application", "job_seeker", "offer", "position", "candidate")
CUSTOM_ATTRIBUTABLE_TYPES = (
    "Application",
    "Candidate",
    "Job",
    "JobSeeker",
    "JobTemplate",
    "Offer",
    "Position",
)
COMMENTABLE_TYPES = (
    "Application",
    "Candidate",
    "JobSeeker",
    "Task",
    "Job",
    "ReferenceCheckSubmission",
    "PinpointCheckOrder",
)


@dataclass(frozen=True)
class FilterSpec:
    """One ``filter[name]`` parameter.

    Kinds: ``timestamp`` (``[gt]``/``[lt]`` on a datetime attribute), ``ids`` (digit ids,
    compared as strings), ``strings`` (exact values), ``enum`` (values from ``allowed``),
    ``boolean``, ``integer``, ``visibility`` (the job visibility rule) and ``derived``
    (evaluated by a named function in ``filters.py``).
    """

    kind: str
    attribute: str | None = None
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Endpoint:
    """A collection path under ``/api/v1``, who may use it and the query options it accepts."""

    path: str
    resource_type: str
    area: str
    """Permission area an API key needs Read (GET) or Write (other methods) access to."""
    has_show: bool = True
    collection_methods: frozenset[str] = frozenset({"GET"})
    member_methods: frozenset[str] = frozenset({"GET"})
    sort_keys: frozenset[str] = frozenset({"id", "created_at", "updated_at"})
    filters: dict[str, FilterSpec] = field(default_factory=dict)

    @property
    def job_visibility_filter(self) -> bool:
        """True where records of confidential jobs are hidden unless the request lists the
        visibility in ``filter[job_visibility]``."""
        return "job_visibility" in self.filters


def _timestamps(*names: str) -> dict[str, FilterSpec]:
    return {name: FilterSpec("timestamp") for name in ("created_at", "updated_at", *names)}


def _ids(*names: str) -> dict[str, FilterSpec]:
    return {name: FilterSpec("ids") for name in names}


def _strings(*names: str) -> dict[str, FilterSpec]:
    return {name: FilterSpec("strings") for name in names}


def _booleans(*names: str) -> dict[str, FilterSpec]:
    return {name: FilterSpec("boolean") for name in names}


def _enum(values: tuple[str, ...], attribute: str | None = None) -> FilterSpec:
    return FilterSpec("enum", attribute, values)


def _derived(*names: str) -> dict[str, FilterSpec]:
    return {name: FilterSpec("derived") for name in names}


_VISIBILITY = {"job_visibility": FilterSpec("visibility", allowed=JOB_VISIBILITIES)}
_READ = frozenset({"GET"})
_CREATE = frozenset({"GET", "POST"})
_UPDATE = frozenset({"GET", "PUT", "PATCH"})
_UPDATE_DELETE = frozenset({"GET", "PUT", "PATCH", "DELETE"})
_ID_SORT = frozenset({"id"})

ENDPOINTS: dict[str, Endpoint] = {
    endpoint.path: endpoint
    for endpoint in (
        Endpoint(
            "users",
            "users",
            "User",
            sort_keys=_ID_SORT,
            filters={
                **_strings("email"),
                **_booleans("employee"),
                **_derived(
                    "hiring_manager_job_id",
                    "recruitment_manager_job_id",
                    "creator_job_id",
                    "interviewing_user_id",
                ),
            },
        ),
        Endpoint(
            "jobs",
            "jobs",
            "Job",
            member_methods=frozenset({"GET", "DELETE"}),
            sort_keys=frozenset({"id", "created_at", "updated_at", "opened_at"}),
            filters={
                **_timestamps(),
                **_strings(
                    "uuid", "external_system_reference", "requisition_id", "employment_type"
                ),
                "workplace_type": _enum(("onsite", "hybrid", "remote")),
                "visibility": _enum(JOB_VISIBILITIES),
                "status": _enum(JOB_STATUSES),
                **_booleans("remote"),
                **_ids("hiring_manager_user_id", "recruitment_manager_user_id"),
                **_derived(
                    "department_id",
                    "department_name",
                    "division_id",
                    "division_name",
                    "location_id",
                    "location_name",
                    "structure_custom_group_one_id",
                    "structure_custom_group_one_name",
                    "search",
                    "non_rejected_applications",
                ),
            },
        ),
        Endpoint(
            "candidates",
            "candidates",
            "Candidate",
            member_methods=_UPDATE,
            filters={
                **_timestamps(),
                **_strings("external_system_reference", "phone"),
                **_booleans("blocked"),
            },
        ),
        Endpoint(
            "applications",
            "applications",
            "Application",
            collection_methods=_CREATE,
            member_methods=_UPDATE_DELETE,
            filters={
                **_timestamps(),
                **_strings("uuid", "external_system_reference"),
                **_ids("candidate_id", "job_id", "job_posting_id", "stage_id"),
                **_booleans("internal_candidate", "concealed"),
                "locale": _enum(tuple(LOCALES)),
                "candidate_email": FilterSpec("derived"),
                "candidate_phone": FilterSpec("derived"),
                "stage_basic_type": _enum(STAGE_BASIC_TYPES),
                **_VISIBILITY,
            },
        ),
        Endpoint(
            "interviews",
            "interviews",
            "Interview",
            filters={
                **_timestamps("start_at"),
                **_ids("interviewable_id"),
                "interviewable_type": _enum(("Application", "JobSeeker")),
                "presence": _enum(("attended", "no_show")),
                **_VISIBILITY,
            },
        ),
        Endpoint(
            "questions",
            "questions",
            "Question",
            has_show=False,
            filters={
                **_booleans("banked"),
                **_derived("questionable_id", "structured_section_id"),
            },
        ),
        Endpoint(
            "comments",
            "comments",
            "Comment",
            collection_methods=_CREATE,
            member_methods=frozenset({"GET", "DELETE"}),
            filters={
                **_timestamps(),
                **_ids("commentable_id"),
                "commentable_type": _enum(COMMENTABLE_TYPES),
            },
        ),
        Endpoint(
            "departments",
            "departments",
            "Department",
            filters={**_timestamps(), **_strings("external_system_reference")},
        ),
        Endpoint(
            "locations",
            "locations",
            "Location",
            filters={**_timestamps(), **_strings("external_system_reference")},
        ),
        Endpoint(
            "hiring_workflows",
            "hiring_workflows",
            "Hiring Workflow",
            filters={**_timestamps(), **_strings("external_system_reference")},
        ),
        Endpoint(
            "job_postings",
            "job_postings",
            "Job",
            filters={
                **_timestamps(),
                **_ids("job_id"),
                "status": _enum(("active", "inactive")),
                **_booleans("default_for_job"),
                **_strings("employment_type", "location_city_state_name"),
                "workplace_type": _enum(("onsite", "hybrid", "remote")),
                **_derived(
                    "department_id", "division_id", "location_id", "structure_custom_group_one_id"
                ),
            },
        ),
        Endpoint(
            "custom_fields",
            "custom_fields",
            "Custom Field",
            sort_keys=_ID_SORT,
            filters={
                "resource_type": _enum(CUSTOM_FIELD_RESOURCE_TYPES),
                **_derived("template_custom_field_id"),
            },
        ),
        Endpoint(
            "custom_attributes",
            "custom_attributes",
            "Custom Field",
            member_methods=frozenset({"GET", "DELETE"}),
            filters={
                **_timestamps(),
                **_ids("custom_attributable_id"),
                "custom_attributable_type": _enum(CUSTOM_ATTRIBUTABLE_TYPES),
            },
        ),
        Endpoint(
            "candidate_assessments",
            "candidate_assessments",
            "Application",
            collection_methods=_CREATE,
            member_methods=_UPDATE,
            filters={
                **_timestamps(),
                **_ids("application_id"),
                **_strings("external_uid", "provider_code"),
                "status": _enum(ASSESSMENT_STATUSES),
            },
        ),
        Endpoint(
            "background_checks",
            "background_checks",
            "Application",
            collection_methods=_CREATE,
            member_methods=_UPDATE,
            filters={
                **_timestamps(),
                **_ids("application_id"),
                **_strings("external_uid", "provider_code"),
                "status": _enum(BACKGROUND_CHECK_STATUSES),
            },
        ),
    )
}

TYPE_AREAS: dict[str, str] = {
    "users": "User",
    "departments": "Department",
    "locations": "Location",
    "questions": "Question",
    "jobs": "Job",
    "stages": "Job",
    "job_postings": "Job",
    "hiring_workflows": "Hiring Workflow",
    "workflow_stages": "Hiring Workflow",
    "candidates": "Candidate",
    "applications": "Application",
    "offers": "Application",
    "answers": "Application",
    "candidate_assessments": "Application",
    "background_checks": "Application",
    "comments": "Comment",
    "custom_fields": "Custom Field",
    "custom_attributes": "Custom Field",
    "interviews": "Interview",
    "interview_parts": "Interview",
}
"""Permission area of every type, checked for primary and included records alike."""

AREAS = (
    "Application",
    "Candidate",
    "Interview",
    "Job",
    "Comment",
    "Department",
    "Hiring Workflow",
    "Location",
    "User",
    "Custom Field",
    "Question",
)
