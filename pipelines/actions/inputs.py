"""The input of the create actions, in the unified shape, checked before any request.

    {
      "candidate": {"first_name", "last_name", "email_address", "phone_number",
                    "location": {"city", "country", "state", "street_1", "zip_code"}},
      "application": {"job_id", "stage_id"},
      "screening_question_answers": [{"question_id", "answer"}],
      "attachments": [{"name", "type", "content_type", "data" | "data_url"}],
      "source": {"name"},
      "idempotency_key": "...",
      "remote_fields": {"pinpoint": {"application": {<Pinpoint attribute>: value}}}
    }

Answers are checked later against the job's questions (`answers.py`), because their
formats come from Pinpoint.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.actions.errors import ActionInputError, InputProblem, Problems
from pipelines.actions.files import AttachmentInput, parse_attachments
from pipelines.actions.validation import (
    check_keys,
    country_code,
    is_email,
    optional_text,
    read_object,
    record_reference,
    required_text,
)

__all__ = ["CandidateInput", "CreateInput", "derived_idempotency_key", "parse_create_input"]

_TOP_LEVEL = (
    "candidate",
    "application",
    "screening_question_answers",
    "attachments",
    "source",
    "idempotency_key",
    "remote_fields",
)
_CANDIDATE = ("first_name", "last_name", "email_address", "phone_number", "location")
_LOCATION = ("city", "country", "state", "street_1", "zip_code")
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
# Attributes the action sets itself; remote_fields may not override them.
_RESERVED_ATTRIBUTES = {
    "first_name": "candidate.first_name",
    "last_name": "candidate.last_name",
    "email": "candidate.email_address",
    "phone": "candidate.phone_number",
    "phone_iso2": "candidate.location.country",
    "town": "candidate.location.city",
    "country": "candidate.location.country",
    "state_province": "candidate.location.state",
    "address1": "candidate.location.street_1",
    "postcode": "candidate.location.zip_code",
    "channel": "source.name",
    "channel_source": "source.name",
    "external_system_reference": "idempotency_key",
    "cv_base64_data": "attachments",
    "cv_base64_filename": "attachments",
    "cover_letter_base64_data": "attachments",
    "cover_letter_base64_filename": "attachments",
    "documents_base64": "attachments",
}


@dataclass
class CandidateInput:
    """The person: Pinpoint creates the candidate from the application's attributes."""

    first_name: str
    last_name: str
    email: str
    phone: str | None = None
    city: str | None = None
    country: str | None = None
    state: str | None = None
    street_1: str | None = None
    zip_code: str | None = None

    def attributes(self) -> dict[str, Any]:
        """Return the `POST /applications` attributes of the person, without empty ones."""
        values = {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone,
            # Pinpoint keeps the phone number's country in phone_iso2, next to the number.
            "phone_iso2": self.country if self.phone else None,
            "town": self.city,
            "country": self.country,
            "state_province": self.state,
            "address1": self.street_1,
            "postcode": self.zip_code,
        }
        return {name: value for name, value in values.items() if value is not None}


@dataclass
class CreateInput:
    """A checked create input; `answers` is still the raw list."""

    candidate: CandidateInput
    job_reference: str
    stage_reference: str | None
    answers: Any
    attachments: list[AttachmentInput]
    source_name: str | None
    idempotency_key: str | None
    remote_attributes: dict[str, Any] = field(default_factory=dict)


def parse_create_input(payload: Any) -> CreateInput:
    """Check a create input and return it; raise `ActionInputError` listing every problem."""
    problems = Problems()
    if not isinstance(payload, Mapping):
        raise ActionInputError([InputProblem("(input)", "must be a JSON object")])
    check_keys(payload, _TOP_LEVEL, "", problems)
    candidate = _candidate(payload.get("candidate"), problems)
    application = read_object(payload.get("application"), "application", problems) or {}
    check_keys(application, ("job_id", "stage_id"), "application", problems)
    job = record_reference(application.get("job_id"), "application.job_id", problems)
    stage = None
    if application.get("stage_id") is not None:
        stage = record_reference(application["stage_id"], "application.stage_id", problems)
    attachments = parse_attachments(payload.get("attachments"), problems)
    source = read_object(payload.get("source"), "source", problems) or {}
    check_keys(source, ("name",), "source", problems)
    source_name = optional_text(source, "name", "source.name", problems)
    key = _idempotency_key(payload.get("idempotency_key"), problems)
    remote = _remote_attributes(payload.get("remote_fields"), problems)
    problems.raise_if_any()
    assert candidate is not None and job is not None
    return CreateInput(
        candidate, job, stage, payload.get("screening_question_answers"), attachments,
        source_name, key, remote,
    )  # fmt: skip


def derived_idempotency_key(job_remote_id: str, email: str) -> str:
    """Return the key of a create without one: a hash of the job and the email address.

    The hash keeps the address out of Pinpoint's `external_system_reference`.
    """
    digest = hashlib.sha256(f"{job_remote_id}\n{email.strip().lower()}".encode()).hexdigest()
    return f"pp-{digest[:32]}"


def _candidate(value: Any, problems: Problems) -> CandidateInput | None:
    data = read_object(value, "candidate", problems)
    if data is None:
        problems.add(
            "candidate", "is required: an object with first_name, last_name and email_address"
        )
        return None
    check_keys(data, _CANDIDATE, "candidate", problems)

    first = required_text(data, "first_name", "candidate.first_name", problems)
    last = required_text(data, "last_name", "candidate.last_name", problems)
    email = required_text(data, "email_address", "candidate.email_address", problems)
    if email is not None and not is_email(email):
        problems.add(
            "candidate.email_address", "is not a valid email address (expected name@example.com)"
        )
        email = None
    phone = optional_text(data, "phone_number", "candidate.phone_number", problems, max_length=40)

    location = read_object(data.get("location"), "candidate.location", problems) or {}
    check_keys(location, _LOCATION, "candidate.location", problems)
    country = None
    if location:
        if location.get("country") is None:
            problems.add("candidate.location.country", "is required when location is given")
        country = country_code(location.get("country"), "candidate.location.country", problems)
    if first is None or last is None or email is None:
        return None

    return CandidateInput(
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        city=optional_text(location, "city", "candidate.location.city", problems),
        country=country,
        state=optional_text(location, "state", "candidate.location.state", problems),
        street_1=optional_text(location, "street_1", "candidate.location.street_1", problems),
        zip_code=optional_text(
            location, "zip_code", "candidate.location.zip_code", problems, max_length=20
        ),
    )


def _idempotency_key(value: Any, problems: Problems) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _IDEMPOTENCY_KEY.match(value):
        problems.add(
            "idempotency_key",
            "must be 1 to 100 letters, digits, dots, hyphens, underscores or colons",
        )
        return None
    return value


def _remote_attributes(value: Any, problems: Problems) -> dict[str, Any]:
    remote = read_object(value, "remote_fields", problems) or {}
    check_keys(remote, ("pinpoint",), "remote_fields", problems)
    pinpoint = read_object(remote.get("pinpoint"), "remote_fields.pinpoint", problems) or {}
    check_keys(pinpoint, ("application",), "remote_fields.pinpoint", problems)
    field_name = "remote_fields.pinpoint.application"
    attributes = read_object(pinpoint.get("application"), field_name, problems) or {}
    for name in attributes:
        if name in _RESERVED_ATTRIBUTES:
            problems.add(
                f"{field_name}.{name}", f"is set by the action; use {_RESERVED_ATTRIBUTES[name]}"
            )
    return attributes
