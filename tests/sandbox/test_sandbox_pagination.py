"""Pagination, totals and confidential-job hiding."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import ALL_VISIBILITIES, fetch_all

from pipelines.sandbox import Sandbox


def confidential_job_ids(sandbox: Sandbox) -> set[str]:
    return {
        job.id
        for job in sandbox.store.records("jobs")
        if job.attributes["visibility"] == "confidential"
    }


def test_all_pages_with_every_visibility(
    shared_sandbox: Sandbox, shared_client: httpx.Client
) -> None:
    params = {"filter[job_visibility]": ALL_VISIBILITIES}
    records = fetch_all(shared_client, "/applications", params, page_size=70)
    ids = [record["id"] for record in records]
    assert len(ids) == shared_sandbox.store.count("applications")
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids, key=int)


def test_default_hides_confidential_applications(
    shared_sandbox: Sandbox, shared_client: httpx.Client
) -> None:
    hidden_jobs = confidential_job_ids(shared_sandbox)
    applications = shared_sandbox.store.records("applications")
    expected = [a.id for a in applications if a.attributes["job_id"] not in hidden_jobs]
    assert len(expected) < len(applications)

    records = fetch_all(shared_client, "/applications", {}, page_size=100)
    assert [record["id"] for record in records] == expected
    assert all(record["attributes"]["job_id"] not in hidden_jobs for record in records)


def test_visibility_filter_lists_only_named(
    shared_sandbox: Sandbox, shared_client: httpx.Client
) -> None:
    hidden_jobs = confidential_job_ids(shared_sandbox)
    params = {"filter[job_visibility]": "confidential", "page[size]": "1000"}
    records = shared_client.get("/applications", params=params).json()["data"]
    assert records
    assert {record["attributes"]["job_id"] for record in records} <= hidden_jobs


def test_confidential_application_by_id(
    shared_sandbox: Sandbox, shared_client: httpx.Client
) -> None:
    hidden_jobs = confidential_job_ids(shared_sandbox)
    application = next(
        a
        for a in shared_sandbox.store.records("applications")
        if a.attributes["job_id"] in hidden_jobs
    )
    assert shared_client.get(f"/applications/{application.id}").status_code == 404
    params = {"filter[job_visibility]": ALL_VISIBILITIES}
    response = shared_client.get(f"/applications/{application.id}", params=params)
    assert response.status_code == 200


def test_interviews_hide_confidential_jobs(
    shared_sandbox: Sandbox, shared_client: httpx.Client
) -> None:
    everything = fetch_all(
        shared_client, "/interviews", {"filter[job_visibility]": ALL_VISIBILITIES}
    )
    default = fetch_all(shared_client, "/interviews", {})
    assert len(everything) == shared_sandbox.store.count("interviews")
    assert len(default) < len(everything)


def test_stats_total_count(shared_sandbox: Sandbox, shared_client: httpx.Client) -> None:
    params = {
        "filter[job_visibility]": ALL_VISIBILITIES,
        "stats[total]": "count",
        "page[size]": "10",
    }
    body = shared_client.get("/applications", params=params).json()
    expected = shared_sandbox.store.count("applications")
    assert body["meta"] == {"stats": {"total": {"count": expected}}}
    assert len(body["data"]) == 10


def test_page_size_zero_counts_only(shared_client: httpx.Client) -> None:
    params = {"stats[total]": "count", "page[size]": "0"}
    body = shared_client.get("/candidates", params=params).json()
    assert body["data"] == []
    assert body["meta"]["stats"]["total"]["count"] == 200


def test_default_page_size_is_100(shared_client: httpx.Client) -> None:
    assert len(shared_client.get("/candidates").json()["data"]) == 100


def test_page_past_end_is_empty(shared_client: httpx.Client) -> None:
    response = shared_client.get("/candidates", params={"page[number]": "50"})
    assert response.status_code == 200
    assert response.json()["data"] == []


def test_page_size_1000_allowed(shared_client: httpx.Client) -> None:
    response = shared_client.get("/candidates", params={"page[size]": "1000"})
    assert response.status_code == 200
    assert len(response.json()["data"]) == 200


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("page[size]", "1001"),
        ("page[size]", "-1"),
        ("page[size]", "ten"),
        ("page[number]", "0"),
        ("page[number]", "1.5"),
        ("page[offset]", "10"),
        ("stats[total]", "sum"),
    ],
)
def test_invalid_paging_is_400(shared_client: httpx.Client, name: str, value: str) -> None:
    response = shared_client.get("/candidates", params={name: value})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "bad_request"
    assert error["title"] == "Bad Request"
    assert name in error["detail"]
