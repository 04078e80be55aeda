"""Passthrough calls: paths that stay under /api/v1, and calls against the sandbox."""

from __future__ import annotations

import pytest

from pipelines.actions import ActionInputError, ActionSession, passthrough
from pipelines.actions.passthrough import api_path
from pipelines.pinpoint.errors import PinpointNotFoundError, PinpointValidationError
from pipelines.sandbox import Sandbox

BASE = "https://acme.pinpointhq.com/api/v1"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/applications", "/applications"),
        ("applications/12", "/applications/12"),
        ("/applications/12/", "/applications/12"),
        ("/api/v1/jobs/88", "/jobs/88"),
        ("/jobs.json", "/jobs.json"),
        ("/custom_fields", "/custom_fields"),
    ],
)
def test_path_accepted(path: str, expected: str) -> None:
    assert api_path(path, BASE) == expected


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/",
        "/api/v1",
        "https://evil.example/api/v1/jobs",
        "http://acme.pinpointhq.com/api/v1/jobs",
        "//evil.example/jobs",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "mailto:x@example.com",
        "/../admin",
        "/jobs/../../admin",
        "/api/v1/../v2/jobs",
        "/jobs/./1",
        "/jobs//1",
        "%2e%2e/admin",
        "/jobs/%2e%2e/%2e%2e/admin",
        "/jobs%2F..%2F..",
        "/jobs/%252e%252e",
        "\\jobs",
        "/jobs\\..\\admin",
        "/jobs?page[size]=1",
        "/jobs#top",
        "/jobs/1 2",
        "/jobs\n/1",
        "/user@evil.example",
        "/jobs..",
        "/jobs.tar.gz",
    ],
)
def test_path_rejected(path: str) -> None:
    with pytest.raises(ActionInputError) as caught:
        api_path(path, BASE)

    assert caught.value.problems[0].field == "path"


def test_rejection_says_what_to_do() -> None:
    with pytest.raises(ActionInputError, match="pass query parameters separately"):
        api_path("/jobs?page[size]=1", BASE)


def test_get_with_params(tiny: Sandbox, session: ActionSession) -> None:
    response = passthrough(session, "get", "/jobs", params={"page[size]": "2", "sort": "id"})

    assert response.status_code == 200
    assert [job["id"] for job in response.body["data"]] == ["1", "2"]
    assert "vnd.api+json" in response.headers["content-type"]


def test_post_sent_once(tiny: Sandbox, session: ActionSession) -> None:
    application = tiny.store.records("applications")[0]
    body = {
        "data": {
            "type": "comments",
            "attributes": {"body_text": "From passthrough"},
            "relationships": {
                "commentable": {"data": {"type": "applications", "id": application.id}}
            },
        }
    }

    response = passthrough(session, "POST", "/api/v1/comments", json=body)

    assert response.status_code == 201
    assert response.body["data"]["attributes"]["body_text"] == "From passthrough"
    assert tiny.stats.count("/comments", method="POST") == 1


def test_http_errors_raised(session: ActionSession) -> None:
    with pytest.raises(PinpointNotFoundError):
        passthrough(session, "GET", "/applications/99999")
    with pytest.raises(PinpointValidationError):
        passthrough(session, "POST", "/comments", json={"data": {"type": "comments"}})


def test_method_and_params_checked(tiny: Sandbox, session: ActionSession) -> None:
    with pytest.raises(ActionInputError, match="method"):
        passthrough(session, "TRACE", "/jobs")
    with pytest.raises(ActionInputError, match="parameter name"):
        passthrough(session, "GET", "/jobs", params={"a b": "1"})

    assert tiny.stats.total == 0
