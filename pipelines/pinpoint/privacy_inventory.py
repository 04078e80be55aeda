"""Locations of personal data in the unified tables: columns, JSON fields, raw attributes.

Every personal value the connector can load is named by a path:

* `table.column` for a text column, for example `users.email`;
* `table.column.field` for a field of a JSON column, applied to every element of a list,
  for example `candidates.email_addresses.email_address`;
* `table.remote_data.attribute` for an attribute of the raw Pinpoint resource kept in
  `remote_data`, for example `applications.remote_data.date_of_birth`.

Each personal path has a category. Presets choose an action per category, and the
pseudonym of a value depends on its category's kind (email, phone or text), so the same
email address gets the same pseudonym in every table. The attribute lists follow the
fields Pinpoint documents for candidates, applications and interviews, as the sandbox
serves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ERASURE_CASCADE",
    "IDENTITY_ATTRIBUTES",
    "JSON_FIELDS",
    "NON_PERSONAL_ATTRIBUTES",
    "PERSONAL_COLUMNS",
    "PERSONAL_PATHS",
    "PROTECTED_COLUMNS",
    "REVIEWED_COLUMNS",
    "Category",
    "PersonalPath",
]


class Category(StrEnum):
    """Kind of personal information in a value; presets choose an action per category."""

    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    ONLINE_PROFILE = "online_profile"
    ADDRESS = "address"
    LOCALITY = "locality"
    COUNTRY = "country"
    BIRTH_DATE = "birth_date"
    FREE_TEXT = "free_text"
    SENSITIVE = "sensitive"
    EXTERNAL_ID = "external_id"
    ASSESSMENT = "assessment"
    STATUS = "status"


@dataclass(frozen=True)
class PersonalPath:
    """One place a personal value can land, with its category."""

    path: str
    category: Category

    @property
    def table(self) -> str:
        return self.path.split(".", 1)[0]


# Raw attributes of candidates and of applications (Pinpoint copies the candidate's details
# onto each application) and their categories.
_PERSON_ATTRIBUTES: dict[str, Category] = {
    "first_name": Category.NAME,
    "middle_name": Category.NAME,
    "last_name": Category.NAME,
    "full_name": Category.NAME,
    "preferred_name": Category.NAME,
    "email": Category.EMAIL,
    "phone": Category.PHONE,
    "phone_iso2": Category.COUNTRY,
    "linkedin_url": Category.ONLINE_PROFILE,
    "date_of_birth": Category.BIRTH_DATE,
    "address1": Category.ADDRESS,
    "address2": Category.ADDRESS,
    "postcode": Category.ADDRESS,
    "town": Category.LOCALITY,
    "state_province": Category.LOCALITY,
    "country": Category.COUNTRY,
    "country_code": Category.COUNTRY,
    "country_code_alpha3": Category.COUNTRY,
    "country_name": Category.COUNTRY,
    "locale": Category.COUNTRY,
    "summary": Category.FREE_TEXT,
    "preferred_pronouns": Category.SENSITIVE,
    "national_identifier": Category.SENSITIVE,
    "external_system_reference": Category.EXTERNAL_ID,
}
_CANDIDATE_ONLY_ATTRIBUTES = {"blocked": Category.STATUS}
_APPLICATION_ONLY_ATTRIBUTES = {"ai_score": Category.ASSESSMENT}

IDENTITY_ATTRIBUTES: tuple[str, ...] = (
    "first_name",
    "middle_name",
    "last_name",
    "full_name",
    "preferred_name",
    "email",
    "phone",
)
"""Raw candidate attributes that identify a person. When every one of them that Pinpoint
sends is empty, the candidate counts as erased (or concealed) in Pinpoint."""


def _paths() -> tuple[PersonalPath, ...]:
    paths = [
        PersonalPath("users.first_name", Category.NAME),
        PersonalPath("users.last_name", Category.NAME),
        PersonalPath("users.email", Category.EMAIL),
        PersonalPath("candidates.first_name", Category.NAME),
        PersonalPath("candidates.last_name", Category.NAME),
        PersonalPath("candidates.phone_numbers.phone_number", Category.PHONE),
        PersonalPath("candidates.email_addresses.email_address", Category.EMAIL),
        PersonalPath("candidates.social_media.link", Category.ONLINE_PROFILE),
        PersonalPath("candidates.social_media.username", Category.ONLINE_PROFILE),
        PersonalPath("candidates.location.street_1", Category.ADDRESS),
        PersonalPath("candidates.location.street_2", Category.ADDRESS),
        PersonalPath("candidates.location.zip_code", Category.ADDRESS),
        PersonalPath("candidates.location.raw", Category.ADDRESS),
        PersonalPath("candidates.location.city", Category.LOCALITY),
        PersonalPath("candidates.location.state", Category.LOCALITY),
        PersonalPath("candidates.location.country", Category.COUNTRY),
    ]
    for table, extra in (
        ("candidates", _CANDIDATE_ONLY_ATTRIBUTES),
        ("applications", _APPLICATION_ONLY_ATTRIBUTES),
    ):
        for name, category in {**_PERSON_ATTRIBUTES, **extra}.items():
            paths.append(PersonalPath(f"{table}.remote_data.{name}", category))
    paths.append(PersonalPath("interviews.remote_data.summary", Category.FREE_TEXT))
    return tuple(paths)


PERSONAL_PATHS: tuple[PersonalPath, ...] = _paths()

JSON_FIELDS: dict[tuple[str, str], frozenset[str]] = {
    ("candidates", "phone_numbers"): frozenset({"phone_number", "type"}),
    ("candidates", "email_addresses"): frozenset({"email_address", "type"}),
    ("candidates", "social_media"): frozenset({"link", "type", "username"}),
    ("candidates", "location"): frozenset(
        {"city", "country", "state", "zip_code", "street_1", "street_2", "raw"}
    ),
}
"""Fields of the JSON columns that hold personal fields; rules may name these fields."""

PERSONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("first_name", "last_name", "email"),
    "candidates": (
        "first_name",
        "last_name",
        "phone_numbers",
        "email_addresses",
        "social_media",
        "location",
        "remote_data",
    ),
    "applications": ("remote_data",),
    "interviews": ("remote_data",),
}
"""Columns that hold personal data under some preset; erasure sets them to null."""

ERASURE_CASCADE: tuple[tuple[str, str, str], ...] = (
    ("applications", "candidate_id", "candidates"),
    ("interviews", "application_id", "applications"),
    ("candidate_tags", "candidate_id", "candidates"),
)
"""(table, column naming the parent, parent table): rows whose personal data goes with the
parent's. `remote_data` of an application copies the candidate's details, and an
interview's describes a meeting with the candidate."""

