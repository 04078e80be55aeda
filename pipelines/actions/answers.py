"""Screening question answers: checked against the job's questions, then side-posted.

Each answer is `{question_id, answer}`; `question_id` is the unified id of a row of
`screening_questions` or `remote:<Pinpoint question id>`, and must be a question of the
application's job. The answer must fit the question's unified `format`:

    TEXT            string (EMAIL and URL display types are checked as such)
    NUMBER          number
    BOOLEAN         true or false
    DATE            ISO date "2025-03-01"; for a date range {"from": date, "to": date}
    SINGLE_SELECT   one option, by its unified option id, remote id or name
    MULTI_SELECT    a list of options, within the question's minimum and maximum count

FILE, INFORMATION and UNKNOWN questions take no answer here. Answers become `answers`
records side-posted with the application (`temp-id` and `method: create`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pipelines.actions.errors import Problems
from pipelines.actions.validation import (
    check_keys,
    is_email,
    is_http_url,
    read_list,
    read_object,
    record_reference,
)
from pipelines.pinpoint.jsonapi import NOT_INCLUDED, Document, Resource
from pipelines.pinpoint.mappers.common import MapContext, attribute
from pipelines.pinpoint.mappers.questions import question_format

__all__ = [
    "JobQuestion",
    "SidePosts",
    "answer_side_posts",
    "job_questions",
    "unanswered_required",
]

_MAX_TEXT_ANSWER = 10_000


@dataclass(frozen=True)
class JobQuestion:
    """A question of one job with its unified format."""

    remote_id: str
    unified_id: str
    title: str
    format: dict[str, Any]
    raw_type: str
    required: bool
    min_options: int | None
    max_options: int | None


@dataclass
class SidePosts:
    """Linkage for `relationships.answers.data` and the matching `included` records."""

    linkage: list[dict[str, Any]]
    included: list[dict[str, Any]]
    answered: set[str]


def job_questions(document: Document, job: Resource, context: MapContext) -> list[JobQuestion]:
    """Return the questions included with `job` (requested with `include=questions`)."""
    related = document.related(job, "questions")
    if related is NOT_INCLUDED or not related:
        return []
    questions = []
    for question in related:
        remote_id = str(question["id"])
        unified = context.id("screening_questions", remote_id)
        assert unified is not None
        questions.append(
            JobQuestion(
                remote_id=remote_id,
                unified_id=unified,
                title=str(attribute(question, "title") or ""),
                format=question_format(question, context),
                raw_type=str(attribute(question, "question_type") or "").lower(),
                required=attribute(question, "required") is True,
                min_options=_count(attribute(question, "num_required_answer_options")),
                max_options=_count(attribute(question, "max_num_required_answer_options")),
            )
        )
    return questions


def answer_side_posts(value: Any, questions: list[JobQuestion], problems: Problems) -> SidePosts:
    """Check `screening_question_answers` and build the side-posted answer records."""
    by_id: dict[str, JobQuestion] = {}
    for question in questions:
        by_id[question.unified_id] = question
        by_id[f"remote:{question.remote_id}"] = question
    posts = SidePosts([], [], set())
    for index, item in enumerate(read_list(value, "screening_question_answers", problems)):
        field = f"screening_question_answers[{index}]"
        data = read_object(item, field, problems)
        if data is None:
            continue
        check_keys(data, ("question_id", "answer"), field, problems)
        reference = record_reference(data.get("question_id"), f"{field}.question_id", problems)
        if reference is None:
            continue
        answered = by_id.get(reference)
        if answered is None:
            listed = ", ".join(f"{q.unified_id} ({q.title})" for q in questions) or "none"
            problems.add(
                f"{field}.question_id",
                f"{reference} is not a question of the application's job; its questions: {listed}",
            )
            continue
        question = answered
        if question.remote_id in posts.answered:
            problems.add(f"{field}.question_id", "answers a question that is already answered")
            continue
        attributes = _answer_attributes(question, data.get("answer"), f"{field}.answer", problems)
        if attributes is None:
            continue
        posts.answered.add(question.remote_id)
        temp_id = f"answer-{index + 1}"
        posts.linkage.append({"type": "answers", "temp-id": temp_id, "method": "create"})
        posts.included.append(
            {
                "type": "answers",
                "temp-id": temp_id,
                "attributes": attributes,
                "relationships": {
                    "question": {"data": {"type": "questions", "id": question.remote_id}}
                },
            }
        )
    return posts


def _answer_attributes(
    question: JobQuestion, answer: Any, field: str, problems: Problems
) -> dict[str, Any] | None:
    kind = question.format.get("type")
    if answer is None:
        problems.add(field, f"is required for question {question.unified_id}")
        return None
    if kind == "TEXT":
        return _text_answer(question, answer, field, problems)
    if kind == "NUMBER":
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            problems.add(field, "must be a number for this NUMBER question")
            return None
        # Pinpoint stores number answers as decimals and renders them as strings.
        return {"number_answer": str(answer)}
    if kind == "BOOLEAN":
        if not isinstance(answer, bool):
            problems.add(field, "must be true or false for this BOOLEAN question")
            return None
        return {"boolean_answer": answer}
    if kind == "DATE":
        return _date_answer(question, answer, field, problems)
    if kind in ("SINGLE_SELECT", "MULTI_SELECT"):
        return _select_answer(question, answer, field, problems)
    if kind == "FILE":
        problems.add(
            field,
            "file questions cannot be answered here; send the file in attachments with type OTHER",
        )
    elif kind == "INFORMATION":
        problems.add(field, "this question is an information text and takes no answer")
    else:
        problems.add(
            field,
            f"question type {question.raw_type or '(none)'} is not supported; "
            "leave the question out",
        )
    return None


def _text_answer(
    question: JobQuestion, answer: Any, field: str, problems: Problems
) -> dict[str, Any] | None:
    if not isinstance(answer, str) or not answer.strip():
        problems.add(field, "must be a non-empty string for this TEXT question")
        return None
    if len(answer) > _MAX_TEXT_ANSWER:
        problems.add(field, f"is longer than {_MAX_TEXT_ANSWER} characters")
        return None
    display = question.format.get("display_type")
    if display == "EMAIL" and not is_email(answer.strip()):
        problems.add(field, "must be an email address for this EMAIL question")
        return None
    if display == "URL":
        if not is_http_url(answer.strip()):
            problems.add(field, "must be an http or https URL for this URL question")
            return None
        return {"url_answer": answer.strip()}
    return {"text_answer": answer}


def _date_answer(
    question: JobQuestion, answer: Any, field: str, problems: Problems
) -> dict[str, Any] | None:
    if question.raw_type == "date_range":
        if not isinstance(answer, dict) or set(answer) != {"from", "to"}:
            problems.add(field, 'must be {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"} for a range')
            return None
        start = _iso_date(answer["from"], f"{field}.from", problems)
        end = _iso_date(answer["to"], f"{field}.to", problems)
        if start is None or end is None:
            return None
        if end < start:
            problems.add(f"{field}.to", "is before the start of the range")
            return None
        return {"date_from_answer": start.isoformat(), "date_to_answer": end.isoformat()}
    parsed = _iso_date(answer, field, problems)
    return None if parsed is None else {"date_answer": parsed.isoformat()}


def _select_answer(
    question: JobQuestion, answer: Any, field: str, problems: Problems
) -> dict[str, Any] | None:
    options = question.format.get("options") or []
    names: dict[str, str] = {}
    for option in options:
        for key in (option["id"], option["remote_id"], option["name"]):
            names[str(key)] = option["name"]
    single = question.format["type"] == "SINGLE_SELECT"
    chosen = [answer] if single else answer
    if (single and not isinstance(answer, str)) or (
        not single and (not isinstance(answer, list) or not answer)
    ):
        shape = "one option id as a string" if single else "a non-empty list of option ids"
        problems.add(field, f"must be {shape} for this {question.format['type']} question")
        return None
    selected = []
    for choice in chosen:
        name = names.get(str(choice)) if isinstance(choice, str) else None
        if name is None:
            valid = ", ".join(f"{o['id']} ({o['name']})" for o in options) or "none"
            problems.add(field, f"{choice!r} is not an option of this question; options: {valid}")
            return None
        if name not in selected:
            selected.append(name)
    if not single:
        low, high = question.min_options, question.max_options
        if low and len(selected) < low:
            problems.add(field, f"needs at least {low} options; it has {len(selected)}")
            return None
        if high and len(selected) > high:
            problems.add(field, f"allows at most {high} options; it has {len(selected)}")
            return None
    # NOTE: Pinpoint's reference lists multiple_choice_answer as read-only and also names
    # an answer_options relationship; the sandbox accepts the option names here.
    return {"multiple_choice_answer": selected}


def _iso_date(value: Any, field: str, problems: Problems) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.add(field, "must be an ISO 8601 date such as 2025-03-01")
    return None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def unanswered_required(questions: list[JobQuestion], answered: set[str]) -> list[JobQuestion]:
    """Return the job's required questions that the input does not answer.

    Pinpoint does not enforce required questions on API creates, so these are warnings.
    """
    skipped = {"INFORMATION"}
    return [
        question
        for question in questions
        if question.required
        and question.remote_id not in answered
        and question.format.get("type") not in skipped
    ]
