"""PinpointClient against httpx's mock transport: paging, retries, errors, redaction."""

from __future__ import annotations

import email.utils
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from pipelines.pinpoint.client import PinpointClient, RetryPolicy, _parse_retry_after
from pipelines.pinpoint.errors import (
    PinpointAuthenticationError,
    PinpointBadRequestError,
    PinpointNotFoundError,
    PinpointPermissionError,
    PinpointResponseError,
    PinpointUnavailableError,
    PinpointValidationError,
    sanitize_url,
)

SECRET_KEY = "sk-live-4f9a8b7c6d5e"
FAST_RETRIES = RetryPolicy(
    max_attempts=4, initial_backoff_seconds=0.001, max_backoff_seconds=0.01, max_total_seconds=5
)


def make_client(
    handler: Callable[[httpx.Request], httpx.Response], policy: RetryPolicy = FAST_RETRIES
) -> PinpointClient:
    return PinpointClient(
        "https://acme.pinpointhq.com/api/v1",
        SECRET_KEY,
        retry_policy=policy,
        transport=httpx.MockTransport(handler),
    )


def page(ids: list[int]) -> dict:
    return {
        "data": [
            {"id": str(i), "type": "applications", "attributes": {}, "relationships": {}}
            for i in ids
        ],
        "meta": {},
    }


def error_body(status: int, code: str, detail: str, pointer: str | None = None) -> dict:
    error: dict = {"status": str(status), "code": code, "title": code, "detail": detail}
    if pointer:
        error["source"] = {"pointer": pointer}
    return {"errors": [error]}


def test_client_sends_key_and_jsonapi_accept() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=page([1]))

    with make_client(handler) as client:
        client.get("/applications")
    assert seen[0].headers["X-API-KEY"] == SECRET_KEY
    assert seen[0].headers["Accept"] == "application/vnd.api+json"
    assert seen[0].url.path == "/api/v1/applications"


def test_iter_pages_stops_at_short_page() -> None:
    requested_pages: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page[number]"])
        requested_pages.append(request.url.params["page[number]"])
        ids = {1: [1, 2], 2: [3, 4], 3: [5]}[number]
        return httpx.Response(200, json=page(ids))

    with make_client(handler) as client:
        documents = list(client.iter_pages("/applications", page_size=2))
    assert [len(document) for document in documents] == [2, 2, 1]
    assert requested_pages == ["1", "2", "3"]


def test_iter_pages_reads_empty_page_after_exact_multiple() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page[number]"])
        return httpx.Response(200, json=page([1, 2] if number == 1 else []))

    with make_client(handler) as client:
        documents = list(client.iter_pages("/applications", page_size=2))
    assert [len(document) for document in documents] == [2, 0]


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_retriable_status_is_retried(status: int) -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) < 3:
            return httpx.Response(status, json=error_body(status, "x", "try later"))
        return httpx.Response(200, json=page([1]))

    with make_client(handler) as client:
        document = client.get("/applications")
        assert client.stats.retries == 2
        assert client.stats.requests == 3
    assert len(document) == 1


def test_connection_error_is_retried() -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json=page([1]))

    with make_client(handler) as client:
        assert len(client.get("/users")) == 1
    assert len(attempts) == 2


def test_retries_exhausted_raise_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json=error_body(503, "unavailable", "down"))

    with make_client(handler) as client, pytest.raises(PinpointUnavailableError) as caught:
        client.get("/applications")
    assert "HTTP 503" in str(caught.value)
    assert "4 attempts" in str(caught.value)


def test_retry_after_sets_minimum_wait() -> None:
    waits: list[float] = []
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) == 1:
            return httpx.Response(429, headers={"Retry-After": "0.05"}, json={})
        return httpx.Response(200, json=page([]))

    client = make_client(handler)
    original = client._wait_seconds

    def recording_wait(state):  # type: ignore[no-untyped-def]
        value = original(state)
        waits.append(value)
        return value

    client._wait_seconds = recording_wait  # type: ignore[method-assign]
    client.get("/applications")
    assert waits == [pytest.approx(0.05)]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        ("0", 0.0),
        ("-4", 0.0),
        ("soon", None),
        (email.utils.format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True), 0.0),
    ],
)
def test_parse_retry_after(header: str, expected: float | None) -> None:
    assert _parse_retry_after(httpx.Headers({"Retry-After": header})) == expected


