"""Per-field tests: every column of every contract table follows its Pinpoint source.

Each case maps a crafted JSON:API page, changes one Pinpoint attribute, relationship or
id, maps the page again and checks that the loaded value (after `to_arrow`, as dlt
receives it) becomes the expected one and was different before. Columns with a fixed
value are checked to keep it whatever the input. A column of `TABLES` without a case
fails, so a new column cannot go untested.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from pipelines.pinpoint.ids import unified_id
from pipelines.pinpoint.jsonapi import Document
from pipelines.pinpoint.mappers import applications, jobs, people
from pipelines.pinpoint.mappers.common import MapContext
from pipelines.pinpoint.tables import TABLES, to_arrow

ACCOUNT = "acme"
Body = dict[str, Any]
Change = Callable[[Body], None]
Row = dict[str, Any]


def ts(text: str) -> str:
    return f"2025-{text}+00:00"


def moment(text: str) -> datetime:
    return datetime.fromisoformat(ts(text)).astimezone(UTC)


def ref(kind: str, identifier: str) -> dict[str, Any]:
    return {"data": {"type": kind, "id": identifier}}


def refs(kind: str, *identifiers: str) -> dict[str, Any]:
    return {"data": [{"type": kind, "id": identifier} for identifier in identifiers]}


def resource(kind: str, identifier: str, **attributes: Any) -> dict[str, Any]:
    return {"id": identifier, "type": kind, "attributes": attributes, "relationships": {}}


USERS_PAGE: Body = {
    "data": [
        resource(
            "users", "5", first_name="Maya", last_name="Okafor", email="maya@example.com",
            created_at=ts("01-02T08:00:00"), updated_at=ts("02-03T08:00:00"),
        )
    ]
}  # fmt: skip

JOBS_PAGE: Body = {
    "data": [
        {
            "id": "88",
            "type": "jobs",
            "attributes": {
                "title": "Backend Engineer", "description": "<p>Build</p>", "status": "open",
                "visibility": "external", "employment_type": "full_time",
                "url": "https://careers.example.com/jobs/88", "compensation_minimum": 60000,
                "compensation_maximum": 75000, "compensation_currency": "GBP",
                "compensation_frequency": "year", "opened_at": ts("02-10T09:00:00"),
                "closed_at": None, "created_at": ts("02-07T16:00:00"),
                "updated_at": ts("03-01T10:00:00"), "workplace_type": "hybrid",
                "headcount_maximum": 2, "requisition_id": "REQ-7",
            },
            "relationships": {
                "department": ref("departments", "3"),
                "location": ref("locations", "12"),
                "stages": refs("stages", "911", "912"),
                "questions": refs("questions", "301", "302"),
                "hiring_manager_user": ref("users", "5"),
                "recruitment_manager_user": ref("users", "6"),
            },
        }
    ],
    "included": [
        resource("departments", "3", name="Engineering", updated_at=ts("01-01T00:00:00")),
        resource(
            "locations", "12", city="Dublin", country_code="IE", province=None,
            postal_code="D02", street_address="1 Quay St", updated_at=ts("01-01T00:00:00"),
        ),
        resource(
            "stages", "911", name="Applied", basic_type="applied", position=1,
            updated_at=ts("02-07T16:00:00"),
        ),
        resource(
            "stages", "912", name="Interview", basic_type="interview", position=2,
            updated_at=ts("02-07T16:00:00"),
        ),
        resource(
            "questions", "301", title="Right to work?", question_type="boolean", required=True,
            additional_information="UK only", multiple_choice_options=[],
            updated_at=ts("02-08T10:00:00"),
        ),
        resource(
            "questions", "302", title="Where did you hear of us?",
            question_type="single_choice", required=False, additional_information=None,
            multiple_choice_options=["LinkedIn", "Friend"], updated_at=ts("02-08T10:00:00"),
        ),
        resource("users", "5", first_name="Maya", updated_at=ts("01-01T00:00:00")),
        resource("users", "6", first_name="Tom", updated_at=ts("01-01T00:00:00")),
        resource("users", "7", first_name="Lee", updated_at=ts("01-01T00:00:00")),
    ],
}  # fmt: skip

CANDIDATES_PAGE: Body = {
    "data": [
        {
            "id": "3301",
            "type": "candidates",
            "attributes": {
                "first_name": "Maya", "last_name": "Okafor", "email": "maya@example.org",
                "phone": "+44 7700 900123", "address1": "2 Park Row", "address2": None,
                "town": "Leeds", "state_province": None, "postcode": "LS1", "country": "GB",
                "tags": [{"context": "custom_green", "name": "Python"}],
                "created_at": ts("02-27T14:00:00"), "updated_at": ts("03-02T08:00:00"),
            },
            "relationships": {"applications": refs("applications", "5012", "5020")},
        }
    ],
    "included": [
        resource(
            "applications", "5012", channel="job_board", channel_source="LinkedIn",
            linkedin_url="https://www.linkedin.com/in/maya-okafor",
            created_at=ts("02-27T14:00:00"), updated_at=ts("02-28T08:00:00"),
        ),
        resource(
            "applications", "5020", channel="referral", channel_source="Employee referral",
            linkedin_url=None, created_at=ts("03-01T09:00:00"), updated_at=ts("03-01T09:00:00"),
        ),
    ],
}  # fmt: skip

APPLICATIONS_PAGE: Body = {
    "data": [
        {
            "id": "5012",
            "type": "applications",
            "attributes": {
                "job_id": "88", "candidate_id": "3301", "channel": "job_board",
                "channel_source": "LinkedIn", "concealed": False, "hired_at": None,
                "rejected_at": None, "created_at": ts("02-27T14:00:00"),
                "updated_at": ts("03-02T08:00:00"),
                "tags": [{"context": "assessment", "name": "Passed"}],
            },
            "relationships": {
                "stage": ref("stages", "912"),
                "furthest_stage": ref("stages", "912"),
            },
        }
    ],
    "included": [
        resource("stages", "912", name="Interview", basic_type="interview", position=2),
        resource("stages", "913", name="Hired", basic_type="hired", position=3),
    ],
}  # fmt: skip

INTERVIEWS_PAGE: Body = {
    "data": [
        {
            "id": "701",
            "type": "interviews",
            "attributes": {
                "start_at": ts("03-05T10:00:00"), "end_at": ts("03-05T11:00:00"),
                "presence": "attended", "interviewable_type": "Application",
                "interviewable_id": 5012, "updated_at": ts("03-05T12:00:00"),
            },
            "relationships": {
                "stage": ref("stages", "912"),
                "interview_parts": refs("interview_parts", "801"),
            },
        }
    ],
    "included": [
        resource("stages", "912", name="Interview", basic_type="interview"),
        resource("stages", "913", name="Final interview", basic_type="interview"),
        {
            "id": "801", "type": "interview_parts", "attributes": {},
            "relationships": {"interviewing_users": refs("users", "5", "6")},
        },
        resource("users", "5"),
        resource("users", "6"),
        resource("users", "7"),
    ],
}  # fmt: skip

PAGES = {
    "users": USERS_PAGE,
    "jobs": JOBS_PAGE,
    "candidates": CANDIDATES_PAGE,
    "applications": APPLICATIONS_PAGE,
    "interviews": INTERVIEWS_PAGE,
}
MAPPERS: dict[str, tuple[str, Callable[[Document, MapContext], list[Row]]]] = {
    "users": ("users", people.map_users),
    "jobs": ("jobs", jobs.map_jobs),
    "application_stages": ("jobs", jobs.map_application_stages),
    "job_application_stages": ("jobs", jobs.map_job_application_stages),
    "job_screening_questions": ("jobs", jobs.map_job_screening_questions),
    "job_hiring_team_members": ("jobs", jobs.map_job_hiring_team_members),
    "screening_questions": ("jobs", jobs.map_job_questions),
    "candidates": ("candidates", people.map_candidates),
    "candidate_tags": ("candidates", people.map_candidate_tags),
    "tags": ("candidates", people.map_tags),
    "applications": ("applications", applications.map_applications),
    "interviews": ("interviews", applications.map_interviews),
}


# Changes to a crafted page


def attr(name: str, value: Any, kind: str | None = None, identifier: str | None = None) -> Change:
    """Set an attribute of the primary record, or of the included (kind, identifier)."""

    def change(body: Body) -> None:
        target = body["data"][0]
        if kind is not None:
            target = next(
                item
                for item in body["included"]
                if item["type"] == kind and item["id"] == identifier
            )
        target["attributes"][name] = value

    return change


def rename(kind: str, old: str, new: str) -> Change:
    """Change the id of a record everywhere: as a resource and in every linkage."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == kind and node.get("id") == old:
                node["id"] = new
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    return walk