PROTECTED_COLUMNS = frozenset({"id", "remote_id", "account", "changed_at", "remote_deleted_at"})
"""Columns no rule may change: merges, incremental reads and deletion marking need them."""

NON_PERSONAL_ATTRIBUTES: dict[str, frozenset[str]] = {
    "candidates": frozenset({"created_at", "updated_at", "tags"}),
    "applications": frozenset(
        {
            "candidate_id",
            "job_id",
            "job_posting_id",
            "stage_id",
            "channel",
            "channel_source",
            "internal_candidate",
            "concealed",
            "is_demo",
            "hired_at",
            "rejected_at",
            "start_on",
            "uuid",
            "created_at",
            "updated_at",
            "tags",
        }
    ),
    "interviews": frozenset(
        {
            "start_at",
            "end_at",
            "status",
            "presence",
            "interviewable_type",
            "interviewable_id",
            "created_at",
            "updated_at",
        }
    ),
}
"""Raw attributes the analytics preset keeps although it drops unlisted ones: ids, stages,
dates, sources, outcomes and tag labels."""

REVIEWED_COLUMNS: dict[str, frozenset[str]] = {
    "users": frozenset({"first_name", "last_name", "email", "remote_created_at"}),
    "jobs": frozenset(
        {
            "name",
            "description",
            "confidential",
            "employment_type",
            "status",
            "visibility",
            "department",
            "post_url",
            "salary_amount_from",
            "salary_amount_to",
            "salary_currency",
            "salary_period",
            "location",
            "custom_fields",
            "integration_fields",
            "opened_at",
            "closed_at",
            "remote_created_at",
            "remote_updated_at",
            "contact_id",
            "workplace_type",
            "headcount",
            "requisition_id",
            "remote_data",
        }
    ),
    "candidates": frozenset(
        {*PERSONAL_COLUMNS["candidates"], "source", "remote_created_at", "remote_updated_at"}
    ),
    "application_stages": frozenset({"name", "stage_type", "job_id"}),
    "applications": frozenset(
        {
            "outcome",
            "current_stage_id",
            "job_id",
            "candidate_id",
            "remote_created_at",
            "remote_updated_at",
            "furthest_stage_id",
            "rejected_at",
            "hired_at",
            "source",
            "concealed",
            "remote_data",
        }
    ),
    "screening_questions": frozenset({"title", "description", "format"}),
    "tags": frozenset({"name", "context"}),
    "interviews": frozenset(
        {
            "title",
            "starting_at",
            "ending_at",
            "application_id",
            "stage_id",
            "presence",
            "interviewer_user_ids",
            "remote_data",
        }
    ),
    "candidate_tags": frozenset({"candidate_id", "tag_id"}),
    "job_application_stages": frozenset({"index", "job_id", "stage_id"}),
    "job_screening_questions": frozenset(
        {
            "index",
            "required",
            "precondition_question_id",
            "precondition_options",
            "job_id",
            "question_id",
        }
    ),
    "job_hiring_team_members": frozenset({"roles", "job_id", "user_id"}),
}
"""Every column whose personal content was reviewed, per table, besides `PROTECTED_COLUMNS`.
A column added to `tables.py` but missing here fails the privacy tests until someone
decides whether it is personal."""
