"""Checks on create inputs that need no server: fields, email, country, attachments."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from actions_helpers import PDF_BYTES, encoded

from pipelines.actions.errors import ActionInputError
from pipelines.actions.files import CV_RULE, OTHER_RULE
from pipelines.actions.inputs import derived_idempotency_key, parse_create_input
from pipelines.actions.validation import ISO_COUNTRY_CODES

VALID: dict[str, Any] = {
    "candidate": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email_address": "ada@example.com",
        "phone_number": "+44 20 7946 0000",
        "location": {"city": "London", "country": "gb"},
    },
    "application": {"job_id": "remote:12", "stage_id": "remote:40"},
}


def with_changes(**changes: Any) -> dict[str, Any]:
    """Return VALID with top-level fields replaced; a None value removes the field."""
    payload = {**VALID, **changes}
    return {key: value for key, value in payload.items() if value is not None}


def candidate_with(**changes: Any) -> dict[str, Any]:
    candidate = {**VALID["candidate"], **changes}
    return with_changes(candidate={k: v for k, v in candidate.items() if v is not None})


def problems_of(payload: Any) -> dict[str, str]:
    with pytest.raises(ActionInputError) as caught:
        parse_create_input(payload)
    return {problem.field: problem.message for problem in caught.value.problems}


def attachment(**fields: Any) -> dict[str, Any]:
    item = {"name": "cv.pdf", "type": "CV", "content_type": "application/pdf"}
    item.update(fields)
    if "data" not in fields and "data_url" not in fields:
        item["data"] = encoded(PDF_BYTES)
    return {key: value for key, value in item.items() if value is not None}


def test_valid_input_parsed() -> None:
    parsed = parse_create_input(VALID)

    assert parsed.job_reference == "remote:12"
    assert parsed.stage_reference == "remote:40"
    assert parsed.candidate.country == "GB"
    attributes = parsed.candidate.attributes()
    assert attributes["email"] == "ada@example.com"
    assert attributes["town"] == "London"
    assert attributes["phone_iso2"] == "GB"


def test_required_fields_named() -> None:
    problems = problems_of({"candidate": {"first_name": " "}, "application": {}})

    assert "candidate.first_name" in problems
    assert "candidate.last_name" in problems
    assert "candidate.email_address" in problems
    assert "application.job_id" in problems


def test_missing_candidate_named() -> None:
    assert "candidate" in problems_of(with_changes(candidate=None))


@pytest.mark.parametrize(
    "address",
    ["ada", "ada@", "@mail.invalid", "ada@mailhost", "ada x@mail.invalid", "a,b@mail.invalid"],
)
def test_invalid_email_rejected(address: str) -> None:
    problems = problems_of(candidate_with(email_address=address))

    assert "candidate.email_address" in problems
    assert address not in problems["candidate.email_address"], "personal values stay out"


@pytest.mark.parametrize("address", ["ada@example.com", "a.b+jobs@mail.example.co.uk"])
def test_valid_email_accepted(address: str) -> None:
    assert parse_create_input(candidate_with(email_address=address)).candidate.email == address


@pytest.mark.parametrize(
    ("country", "hint"), [("UK", "GB"), ("GBR", "two letters"), ("XX", "two letters")]
)
def test_country_must_be_alpha_2(country: str, hint: str) -> None:
    location = {"city": "London", "country": country}
    problems = problems_of(candidate_with(location=location))

    assert hint in problems["candidate.location.country"]


def test_location_needs_country() -> None:
    problems = problems_of(candidate_with(location={"city": "London"}))

    assert "candidate.location.country" in problems


def test_country_list_complete() -> None:
    assert len(ISO_COUNTRY_CODES) == 249
    assert {"GB", "US", "DE", "SS", "XK"} - ISO_COUNTRY_CODES == {"XK"}


def test_unknown_fields_rejected() -> None:
    problems = problems_of(with_changes(candidates={}, application={"job_id": "remote:1", "x": 1}))

    assert "candidates" in problems
    assert "application.x" in problems


@pytest.mark.parametrize(
    "job_id", ["12", "remote:abc", "remote:", "not-a-unified-id", "0OIl0OIl0OIl0OIl0OIl0O"]
)
def test_invalid_record_id_rejected(job_id: str) -> None:
    assert "application.job_id" in problems_of(with_changes(application={"job_id": job_id}))


def test_unified_job_id_accepted() -> None:
    parsed = parse_create_input(with_changes(application={"job_id": "GxXwRzA2zP6VMja7YgpMpr"}))

    assert parsed.job_reference == "GxXwRzA2zP6VMja7YgpMpr"


def test_attachment_needs_exactly_one_source() -> None:
    both = attachment(data=encoded(PDF_BYTES), data_url="https://files.example.com/cv.pdf")
    neither = attachment(data=None)
    neither.pop("data", None)

    problems = problems_of(with_changes(attachments=[both, neither]))

    assert "both" in problems["attachments[0]"]
    assert "neither" in problems["attachments[1]"]


def test_attachment_base64_must_decode() -> None:
    problems = problems_of(with_changes(attachments=[attachment(data="not base64!!")]))

    assert "base64" in problems["attachments[0].data"]


def test_attachment_data_uri_prefix_accepted() -> None:
    data = "data:application/pdf;base64," + encoded(PDF_BYTES)
    parsed = parse_create_input(with_changes(attachments=[attachment(data=data)]))

    assert parsed.attachments[0].data == PDF_BYTES


def test_attachment_empty_file_rejected() -> None:
    problems = problems_of(with_changes(attachments=[attachment(data="")]))

    assert "attachments[0]" in problems


@pytest.mark.parametrize(
    ("kind", "name", "content_type", "accepted"),
    [
        ("CV", "cv.pdf", "application/pdf", True),
        ("CV", "cv.rtf", "application/rtf", True),
        ("CV", "cv.png", "image/png", False),
        ("COVER_LETTER", "letter.txt", "text/plain", True),
        ("COVER_LETTER", "letter.xlsx", "application/vnd.ms-excel", False),
        ("OTHER", "photo.png", "image/png", True),
        ("OTHER", "photo.jpeg", "image/jpeg", True),
        ("OTHER", "talk.mov", "video/quicktime", True),
        ("OTHER", "deck.pptx", "application/pdf", False),
        ("OTHER", "notes.rtf", "application/rtf", False),
        ("OTHER", "tool.exe", "application/octet-stream", False),
        ("OTHER", "noextension", "text/plain", False),
    ],
)
def test_attachment_types(kind: str, name: str, content_type: str, accepted: bool) -> None:
    item = attachment(type=kind, name=name, content_type=content_type)
    payload = with_changes(attachments=[item])

    if accepted:
        assert parse_create_input(payload).attachments[0].name == name
    else:
        problems = problems_of(payload)
        assert any(field.startswith("attachments[0]") for field in problems)


def test_attachment_content_type_required_with_data() -> None:
    problems = problems_of(with_changes(attachments=[attachment(content_type=None)]))

    assert "application/pdf" in problems["attachments[0].content_type"]


@pytest.mark.parametrize(
    ("kind", "name", "limit"), [("CV", "cv.pdf", CV_RULE), ("OTHER", "doc.pdf", OTHER_RULE)]
)
def test_attachment_size_limits(kind: str, name: str, limit: Any) -> None:
    # Base64 text of just over the limit; the size is checked before decoding.
    too_large = "A" * ((limit.max_bytes // 3 + 2) * 4)
    at_limit = base64.b64encode(b"x" * limit.max_bytes).decode()

    problems = problems_of(
        with_changes(attachments=[attachment(type=kind, name=name, data=too_large)])
    )
    accepted = parse_create_input(
        with_changes(attachments=[attachment(type=kind, name=name, data=at_limit)])
    )

    assert f"at most {limit.max_megabytes} MB" in problems["attachments[0].data"]
    assert accepted.attachments[0].data is not None
    assert len(accepted.attachments[0].data) == limit.max_bytes


def test_second_cv_rejected() -> None:
    problems = problems_of(with_changes(attachments=[attachment(), attachment(name="cv2.pdf")]))

    assert "OTHER" in problems["attachments[1].type"]


def test_attachment_name_without_path() -> None:
    problems = problems_of(with_changes(attachments=[attachment(name="../cv.pdf")]))

    assert "attachments[0].name" in problems


def test_data_url_must_be_http() -> None:
    item = attachment(data_url="file:///etc/passwd")

    assert "attachments[0].data_url" in problems_of(with_changes(attachments=[item]))


@pytest.mark.parametrize("key", ["a,b", "", "x" * 101, "has space", 12])
def test_invalid_idempotency_key_rejected(key: Any) -> None:
    assert "idempotency_key" in problems_of(with_changes(idempotency_key=key))


def test_remote_fields_cannot_override_action_fields() -> None:
    remote = {"pinpoint": {"application": {"email": "x@example.com", "summary": "Hello"}}}

    problems = problems_of(with_changes(remote_fields=remote))

    assert "candidate.email_address" in problems["remote_fields.pinpoint.application.email"]
    assert "remote_fields.pinpoint.application.summary" not in problems


def test_all_problems_reported_at_once() -> None:
    payload = {
        "candidate": {"first_name": "Ada", "last_name": "L", "email_address": "bad"},
        "application": {"job_id": "12"},
        "attachments": [attachment(data="!!")],
        "source": {"name": 5},
    }

    problems = problems_of(payload)

    assert set(problems) >= {
        "candidate.email_address",
        "application.job_id",
        "attachments[0].data",
        "source.name",
    }


def test_derived_key_hides_email_and_ignores_case() -> None:
    first = derived_idempotency_key("12", "Ada@Example.com")

    assert first == derived_idempotency_key("12", "ada@example.com ")
    assert first != derived_idempotency_key("13", "ada@example.com")
    assert "ada" not in first
    assert first.startswith("pp-")
