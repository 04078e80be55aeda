"""HTTP basics: authentication, error bodies, media type, routing and the server lifecycle."""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sandbox_helpers import JSONAPI_MEDIA_TYPE, SMALL_CONFIG, make_client

from pipelines.sandbox import Sandbox, run_sandbox


def assert_error(response: httpx.Response, status: int, code: str, detail: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == JSONAPI_MEDIA_TYPE
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert errors[0]["status"] == str(status)
    assert errors[0]["code"] == code
    assert detail in errors[0]["detail"]


def test_missing_key_is_401(shared_sandbox: Sandbox) -> None:
    response = httpx.get(f"{shared_sandbox.base_url}/jobs")
    assert_error(response, 401, "unauthorized", "X-API-KEY header not provided")
    assert response.json()["errors"][0]["title"] == "Unauthorized"


def test_wrong_key_is_401(shared_sandbox: Sandbox) -> None:
    response = httpx.get(f"{shared_sandbox.base_url}/jobs", headers={"X-API-KEY": "wrong"})
    assert_error(response, 401, "unauthorized", "Invalid API key")
    assert "wrong" not in response.text


def test_key_header_name_case_insensitive(shared_sandbox: Sandbox) -> None:
    headers = {"x-api-key": shared_sandbox.api_key}
    response = httpx.get(f"{shared_sandbox.base_url}/users", headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize("accept", [JSONAPI_MEDIA_TYPE, "application/json", "*/*"])
def test_accept_headers(shared_sandbox: Sandbox, accept: str) -> None:
    headers = {"X-API-KEY": shared_sandbox.api_key, "Accept": accept}
    response = httpx.get(f"{shared_sandbox.base_url}/users", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == JSONAPI_MEDIA_TYPE


def test_collection_envelope(shared_client: httpx.Client) -> None:
    body = shared_client.get("/users").json()
    assert set(body) == {"data", "included", "meta"}
    assert body["meta"] == {}
    assert body["included"] == []
    user = body["data"][0]
    assert set(user) == {"id", "type", "attributes", "relationships"}
    assert user["type"] == "users"
    assert isinstance(user["id"], str)


def test_single_envelope(shared_client: httpx.Client) -> None:
    body = shared_client.get("/jobs/1").json()
    assert set(body) == {"data", "included", "meta"}
    assert body["data"]["id"] == "1"
    assert body["data"]["type"] == "jobs"


def test_unknown_id_is_404(shared_client: httpx.Client) -> None:
    assert_error(shared_client.get("/applications/999999"), 404, "not_found", "Record not found")
    assert_error(shared_client.get("/jobs/abc"), 404, "not_found", "Record not found")


def test_unknown_path_is_404(shared_client: httpx.Client) -> None:
    assert_error(shared_client.get("/offers"), 404, "not_found", "/api/v1/offers")
    assert_error(shared_client.get("/questions/1"), 404, "not_found", "/api/v1/questions/1")


def test_write_method_is_405(shared_client: httpx.Client) -> None:
    response = shared_client.post("/jobs", json={})
    assert_error(response, 405, "method_not_allowed", "POST")


def test_errors_carry_date_header(shared_sandbox: Sandbox) -> None:
    response = httpx.get(f"{shared_sandbox.base_url}/jobs")
    assert response.status_code == 401
    assert len(response.headers.get_list("date")) == 1
    assert "server" not in response.headers


def test_key_not_in_any_response(shared_sandbox: Sandbox, shared_client: httpx.Client) -> None:
    responses = [
        shared_client.get("/applications", params={"include": "job,candidate"}),
        shared_client.get("/applications", params={"include": "bogus"}),
        shared_client.get("/nowhere"),
    ]
    for response in responses:
        assert shared_sandbox.api_key not in response.text
    assert shared_sandbox.api_key not in repr(shared_sandbox)


def test_run_sandbox_stops_server() -> None:
    with run_sandbox(SMALL_CONFIG, api_key="lifecycle-key") as running:
        assert running.base_url.startswith("http://127.0.0.1:")
        assert running.base_url.endswith("/api/v1")
        port = int(running.base_url.split(":")[2].split("/")[0])
        response = httpx.get(f"{running.base_url}/users", headers={"X-API-KEY": "lifecycle-key"})
        assert response.status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/api/v1/users", timeout=2.0)
    # The port is free again once the sandbox has stopped.
    with socket.create_server(("127.0.0.1", port)):
        pass


def test_run_sandbox_rejects_empty_key() -> None:
    with pytest.raises(ValueError, match="api_key"), run_sandbox(SMALL_CONFIG, api_key=""):
        pass


def test_key_never_logged(
    shared_sandbox: Sandbox, shared_client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        shared_client.get("/applications", params={"include": "job"})
        httpx.get(f"{shared_sandbox.base_url}/jobs", headers={"X-API-KEY": "not-the-key"})
        with run_sandbox(SMALL_CONFIG, api_key="logged-key-check") as running:
            httpx.get(f"{running.base_url}/users", headers={"X-API-KEY": "logged-key-check"})
    assert caplog.records
    assert shared_sandbox.api_key not in caplog.text
    assert "logged-key-check" not in caplog.text
    assert "not-the-key" not in caplog.text


def test_serve_blocks_until_interrupted() -> None:
    script = (
        "import sys\n"
        "from pipelines.sandbox import SandboxConfig, serve\n"
        "config = SandboxConfig(jobs=2, candidates=10, applications=10, users=2)\n"
        "serve(config, api_key='cli-key', on_started=lambda s: print(s.base_url, flush=True))\n"
    )
    command = [sys.executable, "-c", script]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:")
            headers = {"X-API-KEY": "cli-key"}
            response = httpx.get(f"{base_url}/jobs", headers=headers, timeout=5.0)
            assert response.status_code == 200
            assert len(response.json()["data"]) == 2
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=15) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)


def test_concurrent_reads_during_writes(sandbox: Sandbox) -> None:
    """Many clients read while the store changes, and every response must be complete."""
    application_ids = [a.id for a in sandbox.store.records("applications")[:40]]

    def read_pages(worker: int) -> int:
        with make_client(sandbox) as client:
            for number in range(1, 6):
                params = {"page[number]": str(number), "page[size]": "40", "include": "stage"}
                response = client.get("/applications", params=params)
                assert response.status_code == 200
                assert len(response.json()["data"]) == 40
        return worker

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(read_pages, worker) for worker in range(8)]
        for application_id in application_ids:
            sandbox.store.touch("applications", application_id)
        finished = sorted(future.result(timeout=30) for future in futures)
    assert finished == list(range(8))
