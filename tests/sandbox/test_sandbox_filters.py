"""Timestamp, id and boolean filters, and sorting."""

from __future__ import annotations

from datetime import timedelta, timezone

import httpx
import pytest
from sandbox_helpers import ALL_VISIBILITIES, fetch_all, parse_timestamp

from pipelines.sandbox import Sandbox
from pipelines.sandbox.records import format_timestamp

EVERY = {"filter[job_visibility]": ALL_VISIBILITIES}


def middle_updated_at(sandbox: Sandbox) -> str:
    applications = sorted(
        sandbox.store.records("applications"), key=lambda a: a.attributes["updated_at"]
    )
    return format_timestamp(applications[len(applications) // 2].attributes["updated_at"])


def test_updated_at_gt_is_strict(shared_sandbox: Sandbox, shared_client: httpx.Client) -> None:
    bound = middle_updated_at(shared_sandbox)
    records = fetch_all(shared_client, "/applications", {**EVERY, "filter[updated_at][gt]": bound})
    expected = [
        a.id
        for a in shared_sandbox.store.records("applications")
        if a.attributes["updated_at"] > parse_timestamp(bound)
    ]
    assert [record["id"] for record in records] == expected
    assert all(record["attributes"]["updated_at"] != bound for record in records)


def test_updated_at_lt_is_strict(shared_sandbox: Sandbox, shared_client: httpx.Client) -> None:
    bound = middle_updated_at(shared_sandbox)
    records = fetch_all(shared_client, "/applications", {**EVERY, "filter[updated_at][lt]": bound})
    expected = [
        a.id
        for a in shared_sandbox.store.records("applications")
        if a.attributes["updated_at"] < parse_timestamp(bound)
    ]
    assert [record["id"] for record in records] == expected


def test_gt_and_lt_split_the_set(shared_sandbox: Sandbox, shared_client: httpx.Client) -> None:
    bound = middle_updated_at(shared_sandbox)
    above = fetch_all(shared_client, "/applications", {**EVERY, "filter[updated_at][gt]": bound})
    below = fetch_all(shared_client, "/applications", {**EVERY, "filter[updated_at][lt]": bound})
    equal = [
        a
        for a in shared_sandbox.store.records("applications")
        if format_timestamp(a.attributes["updated_at"]) == bound
    ]
    assert equal
    assert len(above) + len(below) + len(equal) == shared_sandbox.store.count("applications")


@pytest.mark.parametrize("offset_hours", [0, 2, -5])
def test_timestamp_offsets_and_z(
    shared_sandbox: Sandbox, shared_client: httpx.Client, offset_hours: int
) -> None:
    bound = parse_timestamp(middle_updated_at(shared_sandbox))
    local = bound.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()
    if offset_hours == 0:
        local = local.replace("+00:00", "Z")
    reference = fetch_all(
        shared_client, "/applications", {**EVERY, "filter[created_at][lt]": format_timestamp(bound)}
    )
    shifted = fetch_all(shared_client, "/applications", {**EVERY, "filter[created_at][lt]": local})
    assert [r["id"] for r in shifted] == [r["id"] for r in reference]


@pytest.mark.parametrize(
    "value", ["yesterday", "2025-02-19T09:25:04 00:00", "2025-13-01T00:00:00+00:00"]
)
def test_unparsable_timestamp_is_400(shared_client: httpx.Client, value: str) -> None:
    response = shared_client.get("/jobs", params={"filter[updated_at][gt]": value})
    assert response.status_code == 400
    assert "filter[updated_at][gt]" in response.json()["errors"][0]["detail"]


def test_timestamp_filter_needs_operator(shared_client: httpx.Client) -> None:
    response = shared_client.get("/jobs", params={"filter[updated_at][gte]": "2025-01-01"})
    assert response.status_code == 400
    response = shared_client.get("/jobs", params={"filter[updated_at]": "2025-01-01"})
    assert response.status_code == 400


def test_users_reject_timestamp_filter(shared_client: httpx.Client) -> None:
    params = {"filter[updated_at][gt]": "2025-01-01T00:00:00+00:00"}
    response = shared_client.get("/users", params=params)
    assert response.status_code == 400
    assert "updated_at" in response.json()["errors"][0]["detail"]


def test_unknown_filter_is_400(shared_client: httpx.Client) -> None:
    response = shared_client.get("/applications", params={"filter[colour]": "blue"})
    assert response.status_code == 400
    assert "colour" in response.json()["errors"][0]["detail"]


def test_invalid_visibility_is_400(shared_client: httpx.Client) -> None:
    response = shared_client.get("/applications", params={"filter[job_visibility]": "secret"})
    assert response.status_code == 400
    assert "secret" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize("name", ["job_id", "candidate_id", "stage_id"])
def test_application_id_filters(
    shared_sandbox: Sandbox, shared_client: httpx.Client, name: str
) -> None:
    first = shared_sandbox.store.records("applications")[0]
    value = first.attributes[name]
    records = fetch_all(shared_client, "/applications", {**EVERY, f"filter[{name}]": value})
    expected = [
        a.id for a in shared_sandbox.store.records("applications") if a.attributes[name] == value
    ]
    assert [record["id"] for record in records] == expected


def test_banked_question_filter(shared_client: httpx.Client) -> None:
    banked = fetch_all(shared_client, "/questions", {"filter[banked]": "true"})
    unbanked = fetch_all(shared_client, "/questions", {"filter[banked]": "false"})
    assert len(banked) == 10
    assert all(q["attributes"]["banked"] for q in banked)
    assert unbanked
    assert not any(q["attributes"]["banked"] for q in unbanked)
    assert shared_client.get("/questions", params={"filter[banked]": "yes"}).status_code == 400


def test_sort_descending(shared_sandbox: Sandbox, shared_client: httpx.Client) -> None:
    records = fetch_all(shared_client, "/candidates", {"sort": "-created_at"})
    keys = [(parse_timestamp(r["attributes"]["created_at"]), int(r["id"])) for r in records]
    assert [k[0] for k in keys] == sorted((k[0] for k in keys), reverse=True)


def test_sort_by_id_descending(shared_client: httpx.Client) -> None:
    records = shared_client.get("/users", params={"sort": "-id"}).json()["data"]
    assert [r["id"] for r in records] == [str(n) for n in range(8, 0, -1)]


def test_jobs_sort_by_opened_at(shared_client: httpx.Client) -> None:
    records = shared_client.get("/jobs", params={"sort": "opened_at"}).json()["data"]
    opened = [r["attributes"]["opened_at"] for r in records]
    nulls = [value for value in opened if value is None]
    dated = [parse_timestamp(value) for value in opened if value is not None]
    assert opened[: len(nulls)] == nulls
    assert dated == sorted(dated)


@pytest.mark.parametrize(
    ("path", "sort"),
    [
        ("/users", "created_at"),
        ("/candidates", "opened_at"),
        ("/jobs", "title"),
        ("/jobs", "id,-id"),
    ],
)
def test_invalid_sort_is_400(shared_client: httpx.Client, path: str, sort: str) -> None:
    response = shared_client.get(path, params={"sort": sort})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "bad_request"
