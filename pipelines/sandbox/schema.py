"""Resource types of the sandbox: their relationships and opt-in attributes.

Relationship names and include whitelists follow Pinpoint's public API reference.
Stages, offers, answers and interview parts have no endpoint in Pinpoint either, so
clients read them only through ``include=``. The endpoints, their filters and sort keys are
in ``endpoints.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

JOB_VISIBILITIES = ("internal", "external", "confidential", "private_job")
"""Values of ``jobs.visibility`` and of ``filter[job_visibility]``."""

DEFAULT_HIDDEN_VISIBILITIES = frozenset({"confidential"})
"""Visibilities whose applications and interviews are hidden unless the request lists them.
Pinpoint documents this for confidential jobs only; whether ``private_job`` is hidden by
default is not documented, so the sandbox shows it."""

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100

MAX_INCLUDE_DEPTH = 3
"""Longest dotted include path accepted, for example ``interview_parts.interviewing_users``."""

CONCEALED_APPLICATION_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "preferred_name",
    "email",
    "phone",
    "phone_iso2",
    "date_of_birth",
    "linkedin_url",
    "summary",
    "preferred_pronouns",
    "address1",
    "address2",
    "town",
    "state_province",
    "postcode",
    "country",
    "country_code",
    "country_code_alpha3",
    "country_name",
    "national_identifier",
)
"""Application attributes rendered as null while the application is concealed (blind
screening). Pinpoint documents only that candidate details are hidden "as in the admin
UI", so the list of fields is inferred. Attachments are withheld too."""


RENDERED_TYPES = {"workflow_stages": "stages"}
"""Stored types rendered under another JSON:API type.

A hiring workflow's template stages are ``stages`` in Pinpoint. The sandbox stores them
apart from the jobs' stages, so that ``store.count("stages")`` counts only the stages
that applications can be on."""


def rendered_type(type_name: str) -> str:
    return RENDERED_TYPES.get(type_name, type_name) if type_name in RENDERED_TYPES else type_name


@dataclass(frozen=True)
class Relationship:
    """A relationship of a resource type and the type of the records it points at.

    ``target_type`` is None for a polymorphic relationship (such as
    ``comments.commentable``); its records carry their own type, and include paths cannot
    continue past it. ``inverse`` names the to-one relationship of the target records
    that points back, for to-many relationships the store resolves by lookup instead of
    keeping a list on the owner.
    """

    name: str
    target_type: str | None
    to_many: bool = False
    includable: bool = True
    inverse: str | None = None


@dataclass(frozen=True)
class ResourceType:
    """A JSON:API type: its relationships in rendering order and its opt-in attributes."""

    name: str
    relationships: tuple[Relationship, ...] = ()
    extra_fields: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        by_name = {relationship.name: relationship for relationship in self.relationships}
        object.__setattr__(self, "_by_name", by_name)

    def relationship(self, name: str) -> Relationship | None:
        by_name: dict[str, Relationship] = self._by_name  # type: ignore[attr-defined]
        return by_name.get(name)


def _many(name: str, target: str, inverse: str | None = None) -> Relationship:
    return Relationship(name, target, to_many=True, inverse=inverse)


def _listed(name: str, target: str | None, to_many: bool = False) -> Relationship:
    """Declare a relationship that Pinpoint renders but the sandbox has no records for."""
    return Relationship(name, target, to_many=to_many, includable=False)


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
                _many("stages", "stages"),
                _many("applications", "applications", inverse="job"),
                Relationship("department", "departments"),
                _listed("division", None),
                Relationship("location", "locations"),
                _listed("structure_custom_group_one", None),
                _listed("structure_link", None),
                _listed("company", None),
                Relationship("hiring_manager_user", "users"),
                Relationship("recruitment_manager_user", "users"),
                Relationship("creator_user", "users"),
                _many("job_postings", "job_postings", inverse="job"),
                _many("questions", "questions"),
                _many("custom_attributes", "custom_attributes", inverse="custom_attributable"),
            ),
            extra_fields=frozenset(
                {
                    "hiring_user_id",
                    "recruitment_manager_user_id",
                    "assigned_onboarding_process_id",
                    "assigned_onboarding_process_name",
                    "assigned_onboarding_candidate_owner_user_id",
                    "assigned_onboarding_candidate_owner_user_email",
                    "users_emails_with_job_level_visibility",
                }
            ),
        ),
        ResourceType(
            "stages",
            relationships=(
                _listed("applications", "applications", True),
                _listed("stageable", None),
            ),
        ),
        ResourceType(
            "workflow_stages",
            relationships=(
                _listed("applications", "applications", True),
                _listed("stageable", None),
            ),
        ),
        ResourceType("hiring_workflows", relationships=(_many("stages", "workflow_stages"),)),
        ResourceType(
            "job_postings",
            relationships=(Relationship("job", "jobs"), Relationship("location", "locations")),
        ),
        ResourceType(
            "candidates",
            relationships=(
                _many("applications", "applications"),
                _listed("job_seekers", "job_seekers", True),
                _listed("skills", "skills", True),
                _listed("hris_references", "hris_exports", True),
                _many("custom_attributes", "custom_attributes", inverse="custom_attributable"),
            ),
            extra_fields=frozenset({"tags", "attachments"}),
        ),
        ResourceType(
            "applications",
            relationships=(
                Relationship("job", "jobs"),
                Relationship("stage", "stages"),
                Relationship("candidate", "candidates"),
                Relationship("job_posting", "job_postings"),
                Relationship("furthest_stage", "stages"),
                _many("answers", "answers", inverse="answerable"),
                _many("comments", "comments", inverse="commentable"),
                _many("custom_attributes", "custom_attributes", inverse="custom_attributable"),
                _many("offers", "offers", inverse="application"),
            ),
            extra_fields=frozenset(
                {"tags", "attachments", "average_rating", "days_in_current_stage"}
            ),
        ),
        ResourceType(
            "offers",
            relationships=(
                Relationship("creator", "users"),
                Relationship("manager", "users"),
                Relationship("stage", "stages"),
                _many("custom_attributes", "custom_attributes", inverse="custom_attributable"),
            ),
            extra_fields=frozenset({"attachments"}),
        ),
        ResourceType(
            "answers",
            relationships=(Relationship("question", "questions"), _listed("answerable", None)),
            extra_fields=frozenset({"attachments"}),
        ),
        ResourceType(
            "comments",
            relationships=(Relationship("user", "users"), Relationship("commentable", None)),
        ),
        ResourceType("custom_fields"),
        ResourceType(
            "custom_attributes",
            relationships=(
                Relationship("custom_field", "custom_fields"),
                Relationship("custom_attributable", None),
            ),
        ),
        ResourceType(
            "interviews",
            relationships=(
                Relationship("stage", "stages"),
                _many("interview_parts", "interview_parts"),
                # Pinpoint's interviewable is applications or job_seekers; the sandbox
                # only schedules interviews for applications.
                Relationship("interviewable", None),
            ),
        ),
        ResourceType("interview_parts", relationships=(_many("interviewing_users", "users"),)),
        ResourceType(
            "candidate_assessments", relationships=(Relationship("application", "applications"),)
        ),
        ResourceType(
            "background_checks", relationships=(Relationship("application", "applications"),)
        ),
    )
}
