"""Create candidate and create application against the sandbox over loopback HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from actions_helpers import (
    PDF_BYTES,
    LoseFirstResponse,
    applicant,
    applications_with_key,
    encoded,
    open_job,
    posts,
)

from pipelines.actions import (
    ActionInputError,
    ActionSession,
    SourceDefaults,
    create_application,
    create_candidate,
    created_references,
    get_application_attachments,
)
from pipelines.pinpoint.ids import unified_id
from pipelines.sandbox import Sandbox
from pipelines.sandbox.records import Record


def problem_fields(error: pytest.ExceptionInfo[ActionInputError]) -> dict[str, str]:
    return {problem.field: problem.message for problem in error.value.problems}


def job_question(sandbox: Sandbox, job: Record, question_type: str) -> Record:
    for ref in job.to_many("questions"):
        question = sandbox.store.get(*ref)
        if question is not None and question.attributes["question_type"] == question_type:
            return question
    raise AssertionError(f"job {job.id} has no {question_type} question")


def job_with_question(sandbox: Sandbox, question_type: str) -> Record:
    for job in sandbox.store.records("jobs"):
        for ref in job.to_many("questions"):
            question = sandbox.store.get(*ref)
            if question is not None and question.attributes["question_type"] == question_type:
                return job
    raise AssertionError(f"no job has a {question_type} question")


def test_application_created_with_source_and_key(tiny: Sandbox, session: ActionSession) -> None:
    job = open_job(tiny)

    result = create_application(session, applicant(job))

    key = result["idempotency_key"]
    [stored] = applications_with_key(tiny, key)
    assert result["created"] is True
    assert stored.attributes["channel"] == "api"
    assert stored.attributes["channel_source"] == "pinpoint-pipelines"
    assert stored.attributes["email"] == "ada.lovelace@example.com"
    assert stored.attributes["country"] == "GB"
    row = result["application"]
    assert row["remote_id"] == stored.id
    assert row["id"] == unified_id("test", "applications", stored.id)
    assert row["job_id"] == unified_id("test", "jobs", job.id)
    assert row["source"] == "pinpoint-pipelines"
    assert row["outcome"] == "PENDING"


def test_source_name_from_input(tiny: Sandbox, session: ActionSession) -> None:
    job = open_job(tiny)

    result = create_application(session, applicant(job, source={"name": "Acme job board"}))

    [stored] = applications_with_key(tiny, result["idempotency_key"])
    assert stored.attributes["channel_source"] == "Acme job board"
    assert result["application"]["source"] == "Acme job board"


def test_configured_source_defaults(tiny: Sandbox, make_session: Callable[..., Any]) -> None:
    session = make_session(source=SourceDefaults("Acme Careers", "job_board"))

    result = create_application(session, applicant(open_job(tiny)))

    [stored] = applications_with_key(tiny, result["idempotency_key"])
    assert stored.attributes["channel"] == "job_board"
    assert stored.attributes["channel_source"] == "Acme Careers"


def upload(name: str, kind: str, content_type: str, content: bytes) -> dict[str, str]:
    return {"name": name, "type": kind, "content_type": content_type, "data": encoded(content)}


def test_attachments_uploaded_as_base64(tiny: Sandbox, session: ActionSession) -> None:
    attachments = [
        upload("cv.pdf", "CV", "application/pdf", PDF_BYTES),
        upload("letter.txt", "COVER_LETTER", "text/plain", b"Hello"),
        upload("photo.png", "OTHER", "image/png", b"\x89PNG"),
    ]

    result = create_application(session, applicant(open_job(tiny), attachments=attachments))

    owner = ("applications", result["application"]["remote_id"])
    files = {f.filename: f for f in tiny.store.files.values() if f.owner == owner}
    assert files["cv.pdf"].data == PDF_BYTES
    assert files["cv.pdf"].context == "pdf_cv"
    assert files["letter.txt"].context == "cover_letter"
    assert files["letter.txt"].data == b"Hello"
    assert files["photo.png"].context == "document"
    listed = get_application_attachments(session, f"remote:{owner[1]}")
    assert sorted(item["type"] for item in listed) == ["COVER_LETTER", "CV", "OTHER"]


def test_answers_side_posted(tiny: Sandbox, session: ActionSession) -> None:
    job = job_with_question(tiny, "single_choice")
    choice = job_question(tiny, job, "single_choice")
    yes_no = job_question(tiny, job, "boolean")
    option = choice.attributes["multiple_choice_options"][-1]
    answers = [
        {"question_id": f"remote:{choice.id}", "answer": option},
        {"question_id": unified_id("test", "screening_questions", yes_no.id), "answer": True},
    ]

    result = create_application(session, applicant(job, screening_question_answers=answers))

    owner = ("applications", result["application"]["remote_id"])
    stored = {
        answer.to_one("question")[1]: answer.attributes  # type: ignore[index]
        for answer in tiny.store.records("answers")
        if answer.to_one("answerable") == owner
    }
    assert stored[choice.id]["multiple_choice_answer"] == [option]
    assert stored[yes_no.id]["boolean_answer"] is True


def test_option_by_unified_id(tiny: Sandbox, session: ActionSession) -> None:
    job = job_with_question(tiny, "single_choice")
    choice = job_question(tiny, job, "single_choice")
    option = choice.attributes["multiple_choice_options"][0]
    option_id = unified_id("test", "screening_question_options", f"{choice.id}:{option}")
    answers = [{"question_id": f"remote:{choice.id}", "answer": option_id}]

    result = create_application(session, applicant(job, screening_question_answers=answers))

    owner = ("applications", result["application"]["remote_id"])
    [answer] = [a for a in tiny.store.records("answers") if a.to_one("answerable") == owner]
    assert answer.attributes["multiple_choice_answer"] == [option]


@pytest.mark.parametrize(
    ("question_type", "answer", "expected"),
    [
        ("boolean", "yes", "true or false"),
        ("single_choice", "Not an option", "not an option"),
        ("single_choice", ["Remote"], "one option id"),
        ("file", "cv.pdf", "attachments"),
        ("information", "ok", "information text"),
    ],
)
def test_answer_must_fit_format(
    tiny: Sandbox, session: ActionSession, question_type: str, answer: Any, expected: str
) -> None:
    job = job_with_question(tiny, question_type)
    question = job_question(tiny, job, question_type)
    answers = [{"question_id": f"remote:{question.id}", "answer": answer}]

    with pytest.raises(ActionInputError) as caught:
        create_application(session, applicant(job, screening_question_answers=answers))

    assert expected in problem_fields(caught)["screening_question_answers[0].answer"]
    assert posts(tiny, "/applications") == 0


def test_question_of_other_job_rejected(tiny: Sandbox, session: ActionSession) -> None:
    job = job_with_question(tiny, "single_choice")
    other = next(j for j in tiny.store.records("jobs") if j.id != job.id and j.to_many("questions"))
    foreign = other.to_many("questions")[0][1]
    answers = [{"question_id": f"remote:{foreign}", "answer": "x"}]

    with pytest.raises(ActionInputError) as caught:
        create_application(session, applicant(job, screening_question_answers=answers))

    assert (
        "not a question of" in problem_fields(caught)["screening_question_answers[0].question_id"]
    )
    assert posts(tiny, "/applications") == 0


def test_stage_of_job_applied(tiny: Sandbox, session: ActionSession) -> None:
    job = open_job(tiny)
    stage = tiny.store.job_stages(job.id)[2]
    payload = applicant(job)
    payload["application"]["stage_id"] = unified_id("test", "application_stages", stage.id)

    result = create_application(session, payload)

    assert result["application"]["current_stage_id"] == payload["application"]["stage_id"]
    [stored] = applications_with_key(tiny, result["idempotency_key"])
    assert stored.attributes["stage_id"] == stage.id


def test_stage_of_other_job_rejected(tiny: Sandbox, session: ActionSession) -> None:
    job = open_job(tiny)
    other = next(j for j in tiny.store.records("jobs") if j.id != job.id)
    foreign_stage = tiny.store.job_stages(other.id)[0]
    payload = applicant(job)
    payload["application"]["stage_id"] = f"remote:{foreign_stage.id}"

    with pytest.raises(ActionInputError) as caught:
        create_application(session, payload)

    message = problem_fields(caught)["application.stage_id"]
    assert f"not a stage of job {job.id}" in message
    assert f"remote:{tiny.store.job_stages(job.id)[0].id}" in message
    assert posts(tiny, "/applications") == 0


def test_job_requirements_checked(tiny: Sandbox, session: ActionSession) -> None:
    job = open_job(tiny)
    tiny.store.update("jobs", job.id, {"require_phone": True, "resume_requirement": "required"})
    payload = applicant(job)
    del payload["candidate"]["location"]

    with pytest.raises(ActionInputError) as caught:
        create_application(session, payload)

    problems = problem_fields(caught)
    assert "required by this job" in problems["candidate.phone_number"]
    assert "phone number's country" in problems["candidate.location.country"]
    assert "type CV" in problems["attachments"]
    assert posts(tiny, "/applications") == 0


def test_unknown_job_rejected(tiny: Sandbox, session: ActionSession) -> None:
    payload = applicant(open_job(tiny))
    payload["application"]["job_id"] = "remote:99999"

    with pytest.raises(ActionInputError) as caught:
        create_application(session, payload)

    assert "does not exist" in problem_fields(caught)["application.job_id"]


def test_unified_job_id_found_without_destination(tiny: Sandbox, session: ActionSession) -> None:
    job = open_job(tiny)
    payload = applicant(job)
    payload["application"]["job_id"] = unified_id("test", "jobs", job.id)

    result = create_application(session, payload)

    assert result["application"]["job_id"] == payload["application"]["job_id"]


def test_invalid_input_sends_nothing(tiny: Sandbox, session: ActionSession) -> None:
    payload = applicant(open_job(tiny))
    payload["candidate"]["email_address"] = "not an address"

    with pytest.raises(ActionInputError):
        create_application(session, payload)

    assert tiny.stats.total == 0


def test_repeated_create_returns_existing(tiny: Sandbox, session: ActionSession) -> None:
    payload = applicant(open_job(tiny), idempotency_key="crm-4711")

    first = create_application(session, payload)
    second = create_application(session, payload)

    assert first["created"] is True
    assert second["created"] is False
    assert second["application"]["id"] == first["application"]["id"]
    assert len(applications_with_key(tiny, "crm-4711")) == 1
    assert tiny.stats.count("/applications", method="POST") == 1


def test_key_of_other_job_rejected(tiny: Sandbox, session: ActionSession) -> None:
    job = open_job(tiny)
    other = next(j for j in tiny.store.records("jobs") if j.id != job.id)
    create_application(session, applicant(job, idempotency_key="crm-1"))

    with pytest.raises(ActionInputError) as caught:
        create_application(session, applicant(other, idempotency_key="crm-1"))

    assert f"of job {job.id}" in problem_fields(caught)["idempotency_key"]


def test_timed_out_create_sent_again_once(
    tiny: Sandbox, make_session: Callable[..., ActionSession]
) -> None:
    # The fault delays the POST past the client's timeout; the server never applies it.
    tiny.faults.script("/applications", ["timeout:1.2"], method="POST")
    session = make_session(timeout_seconds=0.4)

    result = create_application(session, applicant(open_job(tiny), idempotency_key="crm-9"))
    time.sleep(1.0)  # let the stalled request finish on the server

    assert result["created"] is True
    assert tiny.stats.count("/applications", method="POST") == 2
    assert len(applications_with_key(tiny, "crm-9")) == 1


def test_lost_response_not_sent_again(
    tiny: Sandbox, make_session: Callable[..., ActionSession]
) -> None:
    transport = LoseFirstResponse("POST", "/applications")
    session = make_session(transport=transport)

    result = create_application(session, applicant(open_job(tiny), idempotency_key="crm-10"))

    assert transport.lost == 1
    assert result["created"] is True
    assert tiny.stats.count("/applications", method="POST") == 1
    [stored] = applications_with_key(tiny, "crm-10")
    assert result["application"]["remote_id"] == stored.id


def test_candidate_gets_key(tiny: Sandbox, session: ActionSession) -> None:
    create_application(session, applicant(open_job(tiny), idempotency_key="crm-11"))

    [application] = applications_with_key(tiny, "crm-11")
    candidate = tiny.store.get("candidates", str(application.attributes["candidate_id"]))
    assert candidate is not None
    assert candidate.attributes["external_system_reference"] == "crm-11"


def test_create_candidate_returns_candidate(tiny: Sandbox, session: ActionSession) -> None:
    job = open_job(tiny)

    result = create_candidate(session, applicant(job))

    candidate = result["candidate"]
    assert candidate["first_name"] == "Ada"
    assert candidate["email_addresses"] == [
        {"email_address": "ada.lovelace@example.com", "type": None}
    ]
    assert candidate["location"]["country"] == "GB"
    assert candidate["source"] == "pinpoint-pipelines"
    [application] = candidate["applications"]
    assert application["job_id"] == unified_id("test", "jobs", job.id)
    assert application["candidate_id"] == candidate["id"]


def test_data_url_attachment_fetched(tiny: Sandbox, session: ActionSession) -> None:
    source = next(
        a for a in tiny.store.records("applications") if a.extra_attributes.get("attachments")
    )
    [cv, *_] = get_application_attachments(session, f"remote:{source.id}")
    attachment = {"name": "copied.pdf", "type": "CV", "data_url": cv["data_url"]}

    result = create_application(session, applicant(open_job(tiny), attachments=[attachment]))

    owner = ("applications", result["application"]["remote_id"])
    [stored] = [f for f in tiny.store.files.values() if f.owner == owner]
    assert stored.data.startswith(b"%PDF")
    assert stored.content_type == "application/pdf"


def test_created_records_tracked(tiny: Sandbox, make_session: Callable[..., ActionSession]) -> None:
    session = make_session(tracked=True)

    result = create_application(session, applicant(open_job(tiny), idempotency_key="crm-12"))

    assert not [warning for warning in result["warnings"] if "tracking" in warning]
    assert session.pipeline is not None
    assert created_references(session.pipeline, "test") == ["crm-12"]
    application_id = result["application"]["id"]
    assert (
        session.resolver.resolve("applications", application_id, "x")
        == result["application"]["remote_id"]
    )


def test_broken_data_url_named(tiny: Sandbox, session: ActionSession) -> None:
    broken = tiny.base_url.replace("/api/v1", "/_sandbox/files/none/cv.pdf?expires=1&signature=x")
    attachment = {"name": "cv.pdf", "type": "CV", "data_url": broken}

    with pytest.raises(ActionInputError) as caught:
        create_application(session, applicant(open_job(tiny), attachments=[attachment]))

    assert "HTTP 403" in problem_fields(caught)["attachments[0].data_url"]
    assert tiny.stats.count("/applications", method="POST") == 0
