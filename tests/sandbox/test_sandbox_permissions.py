"""API keys with permissions per data area."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import SMALL_CONFIG, make_client

from pipelines.sandbox import AREAS, ApiKey, Permission, Sandbox, run_sandbox
from pipelines.sandbox.endpoints import ENDPOINTS
from pipelines.sandbox.permissions import parse_permissions


def assert_forbidden(response: httpx.Response, detail: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["errors"][0]
    assert error["code"] == "forbidden"
    assert error["title"] == "Forbidden"
    assert error["detail"] == detail


@pytest.fixture(scope="module")
def restricted() -> Sandbox:
    """A sandbox whose main key reads jobs but not candidates and writes nothing."""
    permissions = {"Candidate": "none", "Application": "read", "Job": "read"}
    with run_sandbox(SMALL_CONFIG, permissions=permissions, default_permission="read") as running:
        yield running  # type: ignore[misc]


def test_read_allowed_area(restricted: Sandbox) -> None:
    with make_client(restricted) as client:
        assert client.get("/jobs").status_code == 200
        assert client.get("/jobs/1", params={"include": "stages"}).status_code == 200


def test_read_refused_area(restricted: Sandbox) -> None:
    with make_client(restricted) as client:
        assert_forbidden(client.get("/candidates"), "API key lacks Read permission for Candidate")
        assert_forbidden(client.get("/candidates/1"), "API key lacks Read permission for Candidate")


def test_include_needs_read_of_included_area(restricted: Sandbox) -> None:
    with make_client(restricted) as client:
        response = client.get("/applications", params={"include": "candidate"})
        assert_forbidden(response, "API key lacks Read permission for Candidate")
        assert client.get("/applications", params={"include": "stage,job"}).status_code == 200


def test_write_needs_write_permission(restricted: Sandbox) -> None:
    with make_client(restricted) as client:
        response = client.delete("/applications/1")
        assert_forbidden(response, "API key lacks Write permission for Application")
        body = {"data": {"type": "comments", "attributes": {"body_text": "x"}}}
        assert_forbidden(
            client.post("/comments", json=body), "API key lacks Write permission for Comment"
        )
    assert restricted.store.get("applications", "1") is not None


def test_refusal_comes_before_validation(restricted: Sandbox) -> None:
    with make_client(restricted) as client:
        response = client.post("/applications", content=b"not json")
        assert response.status_code == 403


def test_default_key_has_every_permission(
    shared_sandbox: Sandbox, shared_client: httpx.Client
) -> None:
    for endpoint in ENDPOINTS.values():
        response = shared_client.get(f"/{endpoint.path}", params={"page[size]": "1"})
        assert response.status_code == 200, (endpoint.path, response.text)


def test_extra_key_with_own_permissions(sandbox: Sandbox) -> None:
    sandbox.add_key(ApiKey("jobs-only", {"Job": "read"}, default="none"))
    headers = {"X-API-KEY": "jobs-only"}
    assert httpx.get(f"{sandbox.base_url}/jobs", headers=headers).status_code == 200
    response = httpx.get(f"{sandbox.base_url}/users", headers=headers)
    assert_forbidden(response, "API key lacks Read permission for User")
    # The main key is unaffected.
    with make_client(sandbox) as client:
        assert client.get("/users").status_code == 200


def test_keys_passed_to_run_sandbox() -> None:
    reader = ApiKey("reader", default=Permission.READ)
    with run_sandbox(SMALL_CONFIG, keys=[reader]) as running:
        headers = {"X-API-KEY": "reader"}
        assert httpx.get(f"{running.base_url}/applications", headers=headers).status_code == 200
        response = httpx.delete(f"{running.base_url}/applications/1", headers=headers)
        assert_forbidden(response, "API key lacks Write permission for Application")


def test_every_endpoint_has_an_area() -> None:
    for endpoint in ENDPOINTS.values():
        assert endpoint.area in AREAS, endpoint.path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Job=read,Candidate=none", {"Job": Permission.READ, "Candidate": Permission.NONE}),
        ("hiring_workflow=write", {"Hiring Workflow": Permission.WRITE}),
        ("custom field=Write-and-Delete", {"Custom Field": Permission.WRITE}),
        ("", {}),
    ],
)
def test_parse_permissions(text: str, expected: dict[str, Permission]) -> None:
    assert parse_permissions(text) == expected


@pytest.mark.parametrize("text", ["Job", "Job=admin", "Payroll=read"])
def test_parse_permissions_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_permissions(text)


def test_api_key_levels() -> None:
    key = ApiKey("k", {"Job": "none"}, default="read")
    assert key.level("Job") is Permission.NONE
    assert key.level("Candidate") is Permission.READ
    assert "Job=none" in key.describe()
    assert "k" not in repr(key)
