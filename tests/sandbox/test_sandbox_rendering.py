"""Relationship rendering, include, sparse fieldsets and extra fields."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
from sandbox_helpers import ALL_VISIBILITIES

from pipelines.sandbox import Sandbox

NOT_INCLUDED = {"meta": {"included": False}}


def get(client: httpx.Client, path: str, **params: str) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_relationships_not_included(shared_client: httpx.Client) -> None:
    application = get(shared_client, "/applications", **{"page[size]": "1"})["data"][0]
    assert application["relationships"] == {
        "job": NOT_INCLUDED,
        "stage": NOT_INCLUDED,
        "candidate": NOT_INCLUDED,
        "job_posting": NOT_INCLUDED,
        "furthest_stage": NOT_INCLUDED,
        "answers": NOT_INCLUDED,
        "comments": NOT_INCLUDED,
        "custom_attributes": NOT_INCLUDED,
        "offers": NOT_INCLUDED,
    }


def test_included_relationships_have_data(
    shared_sandbox: Sandbox, shared_client: httpx.Client
) -> None:
    body = get(shared_client, "/applications", include="stage,job", **{"page[size]": "20"})
    for application in body["data"]:
        relationships = application["relationships"]
        attributes = application["attributes"]
        assert relationships["job"] == {"data": {"type": "jobs", "id": attributes["job_id"]}}
        assert relationships["stage"] == {"data": {"type": "stages", "id": attributes["stage_id"]}}
        assert relationships["candidate"] == NOT_INCLUDED
        assert relationships["furthest_stage"] == NOT_INCLUDED

    keys = [(record["type"], record["id"]) for record in body["included"]]
    assert len(keys) == len(set(keys))
    expected_jobs = {a["attributes"]["job_id"] for a in body["data"]}
    expected_stages = {a["attributes"]["stage_id"] for a in body["data"]}
    assert {i for t, i in keys if t == "jobs"} == expected_jobs
    assert {i for t, i in keys if t == "stages"} == expected_stages
    assert {t for t, _ in keys} == {"jobs", "stages"}


def test_included_records_list_their_relationships(shared_client: httpx.Client) -> None:
    body = get(shared_client, "/applications", include="job", **{"page[size]": "1"})
    job = body["included"][0]
    assert job["type"] == "jobs"
    assert set(job["relationships"]) == {
        "stages",
        "applications",
        "department",
        "division",
        "location",
        "structure_custom_group_one",
        "structure_link",
        "company",
        "hiring_manager_user",
        "recruitment_manager_user",
        "creator_user",
        "job_postings",
        "questions",
        "custom_attributes",
    }
    assert all(value == NOT_INCLUDED for value in job["relationships"].values())


def test_job_stages_in_position_order(shared_client: httpx.Client) -> None:
    body = get(shared_client, "/jobs/2", include="stages")
    linkage = body["data"]["relationships"]["stages"]["data"]
    stages = {record["id"]: record for record in body["included"]}
    positions = [stages[item["id"]]["attributes"]["position"] for item in linkage]
    assert positions == list(range(len(linkage)))
    basic_types = {stages[item["id"]]["attributes"]["basic_type"] for item in linkage}
    assert basic_types == {"applied", "review", "interview", "offer", "hired", "rejected"}


def test_empty_to_one_renders_null(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.store.update("jobs", "2", relationships={"location": None})
    body = get(client, "/jobs/2", include="location")
    assert body["data"]["relationships"]["location"] == {"data": None}
    assert body["included"] == []


def test_dotted_include(shared_client: httpx.Client) -> None:
    body = get(
        shared_client,
        "/interviews",
        include="interview_parts.interviewing_users,stage",
        **{"filter[job_visibility]": ALL_VISIBILITIES, "page[size]": "30"},
    )
    included = {(record["type"], record["id"]): record for record in body["included"]}
    assert len(included) == len(body["included"])
    for interview in body["data"]:
        parts = interview["relationships"]["interview_parts"]["data"]
        assert parts
        assert interview["relationships"]["interviewable"] == NOT_INCLUDED
        for part in parts:
            rendered = included[(part["type"], part["id"])]
            users = rendered["relationships"]["interviewing_users"]["data"]
            assert users
            for user in users:
                assert ("users", user["id"]) in included


def test_include_applications_of_candidate(shared_client: httpx.Client) -> None:
    body = get(shared_client, "/candidates/1", include="applications.job")
    applications = body["data"]["relationships"]["applications"]["data"]
    assert applications
    included_types = Counter(record["type"] for record in body["included"])
    assert included_types["applications"] == len(applications)
    assert included_types["jobs"] >= 1


@pytest.mark.parametrize(
    ("path", "include", "named"),
    [
        ("/applications", "scorecards", "scorecards"),
        ("/applications", "stage.applications", "stage.applications"),
        ("/comments", "commentable.job", "commentable.job"),
        ("/applications", "job.nonsense", "job.nonsense"),
        ("/users", "jobs", "jobs"),
        ("/interviews", "interview_parts.stage", "interview_parts.stage"),
    ],
)
def test_unknown_include_is_400(
    shared_client: httpx.Client, path: str, include: str, named: str
) -> None:
    response = shared_client.get(path, params={"include": include})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "bad_request"
    assert named in error["detail"]


def test_sparse_fieldsets(shared_client: httpx.Client) -> None:
    body = get(
        shared_client,
        "/applications",
        include="stage",
        **{"fields[applications]": "id,updated_at,stage_id", "fields[stages]": "name"},
    )
    for application in body["data"]:
        assert set(application["attributes"]) == {"updated_at", "stage_id"}
        assert "data" in application["relationships"]["stage"]
    for stage in body["included"]:
        assert set(stage["attributes"]) == {"name"}


def test_extra_fields_absent_by_default(shared_client: httpx.Client) -> None:
    application = get(shared_client, "/applications/1")["data"]
    assert "tags" not in application["attributes"]
    assert "attachments" not in application["attributes"]


def test_extra_fields_on_request(shared_client: httpx.Client) -> None:
    params = {
        "extra_fields[applications]": "tags,attachments",
        "page[size]": "300",
        "filter[job_visibility]": ALL_VISIBILITIES,
    }
    applications = get(shared_client, "/applications", **params)["data"]
    for application in applications:
        assert isinstance(application["attributes"]["tags"], list)
        assert isinstance(application["attributes"]["attachments"], list)
    tags = [tag for a in applications for tag in a["attributes"]["tags"]]
    assert tags
    assert all(set(tag) == {"context", "name"} for tag in tags)
    attachments = [item for a in applications for item in a["attributes"]["attachments"]]
    assert attachments
    assert all(set(item) == {"context", "name", "url"} for item in attachments)


def test_extra_fields_with_sparse_fields(shared_client: httpx.Client) -> None:
    params = {"fields[candidates]": "email", "extra_fields[candidates]": "tags"}
    candidate = get(shared_client, "/candidates/1", **params)["data"]
    assert set(candidate["attributes"]) == {"email", "tags"}


def test_unscoped_extra_fields_ignored(shared_client: httpx.Client) -> None:
    application = get(shared_client, "/applications/1", extra_fields="tags")["data"]
    assert "tags" not in application["attributes"]


def test_attribute_formats(shared_client: httpx.Client) -> None:
    application = get(shared_client, "/applications/1")["data"]["attributes"]
    assert application["created_at"].endswith("+00:00")
    assert len(application["created_at"]) == len("2025-02-19T09:25:04+00:00")
    for name in ("candidate_id", "job_id", "stage_id"):
        assert isinstance(application[name], str)
    interview = get(shared_client, "/interviews", **{"filter[job_visibility]": ALL_VISIBILITIES})[
        "data"
    ][0]
    assert isinstance(interview["attributes"]["interviewable_id"], int)
    assert interview["attributes"]["interviewable_type"] == "Application"
