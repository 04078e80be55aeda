"""The read surface beyond the connector's endpoints: more resources, includes, filters and
extra fields, and blind screening."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sandbox_helpers import ALL_VISIBILITIES, fetch_all

from pipelines.sandbox import Sandbox
from pipelines.sandbox.endpoints import ENDPOINTS
from pipelines.sandbox.schema import CONCEALED_APPLICATION_FIELDS

EVERY = {"filter[job_visibility]": ALL_VISIBILITIES}


def get(client: httpx.Client, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_every_endpoint_lists_and_shows(shared_client: httpx.Client, path: str) -> None:
    body = get(
        shared_client,
        f"/{path}",
        {**EVERY, "page[size]": "3"}
        if path in ("applications", "interviews")
        else {"page[size]": "3"},
    )
    assert body["data"], path
    record = body["data"][0]
    assert record["type"] == ENDPOINTS[path].resource_type
    if ENDPOINTS[path].has_show:
        params = EVERY if path in ("applications", "interviews") else None
        shown = get(shared_client, f"/{path}/{record['id']}", params)
        assert shown["data"]["id"] == record["id"]


@pytest.mark.parametrize(
    ("path", "include", "types"),
    [
        ("/applications", "offers.creator,offers.stage", {"offers", "users", "stages"}),
        ("/applications", "answers.question", {"answers", "questions"}),
        ("/applications", "comments.user", {"comments", "users"}),
        ("/applications", "custom_attributes.custom_field", {"custom_attributes", "custom_fields"}),
        ("/applications", "job.job_postings,job_posting", {"jobs", "job_postings"}),
        ("/jobs", "custom_attributes,creator_user", {"custom_attributes", "users"}),
        ("/hiring_workflows", "stages", {"stages"}),
        ("/comments", "commentable,user", {"applications", "candidates", "users"}),
        ("/candidate_assessments", "application", {"applications"}),
    ],
)
def test_includes(shared_client: httpx.Client, path: str, include: str, types: set[str]) -> None:
    body = get(
        shared_client,
        path,
        {**(EVERY if path == "/applications" else {}), "include": include, "page[size]": "300"},
    )
    included_types = {record["type"] for record in body["included"]}
    assert included_types <= types | {body["data"][0]["type"]}
    assert included_types & types


def test_workflow_stages_are_stages(shared_sandbox: Sandbox, shared_client: httpx.Client) -> None:
    body = get(
        shared_client,
        "/hiring_workflows/1",
        {"include": "stages", "fields[stages]": "name,basic_type"},
    )
    linkage = body["data"]["relationships"]["stages"]["data"]
    assert linkage
    assert {item["type"] for item in linkage} == {"stages"}
    assert all(set(stage["attributes"]) == {"name", "basic_type"} for stage in body["included"])
    job_stage_ids = {stage.id for stage in shared_sandbox.store.records("stages")}
    assert not {item["id"] for item in linkage} & job_stage_ids


def test_job_applications_include(shared_sandbox: Sandbox, shared_client: httpx.Client) -> None:
    body = get(
        shared_client, "/jobs/1", {"include": "applications", "fields[applications]": "job_id"}
    )
    linked = {item["id"] for item in body["data"]["relationships"]["applications"]["data"]}
    expected = {
        a.id for a in shared_sandbox.store.records("applications") if a.attributes["job_id"] == "1"
    }
    assert linked == expected


@pytest.mark.parametrize(
    ("path", "params", "check"),
    [
        ("/applications", {"filter[stage_basic_type]": "hired,offer"}, lambda a: a["stage_id"]),
        ("/applications", {"filter[concealed]": "true"}, lambda a: a["concealed"] is True),
        (
            "/applications",
            {"filter[internal_candidate]": "false"},
            lambda a: a["internal_candidate"] is False,
        ),
        (
            "/applications",
            {"filter[locale]": "en"},
            lambda a: a["locale"] == "en" or a["concealed"],
        ),
        ("/jobs", {"filter[status]": "open,draft"}, lambda j: j["status"] in ("open", "draft")),
        ("/jobs", {"filter[visibility]": "internal"}, lambda j: j["visibility"] == "internal"),
        ("/jobs", {"filter[remote]": "false"}, lambda j: j["remote"] is False),
        (
            "/jobs",
            {"filter[search]": "IST,er"},
            lambda j: "ist" in j["title"].lower() or "er" in j["title"].lower(),
        ),
        ("/candidates", {"filter[blocked]": "false"}, lambda c: c["blocked"] is False),
        (
            "/comments",
            {"filter[commentable_type]": "Candidate"},
            lambda c: c["commentable_type"] == "Candidate",
        ),
        ("/interviews", {"filter[presence]": "attended"}, lambda i: i["presence"] == "attended"),
        (
            "/custom_fields",
            {"filter[resource_type]": "application"},
            lambda f: f["resource_type"] == "application",
        ),
        ("/job_postings", {"filter[status]": "active"}, lambda p: p["status"] == "active"),
        (
            "/background_checks",
            {"filter[status]": "completed"},
            lambda b: b["status"] == "completed",
        ),
    ],
)
def test_filters(
    shared_client: httpx.Client, path: str, params: dict[str, str], check: Any
) -> None:
    base = EVERY if path in ("/applications", "/interviews") else {}
    records = fetch_all(shared_client, path, {**base, **params}, page_size=500)
    everything = fetch_all(shared_client, path, base, page_size=500)
    assert records, (path, params)
    assert all(check(record["attributes"]) for record in records)
    rest = [r for r in everything if r["id"] not in {m["id"] for m in records}]
    assert not any(check(r["attributes"]) for r in rest if path != "/applications")


def test_stage_basic_type_filter(shared_sandbox: Sandbox, shared_client: httpx.Client) -> None:
    records = fetch_all(
        shared_client, "/applications", {**EVERY, "filter[stage_basic_type]": "hired"}
    )
    stages = {s.id: s.attributes["basic_type"] for s in shared_sandbox.store.records("stages")}
    assert records
    assert {stages[r["attributes"]["stage_id"]] for r in records} == {"hired"}


def test_candidate_email_filter(shared_sandbox: Sandbox, shared_client: httpx.Client) -> None:
    application = next(
        a
        for a in shared_sandbox.store.records("applications")
        if a.attributes["email"] and not a.attributes["concealed"]
    )
    email = application.attributes["email"].upper()
    records = fetch_all(shared_client, "/applications", {**EVERY, "filter[candidate_email]": email})
    assert application.id in {r["id"] for r in records}


def test_relationship_filters(shared_sandbox: Sandbox, shared_client: httpx.Client) -> None:
    job = shared_sandbox.store.get("jobs", "3")
    assert job is not None
    department = job.to_one("department")
    assert department is not None
    department_name = shared_sandbox.store.get(*department).attributes["name"]  # type: ignore[union-attr]
    by_id = fetch_all(shared_client, "/jobs", {"filter[department_id]": department[1]})
    by_name = fetch_all(shared_client, "/jobs", {"filter[department_name]": department_name})
    assert "3" in {r["id"] for r in by_id}
    assert [r["id"] for r in by_id] == [r["id"] for r in by_name]
    manager = job.to_one("hiring_manager_user")
    if manager is not None:
        users = fetch_all(shared_client, "/users", {"filter[hiring_manager_job_id]": "3"})
        assert [u["id"] for u in users] == [manager[1]]
    questions = fetch_all(shared_client, "/questions", {"filter[questionable_id]": "3"})
    assert {q["id"] for q in questions} == {ref[1] for ref in job.to_many("questions")}


@pytest.mark.parametrize(
    ("path", "name", "value", "detail"),
    [
        ("/applications", "filter[locale]", "xx", "xx is not a valid locale"),
        ("/applications", "filter[stage_basic_type]", "limbo", "limbo"),
        ("/jobs", "filter[status]", "paused", "paused"),
        ("/jobs", "filter[remote]", "maybe", "true or false"),
        ("/jobs", "filter[non_rejected_applications]", "many", "integer"),
        ("/comments", "filter[commentable_id]", "abc", "digits"),
        ("/interviews", "filter[start_at][gte]", "2025-01-01T00:00:00+00:00", "gt"),
        ("/custom_fields", "filter[updated_at][gt]", "2025-01-01T00:00:00+00:00", "updated_at"),
    ],
)
def test_invalid_filter_values(
    shared_client: httpx.Client, path: str, name: str, value: str, detail: str
) -> None:
    response = shared_client.get(path, params={name: value})
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert detail in error["detail"]
    assert error["source"] == {"parameter": name}


def test_interview_start_filter(shared_client: httpx.Client) -> None:
    everything = fetch_all(shared_client, "/interviews", EVERY)
    middle = sorted(r["attributes"]["start_at"] for r in everything)[len(everything) // 2]
    later = fetch_all(shared_client, "/interviews", {**EVERY, "filter[start_at][gt]": middle})
    assert later
    assert all(r["attributes"]["start_at"] > middle for r in later)


def test_extra_fields(shared_client: httpx.Client) -> None:
    params = {
        **EVERY,
        "extra_fields[applications]": "days_in_current_stage,average_rating",
        "page[size]": "20",
    }
    for application in get(shared_client, "/applications", params)["data"]:
        assert isinstance(application["attributes"]["days_in_current_stage"], int)
        assert "average_rating" in application["attributes"]
    extra = "hiring_user_id,users_emails_with_job_level_visibility,assigned_onboarding_process_id"
    job = get(
        shared_client, "/jobs/1", {"extra_fields[jobs]": extra, "include": "hiring_manager_user"}
    )
    attributes = job["data"]["attributes"]
    manager = job["data"]["relationships"]["hiring_manager_user"]["data"]
    assert attributes["hiring_user_id"] == (int(manager["id"]) if manager else None)
    assert isinstance(attributes["users_emails_with_job_level_visibility"], list)
    assert attributes["assigned_onboarding_process_id"] is None


def test_concealed_application_withholds_details(
    shared_sandbox: Sandbox, shared_client: httpx.Client
) -> None:
    application = next(
        a for a in shared_sandbox.store.records("applications") if a.attributes["concealed"]
    )
    assert application.attributes["email"] or application.attributes["first_name"]
    params = {**EVERY, "extra_fields[applications]": "attachments,tags"}
    attributes = get(shared_client, f"/applications/{application.id}", params)["data"]["attributes"]
    assert attributes["concealed"] is True
    for name in CONCEALED_APPLICATION_FIELDS:
        assert attributes[name] is None, name
    assert attributes["attachments"] == []
    assert attributes["job_id"] == application.attributes["job_id"]
    filtered = fetch_all(shared_client, "/applications", {**EVERY, "filter[concealed]": "true"})
    assert application.id in {r["id"] for r in filtered}


def test_store_helpers_keep_indexes(sandbox: Sandbox, client: httpx.Client) -> None:
    """Keyset reads follow changes made through the store."""
    params = {**EVERY, "sort": "updated_at,id", "page[size]": "1000"}
    before = [r["id"] for r in get(client, "/applications", params)["data"]]
    sandbox.clock.advance(10)
    sandbox.store.touch("applications", before[0])
    sandbox.store.delete("applications", before[1])
    after = [r["id"] for r in get(client, "/applications", params)["data"]]
    assert after[-1] == before[0]
    assert before[1] not in after
    assert len(after) == len(before) - 1