def link(name: str, value: dict[str, Any]) -> Change:
    """Replace a relationship of the primary record."""

    def change(body: Body) -> None:
        body["data"][0]["relationships"][name] = value

    return change


def both(*changes: Change) -> Change:
    def change(body: Body) -> None:
        for each in changes:
            each(body)

    return change


def by(column: str, value: Any) -> Callable[[list[Row]], Row]:
    """Pick the row whose `column` equals `value`."""

    def pick(rows: list[Row]) -> Row:
        return next(row for row in rows if row[column] == value)

    return pick


def first(rows: list[Row]) -> Row:
    return rows[0]


@dataclass(frozen=True)
class Case:
    """How one column follows Pinpoint: the change, the value after it, and which row.

    With `constant` set, the column must hold `expected` before and after `change`.
    `pick` extracts the compared part of a JSON value.
    """

    change: Change
    expected: Any
    row: Callable[[list[Row]], Row] = first
    pick: Callable[[Any], Any] = lambda value: value
    constant: bool = False


def uid(model: str, remote_id: str) -> str:
    return unified_id(ACCOUNT, model, remote_id)


def loaded_rows(table: str, body: Body, account: str = ACCOUNT) -> list[Row]:
    """Map a page the way a sync does and return the rows as dlt receives them."""
    page, mapper = MAPPERS[table]
    document = Document.from_response_body(copy.deepcopy(body), f"crafted {page} page")
    arrow = to_arrow(table, mapper(document, MapContext(account)), account)
    rows = arrow.to_pylist()
    for row in rows:
        for column in TABLES[table].json_columns:
            if row[column] is not None:
                row[column] = json.loads(row[column])
    return rows


