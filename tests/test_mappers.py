"""Mappers on fixture pages whose expected rows are worked out by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.pinpoint.ids import unified_id
from pipelines.pinpoint.jsonapi import NOT_INCLUDED, Document, parse_timestamp
from pipelines.pinpoint.mappers import applications, jobs, people
from pipelines.pinpoint.mappers.common import MapContext, MappingError
from pipelines.pinpoint.tables import TABLES, to_arrow

FIXTURES = Path(__file__).parent / "fixtures"
CONTEXT = MapContext("acme")


def load(name: str) -> Document:
    body = json.loads((FIXTURES / name).read_text())
    return Document.from_response_body(body, f"fixture {name}")


def by_remote_id(rows: list[dict]) -> dict[str, dict]:
    return {row["remote_id"]: row for row in rows}


def test_unified_ids_stable_and_scoped() -> None:
    assert unified_id("acme", "jobs", "7") == unified_id("acme", "jobs", "7")
    assert unified_id("acme", "jobs", "7") != unified_id("acme", "users", "7")
    assert unified_id("acme", "jobs", "7") != unified_id("globex", "jobs", "7")
    assert len(unified_id("acme", "jobs", "7")) == 22


def test_unified_ids_unchanged_across_releases() -> None:
    # Loaded rows keep these ids, so any change to the encoding would duplicate records.
    assert unified_id("acme", "jobs", "7") == "Fojox21tqrt3jquWj8heSm"
    assert unified_id("acme", "applications", "7001") == "8wuKwgxHndzHfFYS1igzss"


def test_parse_timestamp_normalises_to_utc() -> None:
    expected = datetime(2025, 6, 1, 16, 30, tzinfo=UTC)
    assert parse_timestamp("2025-06-01T17:30:00+01:00") == expected
    assert parse_timestamp("2025-06-01T16:30:00Z") == expected
    assert parse_timestamp("2025-06-01T16:30:00.000+00:00") == expected
    assert parse_timestamp(None) is None


def test_relationship_not_included_differs_from_empty() -> None:
    document = load("jobs_page.json")
    second_job = document.data[1]
    assert document.related(second_job, "stages") is NOT_INCLUDED
    assert document.related(second_job, "questions") == []
    assert document.related(second_job, "hiring_manager_user") is None


def test_jobs_mapping() -> None:
    rows = by_remote_id(jobs.map_jobs(load("jobs_page.json"), CONTEXT))
    first = rows["88"]
    assert first["id"] == unified_id("acme", "jobs", "88")
    assert first["name"] == "Senior Backend Engineer"
    assert first["status"] == "CLOSED"
    assert first["visibility"] == "CONFIDENTIAL"
    assert first["confidential"] is True
    assert first["employment_type"] == "volunteer"
    assert first["salary_amount_from"] == 60000.0
    assert first["salary_amount_to"] == 75000.5
    assert first["salary_period"] == "YEAR"
    assert first["department"] == "Engineering"
    assert first["location"]["city"] == "Leeds"
    assert first["location"]["country"] == "GB"
    assert first["contact_id"] == unified_id("acme", "users", "5")
    assert first["closed_at"] == datetime(2025, 6, 1, 16, 30, tzinfo=UTC)
    # The department was updated after the job, so it sets the row's change time.
    assert first["changed_at"] == datetime(2025, 3, 5, tzinfo=UTC)
    assert first["remote_data"] == {"/jobs/88": load("jobs_page.json").data[0]}

    second = rows["89"]
    assert second["status"] == "hold"
    assert second["visibility"] == "PUBLIC"
    assert second["confidential"] is False
    assert second["employment_type"] == "FULL_TIME"
    assert second["salary_period"] == "TWO_WEEKS"
    assert second["department"] is None
    assert second["location"]["city"] == "Dublin"
    assert second["location"]["country"] == "IE"
    assert second["contact_id"] is None


def test_job_stages_ordered_by_position() -> None:
    document = load("jobs_page.json")
    stages = jobs.map_job_application_stages(document, CONTEXT)
    order = [row["stage_id"] for row in stages]
    expected = [
        unified_id("acme", "application_stages", remote) for remote in ("915", "911", "912", "916")
    ]
    assert order == expected
    assert [row["index"] for row in stages] == [0, 1, 2, 3]

    stage_rows = by_remote_id(jobs.map_application_stages(document, CONTEXT))
    assert stage_rows["915"]["stage_type"] == "rejected"
    assert stage_rows["912"]["job_id"] == unified_id("acme", "jobs", "88")
    assert set(stage_rows) == {"911", "912", "915", "916"}


def test_job_questions_and_formats() -> None:
    document = load("jobs_page.json")
    questions = by_remote_id(jobs.map_job_questions(document, CONTEXT))
    multi = questions["301"]["format"]
    assert multi["type"] == "MULTI_SELECT"
    assert [option["name"] for option in multi["options"]] == ["Python", "Go"]
    unknown = questions["302"]["format"]
    assert unknown["type"] == "UNKNOWN"
    assert unknown["raw_question"]["question_type"] == "legacy_rating"

    joins = jobs.map_job_screening_questions(document, CONTEXT)
    assert [(row["index"], row["required"]) for row in joins] == [(0, True), (1, False)]


def test_hiring_team_merges_roles_of_one_user() -> None:
    rows = jobs.map_job_hiring_team_members(load("jobs_page.json"), CONTEXT)
    first_job = [row for row in rows if row["job_id"] == unified_id("acme", "jobs", "88")]
    assert len(first_job) == 1
    assert first_job[0]["roles"] == ["HIRING_MANAGER", "RECRUITER"]
    second_job = [row for row in rows if row["job_id"] == unified_id("acme", "jobs", "89")]
    assert [row["roles"] for row in second_job] == [["RECRUITER"]]


def test_candidates_mapping() -> None:
    rows = by_remote_id(people.map_candidates(load("candidates_page.json"), CONTEXT))
    maya = rows["3301"]
    # The earliest application (5012) has no channel_source, so its channel is the source.
    assert maya["source"] == "job_board"
    assert maya["email_addresses"] == [{"email_address": "maya.okafor@example.org", "type": None}]
    assert maya["phone_numbers"] == [{"phone_number": "+44 7700 900123", "type": None}]
    assert maya["social_media"][0]["username"] == "maya-okafor-example"
    assert maya["location"]["country"] == "GB"
    assert maya["changed_at"] == datetime(2025, 3, 5, tzinfo=UTC)

    concealed = rows["3302"]
    assert concealed["first_name"] is None
    assert concealed["email_addresses"] == []
    assert concealed["source"] is None
    assert concealed["location"] is None


def test_tags_deduplicated_with_natural_key() -> None:
    document = load("candidates_page.json")
    tags = by_remote_id(people.map_tags(document, CONTEXT))
    assert set(tags) == {"custom_green:Python", "assessment:Passed"}
    # The tag is seen on both candidates; the later change time wins.
    assert tags["custom_green:Python"]["changed_at"] == datetime(2025, 3, 4, 8, 15, 40, tzinfo=UTC)
    links = people.map_candidate_tags(document, CONTEXT)
    assert len(links) == 3


@pytest.mark.parametrize(
    ("stage_type", "hired", "rejected", "expected"),
    [
        ("hired", False, False, "HIRED"),
        ("offer", True, False, "HIRED"),
        ("rejected", False, False, "DECLINED"),
        ("interview", False, True, "DECLINED"),
        ("review", False, False, "PENDING"),
        (None, False, False, "PENDING"),
    ],
)
def test_application_outcome(
    stage_type: str | None, hired: bool, rejected: bool, expected: str
) -> None:
    assert applications.application_outcome(stage_type, hired, rejected) == expected


def test_missing_updated_at_names_record() -> None:
    body = {"data": [{"id": "9", "type": "users", "attributes": {"first_name": "X"}}]}
    document = Document.from_response_body(body, "test")
    with pytest.raises(MappingError) as caught:
        people.map_users(document, CONTEXT)
    assert "users 9" in str(caught.value)
    assert "updated_at" in str(caught.value)


def test_arrow_tables_match_contract() -> None:
    rows = jobs.map_jobs(load("jobs_page.json"), CONTEXT)
    table = to_arrow("jobs", rows)
    assert table.column_names == TABLES["jobs"].column_names
    assert table.num_rows == 2
    location = json.loads(table.column("location")[0].as_py())
    assert location["city"] == "Leeds"