def test_parse_retry_after_future_date() -> None:
    moment = datetime.now(UTC) + timedelta(seconds=120)
    header = email.utils.format_datetime(moment, usegmt=True)
    seconds = _parse_retry_after(httpx.Headers({"Retry-After": header}))
    assert seconds is not None
    assert 100 < seconds <= 120


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, PinpointBadRequestError),
        (401, PinpointAuthenticationError),
        (403, PinpointPermissionError),
        (404, PinpointNotFoundError),
        (422, PinpointValidationError),
    ],
)
def test_fatal_status_raises_typed_error_once(status: int, error_class: type) -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        return httpx.Response(status, json=error_body(status, "bad", f"detail for {status}"))

    with make_client(handler) as client, pytest.raises(error_class) as caught:
        client.get("/applications", {"filter[job_id]": "7"})
    message = str(caught.value)
    assert len(attempts) == 1
    assert f"HTTP {status}" in message
    assert "acme.pinpointhq.com/api/v1/applications" in message
    assert f"detail for {status}" in message


def test_validation_error_names_pointer() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = error_body(
            422, "unprocessable_entity", "Email can't be blank", "/data/attributes/email"
        )
        return httpx.Response(422, json=body)

    with make_client(handler) as client, pytest.raises(PinpointValidationError) as caught:
        client.request("POST", "/applications", json={"data": {}})
    assert caught.value.pointer == "/data/attributes/email"
    assert "/data/attributes/email" in str(caught.value)


def test_authentication_error_names_settings() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json=error_body(401, "unauthorized", "Invalid API key"))

    with make_client(handler) as client, pytest.raises(PinpointAuthenticationError) as caught:
        client.get("/users")
    message = str(caught.value)
    assert "SOURCES__PINPOINT__API_KEY" in message
    assert "pinpoint demo" in message


def test_malformed_json_raises_response_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"data": [')

    with make_client(handler) as client, pytest.raises(PinpointResponseError) as caught:
        client.get("/jobs")
    assert "not valid JSON" in str(caught.value)


def test_errors_array_in_success_raises() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=error_body(500, "oops", "partial failure"))

    with make_client(handler) as client, pytest.raises(PinpointResponseError) as caught:
        client.get("/jobs")
    assert "errors in a successful response" in str(caught.value)


def test_key_absent_from_errors_logs_and_repr(caplog: pytest.LogCaptureFixture) -> None:
    statuses = iter([503, 429, 401])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        return httpx.Response(status, json=error_body(status, "x", "failure"))

    caplog.set_level(logging.DEBUG)
    client = make_client(handler)
    with pytest.raises(PinpointAuthenticationError) as caught:
        client.get("/applications", {"filter[job_id]": "3"})
    assert SECRET_KEY not in str(caught.value)
    assert SECRET_KEY not in repr(client)
    assert SECRET_KEY not in caplog.text


def test_sanitize_url_masks_secret_parameters() -> None:
    url = f"https://user:{SECRET_KEY}@acme.pinpointhq.com/api/v1/jobs?api_key={SECRET_KEY}&sort=id"
    cleaned = sanitize_url(url)
    assert SECRET_KEY not in cleaned
    assert "sort=id" in cleaned
    assert cleaned.startswith("https://acme.pinpointhq.com/api/v1/jobs?")


def test_truncated_body_retried_then_read() -> None:
    bodies = iter([b'{"data": [{"id": "1", "ty', b'{"errors": [{"detail": "busy"}]}'])

    def handler(request: httpx.Request) -> httpx.Response:
        body = next(bodies, None)
        if body is not None:
            return httpx.Response(200, content=body)
        return httpx.Response(200, json=page([1, 2]))

    with make_client(handler) as client:
        document = client.get("/applications")
        assert client.stats.retries == 2
    assert len(document) == 2


def test_pages_are_not_kept_on_the_http_response() -> None:
    # httpx responses sit in a reference cycle; a body stored on one would outlive the
    # parsed page until the garbage collector's next full pass.
    responses: list[httpx.Response] = []
    original_send = httpx.Client.send

    def recording_send(
        self: httpx.Client, request: httpx.Request, **kwargs: object
    ) -> httpx.Response:
        response = original_send(self, request, **kwargs)  # type: ignore[arg-type]
        responses.append(response)
        return response

    def handler(request: httpx.Request) -> httpx.Response:
        # A stream, as from a network transport; `json=` would set the body up front.
        return httpx.Response(200, stream=httpx.ByteStream(json.dumps(page([1, 2])).encode()))

    with make_client(handler) as client:
        httpx.Client.send = recording_send  # type: ignore[method-assign]
        try:
            document = client.get("/applications")
        finally:
            httpx.Client.send = original_send  # type: ignore[method-assign]
    assert [resource["id"] for resource in document] == ["1", "2"]
    assert len(responses) == 1
    with pytest.raises(httpx.ResponseNotRead):
        _ = responses[0].content


def test_streamed_error_body_in_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.dumps(error_body(404, "not_found", "Job 77 was not found")).encode()
        return httpx.Response(404, stream=httpx.ByteStream(body))

    with make_client(handler) as client, pytest.raises(PinpointNotFoundError) as raised:
        client.get("/jobs/77")
    assert "Job 77 was not found" in str(raised.value)