def unchanged(body: Body) -> None:
    """Leave the page as it is, for columns whose value never depends on the input."""
    body["data"][0]["attributes"]["updated_at"] = ts("06-30T00:00:00")


def common_cases(table: str, model: str, record: tuple[str, str], later: Change) -> dict[str, Case]:
    """Cases of the columns every top-level table has: ids, change time, deletion mark."""
    kind, identifier = record
    return {
        f"{table}.id": Case(rename(kind, identifier, "90001"), uid(model, "90001")),
        f"{table}.remote_id": Case(rename(kind, identifier, "90001"), "90001"),
        f"{table}.changed_at": Case(later, moment("09-09T09:09:09")),
        f"{table}.remote_deleted_at": Case(unchanged, None, constant=True),
    }


LATER = ts("09-09T09:09:09")
STAGE_911 = by("remote_id", "911")
USER_5_MEMBER = by("user_id", uid("users", "5"))

CASES: dict[str, Case] = {
    # users
    **common_cases("users", "users", ("users", "5"), attr("updated_at", LATER)),
    "users.first_name": Case(attr("first_name", "Ann"), "Ann"),
    "users.last_name": Case(attr("last_name", "Lee"), "Lee"),
    "users.email": Case(attr("email", "ann@example.net"), "ann@example.net"),
    "users.remote_created_at": Case(attr("created_at", LATER), moment("09-09T09:09:09")),
    # jobs
    **common_cases("jobs", "jobs", ("jobs", "88"), attr("updated_at", LATER)),
    "jobs.name": Case(attr("title", "Data Engineer"), "Data Engineer"),
    "jobs.description": Case(attr("description", "<p>New</p>"), "<p>New</p>"),
    "jobs.confidential": Case(attr("visibility", "confidential"), True),
    "jobs.employment_type": Case(attr("employment_type", "part_time"), "PART_TIME"),
    "jobs.status": Case(attr("status", "filled"), "CLOSED"),
    "jobs.visibility": Case(attr("visibility", "private_job"), "UNLISTED"),
    "jobs.department": Case(attr("name", "Sales", "departments", "3"), "Sales"),
    "jobs.post_url": Case(attr("url", "https://jobs.example.com/1"), "https://jobs.example.com/1"),
    "jobs.salary_amount_from": Case(attr("compensation_minimum", "55000.5"), 55000.5),
    "jobs.salary_amount_to": Case(attr("compensation_maximum", 90000), 90000.0),
    "jobs.salary_currency": Case(attr("compensation_currency", "EUR"), "EUR"),
    "jobs.salary_period": Case(attr("compensation_frequency", "monthly"), "MONTH"),
    "jobs.location": Case(
        attr("city", "Cork", "locations", "12"), "Cork", pick=lambda location: location["city"]
    ),
    "jobs.custom_fields": Case(attr("title", "Anything"), {}, constant=True),
    "jobs.integration_fields": Case(attr("title", "Anything"), [], constant=True),
    "jobs.opened_at": Case(attr("opened_at", LATER), moment("09-09T09:09:09")),
    "jobs.closed_at": Case(attr("closed_at", LATER), moment("09-09T09:09:09")),
    "jobs.remote_created_at": Case(attr("created_at", LATER), moment("09-09T09:09:09")),
    "jobs.remote_updated_at": Case(attr("updated_at", LATER), moment("09-09T09:09:09")),
    "jobs.contact_id": Case(link("hiring_manager_user", ref("users", "7")), uid("users", "7")),
    "jobs.workplace_type": Case(attr("workplace_type", "remote"), "remote"),
    "jobs.headcount": Case(attr("headcount_maximum", 5), 5),
    "jobs.requisition_id": Case(attr("requisition_id", "REQ-9"), "REQ-9"),
    "jobs.remote_data": Case(
        attr("title", "Data Engineer"),
        "Data Engineer",
        pick=lambda data: data["/jobs/88"]["attributes"]["title"],
    ),
    # application_stages: one row per included stage
    **common_cases(
        "application_stages",
        "application_stages",
        ("stages", "911"),
        attr("updated_at", LATER, "stages", "911"),
    ),
    "application_stages.name": Case(attr("name", "New", "stages", "911"), "New", STAGE_911),
    "application_stages.stage_type": Case(
        attr("basic_type", "review", "stages", "911"), "review", STAGE_911
    ),
    "application_stages.job_id": Case(rename("jobs", "88", "99"), uid("jobs", "99"), STAGE_911),
    # job_application_stages
    "job_application_stages.id": Case(
        rename("stages", "911", "919"), uid("job_application_stages", "88:919")
    ),
    "job_application_stages.remote_id": Case(unchanged, None, constant=True),
    "job_application_stages.index": Case(
        attr("position", 9, "stages", "911"), 1, by("stage_id", uid("application_stages", "911"))
    ),
    "job_application_stages.job_id": Case(rename("jobs", "88", "99"), uid("jobs", "99")),
    "job_application_stages.stage_id": Case(
        rename("stages", "911", "919"), uid("application_stages", "919")
    ),
    "job_application_stages.changed_at": Case(
        attr("updated_at", LATER, "stages", "911"), moment("09-09T09:09:09")
    ),
    "job_application_stages.remote_deleted_at": Case(unchanged, None, constant=True),
    # job_screening_questions: one row per question of the job, in linked order
    "job_screening_questions.id": Case(
        rename("questions", "301", "309"), uid("job_screening_questions", "88:309")
    ),
    "job_screening_questions.remote_id": Case(unchanged, None, constant=True),
    "job_screening_questions.index": Case(
        link("questions", refs("questions", "302", "301")),
        1,
        by("question_id", uid("screening_questions", "301")),
    ),
    "job_screening_questions.required": Case(attr("required", False, "questions", "301"), False),
    "job_screening_questions.precondition_question_id": Case(unchanged, None, constant=True),
    "job_screening_questions.precondition_options": Case(unchanged, None, constant=True),
    "job_screening_questions.job_id": Case(rename("jobs", "88", "99"), uid("jobs", "99")),
    "job_screening_questions.question_id": Case(
        rename("questions", "301", "309"), uid("screening_questions", "309")
    ),
    "job_screening_questions.changed_at": Case(
        attr("updated_at", LATER, "questions", "301"), moment("09-09T09:09:09")
    ),
    "job_screening_questions.remote_deleted_at": Case(unchanged, None, constant=True),
    # job_hiring_team_members: one row per user with a role on the job
    "job_hiring_team_members.id": Case(
        rename("users", "5", "59"), uid("job_hiring_team_members", "88:59")
    ),
    "job_hiring_team_members.remote_id": Case(unchanged, None, constant=True),
    "job_hiring_team_members.roles": Case(
        link("recruitment_manager_user", ref("users", "5")),
        ["HIRING_MANAGER", "RECRUITER"],
        USER_5_MEMBER,
    ),
    "job_hiring_team_members.job_id": Case(rename("jobs", "88", "99"), uid("jobs", "99")),
    "job_hiring_team_members.user_id": Case(
        link("hiring_manager_user", ref("users", "7")), uid("users", "7")
    ),
    "job_hiring_team_members.changed_at": Case(attr("updated_at", LATER), moment("09-09T09:09:09")),
    "job_hiring_team_members.remote_deleted_at": Case(unchanged, None, constant=True),
    # screening_questions: the questions the jobs include
    **common_cases(
        "screening_questions",
        "screening_questions",
        ("questions", "301"),
        attr("updated_at", LATER, "questions", "301"),
    ),
    "screening_questions.title": Case(attr("title", "Visa?", "questions", "301"), "Visa?"),
    "screening_questions.description": Case(
        attr("additional_information", "EU only", "questions", "301"), "EU only"
    ),
    "screening_questions.format": Case(
        attr("question_type", "number", "questions", "301"), {"type": "NUMBER"}
    ),
    # candidates
    **common_cases("candidates", "candidates", ("candidates", "3301"), attr("updated_at", LATER)),
    "candidates.first_name": Case(attr("first_name", "Ann"), "Ann"),
    "candidates.last_name": Case(attr("last_name", "Lee"), "Lee"),
    "candidates.source": Case(attr("channel_source", "Indeed", "applications", "5012"), "Indeed"),
    "candidates.phone_numbers": Case(
        attr("phone", "+1 555 0100"), [{"phone_number": "+1 555 0100", "type": None}]
    ),
    "candidates.email_addresses": Case(
        attr("email", "ann@example.net"), [{"email_address": "ann@example.net", "type": None}]
    ),
    "candidates.social_media": Case(
        attr("linkedin_url", "https://www.linkedin.com/in/ann-lee", "applications", "5012"),
        [
            {
                "link": "https://www.linkedin.com/in/ann-lee",
                "type": "LINKEDIN",
                "username": "ann-lee",
            }
        ],
    ),
    "candidates.location": Case(attr("town", "York"), "York", pick=lambda loc: loc["city"]),
    "candidates.remote_created_at": Case(attr("created_at", LATER), moment("09-09T09:09:09")),
    "candidates.remote_updated_at": Case(attr("updated_at", LATER), moment("09-09T09:09:09")),
    "candidates.remote_data": Case(
        attr("first_name", "Ann"),
        "Ann",
        pick=lambda data: data["/candidates/3301"]["attributes"]["first_name"],
    ),
    # candidate_tags: one row per tag of a candidate
    "candidate_tags.id": Case(
        attr("tags", [{"context": "custom_green", "name": "Rust"}]),
        uid("candidate_tags", "3301:custom_green:Rust"),
    ),
    "candidate_tags.remote_id": Case(unchanged, None, constant=True),
    "candidate_tags.candidate_id": Case(
        rename("candidates", "3301", "3399"), uid("candidates", "3399")
    ),
    "candidate_tags.tag_id": Case(
        attr("tags", [{"context": "assessment", "name": "Python"}]),
        uid("tags", "assessment:Python"),
    ),
    "candidate_tags.changed_at": Case(attr("updated_at", LATER), moment("09-09T09:09:09")),
    "candidate_tags.remote_deleted_at": Case(unchanged, None, constant=True),
    # tags: {context, name} pairs; the natural key is their remote id
    "tags.id": Case(
        attr("tags", [{"context": "custom_green", "name": "Rust"}]),
        uid("tags", "custom_green:Rust"),
    ),
    "tags.remote_id": Case(
        attr("tags", [{"context": "custom_green", "name": "Rust"}]), "custom_green:Rust"
    ),
    "tags.name": Case(attr("tags", [{"context": "custom_green", "name": "Rust"}]), "Rust"),
    "tags.context": Case(attr("tags", [{"context": "assessment", "name": "Python"}]), "assessment"),
    "tags.changed_at": Case(attr("updated_at", LATER), moment("09-09T09:09:09")),
    "tags.remote_deleted_at": Case(unchanged, None, constant=True),
    # applications
    **common_cases(
        "applications", "applications", ("applications", "5012"), attr("updated_at", LATER)
    ),
    "applications.outcome": Case(link("stage", ref("stages", "913")), "HIRED"),
    "applications.current_stage_id": Case(
        link("stage", ref("stages", "913")), uid("application_stages", "913")
    ),
    "applications.job_id": Case(attr("job_id", "99"), uid("jobs", "99")),
    "applications.candidate_id": Case(attr("candidate_id", 3399), uid("candidates", "3399")),
    "applications.remote_created_at": Case(attr("created_at", LATER), moment("09-09T09:09:09")),
    "applications.remote_updated_at": Case(attr("updated_at", LATER), moment("09-09T09:09:09")),
    "applications.furthest_stage_id": Case(
        link("furthest_stage", ref("stages", "913")), uid("application_stages", "913")
    ),
    "applications.rejected_at": Case(attr("rejected_at", LATER), moment("09-09T09:09:09")),
    "applications.hired_at": Case(attr("hired_at", LATER), moment("09-09T09:09:09")),
    "applications.source": Case(attr("channel_source", "Indeed"), "Indeed"),
    "applications.concealed": Case(attr("concealed", True), True),
    "applications.remote_data": Case(
        attr("channel", "agency"),
        "agency",
        pick=lambda data: data["/applications/5012"]["attributes"]["channel"],
    ),
    # interviews
    **common_cases("interviews", "interviews", ("interviews", "701"), attr("updated_at", LATER)),
    "interviews.title": Case(attr("name", "Panel", "stages", "912"), "Panel"),
    "interviews.starting_at": Case(attr("start_at", LATER), moment("09-09T09:09:09")),
    "interviews.ending_at": Case(attr("end_at", LATER), moment("09-09T09:09:09")),
    "interviews.application_id": Case(attr("interviewable_id", 5099), uid("applications", "5099")),
    "interviews.stage_id": Case(
        link("stage", ref("stages", "913")), uid("application_stages", "913")
    ),
    "interviews.presence": Case(attr("presence", "no_show"), "no_show"),
    "interviews.interviewer_user_ids": Case(
        rename("users", "6", "7"), sorted([uid("users", "5"), uid("users", "7")])
    ),
    "interviews.remote_data": Case(
        attr("presence", "no_show"),
        "no_show",
        pick=lambda data: data["/interviews/701"]["attributes"]["presence"],
    ),
}

CONTRACT_COLUMNS = [
    f"{table}.{column}" for table, spec in TABLES.items() for column in spec.column_names
]


def column_value(table: str, column: str, case: Case, body: Body) -> Any:
    return case.pick(case.row(loaded_rows(table, body))[column])


@pytest.mark.parametrize("key", CONTRACT_COLUMNS)
def test_column_follows_pinpoint(key: str) -> None:
    table, column = key.split(".", 1)
    page = PAGES[MAPPERS[table][0]]
    if column == "account":
        # The account scopes every row, so it is the one input outside the page.
        assert loaded_rows(table, page, "globex")[0]["account"] == "globex"
        assert loaded_rows(table, page)[0]["account"] == ACCOUNT
        return
    case = CASES.get(key)
    assert case is not None, f"no mapping case for {key}; add one to CASES"

    changed = copy.deepcopy(page)
    case.change(changed)
    before = column_value(table, column, case, page)
    after = column_value(table, column, case, changed)

    assert after == case.expected
    if case.constant:
        assert before == case.expected
    else:
        assert before != case.expected, "the crafted page already has the expected value"


def test_cases_name_contract_columns() -> None:
    assert sorted(set(CASES) - set(CONTRACT_COLUMNS)) == []
